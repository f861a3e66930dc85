#!/usr/bin/env bash
# Installs the Debian packages lacus needs to build and test. As root it runs
# apt-get; otherwise it prints the exact command to run. Packages already
# present are not reinstalled. Usage: scripts/setup.sh [--fuzz | --bench]
set -eu
packages="build-essential cmake pkg-config libopenblas-dev libopenblas-openmp-dev liblapacke-dev libarpack2-dev \
libzip-dev libcjson-dev liblbfgs-dev libsleef-dev libfftw3-dev zlib1g-dev liblzma-dev libbz2-dev python3-numpy python3-pytest \
gnuplot-nox graphviz libopenmpi-dev openmpi-bin libscalapack-openmpi-dev libnifti2-dev python3-nibabel"
# The BPTT baseline of lacus compare (bench/anchor_bptt_rnn.py) runs on
# Debian's PyTorch; it is a benchmark dependency, not a build or test one.
if [ "${1:-}" = "--bench" ]; then packages="$packages python3-torch"; fi
# Fuzzing the file readers needs clang's libFuzzer (and its OpenMP runtime).
if [ "${1:-}" = "--fuzz" ]; then packages="$packages clang libclang-rt-dev libomp-dev"; fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "setup: all build dependencies are installed"
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "setup: missing packages; run:"
    echo "  sudo apt-get install -y$missing"
    exit 1
fi

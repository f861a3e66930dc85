#!/usr/bin/env bash
# bench/run_banded.sh — banded ridge: lacus's random search and hyper-gradient
# solvers against himalaya 0.4.11's (numpy backend), same data, same split,
# same run, one thread each.
#
#   bench/run_banded.sh [--build DIR] [--python PY] [--samples N] [--targets T] [--bands A,B,C]
#
# Ends with bench_encoding banded: the random search fold by fold and
# through the shared X^T Y, back to back (build the bench_encoding target).
#
# The Python environment: --python PY or $LACUS_BENCH_PYTHON (a venv made
# from tests/ref/requirements-brain2.txt).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${LACUS_BUILD:-$ROOT/build} PY=${LACUS_BENCH_PYTHON:-} N=1000 T=500 BANDS=40,120,20
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=$2; shift ;;
        --python) PY=$2; shift ;;
        --samples) N=$2; shift ;;
        --targets) T=$2; shift ;;
        --bands) BANDS=$2; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run_banded.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$PY" ] || { echo "run_banded.sh: give --python (a venv with tests/ref/requirements-brain2.txt)" >&2; exit 2; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
L="$BUILD/lacus"
"$L" encode simulate --bands "$BANDS" --samples "$N" --targets "$T" --output "$D" --seed 3 || exit 1
for s in random hypergrad both; do
    "$L" encode banded --features "$D/X.npy" --bold "$D/Y.npy" --bands "$BANDS" --solver "$s" || exit 1
    echo "  load1=$(cut -d' ' -f1 /proc/loadavg)"
done
"$PY" "$ROOT/bench/anchor_banded.py" --dir "$D" --bands "$BANDS" || exit 1
# The random search's two routes back to back in one process, same data and
# candidates (100, as above): every candidate fold by fold, and through the
# shared X^T Y (src/brain/banded.c), with their flop counts.
for prec in "" --f32; do
    "$BUILD/bench/bench_encoding" banded "$N" "$BANDS" "$T" --n-iter 100 --threads 1 $prec || exit 1
done

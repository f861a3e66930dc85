#!/usr/bin/env bash
# bench/run_encoding.sh — lacus encoding models against himalaya 0.4.11 (numpy
# backend), same data, same run, same machine.
#
#   bench/run_encoding.sh [--quick] [--threads K] [--build DIR] [--python PY]
#                         [--dtype float32|float64] [--no-anchor]
#
# Workloads (issue 9): RidgeCV 10 alphas, 5 folds, 2880 x 1000 x 20000;
# kernel ridge (linear kernel) 2880 x 20000 features x 20000 targets; and a
# memory run, RidgeCV with 100000 targets (lacus only, peak memory goal
# 4 GiB), preceded by the A/B lines of bench_encoding refit and scan (both routes
# of the kernel refit and of the RidgeCV scan). --quick shrinks the targets
# tenfold. For each: the anchor makes
# the data and fits (bench/anchor_himalaya.py), then bench_encoding fits the
# same data and compares the chosen alphas; a ratio line follows:
#
#   ratio workload=ridge ... lacus_s=.. himalaya_s=.. speedup=..x goal=5x same_alpha=.. load1=..
#
# The Python environment: --python PY, $LACUS_BENCH_PYTHON, or bench/.venv-brain
# made from tests/ref/requirements-brain.txt.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THREADS=2 QUICK=0 BUILD=${LACUS_BUILD:-build} PY=${LACUS_BENCH_PYTHON:-} DTYPE=float32 NO_ANCHOR=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --threads) THREADS=$2; shift ;;
        --build) BUILD=$2; shift ;;
        --python) PY=$2; shift ;;
        --dtype) DTYPE=$2; shift ;;
        --no-anchor) NO_ANCHOR=1 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "run_encoding.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cd "$ROOT" || exit 1
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build "$BUILD" -j "$THREADS" --target bench_encoding >&2 || { echo "build failed" >&2; exit 1; }
if [ "$NO_ANCHOR" = 0 ] && [ -z "$PY" ]; then
    VENV="$ROOT/bench/.venv-brain"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV" && echo '*' >"$VENV/.gitignore" &&
            "$VENV/bin/pip" install -q -r "$ROOT/tests/ref/requirements-brain.txt" || exit 1
    fi
    PY="$VENV/bin/python"
fi
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
T=20000
[ "$QUICK" = 1 ] && T=2000
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }
for w in "ridge 2880 1000 $T" "kernel 2880 20000 $T"; do
    set -- $w
    if [ "$NO_ANCHOR" = 0 ]; then
        a=$("$PY" "$ROOT/bench/anchor_himalaya.py" --kind "$1" --n "$2" --p "$3" --t "$4" --dtype "$DTYPE" --out "$DATA") || exit 1
        echo "$a"
        for prec in "" --f32; do
            stages=
            [ "$1" = ridge ] && stages=--stages
            out=$("$BUILD/bench/bench_encoding" "$1" "$2" "$3" "$4" --data "$DATA" --threads "$THREADS" $prec $stages) || exit 1
            echo "$out"
            l=$(grep '^encoding ' <<<"$out")
            ls_=$(kv "$l" lacus_s) as_=$(kv "$a" seconds)
            echo "ratio workload=$1 N=$2 P=$3 T=$4 lacus_scan=$(kv "$l" scan) anchor_dtype=$DTYPE lacus_s=$ls_ himalaya_s=$as_ speedup=$(awk -v a="$as_" -v l="$ls_" 'BEGIN{printf "%.2f", a/l}')x goal=5x same_alpha=$(kv "$l" same_alpha_as_himalaya) load1=$(cut -d' ' -f1 /proc/loadavg)"
        done
    else
        "$BUILD/bench/bench_encoding" "$1" "$2" "$3" "$4" --threads "$THREADS" || exit 1
    fi
    rm -f "$DATA"/*.npy
done
# The two routes of this round's changes, each A/B in one process: the
# kernel refit (Cholesky vs eigh) and the RidgeCV scan (X^T Y vs SVD).
"$BUILD/bench/bench_encoding" refit 2880 20000 4000 --threads "$THREADS" || exit 1
for prec in "" --f32; do
    "$BUILD/bench/bench_encoding" scan 2880 1000 2000 --threads "$THREADS" $prec || exit 1
done
T=100000
[ "$QUICK" = 1 ] && T=10000
l=$("$BUILD/bench/bench_encoding" ridge 2880 1000 $T --threads "$THREADS" --f32) || exit 1
echo "$l"
echo "memory workload=ridge T=$T peak_mb=$(kv "$l" peak_mb) goal_mb=4096"

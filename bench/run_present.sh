#!/usr/bin/env bash
# bench/run_present.sh — sequence classification and preprocessing, lacus
# beside ReservoirPy 0.4.2 / scikit-learn 1.5.2, same data, same run:
#
#   bench/run_present.sh [--threads K] [--units N] [--python PY] [--build DIR]
#
# Builds bench_present (Release) in build/, runs it (it writes the synthetic
# vowels set and the scaling matrix into a scratch directory), runs the
# anchor on the same files with PY (default: $LACUS_BENCH_PYTHON, else a
# venv made at bench/.venv-present from bench/requirements-present.txt),
# and prints one ratio line per workload:
#
#   ratio workload=classify mode=mean N=500 threads=2 lacus_fit_s=.. anchor_fit_s=.. fit_speedup=..x ...
#
# The 1-minute load average is printed beside every timing: on a shared
# machine it changes the numbers, and OpenMP barriers suffer most.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THREADS=2 UNITS=500 BUILD=${LACUS_BUILD:-$ROOT/build} PY=${LACUS_BENCH_PYTHON:-}
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS=$2; shift ;;
        --units) UNITS=$2; shift ;;
        --python) PY=$2; shift ;;
        --build) BUILD=$2; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "run_present.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build "$BUILD" -j2 --target bench_present >&2 || { echo "build failed" >&2; exit 1; }
if [ -z "$PY" ]; then
    PY=$ROOT/bench/.venv-present/bin/python
    if [ ! -x "$PY" ]; then
        python3 -m venv "$ROOT/bench/.venv-present" &&
            "$ROOT/bench/.venv-present/bin/pip" install -q -r "$ROOT/bench/requirements-present.txt" ||
            { echo "cannot make the anchor's venv" >&2; exit 1; }
    fi
fi
export BENCH_DIR
BENCH_DIR=$(mktemp -d)
trap 'rm -rf "$BENCH_DIR"' EXIT
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS OMP_WAIT_POLICY=PASSIVE
B="$BUILD/bench/bench_present"
{ "$B" classify "$UNITS" 30 "$THREADS" && "$B" scale 200000 32 "$THREADS"; } | tee "$BENCH_DIR/lacus.txt"
{ "$PY" "$ROOT/bench/anchor_present.py" classify "$UNITS" "$THREADS" &&
  "$PY" "$ROOT/bench/anchor_present.py" scale "$THREADS"; } | tee "$BENCH_DIR/anchor.txt"
# ratio lines: match lacus and anchor lines on workload and mode/kind
awk '
function kv(line, key,   n, i, a, b) { n = split(line, a, " "); for (i = 1; i <= n; i++) { split(a[i], b, "="); if (b[1] == key) return b[2] } return "" }
FNR == NR { k = kv($0, "workload") "/" kv($0, "mode") kv($0, "kind"); L[k] = $0; next }
{ k = kv($0, "workload") "/" kv($0, "mode") kv($0, "kind"); if (!(k in L)) next; l = L[k]
  if (kv($0, "workload") == "classify")
    printf "ratio workload=classify mode=%s N=%s threads=%s lacus_fit_s=%s anchor_fit_s=%s fit_speedup=%.1fx lacus_predict_s=%s anchor_predict_s=%s predict_speedup=%.1fx accuracy_lacus=%s accuracy_anchor=%s peak_mb_lacus=%s peak_mb_anchor=%s load1=%s\n", kv(l, "mode"), kv(l, "N"), kv(l, "threads"), kv(l, "fit_s"), kv($0, "fit_s"), kv($0, "fit_s") / kv(l, "fit_s"), kv(l, "predict_s"), kv($0, "predict_s"), kv($0, "predict_s") / kv(l, "predict_s"), kv(l, "accuracy"), kv($0, "accuracy"), kv(l, "peak_mb"), kv($0, "peak_mb"), kv(l, "load1")
  else
    printf "ratio workload=scale kind=%s rows=%s cols=%s lacus_s=%s anchor_s=%s speedup=%.1fx lacus_GBps=%s checksums=%s/%s load1=%s\n", kv(l, "kind"), kv(l, "rows"), kv(l, "cols"), kv(l, "seconds"), kv($0, "seconds"), kv($0, "seconds") / kv(l, "seconds"), kv(l, "GBps"), kv(l, "checksum"), kv($0, "checksum"), kv(l, "load1")
}' "$BENCH_DIR/lacus.txt" "$BENCH_DIR/anchor.txt"

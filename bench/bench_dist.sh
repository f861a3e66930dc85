#!/usr/bin/env bash
# Strong scaling of `lacus fit` over MPI ranks (issue 5): the same fit on 1
# and on 2 ranks of one thread each; efficiency = t1 / (2 t2) (goal >= 0.8 at
# N = 2,000, T = 1,000,000). T steps of Mackey-Glass are cut into 8 files
# (each rank reads its own); target: the next step.
#
#   bench/bench_dist.sh [N] [T] [BUILD]        (defaults 2000 1000000 build)
set -euo pipefail
N=${1:-2000}
T=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LACUS=${3:-$ROOT/build}/lacus
"$LACUS" --version | grep -q "MPI: yes" || { echo "lacus was built without MPI"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
per=$((T / 8))
args=()
for k in 0 1 2 3 4 5 6 7; do
    "$LACUS" data mackey-glass --steps $((per + 1)) --set x0=1.$k --output s$k.npy >/dev/null
    "${PYTHON:-/usr/bin/python3}" -c "
import numpy as n; a=n.load('s$k.npy'); n.save('u$k.npy', a[:-1]); n.save('y$k.npy', a[1:])"
    args+=(--input u$k.npy --target y$k.npy)
done
fit() { # RANKS
    local t0 t1
    t0=$(date +%s.%N)
    mpirun --oversubscribe --bind-to none -np "$1" "$LACUS" fit "${args[@]}" --units "$N" \
        --rc-connectivity 0.01 --lr 0.3 --sr 1.1 --ridge 1e-6 --output m$1.npz >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
load=$(cut -d' ' -f1 /proc/loadavg)
t1=$(fit 1)
t2=$(fit 2)
"$LACUS" run --model m1.npz --input u0.npy --output p1.npy >/dev/null
"$LACUS" run --model m2.npz --input u0.npy --output p2.npy >/dev/null
same=$(cmp -s p1.npy p2.npy && echo yes || echo no)
eff=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", a / (2 * b) }')
verdict=$(awk -v e="$eff" 'BEGIN { print (e >= 0.8) ? "pass" : "FAIL" }')
echo "dist_scaling N=$N T=$T threads_per_rank=1 t1_s=$t1 t2_s=$t2 efficiency=$eff goal=0.8 $verdict identical_models=$same load1_before=$load load1_after=$(cut -d' ' -f1 /proc/loadavg)"

#!/usr/bin/env bash
# The distributed (ScaLAPACK) ridge solve against the serial one (issue 5):
# the same `lacus fit` of N units on 1 and 2 ranks (one thread each), with
# --dist-solve reduce (every rank holds the N x N sums, rank 0 solves) and
# --dist-solve scalapack (X^T X block-cyclic on a BLACS grid, pdpotrf). For
# each run: the fit's time (lacus_esn_fit_dist_ex, without MPI start-up and
# drawing W), the scalapack split (states + pdsyrk rounds / all-reduce +
# centring + pdpotrf + pdpotrs + gather), the largest rank's peak memory
# (VmHWM at the end, its growth during the fit, and the library's own
# allocations), and the models' difference. The anchor: SciPy's cho_factor +
# cho_solve (LAPACK dpotrf/dpotrs, one OpenBLAS thread) on an N x N system,
# against pdpotrf + pdpotrs on one rank.
#
#   bench/bench_dist_solve.sh ["N1 N2 ..."] [T] [BUILD]    (defaults "4000 8000" 10000 build)
#
# T steps of Mackey-Glass in 8 files; target: the next step. Memory: the
# reduce path takes about 2.6 N^2 doubles per rank (1.3 GB at N = 8,000).
set -euo pipefail
NS=${1:-4000 8000}
T=${2:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LACUS=${3:-$ROOT/build}/lacus
PY=${PYTHON:-/usr/bin/python3}
"$LACUS" --version | grep -q "ScaLAPACK: yes" || { echo "lacus was built without ScaLAPACK"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
per=$((T / 8))
args=()
for k in 0 1 2 3 4 5 6 7; do
    "$LACUS" data mackey-glass --steps $((per + 1)) --set x0=1.$k --output s$k.npy >/dev/null
    "$PY" -c "
import numpy as n; a=n.load('s$k.npy'); n.save('u$k.npy', a[:-1]); n.save('y$k.npy', a[1:])"
    args+=(--input "u$k.npy" --target "y$k.npy")
done

# fit N RANKS SOLVE: one line of results; the model in m_N_RANKS_SOLVE.npz.
fit() {
    local n=$1 k=$2 how=$3 load
    load=$(cut -d' ' -f1 /proc/loadavg)
    mpirun --oversubscribe --bind-to none -np "$k" "$LACUS" fit "${args[@]}" --units "$n" \
        --rc-connectivity 0.002 --lr 0.3 --sr 1.1 --ridge 1e-4 --warmup 100 \
        --dist-solve "$how" --report-memory --output "m_${n}_${k}_$how.npz" >out.txt
    # "trained on K ranks (...), N units in X s (scalapack solve on a P x Q
    # grid, R rounds: states A s, solve B s (pdpotrf+pdpotrs C s, cpu D s)); ..."
    # and per rank "rank r: peak memory (VmHWM) X MiB before the fit, Y MiB
    # after; lacus allocations peak Z MiB; the ... solve's estimate E MiB;
    # fit cpu C s" (CPU time: MPI's waiting ranks spin, so it counts that).
    awk -v n="$n" -v t="$T" -v k="$k" -v how="$how" -v load="$load" '
        /^trained on/ { for (i = 1; i <= NF; i++) if ($i == "units") fit = $(i + 2)
                        if (how == "scalapack") { g = $0
                            sub(/.* on a /, "", g); sub(/ grid.*/, "", g); gsub(/ /, "", g)
                            st = $0; sub(/.*states /, "", st); sub(/ s.*/, "", st)
                            so = $0; sub(/.*solve on.*solve /, "", so); sub(/ s.*/, "", so)
                            fa = $0; sub(/.*pdpotrs /, "", fa); sub(/ s.*/, "", fa)
                            fc = $0; sub(/.*pdpotrs.*cpu /, "", fc); sub(/ s.*/, "", fc) } }
        /peak memory/ { if ($11 > hwm) hwm = $11; d = $11 - $6; if (d > gr) gr = d
                        if ($17 > al) al = $17; es = $23; if ($(NF - 1) > cpu) cpu = $(NF - 1) }
        END { line = sprintf("dist_solve N=%d T=%d ranks=%d solve=%s fit_s=%.2f", n, t, k, how, fit)
              if (how == "scalapack")
                  line = line sprintf(" grid=%s states_s=%.2f solve_s=%.2f factor_s=%.2f factor_cpu_s=%.2f factor_gflops=%.2f",
                                      g, st, so, fa, fc, n * n * (n / 3.0 + 2) / fa / 1e9)
              printf "%s fit_cpu_rank_s=%.2f peak_rank_mib=%.0f fit_growth_rank_mib=%.0f lacus_alloc_rank_mib=%.0f estimate_mib=%.0f n2_mib=%.0f load1=%s\n",
                     line, cpu, hwm, gr, al, es, n * n * 8 / 1048576, load }' out.txt
}

# close A B: max |Wout_A - Wout_B| / max |Wout_B|.
close() {
    "$PY" -c "
import sys, numpy as n
a, b = n.load(sys.argv[1]), n.load(sys.argv[2])
print('%.1e' % (n.abs(a['Wout'] - b['Wout']).max() / n.abs(b['Wout']).max()))" "$1" "$2"
}

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) cores"
for n in $NS; do
    declare -A fs=()
    for k in 1 2; do
        for how in reduce scalapack; do
            line=$(fit "$n" "$k" "$how")
            echo "$line"
            fs[$k$how]=$(sed 's/.*fit_s=\([0-9.]*\).*/\1/' <<<"$line")
        done
        echo "dist_solve_ratio N=$n ranks=$k fit_time_scalapack_over_reduce=$(awk -v a="${fs[${k}scalapack]}" \
            -v b="${fs[${k}reduce]}" 'BEGIN { printf "%.2f", a / b }') wout_rel_diff=$(close \
            "m_${n}_${k}_scalapack.npz" "m_${n}_${k}_reduce.npz")"
    done
    "$PY" - "$n" <<'EOF'
import sys, time, numpy as np, scipy, scipy.linalg as sl
n = int(sys.argv[1])
g = np.random.default_rng(0)
X = g.standard_normal((n + 100, n))
A = X.T @ X + 1e-6 * np.eye(n)
B = g.standard_normal((n, 1))
t0, c0 = time.perf_counter(), time.process_time()
c = sl.cho_factor(A, lower=False, overwrite_a=True, check_finite=False)
w = sl.cho_solve(c, B, check_finite=False)
t, cpu = time.perf_counter() - t0, time.process_time() - c0
print("anchor_scipy N=%d cho_factor+cho_solve_s=%.2f cpu_s=%.2f gflops=%.2f scipy=%s numpy=%s threads=1"
      % (n, t, cpu, n * n * (n / 3.0 + 2) / t / 1e9, scipy.__version__, np.__version__))
EOF
    unset fs
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

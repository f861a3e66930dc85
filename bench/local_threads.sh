#!/usr/bin/env bash
# 2-thread speed-up of the local-learning reservoir step (issue 7) under
# the OpenMP wait policies (libgomp's default: spin a while, then sleep;
# ACTIVE: spin; PASSIVE: sleep at once, as ctest runs), optionally beside an older build (A/B runs
# alternate, so a change of machine load hits both alike).
#
#   bench/local_threads.sh [BUILD] [BASE_BUILD|-] [REPS] [N] [T]
#                          (build, -, 3, 2000, 2000)
#
# BASE_BUILD: a build dir of an older commit with bench/bench_local built
# (e.g. `git archive 7df2a3b | tar -x -C /tmp/base && cp bench/bench_local.c
# /tmp/base/bench/ && cmake -S /tmp/base -B
# /tmp/base/build -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/base/build
# --target bench_local`), or - for none. Workloads: local-plain,
# selfpred-nlms, ff (bench_local's; fan-in 20). Prints every bench_local
# line tagged with version and policy, then per version, policy and
# workload the median over REPS of the 1- and 2-thread us/step, of t1/t2 and
# of the CPU-time ratio cpu2/cpu1 (bench_local's; under PASSIVE the
# synchronisation work), with
# the 1-minute load average at the end (timings on a shared machine are
# only comparable at similar load).
set -euo pipefail
B=${1:-build}
BASE=${2:--}
REPS=${3:-3}
N=${4:-2000}
T=${5:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
versions="new"
[ "$BASE" != "-" ] && versions="base new"
echo "# local_threads: N=$N T=$T fan_in=20 reps=$REPS build=$B base=$BASE load1=$(cut -d' ' -f1 /proc/loadavg)"
for rep in $(seq 1 "$REPS"); do
    for pol in default ACTIVE PASSIVE; do
        for v in $versions; do
            bin="$B/bench/bench_local"
            [ "$v" = base ] && bin="$BASE/bench/bench_local"
            for w in local-plain selfpred-nlms ff; do
                if [ "$pol" = default ]; then run=(env -u OMP_WAIT_POLICY); else run=(env OMP_WAIT_POLICY=$pol); fi
                "${run[@]}" "$bin" "$N" "$T" 20 "$w" | grep -v "workload=esn" |
                    sed "s/^/version=$v policy=$pol rep=$rep /" | tee -a "$tmp/all.txt"
            done
        done
    done
done
echo "# medians over $REPS reps; load1 at the end=$(cut -d' ' -f1 /proc/loadavg)"
awk '
    function med(s,   a, n, i, j, x) { n = split(s, a, " ")
        for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { v = $1; p = $2; w = ""; for (i = 1; i <= NF; i++) if ($i ~ /^workload=/) w = $i
      key = v " " p " " w }
    $4 == "bench=local" && / threads=1 / { for (i = 1; i <= NF; i++) if ($i ~ /^us_per_step=/) { split($i, a, "="); t1[key] = t1[key] " " a[2] } }
    $4 == "bench=local" && / threads=2 / { for (i = 1; i <= NF; i++) if ($i ~ /^us_per_step=/) { split($i, a, "="); t2[key] = t2[key] " " a[2] } }
    $4 == "speedup" { for (i = 1; i <= NF; i++) {
        if ($i ~ /^t1\/t2=/) { split($i, a, "="); sub("x", "", a[2]); sp[key] = sp[key] " " a[2] }
        if ($i ~ /^cpu2\/cpu1=/) { split($i, a, "="); cr[key] = cr[key] " " a[2] } } }
    END { for (k in sp) printf "local_threads_median %s us_step_t1=%.1f us_step_t2=%.1f t1/t2=%.2fx cpu2/cpu1=%.3f\n", k, med(t1[k]), med(t2[k]), med(sp[k]), med(cr[k]) }
' "$tmp/all.txt" | sort

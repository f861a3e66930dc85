#!/usr/bin/env bash
# bench/run.sh — lacus against ReservoirPy 0.4.2, same run, same machine.
#
#   bench/run.sh [--quick | --full] [--threads K] [--force-anchor] [--no-anchor]
#                [--only REGEX] [--build DIR] [--python PY]
#
# Builds bench_esn, bench_online and bench_stack (Release) in build/ (or --build DIR / $LACUS_BUILD),
# makes a virtual environment bench/.venv with bench/requirements.txt (or
# uses --python PY / $LACUS_BENCH_PYTHON), then for each workload runs
# lacus, then the ReservoirPy anchor, and prints a ratio line:
#
#   ratio workload=states N=1000 T=10000 seqs=1 threads=2 lacus_s=.. anchor_s=.. speedup=..x goal=10x pass
#
# Anchor results are cached in bench/results/anchor_cache.json (keyed by
# workload, versions and machine); --force-anchor measures them again.
# Everything printed is also appended to bench/results/ (gitignored).
# See bench/README.md for the workloads and how to read the lines.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=full
THREADS=2
FORCE=""
NO_ANCHOR=0
ONLY=""
BUILD=${LACUS_BUILD:-build}
PY=${LACUS_BENCH_PYTHON:-}

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) MODE=quick ;;
        --full) MODE=full ;;
        --threads) THREADS=$2; shift ;;
        --force-anchor) FORCE=--force ;;
        --no-anchor) NO_ANCHOR=1 ;;
        --only) ONLY=$2; shift ;;
        --build) BUILD=$2; shift ;;
        --python) PY=$2; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

cd "$ROOT" || exit 1
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
STAMP=$(date +%Y%m%dT%H%M%S)
OUTFILE="$RESULTS/$STAMP-$MODE.txt"
CACHE="$RESULTS/anchor_cache.json"

say() { echo "$*" | tee -a "$OUTFILE"; }

# ---------------------------------------------------------------- build
echo "== building bench_esn, bench_online (Release) in $BUILD" >&2
if ! { cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
       cmake --build "$BUILD" -j "$(nproc)" --target bench_esn bench_online bench_stack >&2; }; then
    echo "run.sh: build failed" >&2
    exit 1
fi
BENCH="$BUILD/bench/bench_esn"
BENCH_ONLINE="$BUILD/bench/bench_online"   # rls, generate (issue 3)
BENCH_STACK="$BUILD/bench/bench_stack"     # stack: the ReservoirBERT workload (issue 4)

# ----------------------------------------------------------- python venv
if [ "$NO_ANCHOR" = 0 ] && [ -z "$PY" ]; then
    VENV="$ROOT/bench/.venv"
    REQ="$ROOT/bench/requirements.txt"
    STAMPFILE="$VENV/.requirements.sha"
    want=$(sha1sum "$REQ" | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMPFILE" 2>/dev/null)" != "$want" ]; then
        echo "== setting up $VENV (pip install -r bench/requirements.txt)" >&2
        python3 -m venv "$VENV" || exit 1
        echo '*' > "$VENV/.gitignore"   # keep the venv out of git
        "$VENV/bin/pip" install -q -r "$REQ" || { echo "run.sh: pip install failed" >&2; exit 1; }
        echo "$want" > "$STAMPFILE"
    fi
    PY="$VENV/bin/python"
fi

export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS

# ------------------------------------------------------------ workloads
# kind|arguments|goal   (goal: speedup for states/fit, "-" for none)
QUICK=(
    "peak||-"
    "states|1000 0.1 10000 1|10"
    "states|1000 0.1 1000 16|20"
    "fit|2000 0.1 5000|-"
    "fit|10000 0.003 1000|20"
    "memfit|2000 100000|-"
    "rls|1000 2000|10"
    "generate|1000 2000|20"
    "stack|2 1000 0.1 2000|20"
)
FULL=(
    "peak||-"
    "states|1000 0.1 10000 1|10"
    "states|1000 0.1 1000 16|20"
    "states|10000 0.003 10000 1|3"
    "states|10000 0.003 1000 16|6"
    "fit|10000 0.003 10000|3"
    "fitf32|10000 0.003 10000|3"
    "fit|10000 0.003 1000|20"
    "memfit|2000 1000000|-"
    "rls|1000 10000|10"
    "rls|2000 2000|-"
    "generate|1000 10000|20"
    "stack|12 1000 0.1 10000|20"
    "stack|12 10000 0.003 1000|20"
    "stack|12 10000 0.003 10000|3"
    "stackf32|12 10000 0.003 10000|3"
)
XTX_GOAL=0.85      # X^T X accumulation: fraction of a bare dsyrk's GFLOP/s
MEM_GOAL_MB=1024   # memfit: peak resident memory
STACK_MEM_GOAL_MB=2560  # stack (ReservoirBERT): peak resident memory

# value of key $2 in line $1
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# ratio NAME-FIELDS LACUS_S ANCHOR_S GOAL [extra]
ratio() {
    local fields=$1 ls=$2 as=$3 goal=$4 extra=${5:-}
    local sp verdict
    sp=$(awk -v a="$as" -v l="$ls" 'BEGIN { if (l > 0 && a > 0) printf "%.2f", a / l; else print "nan" }')
    if [ -z "$as" ] || [ -z "$ls" ]; then
        verdict="no_result"
        [ "$goal" != "-" ] && goal="${goal}x"
    elif [ "$goal" = "-" ]; then
        verdict="info"
    else
        verdict=$(awk -v s="$sp" -v g="$goal" 'BEGIN { print (s != "nan" && s + 0 >= g + 0) ? "pass" : "FAIL" }')
        goal="${goal}x"
    fi
    say "ratio $fields lacus_s=$ls anchor_s=$as speedup=${sp}x goal=$goal $verdict${extra:+ $extra}"
}

run_lacus() {
    case "$1" in
    rls|generate) "$BENCH_ONLINE" "$@" --threads "$THREADS" 2>&1 ;;
    stack) shift; "$BENCH_STACK" --threads "$THREADS" "$@" 2>&1 ;;
    stackf32) shift; "$BENCH_STACK" --threads "$THREADS" --f32 1 "$@" 2>&1 ;;
    fitf32) shift; "$BENCH" fit "$@" --threads "$THREADS" --f32 2>&1 ;;
    *) "$BENCH" "$@" --threads "$THREADS" 2>&1 ;;
    esac
}
run_anchor() {
    [ "$NO_ANCHOR" = 1 ] && return 0
    "$PY" "$ROOT/bench/anchor_reservoirpy.py" "$@" --threads "$THREADS" --cache "$CACHE" $FORCE 2>&1
}

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo nan)
say "# lacus bench $MODE $STAMP commit=$commit host=$(hostname) cpu=\"$cpu\" cores=$(nproc) threads=$THREADS load=$load"
# Other work on the machine skews both sides (OpenMP barriers suffer most).
if awk -v l="$load" -v c="$(nproc)" 'BEGIN { exit !(l + 0 > 0.5 * c) }'; then
    say "# warning: load average $load on $(nproc) cores: timings are not reliable"
fi

if [ "$MODE" = quick ]; then SET=("${QUICK[@]}"); else SET=("${FULL[@]}"); fi

for w in "${SET[@]}"; do
    IFS='|' read -r kind args goal <<<"$w"
    if [ -n "$ONLY" ] && ! grep -Eq -- "$ONLY" <<<"$kind $args"; then continue; fi
    # shellcheck disable=SC2086
    set -- $args
    echo "== $kind $args" >&2
    say "# $kind $args load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)"
    L=$(run_lacus "$kind" "$@"); lrc=$?
    while IFS= read -r line; do say "$line"; done <<<"$L"
    A=""
    if [ "$kind" != memfit ]; then
        A=$(run_anchor "${kind%f32}" "$@")
        [ -n "$A" ] && while IFS= read -r line; do say "$line"; done <<<"$A"
    fi
    if [ $lrc -ne 0 ]; then
        say "ratio workload=$kind args=\"$args\" lacus=ERROR(rc=$lrc) FAIL"
        continue
    fi
    case "$kind" in
    peak)
        ;;
    states)
        ll=$(grep 'workload=states' <<<"$L"); al=$(grep 'workload=states' <<<"$A")
        note=""
        [ "$4" -gt 1 ] && note="(${4}x$3 steps)"
        ratio "workload=states N=$1 T=$3 seqs=$4 threads=$THREADS" \
            "$(kv "$ll" seconds)" "$(kv "$al" seconds)" "$goal" \
            "lacus_mode=$(kv "$ll" mode) anchor_workers=$(kv "$al" workers)${note:+ note=$note}"
        ;;
    fit|fitf32)
        ll=$(grep 'workload=fit' <<<"$L"); al=$(grep 'workload=fit' <<<"$A")
        ratio "workload=$kind N=$1 T=$3 threads=$THREADS solver=$(kv "$ll" solver)" \
            "$(kv "$ll" seconds)" "$(kv "$al" seconds)" "$goal"
        # The readout part alone: lacus partial_fit + solve vs Ridge.fit.
        lr=$(awk -v a="$(kv "$ll" acc_s)" -v b="$(kv "$ll" solve_s)" 'BEGIN { printf "%.4g", a + b }')
        ratio "workload=ridge N=$1 T=$3 threads=$THREADS" "$lr" "$(kv "$al" ridge_s)" "-"
        xl=$(grep 'workload=xtx' <<<"$L")
        if [ -n "$xl" ]; then
            ratio "workload=xtx N=$1 T=$3 threads=$THREADS anchor=dsyrk" \
                "$(kv "$xl" seconds)" "$(kv "$xl" dsyrk_s)" "$XTX_GOAL" \
                "gflops=$(kv "$xl" gflops) dsyrk_gflops=$(kv "$xl" dsyrk_gflops)"
        fi
        ;;
    rls)
        # (reservoir >> RLS) online training; RLS alone; the O(N^2) bound.
        ll=$(grep 'workload=rls ' <<<"$L"); al=$(grep 'workload=rls ' <<<"$A")
        ol=$(grep 'workload=rls_only' <<<"$L")
        ratio "workload=rls N=$1 T=$2 threads=$THREADS" \
            "$(kv "$ll" seconds)" "$(kv "$al" seconds)" "$goal"
        ratio "workload=rls_only N=$1 T=$2 threads=$THREADS" \
            "$(kv "$ol" seconds)" "$(kv "$al" rls_only_s)" "-" \
            "anchor_rows=$(kv "$al" rls_only_rows)"
        b1=$(grep 'workload=rls_bound' <<<"$L" | grep ' threads=1 ')
        bk=$(grep 'workload=rls_bound' <<<"$L" | grep -v ' threads=1 ' | head -n 1)
        say "bound workload=rls N=$1 T=$2 op=dsymv+dsyr lacus_rls_only_s=$(kv "$ol" seconds)" \
            "bound_1t_s=$(kv "$b1" seconds) fraction_1t=$(kv "$b1" fraction_rls_only)" \
            "bound_${THREADS}t_s=$(kv "$bk" seconds) fraction_${THREADS}t=$(kv "$bk" fraction_rls_only)"
        ;;
    generate)
        ll=$(grep 'workload=generate' <<<"$L"); al=$(grep 'workload=generate' <<<"$A")
        ratio "workload=generate N=$1 K=$2 threads=$THREADS" \
            "$(kv "$ll" seconds)" "$(kv "$al" seconds)" "$goal" \
            "lacus_nrmse100=$(kv "$ll" nrmse100) anchor_nrmse100=$(kv "$al" nrmse100)"
        ;;
    stack|stackf32)
        # ReservoirPy runs --measured layers (default 2) and extrapolates.
        ll=$(grep 'workload=stack ' <<<"$L"); al=$(grep 'workload=stack ' <<<"$A")
        rl=$(grep 'workload=stack_ridge' <<<"$L")
        mb=$(kv "$ll" peak_rss_mb)
        mv=$(awk -v m="$mb" -v g="$STACK_MEM_GOAL_MB" 'BEGIN { print (m + 0 > 0 && m + 0 < g + 0) ? "pass" : "FAIL" }')
        ratio "workload=$kind L=$1 N=$2 T=$4 threads=$THREADS" \
            "$(kv "$ll" seconds)" "$(kv "$al" seconds)" "$goal" \
            "anchor_measured_layers=$(kv "$al" measured_layers) peak_rss_mb=$mb goal_mb=<$STACK_MEM_GOAL_MB $mv anchor_peak_rss_mb=$(kv "$al" peak_rss_mb)"
        say "ratio workload=stack_ridge N=$2 T=$4 form=$(kv "$rl" form) ridge_s=$(kv "$rl" ridge_s) bare_blas_s=$(kv "$rl" bare_blas_s) ratio=$(kv "$rl" ridge_vs_bare) goal=<=1.2 $(awk -v r="$(kv "$rl" ridge_vs_bare)" 'BEGIN { print (r + 0 > 0 && r + 0 <= 1.2) ? "pass" : "FAIL" }')"
        ;;
    memfit)
        ml=$(grep 'workload=memfit' <<<"$L")
        mb=$(kv "$ml" peak_rss_mb)
        v=$(awk -v m="$mb" -v g="$MEM_GOAL_MB" 'BEGIN { print (m + 0 > 0 && m + 0 < g + 0) ? "pass" : "FAIL" }')
        A=$(run_anchor memfit "$@")
        say "ratio workload=memfit N=$1 T=$2 threads=$THREADS lacus_s=$(kv "$ml" seconds) peak_rss_mb=$mb goal_mb=<$MEM_GOAL_MB $v anchor_est_mb=$(kv "$A" peak_rss_mb)"
        ;;
    esac
done

cat "$OUTFILE" >> "$RESULTS/history.txt"
echo "== results in $OUTFILE" >&2

#!/usr/bin/env bash
# Search throughput (issue 5): trials per minute of `lacus search` against
# ReservoirPy 0.4.2's `research` (hyperopt TPE) on the same objective and
# search space, in the same run on the same machine: Mackey-Glass 10 steps
# ahead, an ESN of UNITS units (ReservoirPy: Reservoir >> Ridge with the
# same warmup), sr / lr / ridge log-uniform and input_scaling uniform, 3
# reservoir instances per trial, validation NRMSE. lacus runs a batch per
# thread (all cores) and single-threaded (batch 1, OMP_NUM_THREADS=1), so
# the thread speedup and the per-trial cost are both visible. Prints the
# 1-minute load average before and after (the machine may be shared).
#
#   bench/search_throughput.sh [TRIALS] [UNITS] [BUILD]   (defaults 30 300 build)
#   PYTHON: a Python with reservoirpy==0.4.2 and hyperopt (e.g.
#   python3 -m venv /tmp/v && /tmp/v/bin/pip install reservoirpy==0.4.2 hyperopt)
set -euo pipefail
TRIALS=${1:-30}
UNITS=${2:-300}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LACUS=$(realpath "${3:-$ROOT/build}")/lacus
PY=${PYTHON:-python3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
cd "$W"
"$LACUS" data mackey-glass --steps 6000 --output mg.npy >/dev/null
"$PY" -c "
import numpy as n; a=n.load('mg.npy'); a=(a-a.mean())/a.std(); h=10
n.save('u.npy',a[:4000]); n.save('y.npy',a[h:4000+h]); n.save('ut.npy',a[4000:5900]); n.save('yt.npy',a[4000+h:5900+h])"
echo "{\"input\": \"u.npy\", \"target\": \"y.npy\", \"esn\": {\"units\": $UNITS, \"warmup\": 100, \"seed\": 1}}" >esn.json
search() { # BATCH RESULTS
    cat >s.json <<JSON
{"config": "esn.json", "validation": {"input": "ut.npy", "target": "yt.npy"},
 "space": {"sr": ["log-uniform", 0.05, 5], "lr": ["log-uniform", 0.01, 1],
           "ridge": ["log-uniform", 1e-10, 1e-2], "input_scaling": ["uniform", 0.1, 2]},
 "method": "tpe", "trials": $TRIALS, "instances": 3, "batch": $1, "seed": 1, "results": "$2"}
JSON
}
now() { date +%s.%N; }
load0=$(cut -d' ' -f1 /proc/loadavg)
search "$(nproc)" all.jsonl
t0=$(now); "$LACUS" search s.json >/dev/null 2>&1; t1=$(now)
search 1 one.jsonl
# CPU seconds (user + sys) as well as wall time: on a shared machine the
# wall time of both sides is stretched by the other jobs, CPU time much less.
t2=$(now); OMP_NUM_THREADS=1 /usr/bin/time -f "%U %S" -o cpu_lacus.txt "$LACUS" search s.json >/dev/null 2>&1; t3=$(now)
cat >rpy.py <<PY
import json, os, sys, time
import numpy as np

from reservoirpy.hyper import research
from reservoirpy.nodes import Reservoir, Ridge
from reservoirpy.observables import nrmse
u, y, ut, yt = (np.load(f) for f in ("u.npy", "y.npy", "ut.npy", "yt.npy"))

def objective(dataset, config, *, sr, lr, ridge, input_scaling):
    u, y, ut, yt = dataset
    losses = []
    for k in range(config["instances_per_trial"]):
        model = Reservoir($UNITS, sr=sr, lr=lr, input_scaling=input_scaling, seed=1 + k) >> Ridge(ridge=ridge)
        model.fit(u, y, warmup=100)
        losses.append(nrmse(yt, model.run(ut)))
    return {"loss": float(np.mean(losses))}

conf = {"exp": "tp", "hp_max_evals": $TRIALS, "hp_method": "tpe", "seed": 1, "instances_per_trial": 3,
        "hp_space": {"sr": ["loguniform", 0.05, 5], "lr": ["loguniform", 0.01, 1],
                     "ridge": ["loguniform", 1e-10, 1e-2], "input_scaling": ["uniform", 0.1, 2]}}
json.dump(conf, open("tp.config.json", "w"))
t = time.time()
research(objective, (u, y, ut, yt), "tp.config.json", ".")
print(time.time() - t)
PY
rpy_s=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/time -f "%U %S" -o cpu_rpy.txt "$PY" rpy.py 2>/dev/null | tail -1)
cpu() { awk '{ print $1 + $2 }' "$1"; }
rpy_all=$("$PY" rpy.py 2>/dev/null | tail -1)
load1=$(cut -d' ' -f1 /proc/loadavg)
best() { "$PY" -c "import json,sys; print(min(json.loads(l)['loss'] or 9e9 for l in open(sys.argv[1])))" "$1"; }
awk -v n="$TRIALS" -v a="$(awk -v x="$t0" -v y="$t1" 'BEGIN{print y-x}')" \
    -v b="$(awk -v x="$t2" -v y="$t3" 'BEGIN{print y-x}')" -v r1="$rpy_s" -v ra="$rpy_all" \
    -v cl="$(cpu cpu_lacus.txt)" -v cr="$(cpu cpu_rpy.txt)" -v ba="$(best all.jsonl)" -v bo="$(best one.jsonl)" -v cores="$(nproc)" -v l0="$load0" -v l1="$load1" -v u="$UNITS" 'BEGIN {
    printf "search_throughput units=%d trials=%d instances=3 cores=%d\n", u, n, cores
    printf "  lacus, batch %d (all cores):  %7.1f s  %7.1f trials/min  best %.4f\n", cores, a, 60*n/a, ba
    printf "  lacus, batch 1, 1 thread:     %7.1f s  %7.1f trials/min  best %.4f\n", b, 60*n/b, bo
    printf "  ReservoirPy research, 1 thread: %5.1f s  %7.1f trials/min\n", r1, 60*n/r1
    printf "  ReservoirPy research, BLAS threads: %5.1f s  %7.1f trials/min\n", ra, 60*n/ra
    printf "  ratio lacus(all cores) / ReservoirPy(best of its two): %.1fx (goal 10x)\n", (r1 < ra ? r1 : ra) / a
    printf "  ratio single-threaded lacus / single-threaded ReservoirPy: %.1fx\n", r1 / b
    printf "  CPU seconds, single-threaded: lacus %.1f s (%.0f trials per CPU-minute), ReservoirPy %.1f s (%.1f): %.1fx\n", cl, 60*n/cl, cr, 60*n/cr, cr / cl
    printf "  load1 before %s after %s\n", l0, l1 }'

#!/usr/bin/env bash
# Search quality (issue 5): TPE against random search on Mackey-Glass
# 10-step-ahead forecasting (a 200-unit ESN; sr, lr, ridge log-uniform,
# input_scaling uniform; 2 reservoir instances per trial), over several
# search seeds; prints the median best-loss-so-far curves and, per seed,
# the trial at which TPE first reaches random search's final best.
#
#   [BATCH=4] bench/search_quality.sh [TRIALS] [SEEDS] [BUILD]   (defaults 60 5 build)
set -euo pipefail
TRIALS=${1:-60}
SEEDS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LACUS=${3:-$ROOT/build}/lacus
W=$(mktemp -d)
cd "$W"
"$LACUS" data mackey-glass --steps 6000 --output mg.npy >/dev/null
"${PYTHON:-/usr/bin/python3}" -c "
import numpy as n; a=n.load('mg.npy'); a=(a-a.mean())/a.std(); h=10
n.save('u.npy',a[:4000]); n.save('y.npy',a[h:4000+h]); n.save('ut.npy',a[4000:5900]); n.save('yt.npy',a[4000+h:5900+h])"
echo '{"input": "u.npy", "target": "y.npy", "esn": {"units": 200, "warmup": 100, "seed": 1}}' >esn.json
for method in tpe random; do
    for seed in $(seq 1 "$SEEDS"); do
        cat >s.json <<JSON
{"config": "esn.json", "validation": {"input": "ut.npy", "target": "yt.npy"},
 "space": {"sr": ["log-uniform", 0.05, 5], "lr": ["log-uniform", 0.01, 1],
           "ridge": ["log-uniform", 1e-10, 1e-2], "input_scaling": ["uniform", 0.1, 2]},
 "method": "$method", "trials": $TRIALS, "instances": 2, "batch": ${BATCH:-4}, "seed": $seed,
 "results": "$method-$seed.jsonl"}
JSON
        "$LACUS" search s.json >/dev/null 2>&1
    done
done
python3 - "$TRIALS" "$SEEDS" <<'PY'
import json, math, statistics, sys
T, S = int(sys.argv[1]), int(sys.argv[2])
def curve(f):
    b, out = math.inf, []
    for line in open(f):
        l = json.loads(line)["loss"]
        b = min(b, l if l is not None else math.inf)
        out.append(b)
    return out
c = {m: [curve(f"{m}-{s}.jsonl") for s in range(1, S + 1)] for m in ("tpe", "random")}
print(f"median best validation NRMSE so far over {S} search seeds")
print("trials   tpe      random")
for k in (10, 20, 30, 40, 50, 60, 80, 100):
    if k <= T:
        print(f"{k:6d}   {statistics.median(x[k-1] for x in c['tpe']):.4f}   "
              f"{statistics.median(x[k-1] for x in c['random']):.4f}")
for s in range(S):
    rb = c["random"][s][-1]
    hit = next((k + 1 for k, v in enumerate(c["tpe"][s]) if v <= rb), None)
    print(f"seed {s+1}: random's best after {T} trials {rb:.4f}; TPE reaches it at trial {hit}")
PY

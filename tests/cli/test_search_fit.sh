#!/usr/bin/env bash
# A search trial's losses are those of `lacus fit` + `lacus run` with the
# trial's options, bit for bit: for every trial and instance of a random
# search (two reservoir sizes, so trials of a batch share lanes with some
# and not others; two validation sequences), the model is refitted with
# `lacus fit` (seed = the config's + instance), run with `lacus run` on each
# validation sequence, and the pooled NRMSE recomputed in Python in the
# search's order of additions; it must equal the loss in the results file
# exactly (%.17g round trip), and the trial's loss their mean. The search
# runs its trials as lanes of one reservoir pass (lacus_esn_fit_eval_many);
# this is the end-to-end check that the lanes change nothing.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import numpy" 2>/dev/null || { echo "no numpy for /usr/bin/python3: skipped"; exit 0; }

"$LACUS" data mackey-glass --steps 900 --output u.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 900 --set tau=18 --output y.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --output vu1.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --set tau=18 --output vy1.npy >/dev/null
"$LACUS" data mackey-glass --steps 170 --set x0=0.7 --output vu2.npy >/dev/null
"$LACUS" data mackey-glass --steps 170 --set x0=0.7 --set tau=18 --output vy2.npy >/dev/null
echo '{"input": "u.npy", "target": "y.npy", "esn": {"units": 60, "warmup": 30, "seed": 11, "bias": 0.2}}' >esn.json
cat >s.json <<'JSON'
{"config": "esn.json", "validation": {"input": ["vu1.npy", "vu2.npy"], "target": ["vy1.npy", "vy2.npy"]},
 "space": {"sr": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "ridge": ["log-uniform", 1e-9, 1e-3],
           "input_scaling": ["uniform", 0.1, 2], "units": ["choice", 40, 60]},
 "method": "random", "trials": 6, "instances": 2, "batch": 3, "seed": 3, "results": "s.jsonl"}
JSON
expect_ok "search" "$LACUS" search s.json
[ "$(wc -l <s.jsonl)" -eq 6 ] || { failed=$((failed + 1)); echo "FAIL: 6 results expected"; }

# Refit every (trial, instance) with lacus fit / lacus run.
$PY - <<'EOF' >fits.txt || { failed=$((failed + 1)); echo "FAIL: reading s.jsonl"; }
import json
for line in open("s.jsonl"):
    r = json.loads(line)
    p = r["params"]
    for i in range(2):
        print(r["trial"], i, "--units %d --sr %r --lr %r --ridge %r --input-scaling %r --seed %d"
              % (round(p["units"]), p["sr"], p["lr"], p["ridge"], p["input_scaling"], 11 + i))
EOF
while read -r trial inst opts; do
    # shellcheck disable=SC2086
    "$LACUS" fit --input u.npy --target y.npy --warmup 30 --bias 0.2 $opts --output "m_${trial}_$inst.npz" >/dev/null 2>&1 &&
        "$LACUS" run --model "m_${trial}_$inst.npz" --input vu1.npy --output "p1_${trial}_$inst.npy" >/dev/null 2>&1 &&
        "$LACUS" run --model "m_${trial}_$inst.npz" --input vu2.npy --output "p2_${trial}_$inst.npy" >/dev/null 2>&1 ||
        { failed=$((failed + 1)); echo "FAIL: lacus fit/run for trial $trial instance $inst"; }
done <fits.txt
if $PY - <<'EOF'; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: search losses differ from lacus fit + run"; fi
import json, math, sys
import numpy as np
bad = 0
for line in open("s.jsonl"):
    r = json.loads(line)
    t = r["trial"]
    got = []
    for i in range(2):
        se = s = s2 = n = 0.0
        for v in (1, 2):
            pred = np.load("p%d_%d_%d.npy" % (v, t, i)).ravel().tolist()
            true = np.load("vy%d.npy" % v).ravel().tolist()
            for a, b in zip(pred, true):
                e = a - b
                se += e * e
                s += b
                s2 += b * b
                n += 1
        var = s2 / n - (s / n) * (s / n)
        got.append(math.sqrt(se / n / var))
    if got != r["losses"] or (got[0] + got[1]) / 2 != r["loss"]:
        bad += 1
        print("trial %d: search %r %r, lacus fit + run %r" % (t, r["losses"], r["loss"], got))
print("%d trials x 2 instances compared, %d differ" % (6, bad))
sys.exit(1 if bad else 0)
EOF
# Both sizes were drawn, so some batch mixed lane groups and lone fits.
grep -q '"units": 40' s.jsonl && grep -q '"units": 60' s.jsonl && passed=$((passed + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: one size only"; }
finish

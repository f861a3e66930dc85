#!/usr/bin/env bash
# NVAR forecasters through the lacus command: `lacus fit --model nvar`
# trains one on a series (its own increments or next values), `lacus run`
# gives one-step-ahead forecasts, `lacus run --generate K` forecasts K steps
# in closed loop (lacus_nvar_forecast, in C). Checked with NumPy when
# /usr/bin/python3 has it: the first generated step is the one-step forecast
# of the warm-up's last row, and replaying the generated series through the
# one-step path reproduces it (the loop really feeds its predictions back).
# Graph configs with a lstsq ridge node train and agree with Cholesky.
# Bad parameters and data: precise messages, exit 2 / 1, no file left.
. "$(dirname "$0")/lib.sh"

"$LACUS" data lorenz --steps 1000 --set h=0.025 --output lz.npy >/dev/null || { echo "setup failed"; exit 1; }
PY=/usr/bin/python3
$PY -c "import numpy" 2>/dev/null || PY=

expect_ok "fit --model nvar" "$LACUS" fit --model nvar --input lz.npy --ridge 2.5e-6 --warmup 199 --output nv.npz
grep -q "trained NVAR (delay 2, order 2, strides 1: 27 features) on 1 sequences, 800 rows, predicting the increment" out.txt &&
    passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: fit report"; cat out.txt; }
expect_ok "fit --model=nvar --help lists the NVAR options" "$LACUS" fit --model=nvar --help
grep -q -- "--predicts" out.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: help"; cat out.txt; }
expect_ok "lacus fit --help mentions --model nvar" "$LACUS" fit --help
grep -q "esn | nvar" out.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: fit help"; }
expect_ok "one-step run" "$LACUS" run --model nv.npz --input lz.npy --output one.npy
expect_ok "generate 300" "$LACUS" run --model nv.npz --input lz.npy --generate 300 --output gen.npy
grep -q "wrote gen.npy (300 generated steps after 1000 warm-up steps, 3 outputs" out.txt &&
    passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: generate report"; cat out.txt; }
if [ -n "$PY" ]; then
    $PY -c "
import numpy as n
x, one, g = n.load('lz.npy'), n.load('one.npy'), n.load('gen.npy')
assert g.shape == (300, 3) and one.shape == x.shape, (g.shape, one.shape)
s = x.std(axis=0)
# one-step forecasts of the training part beat persistence (x[t+1] = x[t]) by
# far: RMS ratio measured 0.006 on ReservoirPy's fixture data
e = n.sqrt(n.mean(((one[199:-1] - x[200:]) / s) ** 2) / n.mean(((x[199:-1] - x[200:]) / s) ** 2))
assert e < 0.02, e
# the first generated step is the one-step forecast of the last row
assert n.abs(g[0] - one[-1]).max() <= 1e-12 * n.abs(one[-1]).max(), (g[0], one[-1])
n.save('replay_in.npy', n.vstack([x, g[:-1]]))
" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: one-step vs generate"; }
    expect_ok "replay the generated series" "$LACUS" run --model nv.npz --input replay_in.npy --output replay.npy
    $PY -c "
import numpy as n
g, r = n.load('gen.npy'), n.load('replay.npy')[-300:]
d = n.abs(g - r).max() / n.abs(g).max()
print('replay max rel diff', d)
assert d <= 1e-10, d
" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: replay differs from the closed loop"; }
fi
expect_ok "fit next-value model, strides 2, lstsq" "$LACUS" fit --model nvar --input lz.npy --delay 3 \
    --strides 2 --predicts next --solver lstsq --ridge 1e-6 --output nx.npz
grep -q "54 features.*995 rows, predicting the next.*lstsq" out.txt && passed=$((passed + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: next/lstsq report"; cat out.txt; }
expect_ok "generate with it" "$LACUS" run --model nx.npz --input lz.npy --generate 20 --output gx.npy

# Bad parameters: usage errors, no model file.
expect_fail "delay 0" 2 "NVAR delay = 0: must be >= 1" b.npz "$LACUS" fit --model nvar --input lz.npy --delay 0 --output b.npz
expect_fail "order 100" 2 "NVAR order = 100" b.npz "$LACUS" fit --model nvar --input lz.npy --order 100 --output b.npz
expect_fail "bad predicts" 2 '--predicts "delta": expected increment or next' b.npz \
    "$LACUS" fit --model nvar --input lz.npy --predicts delta --output b.npz
expect_fail "bad solver" 2 '--solver "qr"' b.npz "$LACUS" fit --model nvar --input lz.npy --solver qr --output b.npz
expect_fail "negative ridge" 2 "--ridge -1: must be finite and >= 0" b.npz "$LACUS" fit --model nvar --input lz.npy --ridge -1 --output b.npz
expect_fail "warmup -2" 2 "--warmup -2" b.npz "$LACUS" fit --model nvar --input lz.npy --warmup -2 --output b.npz
expect_fail "esn option on nvar" 2 "units" b.npz "$LACUS" fit --model nvar --input lz.npy --units 10 --output b.npz
expect_fail "unknown model" 2 '--model "gru": expected esn or nvar' b.npz "$LACUS" fit --model gru --input lz.npy --output b.npz
# Bad data: runtime errors, no file.
printf 'a,b\n1,2\nnan,3\n4,5\n' >nan.csv
expect_fail "NaN in the series" 1 "sequence 0" b.npz "$LACUS" fit --model nvar --input nan.csv --output b.npz
printf 'a,b\n1,2\n3,4\n' >short.csv
expect_fail "too short to train" 1 "leaves no training row" b.npz "$LACUS" fit --model nvar --input short.csv --output b.npz
expect_fail "wrong width at run" 1 "--input has 2 columns; nv.npz forecasts series of 3" o.npy \
    "$LACUS" run --model nv.npz --input short.csv --output o.npy
if [ -n "$PY" ]; then
    $PY -c "import numpy as n; x = n.load('lz.npy'); n.save('w1.npy', x[:1]); n.save('two.npy', n.stack([x[:50], x[50:100]]))"
    expect_fail "warm-up too short" 1 "the delay line needs (delay - 1) * strides + 1 = 2" o.npy \
        "$LACUS" run --model nv.npz --input w1.npy --generate 5 --output o.npy
    expect_fail "generate from two sequences" 1 "--generate warms up on one sequence" o.npy \
        "$LACUS" run --model nv.npz --input two.npy --generate 5 --output o.npy
fi
expect_fail "--layer on an nvar model" 2 "is an NVAR model" o.npy "$LACUS" run --model nv.npz --input lz.npy --layer 0 --output o.npy
# A model file whose manifest is damaged.
if [ -n "$PY" ]; then
    $PY -c "
import zipfile, json
z = zipfile.ZipFile('nv.npz'); m = json.loads(z.read('manifest.json'))
m['nvar']['order'] = 0
with zipfile.ZipFile('broken.npz', 'w') as w:
    for i in z.namelist():
        w.writestr(i, json.dumps(m) if i == 'manifest.json' else z.read(i))
"
    expect_fail "damaged manifest" 1 '"order" must be an integer in [1, 64]' o.npy \
        "$LACUS" run --model broken.npz --input lz.npy --output o.npy
    $PY -c "
import zipfile, json
z = zipfile.ZipFile('nv.npz'); m = json.loads(z.read('manifest.json'))
m['nvar']['delay'] = 3
with zipfile.ZipFile('broken2.npz', 'w') as w:
    for i in z.namelist():
        w.writestr(i, json.dumps(m) if i == 'manifest.json' else z.read(i))
x = __import__('numpy').load('lz.npy'); x[-1, 2] = float('nan'); __import__('numpy').save('nanwarm.npy', x)
"
    expect_fail "manifest readout disagrees with the NVAR" 1 "the readout is (27, 3) but the NVAR has 54 features" o.npy \
        "$LACUS" run --model broken2.npz --input lz.npy --generate 5 --output o.npy
    expect_fail "NaN in the warm-up" 1 "the warm-up[999, 2] is NaN" o.npy \
        "$LACUS" run --model nv.npz --input nanwarm.npy --generate 5 --output o.npy
fi

# Graph configs: a ridge node with solver lstsq trains; at ridge 1e-2 it
# agrees with the Cholesky (primal) solve.
for s in lstsq primal; do
cat >g_$s.json <<JSON
{"model": "graph", "input": "lz.npy", "output": "g_$s.npz", "warmup": 10,
 "nodes": [{"name": "in", "kind": "input", "features": 3},
           {"name": "res", "kind": "reservoir", "units": 40, "lr": 0.4, "seed": 3},
           {"name": "ro", "kind": "ridge", "ridge": 1e-2, "solver": "$s", "target": "lz.npy"}],
 "edges": [["in", "res"], ["res", "ro"]]}
JSON
expect_ok "graph with a $s ridge node" "$LACUS" fit g_$s.json
expect_ok "run it" "$LACUS" run --model g_$s.npz --input lz.npy --output p_$s.npy
done
expect_ok "eval lstsq vs primal" "$LACUS" eval --truth p_primal.npy --pred p_lstsq.npy
awk '$1 == "nrmse" { found = 1; if (!($2 + 0 <= 1e-10)) bad = 1 } END { exit (bad || !found) }' \
    out.txt && passed=$((passed + 1)) ||
    { echo "FAIL: graph lstsq and primal disagree at ridge 1e-2:"; cat out.txt; failed=$((failed + 1)); }
cmp -s p_lstsq.npy p_primal.npy && { failed=$((failed + 1)); echo "FAIL: the two solvers gave identical bits (one did not run?)"; } || passed=$((passed + 1))
finish

#!/usr/bin/env bash
# lacus lm train with pair-gated readouts and slow units (round 7): a small
# run on the committed excerpt, the model file read back by lm eval with the
# same bits, seeded generation, and bad values (message, exit status, no
# output left behind).
. "$(dirname "$0")/lib.sh"
TEXT=$LACUS_FIXTURES/lang/moby_excerpt.txt
head -c 20000 "$TEXT" >short.txt
OPTS="--units 40 --warmup 10 --gate-tokens 8 --pair-gates 30 --pair-units 25 --pair-ridge 0.5 --slow-units 10 --slow-lr 0.05"

expect_ok "lm train with pair gates and slow units" "$LACUS" lm train --text short.txt $OPTS --output p.npz
grep -q "pair_gates=30 pair_units=25 pair_ridge=0.5 slow_units=10 slow_lr=0.05" out.txt ||
    { failed=$((failed + 1)); echo "FAIL: lm train does not report the pair gates"; cat out.txt; }
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >train_bits.txt
expect_ok "lm eval on the file" "$LACUS" lm eval --text short.txt --model p.npz
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >eval_bits.txt
[ -s train_bits.txt ] && cmp -s train_bits.txt eval_bits.txt ||
    { failed=$((failed + 1)); echo "FAIL: bits differ after save/load"; cat train_bits.txt eval_bits.txt; }
# Without the pair gates the same reservoir scores differently (the option is used).
expect_ok "lm train without pair gates" "$LACUS" lm train --text short.txt --units 40 --warmup 10 --gate-tokens 8 \
    --slow-units 10 --slow-lr 0.05 --output q.npz
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >plain_bits.txt
cmp -s train_bits.txt plain_bits.txt && { failed=$((failed + 1)); echo "FAIL: --pair-gates changed nothing"; }
expect_ok "generate" "$LACUS" lm generate --model p.npz --prompt "Call me" --n 120 --seed 5
cp out.txt gen1.txt
expect_ok "generate again" "$LACUS" lm generate --model p.npz --prompt "Call me" --n 120 --seed 5
cmp -s out.txt gen1.txt || { failed=$((failed + 1)); echo "FAIL: generation is not seeded"; }

# Adaptation while scoring (lm eval --adapt): the settings chosen on the
# calibration tokens are printed with the grid; given settings skip the
# choice; each chosen value is the grid's least.
expect_ok "lm eval --adapt" "$LACUS" lm eval --text short.txt --model p.npz --adapt --cache-dim 16
grep -q "^adapt: static" out.txt && grep -q "step x theta x lambda" out.txt ||
    { failed=$((failed + 1)); echo "FAIL: lm eval --adapt does not print the choice"; cat out.txt; }
grep -E "^reservoir N=40 adapt +[0-9.]+ bits/token" out.txt | grep -q "cache 100000 x 16" ||
    { failed=$((failed + 1)); echo "FAIL: no adapted row"; cat out.txt; }
# argmin of each grid line as "step theta lambda", then the row's settings
awk '/step x theta x lambda/ { n = split($0, a, /tokens, bits\/token: |, | \(/); best = 1e9
       for (i = 2; i < n; i++) { split(a[i], b, / x |: /); if (b[4] + 0 < best) { best = b[4] + 0; w = b[1] " " b[2] " " b[3] } }
       print w }
     /adapt +[0-9.]+ bits\/token/ { match($0, /step [^;]*; cache [0-9]+ x [0-9]+, theta [^,]*, lambda .*/)
       split(substr($0, RSTART, RLENGTH), c, /[ ;,]+/); print "row", c[2], c[8], c[10] }' out.txt >choice.txt
# the cache's grid (step 0) chooses theta and lambda, the step's grid the step
read -r _ th1 la1 <<<"$(sed -n 1p choice.txt)"
read -r st2 th2 la2 <<<"$(sed -n 2p choice.txt)"
[ "$(sed -n 3p choice.txt)" = "row $st2 $th1 $la1" ] && [ "$th2 $la2" = "$th1 $la1" ] ||
    { failed=$((failed + 1)); echo "FAIL: the settings used are not the grids' least"; cat choice.txt out.txt; }
expect_ok "lm eval --adapt with given settings" "$LACUS" lm eval --text short.txt --model p.npz --adapt \
    --cache-size 500 --cache-dim 8 --cache-theta 50 --cache-lambda 0.2 --adapt-step 0.05
grep -q "step x theta x lambda" out.txt && { failed=$((failed + 1)); echo "FAIL: given settings were searched"; }
grep -q "step 0.05; cache 500 x 8, theta 50, lambda 0.2" out.txt ||
    { failed=$((failed + 1)); echo "FAIL: given settings not used"; cat out.txt; }
expect_fail "adapt lambda 1" 2 "cache_lambda = 1" - "$LACUS" lm eval --text short.txt --model p.npz --adapt --cache-dim 8 --cache-theta 5 --cache-lambda 1 --adapt-step 0
expect_fail "adapt cache dim > units" 2 "cache_dim = 41" - "$LACUS" lm eval --text short.txt --model p.npz --adapt --cache-dim 41 --cache-theta 5 --cache-lambda 0.1 --adapt-step 0
expect_ok "lm eval --adapt, the step alone" "$LACUS" lm eval --text short.txt --model p.npz --adapt --cache-size 0 --adapt-step 0.1
grep -q "step 0.1; no cache" out.txt || { failed=$((failed + 1)); echo "FAIL: the step alone"; cat out.txt; }
expect_fail "adapt step 2" 2 "step = 2" - "$LACUS" lm eval --text short.txt --model p.npz --adapt --cache-size 0 --adapt-step 2
expect_fail "adapt without a model" 2 "--adapt needs --model" - "$LACUS" lm eval --text short.txt --baselines --adapt
expect_fail "adapt calib 0" 2 "--calib = 0" - "$LACUS" lm eval --text short.txt --model p.npz --adapt --calib 0
expect_ok "stacked LM" "$LACUS" lm train --text short.txt --units 30 --layers 2 --gate-tokens 0 --warmup 10 --output st.npz
expect_fail "adapt a stacked LM" 2 "stacked LM" - "$LACUS" lm eval --text short.txt --model st.npz --adapt

expect_fail "pair units > units" 2 "pair_units = 41" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates 4 --pair-units 41 --output m.npz
expect_fail "negative pair gates" 2 "pair_gates = -1" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates -1 --output m.npz
expect_fail "zero pair ridge" 2 "pair_ridge = 0" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates 4 --pair-ridge 0 --output m.npz
expect_fail "NaN pair ridge" 2 "--pair-ridge expects a finite number" m.npz "$LACUS" lm train --text short.txt --pair-ridge nan --output m.npz
expect_fail "slow lr > 1" 2 "slow_lr = 2" m.npz "$LACUS" lm train --text short.txt --units 40 --slow-units 4 --slow-lr 2 --output m.npz
expect_fail "slow units > units" 2 "slow_units = 50" m.npz "$LACUS" lm train --text short.txt --units 40 --slow-units 50 --output m.npz
expect_fail "pair gates with logistic" 2 "pair_gates = 4" m.npz "$LACUS" lm train --text short.txt --units 40 --readout logistic --pair-gates 4 --output m.npz
expect_fail "pair gates with layers" 2 "single reservoir" m.npz "$LACUS" lm train --text short.txt --units 40 --layers 2 --gate-tokens 0 --pair-gates 4 --output m.npz

# A model file whose manifest asks for more pair units than it has units,
# or whose pair keys are not ascending: refused on load, exit 1.
if command -v python3 >/dev/null; then
    python3 - p.npz <<'PY'
import json, sys, zipfile, io
src = sys.argv[1]
z = zipfile.ZipFile(src)
items = {n: z.read(n) for n in z.namelist()}
man = json.loads(items["manifest.json"])
man["pair_units"] = 99
bad = dict(items, **{"manifest.json": json.dumps(man).encode()})
with zipfile.ZipFile("bad_units.npz", "w") as w:
    for n, b in bad.items(): w.writestr(n, b)
name = [n for n in items if n.startswith("pair_keys")][0]
raw = bytearray(items[name])
hl = int.from_bytes(raw[8:10], "little") + 10   # .npy v1 header length
k0, k1 = raw[hl:hl + 8], raw[hl + 8:hl + 16]
raw[hl:hl + 8], raw[hl + 8:hl + 16] = k1, k0   # swap the first two keys
with zipfile.ZipFile("bad_keys.npz", "w") as w:
    for n, b in items.items(): w.writestr(n, bytes(raw) if n == name else b)
PY
    expect_fail "manifest pair_units > n_units" 1 "pair_units = 99" - "$LACUS" lm eval --text short.txt --model bad_units.npz
    expect_fail "pair keys out of order" 1 "pair_keys" - "$LACUS" lm eval --text short.txt --model bad_keys.npz
fi
finish

#!/usr/bin/env bash
# lacus tune CONFIG.json: a run that learns (NRMSE printed and lowered), its
# outputs, the ESN bridge on a model written by lacus fit (the tuned model
# runs with lacus run and matches the printed NRMSE), and bad configs and
# data: each gets its message, the right exit status and no output file.
. "$(dirname "$0")/lib.sh"
F=$LACUS_FIXTURES/tune

cfg() { # FILE JSON-BODY: a config with the fixture data and an output
    echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"output\": \"out.npz\", $2}" >"$1"
}

cfg ok.json '"units": 4, "init_mean": -0.1, "init_std": 0.05, "iterations": 15, "predictions": "pred.npy", "test_input": "'$F'/cli_u.npy", "test_target": "'$F'/cli_y.npy"'
expect_ok "tune a 4-unit LNL net" "$LACUS" tune ok.json
grep -q "training NRMSE 0.516326 -> 0.0" out.txt || { echo "FAIL: NRMSE not lowered below 0.1:"; cat out.txt; failed=$((failed + 1)); }
grep -q "iter   15  cost" err.txt || { echo "FAIL: no progress line for iteration 15"; failed=$((failed + 1)); }
grep -q "guard lifted 0 saturated 0" err.txt || { echo "FAIL: no guard counters"; failed=$((failed + 1)); }
[ -s out.npz ] && [ -s pred.npy ] || { echo "FAIL: outputs missing"; failed=$((failed + 1)); }
# The held-out segment here is the training data again: same NRMSE.
train=$(sed -n 's/.*-> \([0-9.e-]*\) in.*/\1/p' out.txt)
grep -q "test NRMSE $train over 160 steps" out.txt || { echo "FAIL: test NRMSE differs from $train"; cat out.txt; failed=$((failed + 1)); }
rm -f out.npz pred.npy

cfg sparse.json '"units": 4, "iterations": 30, "sparse_nu": 0.3, "prune": 0.05, "prune_after": 5, "sign": "keep", "quiet": true'
expect_ok "sparse estimation" "$LACUS" tune sparse.json
grep -q "16 -> [0-9]* edges" out.txt && ! grep -q "16 -> 16 edges" out.txt ||
    { echo "FAIL: sparse run kept every edge:"; cat out.txt; failed=$((failed + 1)); }
rm -f out.npz

# Hidden desired values (spec 1.4): the gn-xh candidate; the run learns.
cfg hidden.json '"units": 4, "init_mean": -0.1, "init_std": 0.05, "iterations": 15, "hidden_targets": true'
expect_ok "tune with hidden desired values" "$LACUS" tune hidden.json
grep -q "training NRMSE 0.516326 -> 0.0" out.txt || { echo "FAIL: hidden targets: NRMSE not lowered below 0.1:"; cat out.txt; failed=$((failed + 1)); }
rm -f out.npz
# Target propagation alone (method refit): with hidden desired values the
# LNL learner reaches < 0.1; with the output's targets only the refit just
# shrinks the hidden weights (the output node has no learnable weight), and
# on this data no shrinkage lowers the cost.
cfg refit.json '"units": 4, "learn_leak": true, "init_mean": -0.1, "init_std": 0.05, "iterations": 30, "method": "refit", "hidden_targets": true, "quiet": true'
expect_ok "refit to hidden desired values" "$LACUS" tune refit.json
grep -q "training NRMSE 0.516326 -> 0.0[0-9]* in 30 iterations" out.txt || { echo "FAIL: refit with hidden targets did not reach < 0.1:"; cat out.txt; failed=$((failed + 1)); }
rm -f out.npz
cfg refit.json '"units": 4, "learn_leak": true, "init_mean": -0.1, "init_std": 0.05, "iterations": 30, "method": "refit", "reinject": true, "quiet": true'
expect_ok "refit to the output's targets only" "$LACUS" tune refit.json
grep -q "training NRMSE 0.516326 -> 0.516326 in 0 iterations" out.txt || { echo "FAIL: refit without hidden targets moved:"; cat out.txt; failed=$((failed + 1)); }
rm -f out.npz

# The ESN bridge on a model file from lacus fit.
"$LACUS" fit --input "$F/cli_u.npy" --target "$F/cli_y.npy" --units 20 --lr 0.5 --rc-connectivity 0.3 \
    --input-connectivity 1 --ridge 1e-6 --output model.npz >/dev/null || { echo "setup failed"; exit 1; }
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"model\": \"model.npz\", \"iterations\": 10, \"output\": \"tuned.npz\", \"quiet\": true}" >esn.json
expect_ok "tune a fitted ESN" "$LACUS" tune esn.json
before=$(sed -n 's/.*readout only \([0-9.e-]*\), tuned \([0-9.e-]*\).*/\1/p' out.txt)
after=$(sed -n 's/.*readout only \([0-9.e-]*\), tuned \([0-9.e-]*\).*/\2/p' out.txt)
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < b) }' || { echo "FAIL: ESN not improved: $before -> $after"; failed=$((failed + 1)); }
# lacus run on both model files reproduces the printed NRMSEs (as a ratio:
# eval's var norm divides by the variance).
"$LACUS" run --model model.npz --input "$F/cli_u.npy" --output p0.npy >/dev/null
"$LACUS" run --model tuned.npz --input "$F/cli_u.npy" --output p1.npy >/dev/null
e0=$("$LACUS" eval --truth "$F/cli_y.npy" --pred p0.npy --norm var | awk '/^nrmse/ {print $2}')
e1=$("$LACUS" eval --truth "$F/cli_y.npy" --pred p1.npy --norm var | awk '/^nrmse/ {print $2}')
awk -v e0="$e0" -v e1="$e1" -v b="$before" -v a="$after" 'BEGIN { r = (e1 / e0) / (a / b); exit !(r > 0.999999 && r < 1.000001) }' ||
    { echo "FAIL: lacus run disagrees with tune: $e0 $e1 vs $before $after"; failed=$((failed + 1)); }

# Usage errors (exit 2): the config itself.
echo '{"units": 4,' >bad.json
expect_fail "malformed JSON" 2 "malformed JSON" out.npz "$LACUS" tune bad.json
cfg k.json '"unitz": 4'
expect_fail "unknown key" 2 'unknown key "unitz"' out.npz "$LACUS" tune k.json
cfg k.json '"units": "four"'
expect_fail "wrong type" 2 '"units" must be an integer' out.npz "$LACUS" tune k.json
cfg k.json '"units": 0'
expect_fail "zero units" 2 "n_units = 0" out.npz "$LACUS" tune k.json
cfg k.json '"criterion": "l3"'
expect_fail "unknown criterion" 2 '"l3" is not one of l2|rwl1' out.npz "$LACUS" tune k.json
cfg k.json '"unit": "lstm"'
expect_fail "unknown unit" 2 '"lstm" is not one of linear|lnl' out.npz "$LACUS" tune k.json
cfg k.json '"damping": -1'
expect_fail "negative damping" 2 "damping = -1" out.npz "$LACUS" tune k.json
cfg k.json '"nu": 1e999'
expect_fail "infinite nu" 2 '"nu" must be a finite number' out.npz "$LACUS" tune k.json
cfg k.json '"zeta": [1]'
expect_fail "bad zeta" 2 '"zeta" must be [lo, hi]' out.npz "$LACUS" tune k.json
echo '{"input": "x.npy"}' >k.json
expect_fail "missing keys" 2 '"input", "target" and "output" are required' - "$LACUS" tune k.json
expect_fail "no config" 2 "usage: lacus tune CONFIG.json" - "$LACUS" tune
expect_fail "missing config file" 1 "cannot open config nope.json" - "$LACUS" tune nope.json

# Runtime errors (exit 1): data and mismatched unit types / criteria.
cfg k.json '"criterion": "hinge"'
expect_fail "hinge on real-valued targets" 1 "needs Boolean targets" out.npz "$LACUS" tune k.json
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/lnl.npz\", \"output\": \"out.npz\"}" >k.json
expect_fail "target length mismatch" 1 "target" out.npz "$LACUS" tune k.json
cfg k.json '"observed": [0, 1]'
expect_fail "observed vs target columns" 1 '"observed" lists 2 nodes but the target has 1 columns' out.npz "$LACUS" tune k.json
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"missing.npy\", \"output\": \"out.npz\"}" >k.json
expect_fail "missing data file" 1 "missing.npy" out.npz "$LACUS" tune k.json
cfg k.json '"hidden_targets": true, "method": "bank"'
expect_fail "hidden targets without the node-local refit" 2 "reinject = 2" out.npz "$LACUS" tune k.json
cfg k.json '"method": "refit"'
expect_fail "refit without desired values" 2 "method refit" out.npz "$LACUS" tune k.json
cfg k.json '"hidden_targets": true, "criterion": "stat"'
expect_fail "hidden targets with the stat criterion" 1 "per-step targets" out.npz "$LACUS" tune k.json
printf 'not a model' >fake.npz
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"model\": \"fake.npz\", \"output\": \"out.npz\"}" >k.json
expect_fail "not a model file" 1 "model" out.npz "$LACUS" tune k.json
finish

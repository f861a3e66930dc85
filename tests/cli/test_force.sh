#!/bin/bash
# full-FORCE through the lacus command: fit --full-force writes a model whose
# run reproduces the task network, prints its learning report, and bad
# settings are refused with a clear message and no model file.
. "$(dirname "$0")/lib.sh"

expect_ok "generate" "$LACUS" data mso2 --steps 1500 --output s.npy

expect_ok "full-FORCE fit" "$LACUS" fit --input s.npy --target s.npy --full-force --units 60 \
    --sr 1.5 --lr 0.1 --warmup 20 --output ff.npz
grep -q "full-FORCE: [0-9]* RLS steps; recurrent-current error" out.txt ||
    { echo "FAIL: no full-FORCE report"; cat out.txt; failed=$((failed + 1)); }
# 1500 steps, the first 20 only run (warm-up): 1480 RLS steps, at t = 20..1499.
grep -q "full-FORCE: 1480 RLS steps" out.txt ||
    { echo "FAIL: wrong number of RLS steps"; cat out.txt; failed=$((failed + 1)); }
# The error of the last tenth must be below that of the first tenth.
awk '/recurrent-current error/ { a = $7; b = $11; exit !(b + 0 < a + 0) }' out.txt ||
    { echo "FAIL: the recurrent-current error did not shrink"; cat out.txt; failed=$((failed + 1)); }
expect_ok "run the full-FORCE model" "$LACUS" run --model ff.npz --input s.npy --output p.npy
[ -s p.npy ] || { echo "FAIL: no predictions"; failed=$((failed + 1)); }
expect_ok "run again: same bytes" "$LACUS" run --model ff.npz --input s.npy --output p2.npy
cmp -s p.npy p2.npy || { echo "FAIL: two runs of the saved model differ"; failed=$((failed + 1)); }

expect_fail "--force with --full-force" 2 "choose one" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --force --full-force --output out.npz
expect_fail "--ff-init unknown" 2 "--ff-init" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --ff-init random --output out.npz
expect_fail "--full-force with --online" 2 "--online" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --online rls --output out.npz
expect_fail "alpha <= 0" 1 "alpha" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --alpha 0 --output out.npz
expect_fail "forgetting > 1" 1 "forgetting" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --forgetting 1.5 --output out.npz
expect_fail "noise is not supported" 1 "noise" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --noise-rc 0.01 --output out.npz
expect_fail "nothing to learn" 1 "nothing to learn" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --full-force --warmup 5000 --output out.npz

# Intrinsic plasticity before the readout (lacus_esn_fit_ip): the plastic
# reservoir is what the model file holds.
expect_ok "fit with IP" "$LACUS" fit --input s.npy --target s.npy --units 40 --lr 1 --sr 0.9 \
    --ip-epochs 2 --ip-eta 0.005 --ip-sigma 0.3 --output ip.npz
expect_ok "fit without IP" "$LACUS" fit --input s.npy --target s.npy --units 40 --lr 1 --sr 0.9 \
    --output noip.npz
expect_ok "run IP model" "$LACUS" run --model ip.npz --input s.npy --output ip1.npy
expect_ok "run IP model again" "$LACUS" run --model ip.npz --input s.npy --output ip2.npy
expect_ok "run plain model" "$LACUS" run --model noip.npz --input s.npy --output noip.npy
cmp -s ip1.npy ip2.npy || { echo "FAIL: two runs of the saved IP model differ"; failed=$((failed + 1)); }
cmp -s ip1.npy noip.npy && { echo "FAIL: IP changed nothing"; failed=$((failed + 1)); }
expect_fail "IP needs lr = 1" 1 "lr = 1" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --ip-epochs 1 --lr 0.5 --output out.npz
expect_fail "IP: negative epochs" 2 "--ip-epochs" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --ip-epochs -1 --output out.npz
expect_fail "IP: bad eta" 1 "eta" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --ip-epochs 1 --ip-eta -1 --output out.npz
expect_fail "IP: relu" 1 "activation" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --ip-epochs 1 --activation relu --output out.npz
expect_fail "IP with feedback" 1 "feedback" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --ip-epochs 1 --feedback --output out.npz

# Local plasticity of W before the readout (lacus_esn_fit_local).
expect_ok "fit with Oja" "$LACUS" fit --input s.npy --target s.npy --units 40 --lr 1 --sr 0.9 \
    --local-rule oja --local-eta 0.01 --local-epochs 2 --output oja.npz
expect_ok "run Oja model" "$LACUS" run --model oja.npz --input s.npy --output oja1.npy
expect_ok "run Oja model again" "$LACUS" run --model oja.npz --input s.npy --output oja2.npy
cmp -s oja1.npy oja2.npy || { echo "FAIL: two runs of the saved Oja model differ"; failed=$((failed + 1)); }
cmp -s oja1.npy noip.npy && { echo "FAIL: Oja changed nothing"; failed=$((failed + 1)); }
expect_fail "local rule unknown" 2 "--local-rule" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --lr 1 --local-rule hebb --output out.npz
expect_fail "local rule needs lr = 1" 1 "lr = 1" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --lr 0.3 --local-rule bcm --output out.npz
expect_fail "local rule: bad eta" 1 "eta" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --lr 1 --local-rule oja --local-eta 0 --output out.npz

# Feedback weights drawn apart from Win's input columns (fb_connectivity).
expect_ok "feedback drawn apart" "$LACUS" fit --input s.npy --target s.npy --feedback \
    --fb-connectivity 0.2 --fb-init normal --units 50 --output fb.npz
expect_ok "run it" "$LACUS" run --model fb.npz --input s.npy --output pfb.npy
/usr/bin/python3 -c "import json, zipfile, sys; m = json.loads(zipfile.ZipFile('fb.npz').read('manifest.json')); sys.exit(not (m['fb_connectivity'] == 0.2 and m['fb_init'] == 'normal'))" ||
    { echo "FAIL: fb_connectivity/fb_init not in the manifest"; failed=$((failed + 1)); }
expect_fail "fb_connectivity > 1" 1 "fb_connectivity" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --feedback --fb-connectivity 1.5 --output out.npz
expect_fail "unknown --fb-init" 2 "--fb-init" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --feedback --fb-connectivity 0.2 --fb-init cauchy --output out.npz
finish

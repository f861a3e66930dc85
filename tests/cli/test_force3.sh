#!/bin/bash
# full-FORCE hints (--ff-hints) and training-only noise (--noise-train-only)
# through the lacus command: zero hints reproduce the plain full-FORCE model
# bit for bit, real hints change it, the noise is gone from the saved model,
# and bad hints are refused with a message and no model file.
. "$(dirname "$0")/lib.sh"

expect_ok "generate" "$LACUS" data mso2 --steps 800 --output s.npy
# Hints as CSV (one column, one row a step): a ramp, zeros, one row short,
# and a ramp with a NaN.
awk 'BEGIN { for (t = 0; t < 800; t++) print (t % 50) / 50 }' >h.csv
awk 'BEGIN { for (t = 0; t < 800; t++) print 0 }' >h0.csv
head -n 799 h.csv >h_short.csv
sed '11s/.*/nan/' h.csv >h_nan.csv
FF="fit --input s.npy --target s.npy --full-force --units 40 --sr 1.5 --lr 0.1 --warmup 20"
expect_ok "full-FORCE" "$LACUS" $FF --output a.npz
expect_ok "full-FORCE, zero hints" "$LACUS" $FF --ff-hints h0.csv --output b.npz
expect_ok "full-FORCE, ramp hints" "$LACUS" $FF --ff-hints h.csv --ff-hint-scaling 0.5 --output c.npz
expect_ok "run a" "$LACUS" run --model a.npz --input s.npy --output pa.npy
expect_ok "run b" "$LACUS" run --model b.npz --input s.npy --output pb.npy
expect_ok "run c" "$LACUS" run --model c.npz --input s.npy --output pc.npy
cmp -s pa.npy pb.npy && passed=$((passed + 1)) ||
    { echo "FAIL: zero hints changed the model"; failed=$((failed + 1)); }
cmp -s pa.npy pc.npy && { echo "FAIL: hints had no effect"; failed=$((failed + 1)); } ||
    passed=$((passed + 1))

expect_fail "--ff-hints without --full-force" 2 "--ff-hints" out.npz \
    "$LACUS" fit --input s.npy --target s.npy --feedback --ff-hints h.csv --output out.npz
expect_fail "hints of the wrong length" 1 "hint steps" out.npz \
    "$LACUS" $FF --ff-hints h_short.csv --output out.npz
expect_fail "NaN in the hints" 1 "hints" out.npz "$LACUS" $FF --ff-hints h_nan.csv --output out.npz
expect_fail "negative hint scaling" 1 "hint_scaling" out.npz \
    "$LACUS" $FF --ff-hints h.csv --ff-hint-scaling -1 --output out.npz
expect_fail "negative hint seed" 2 "--ff-hint-seed" out.npz \
    "$LACUS" $FF --ff-hints h.csv --ff-hint-seed -3 --output out.npz
expect_fail "missing hint file" 1 "nope.npy" out.npz \
    "$LACUS" $FF --ff-hints nope.npy --output out.npz

# Noise while training only: the saved model has no noise left (its
# manifest says so and its run differs from the noisy model's, trained
# identically); a model saved with its noise keeps the gain.
NZ="fit --input s.npy --target s.npy --units 50 --noise-rc 0.01 --warmup 20"
expect_ok "noisy fit, noise kept" "$LACUS" $NZ --output n1.npz
expect_ok "noisy fit, training only" "$LACUS" $NZ --noise-train-only --output n2.npz
noise_rc() { /usr/bin/python3 -c "import json, sys, zipfile; print(json.loads(zipfile.ZipFile(sys.argv[1]).read('manifest.json'))['reservoir']['noise_rc'])" "$1"; }
[ "$(noise_rc n1.npz)" = 0.01 ] && passed=$((passed + 1)) ||
    { echo "FAIL: noise gain not kept"; failed=$((failed + 1)); }
[ "$(noise_rc n2.npz)" = 0 ] && passed=$((passed + 1)) ||
    { echo "FAIL: --noise-train-only model still noisy"; failed=$((failed + 1)); }
expect_ok "run n1" "$LACUS" run --model n1.npz --input s.npy --output p1.npy
expect_ok "run n2" "$LACUS" run --model n2.npz --input s.npy --output p2.npy
cmp -s p1.npy p2.npy && { echo "FAIL: same runs with and without noise"; failed=$((failed + 1)); } ||
    passed=$((passed + 1))
finish

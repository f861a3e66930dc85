#!/usr/bin/env bash
# End-to-end: data -> fit -> run -> eval through the lacus command, with
# multiple sequences, and the help texts show every default.
. "$(dirname "$0")/lib.sh"

expect_ok "version" "$LACUS" --version
grep -q "lacus 0.1" out.txt || { echo "FAIL: version text"; failed=$((failed + 1)); }
expect_ok "fit help" "$LACUS" fit --help
for o in units lr sr input-scaling ridge warmup seed; do
    grep -q -- "--$o" out.txt || { echo "FAIL: fit --help lacks --$o"; failed=$((failed + 1)); }
done
grep -q "\[100\]" out.txt || { echo "FAIL: fit --help does not show the default of --units"; failed=$((failed + 1)); }
expect_ok "data help lists generators" "$LACUS" data --help
grep -q "mackey-glass" out.txt && grep -q "tau=17" out.txt || { echo "FAIL: data --help"; failed=$((failed + 1)); }

expect_ok "generate" "$LACUS" data mackey-glass --steps 1200 --output mg.npy
expect_ok "generate narma" "$LACUS" data narma --steps 500 --set order=10 --output narma.npy
expect_ok "generate lorenz" "$LACUS" data lorenz --steps 300 --output lorenz.npy
expect_ok "generate lorenz96" "$LACUS" data lorenz96 --steps 120 --set N=8 --set warmup=20 --output l96.npy
grep -q "100 steps x 8" out.txt || { echo "FAIL: lorenz96 shape"; failed=$((failed + 1)); }
expect_ok "fit" "$LACUS" fit --input mg.npy --target mg.npy --units 50 --sr 0.9 --lr 0.5 \
    --ridge 1e-6 --warmup 10 --feed-input --output m.npz
[ -s m.npz ] || { echo "FAIL: model not written"; failed=$((failed + 1)); }
expect_ok "fit, two sequences" "$LACUS" fit --input mg.npy --input mg.npy --target mg.npy \
    --target mg.npy --units 40 --output m2.npz
expect_ok "run" "$LACUS" run --model m.npz --input mg.npy --output pred.npy
expect_ok "run --generate" "$LACUS" run --model m.npz --input mg.npy --generate 25 --output gen.npy
head -c 128 gen.npy | grep -aq "'shape': (25, 1)" || { echo "FAIL: gen.npy is not (25, 1)"; failed=$((failed + 1)); }
expect_fail "run --generate, two sequences" 1 "one sequence" gen2.npy \
    "$LACUS" run --model m.npz --input mg.npy --input mg.npy --generate 5 --output gen2.npy
expect_fail "run --generate < 0" 2 "--generate -3" gen3.npy \
    "$LACUS" run --model m.npz --input mg.npy --generate -3 --output gen3.npy
expect_ok "eval" "$LACUS" eval --truth mg.npy --pred pred.npy
# Identity target with the input fed to the readout: reproduced almost exactly.
r2=$(awk '/^rsquare/ {print $2}' out.txt)
awk -v r="$r2" 'BEGIN { exit !(r > 0.99999) }' || { echo "FAIL: rsquare $r2 <= 0.99999"; failed=$((failed + 1)); }
expect_ok "eval dimensionwise" "$LACUS" eval --truth lorenz.npy --pred lorenz.npy --dimensionwise
grep -q "^mse      0 0 0" out.txt || { echo "FAIL: mse of identical arrays"; cat out.txt; failed=$((failed + 1)); }
expect_ok "demo, small" "$LACUS" demo --units 100 --steps 2000 --train 1500
grep -q "horizon  84" out.txt || { echo "FAIL: demo output"; failed=$((failed + 1)); }
expect_ok "fit with feedback" "$LACUS" fit --input mg.npy --target mg.npy --feedback --units 40 --output fb.npz
expect_ok "run in closed loop" "$LACUS" run --model fb.npz --input mg.npy --output pfb.npy
expect_ok "FORCE" "$LACUS" fit --input mg.npy --target mg.npy --force --units 40 --lr 0.3 --output force.npz
grep -q "(FORCE)" out.txt || { echo "FAIL: FORCE fit output"; failed=$((failed + 1)); }
expect_ok "online RLS readout" "$LACUS" fit --input mg.npy --target mg.npy --online rls --alpha 1e-6 \
    --units 40 --lr 0.3 --output rls.npz
grep -q "(rls)" out.txt || { echo "FAIL: RLS fit output"; failed=$((failed + 1)); }
expect_ok "run the RLS model" "$LACUS" run --model rls.npz --input mg.npy --output prls.npy
expect_fail "unknown online method" 2 '--online "sgd": expected rls or lms' o.npz \
    "$LACUS" fit --input mg.npy --target mg.npy --online sgd --output o.npz
expect_fail "diverging LMS" 1 "LMS diverged at row" o.npz \
    "$LACUS" fit --input mg.npy --target mg.npy --online lms --alpha 1e6 --output o.npz
expect_ok "VPT of a perfect forecast" "$LACUS" eval --truth mg.npy --pred mg.npy --vpt 0.4 --dt 0.5 --lyapunov 0.01
grep -q "^vpt      1200 (6.000 Lyapunov times)" out.txt || { echo "FAIL: vpt line"; cat out.txt; failed=$((failed + 1)); }
finish

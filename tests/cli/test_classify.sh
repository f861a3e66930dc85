#!/usr/bin/env bash
# lacus data vowels + lacus classify fit|run|eval end to end: a trained
# classifier is far above chance on a held-out set in each mode, eval
# matches a hand-counted example, and the classifier file is also an ESN
# model that lacus run reads.
. "$(dirname "$0")/lib.sh"
# As ctest sets for the unit tests: 2 threads that sleep at barriers (a
# spinning thread starves the others when the 2 cores are shared).
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE

expect_ok "vowels train" "$LACUS" data vowels --per-class 20 --output tr.npz --labels trl.npy
expect_ok "vowels test" "$LACUS" data vowels --per-class 15 --seed 2 --output te.npz --labels tel.npy
grep -q "wrote te.npz (135 sequences" out.txt || { failed=$((failed + 1)); echo "FAIL: vowels test set size"; cat out.txt; }

for mode in last mean vote; do
    expect_ok "fit $mode" "$LACUS" classify fit --input tr.npz --labels trl.npy --mode $mode \
        --units 100 --sr 0.9 --lr 0.5 --input-scaling 0.5 --ridge 1e-3 --output clf_$mode.npz
    expect_ok "run $mode" "$LACUS" classify run --model clf_$mode.npz --input te.npz --labels tel.npy \
        --output pred_$mode.npy --scores sc_$mode.npy --confusion cm_$mode.npy
    acc=$(awk '/^accuracy/ {print $2}' out.txt)
    # chance is 1/9 = 0.111; the test set of the same speakers is scored far above it
    if awk -v a="$acc" 'BEGIN { exit !(a >= 0.8) }'; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $mode: accuracy \"$acc\" < 0.8"; cat out.txt; fi
    echo "$mode: held-out accuracy $acc"
    # eval of the written labels reproduces run's accuracy
    expect_ok "eval $mode" "$LACUS" classify eval --truth tel.npy --pred pred_$mode.npy --classes 9
    acc2=$(awk '/^accuracy/ {print $2}' out.txt)
    [ "$acc" = "$acc2" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: eval $acc2 != run $acc"; }
done

# The classifier file is an ESN model: lacus run gives per-step class scores.
expect_ok "run as ESN" "$LACUS" run --model clf_vote.npz --input te.npz --output steps.npz
grep -q "9 outputs" out.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: per-step scores"; cat out.txt; }

# eval on a hand-counted example: 4 of 5 right; confusion rows = true class.
printf "0\n1\n2\n2\n1\n" >t.csv
printf "0\n2\n2\n2\n1\n" >p.csv
expect_ok "eval by hand" "$LACUS" classify eval --truth t.csv --pred p.csv --confusion cm.npy
grep -q "^accuracy 0.800000 (4 of 5" out.txt && grep -q "    1 |    0    1    1" out.txt &&
    passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: hand eval"; cat out.txt; }
[ -s cm.npy ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: no confusion file"; }
finish

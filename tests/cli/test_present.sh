#!/usr/bin/env bash
# lacus prep (preprocessing nodes) end to end, and malformed input for the
# verbs of this part (prep, classify, data vowels): each gets its own
# message, a non-zero exit (2 usage, 1 bad data/files) and no output file.
. "$(dirname "$0")/lib.sh"
# As ctest sets for the unit tests: 2 threads that sleep at barriers (a
# spinning thread starves the others when the 2 cores are shared).
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE

# mse_below FILE_A FILE_B BOUND: lacus eval's pooled mse of the two is < BOUND
mse_below() {
    "$LACUS" eval --truth "$1" --pred "$2" >ev.txt 2>&1
    local m
    m=$(awk '/^mse/ {print $2}' ev.txt)
    if awk -v m="$m" -v b="$3" 'BEGIN { exit !(m != "" && m < b) }'; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: mse($1, $2) = \"$m\", expected < $3"; cat ev.txt; fi
}

"$LACUS" data lorenz --steps 500 --output lz.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 300 --output mg.npy >/dev/null || exit 1

for kind in minmax zscore; do
    expect_ok "fit $kind" "$LACUS" prep fit --kind $kind --input lz.npy --output $kind.npz
    expect_ok "apply $kind" "$LACUS" prep apply --model $kind.npz --input lz.npy --output s_$kind.npy
    expect_ok "inverse $kind" "$LACUS" prep inverse --model $kind.npz --input s_$kind.npy --output back_$kind.npy
    mse_below lz.npy back_$kind.npy 1e-24        # the inverse undoes the scaling (values ~ 10-40)
    # The scaled training data are already scaled: a node refitted on them is the identity.
    expect_ok "refit $kind" "$LACUS" prep fit --kind $kind --input s_$kind.npy --output re_$kind.npz
    expect_ok "reapply $kind" "$LACUS" prep apply --model re_$kind.npz --input s_$kind.npy --output ss_$kind.npy
    mse_below s_$kind.npy ss_$kind.npy 1e-28
done
# the scaled series differs from the raw one (the check above is not vacuous)
"$LACUS" eval --truth lz.npy --pred s_minmax.npy >ev.txt
awk '/^mse/ { exit !($2 > 1) }' ev.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: scaling did nothing"; }

printf "3\n7\n3\n-2\n7\n" >lab.csv
expect_ok "onehot fit" "$LACUS" prep fit --kind onehot --input lab.csv --output oh.npz
grep -qF -- "-> 3 outputs" out.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: 3 categories"; cat out.txt; }
expect_ok "onehot apply" "$LACUS" prep apply --model oh.npz --input lab.csv --output oh.npy
expect_ok "onehot inverse" "$LACUS" prep inverse --model oh.npz --input oh.npy --output lab_back.npy
mse_below lab.csv lab_back.npy 1e-300
expect_ok "delay fit" "$LACUS" prep fit --kind delay --delay 3 --stride 2 --drop --input lz.npy --output d.npz
expect_ok "delay apply" "$LACUS" prep apply --model d.npz --input lz.npy --output d.npy
grep -q "x 9 columns" out.txt && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: delay width"; cat out.txt; }

# --- bad input --------------------------------------------------------------
printf "1,2\n3,nan\n" >nan.csv
printf "1,2\n3,4\n" >good2.csv
printf "0\n" >one.csv
"$LACUS" fit --input mg.npy --target mg.npy --units 20 --output esn.npz >/dev/null || exit 1
"$LACUS" prep fit --input good2.csv --output m2.npz >/dev/null || exit 1
printf "1.5\n2\n" >frac.csv
printf "3\n8\n" >unseen.csv
expect_fail "unknown kind" 2 '--kind "pca"' p.npz "$LACUS" prep fit --kind pca --input lz.npy --output p.npz
expect_fail "bad range" 2 "range = [1, 1]" p.npz "$LACUS" prep fit --lo 1 --hi 1 --input lz.npy --output p.npz
expect_fail "delay 0" 2 "delay = 0" p.npz "$LACUS" prep fit --kind delay --delay 0 --input lz.npy --output p.npz
expect_fail "NaN in fit data" 1 "fit data[1, 1] is NaN" p.npz "$LACUS" prep fit --input nan.csv --output p.npz
expect_fail "fractional label" 1 "must be integers" p.npz "$LACUS" prep fit --kind onehot --input frac.csv --output p.npz
expect_fail "one-hot of 3 columns" 1 "one label column, got 3" p.npz "$LACUS" prep fit --kind onehot --input lz.npy --output p.npz
expect_fail "unseen label" 1 "label 8 was not seen at fit time" o.npy \
    "$LACUS" prep apply --model oh.npz --input unseen.csv --output o.npy
expect_fail "wrong width" 1 "the minmax node expects 3" o.npy "$LACUS" prep apply --model minmax.npz --input mg.npy --output o.npy
expect_fail "NaN in apply data" 1 "NaN" o.npy "$LACUS" prep apply --model m2.npz --input nan.csv --output o.npy
expect_fail "not a prep file" 1 "lacus-prep" o.npy "$LACUS" prep apply --model esn.npz --input lz.npy --output o.npy
expect_fail "missing model" 1 "nothere.npz" o.npy "$LACUS" prep apply --model nothere.npz --input lz.npy --output o.npy
expect_fail "apply without output" 2 "--output is required" - "$LACUS" prep apply --model minmax.npz --input lz.npy
expect_fail "unknown prep verb" 2 'unknown subcommand "fitt"' - "$LACUS" prep fitt

"$LACUS" data vowels --per-class 3 --output v.npz --labels vl.npy >/dev/null || exit 1
printf "0\n1\n" >two.csv
printf "0\n-1\n0\n1\n2\n3\n4\n5\n6\n7\n8\n0\n1\n2\n3\n4\n5\n6\n7\n8\n0\n1\n2\n3\n4\n5\n6\n" >neg.csv
expect_fail "labels count" 1 "--labels has 2 labels for 27 sequences" c.npz \
    "$LACUS" classify fit --input v.npz --labels two.csv --output c.npz
expect_fail "negative label" 1 "label 1 is -1" c.npz "$LACUS" classify fit --input v.npz --labels neg.csv --output c.npz
expect_fail "2-D labels" 1 "expected one label per sequence" c.npz \
    "$LACUS" classify fit --input v.npz --labels lz.npy --output c.npz
expect_fail "unknown mode" 2 '--mode "majority"' c.npz "$LACUS" classify fit --input v.npz --labels vl.npy --mode majority --output c.npz
expect_fail "one class" 2 "--classes 1" c.npz "$LACUS" classify fit --input v.npz --labels vl.npy --classes 1 --output c.npz
expect_fail "too few classes" 1 "must be in [0, 5)" c.npz \
    "$LACUS" classify fit --input v.npz --labels vl.npy --classes 5 --output c.npz
expect_fail "feedback" 2 "not supported" c.npz "$LACUS" classify fit --input v.npz --labels vl.npy --feedback --output c.npz
expect_fail "NaN sequence" 1 "NaN" c.npz "$LACUS" classify fit --input nan.csv --labels one.csv --classes 2 --output c.npz
expect_fail "plain ESN as classifier" 1 "no classifier.json" o.npy \
    "$LACUS" classify run --model esn.npz --input v.npz --output o.npy
expect_fail "confusion without labels" 2 "--confusion needs --labels" o.npy \
    "$LACUS" classify run --model esn.npz --input v.npz --confusion cm.npy --output o.npy
expect_fail "eval lengths differ" 1 "--truth has 2 labels, --pred 27" - \
    "$LACUS" classify eval --truth two.csv --pred neg.csv
expect_fail "eval label beyond classes" 1 "must be in [0, 2)" - \
    "$LACUS" classify eval --truth vl.npy --pred vl.npy --classes 2
expect_fail "unknown classify verb" 2 'unknown subcommand "train"' - "$LACUS" classify train
expect_fail "vowels lengths" 2 "min_len = 30" v2.npz "$LACUS" data vowels --min-len 30 --output v2.npz --labels l2.npy
expect_fail "vowels without labels" 2 "--labels are required" v2.npz "$LACUS" data vowels --output v2.npz
expect_fail "vowels jitter" 2 "jitter = 0.7" v2.npz "$LACUS" data vowels --jitter 0.7 --output v2.npz --labels l2.npy
finish

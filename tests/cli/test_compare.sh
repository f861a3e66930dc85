#!/usr/bin/env bash
# lacus compare: a small run of the table (the Kalman filter beats every
# learned model on lgssm, the backward-tuning row lowers its training error,
# baseline rows merge), the export for the PyTorch baseline, and bad input.
. "$(dirname "$0")/lib.sh"

small=(--units 30 --train 600 --test 200 --seqs 16 --tune-iters 5)
expect_ok "small comparison" "$LACUS" compare "${small[@]}" --tasks mg84,lgssm \
    --models esn,selfpred,ff,hetero,kalman,tpc,backward --out table.tsv
cp out.txt table.txt
# the backward row starts from the ESN row's readout and tuning lowers its training error
awk '$2 == "backward" { n++; for (i = 1; i <= NF; i++) if ($i == "->") { a = $(i-1); b = $(i+1) }
      if (!(b + 0 < a + 0)) bad = 1 }
    END { exit !(n == 2 && !bad) }' table.txt || { echo "FAIL: backward rows"; cat table.txt; failed=$((failed + 1)); }
# 2 tasks x (esn, selfpred, ff, hetero, backward) + kalman + tpc on lgssm, and the header
rows=$(grep -vc '^#' table.tsv)
[ "$rows" -eq 12 ] || { echo "FAIL: table.tsv has $rows rows, expected 12"; failed=$((failed + 1)); }
# the Kalman filter is the optimum of the tracking task: no model beats it
awk -F'\t' '$1 == "lgssm" && $8 == 1 { e[$2] = $4 }
    END { for (m in e) if (e[m] < e["kalman"]) { print "FAIL: " m " beats the Kalman filter"; exit 1 }
          if (!("kalman" in e) || e["kalman"] <= 0) { print "FAIL: no Kalman row"; exit 1 } }' table.tsv \
    && passed=$((passed + 1)) || failed=$((failed + 1))

printf 'mg84\tlstm-bptt\tNRMSE\t0.5\t12.5\t4500\t35.2\tPyTorch\n' > bptt.tsv
expect_ok "merge baseline rows" "$LACUS" compare "${small[@]}" --tasks mg84 --models esn --bptt bptt.tsv
grep -q "lstm-bptt" out.txt || { echo "FAIL: baseline row not merged"; failed=$((failed + 1)); }

expect_ok "export" "$LACUS" compare "${small[@]}" --tasks mg84,seq4 --export .
[ -s mg84.npz ] && [ -s seq4.npz ] || { echo "FAIL: export files missing"; failed=$((failed + 1)); }

# 30 states + predictions and errors of the 10 self-predicting units = 50 features
expect_ok "chosen populations" "$LACUS" compare "${small[@]}" --tasks mg84 --models hetero \
    --pops plain:10,selfpred:10,ip:10
grep -q "mg84 *hetero .* 50 readout features" out.txt || { echo "FAIL: hetero with pops"; cat out.txt; failed=$((failed + 1)); }

# Bad input.
expect_fail "pops not summing" 2 "populations have 20 units but --units is 30" - \
    "$LACUS" compare "${small[@]}" --pops plain:10,ff:10
expect_fail "pops unknown rule" 2 "rule 'hebb': unknown" - "$LACUS" compare "${small[@]}" --pops hebb:30
expect_fail "pops malformed" 2 "expected RULE:UNITS" - "$LACUS" compare "${small[@]}" --pops plain
expect_fail "unknown task" 2 "task 'mg85': unknown" - "$LACUS" compare --tasks mg85
expect_fail "unknown model" 2 "model 'lstm': unknown" - "$LACUS" compare --models lstm
expect_fail "bad tune iterations" 2 "--tune-iters 0" - "$LACUS" compare --tune-iters 0
expect_fail "too few units" 2 "n_units = 1" t.tsv "$LACUS" compare --units 1 --tasks mg84 --models esn --out t.tsv
expect_fail "too little data" 2 "n_train = 10" - "$LACUS" compare --train 10 --tasks mg84 --models esn
expect_fail "bad leak" 2 "lr = 1.5" - "$LACUS" compare --lr 1.5 --tasks mg84 --models esn
expect_fail "NaN spectral radius" 2 "--sr expects a finite number" - "$LACUS" compare --sr nan
expect_fail "negative threads" 2 "--threads -1" - "$LACUS" compare --threads -1
printf 'mg84\tonly-three\tcolumns\n' > badrows.tsv
expect_fail "malformed baseline file" 1 "badrows.tsv line 1" - "$LACUS" compare --bptt badrows.tsv
expect_fail "missing baseline file" 1 "nothere.tsv" - "$LACUS" compare --bptt nothere.tsv
expect_fail "unwritable table" 1 "--out" nodir/t.tsv "$LACUS" compare "${small[@]}" --tasks mg84 \
    --models esn --out nodir/t.tsv
expect_fail "unwritable export" 1 "export mg84" - "$LACUS" compare "${small[@]}" --tasks mg84 --export nodir
finish

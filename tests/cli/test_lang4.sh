#!/usr/bin/env bash
# Stacked LMs that step fast, and large sweep grids, from the command line:
# lm eval on a stack equals lm train's held-out bits (scoring in chunks),
# lm generate --f32 is seeded, and bad values are refused with a message and
# a usage status.
. "$(dirname "$0")/lib.sh"
TEXT=$LACUS_FIXTURES/lang/moby_excerpt.txt

expect_ok "lm train --layers 3" "$LACUS" lm train --text "$TEXT" --units 50 --layers 3 --gate-tokens 0 --output s3.npz
grep "stack depth" out.txt | awk '{print $3, $4, $6}' >train_bits.txt
expect_ok "lm eval on the 3-layer stack" "$LACUS" lm eval --text "$TEXT" --model s3.npz
grep "stack N=50 depth" out.txt | awk '{print $4, $5, $7}' >eval_bits.txt
[ "$(wc -l <train_bits.txt)" -eq 3 ] && cmp -s train_bits.txt eval_bits.txt ||
    { failed=$((failed + 1)); echo "FAIL: stack bits of lm train and lm eval differ"; cat train_bits.txt eval_bits.txt; }
for f32 in 0 1; do
    expect_ok "generate --f32 $f32" "$LACUS" lm generate --model s3.npz --n 300 --seed 5 --f32 $f32 --layer 2
    cp out.txt gen_a.txt
    expect_ok "generate --f32 $f32 again" "$LACUS" lm generate --model s3.npz --n 300 --seed 5 --f32 $f32 --layer 2
    cmp -s out.txt gen_a.txt && [ "$(wc -c <out.txt)" -gt 250 ] ||
        { failed=$((failed + 1)); echo "FAIL: --f32 $f32 generation is not seeded or empty"; }
done
expect_fail "--f32 2" 2 "--f32 = 2" - "$LACUS" lm generate --model s3.npz --f32 2
expect_fail "--layer 4 of 3" 2 "the stack has 3 layers" - "$LACUS" lm generate --model s3.npz --layer 4 --f32 1
expect_fail "sweep size past the grid's bound" 2 "--sizes" - "$LACUS" lm sweep --out sw --sizes 6400,200000
[ -e sw/rows.jsonl ] && { failed=$((failed + 1)); echo "FAIL: a refused sweep wrote rows"; }
expect_fail "sweep sizes not increasing" 2 "must increase" - "$LACUS" lm sweep --out sw --sizes 12800,6400
finish

#!/usr/bin/env bash
# lacus lm and lacus lgen from the command line: a small end-to-end run on
# the committed excerpt, determinism, and bad input of every kind (message,
# exit status, no output left behind).
. "$(dirname "$0")/lib.sh"
TEXT=$LACUS_FIXTURES/lang/moby_excerpt.txt

expect_ok "lm train" "$LACUS" lm train --text "$TEXT" --units 40 --warmup 10 --output m.npz
grep -q "bits/byte" out.txt || { failed=$((failed + 1)); echo "FAIL: lm train prints no bits/byte"; }
[ -s m.npz ] || { failed=$((failed + 1)); echo "FAIL: no model written"; }
expect_ok "lm eval baselines" "$LACUS" lm eval --text "$TEXT" --model m.npz --baselines --orders 2,3
for row in unigram "2-gram KN" "3-gram KN" "xz (conditional)" "bzip2 (conditional)" "reservoir N=40"; do
    grep -qF "$row" out.txt || { failed=$((failed + 1)); echo "FAIL: lm eval lacks \"$row\""; cat out.txt; }
done
expect_ok "lm generate" "$LACUS" lm generate --model m.npz --prompt "Call me" --n 200 --top-k 5 --seed 3
cp out.txt gen1.txt
expect_ok "lm generate again" "$LACUS" lm generate --model m.npz --prompt "Call me" --n 200 --top-k 5 --seed 3
cmp -s out.txt gen1.txt || { failed=$((failed + 1)); echo "FAIL: generation is not deterministic"; }
expect_ok "lgen" "$LACUS" lgen --output c1.npz --text c1.txt --tokens 3000 --probs --seed 9
expect_ok "lgen again" "$LACUS" lgen --output c2.npz --tokens 3000 --probs --seed 9
cmp -s c1.npz c2.npz || { failed=$((failed + 1)); echo "FAIL: lgen is not deterministic"; }
expect_ok "lgen dyck" "$LACUS" lgen --task dyck --k 3 --output d.npz --tokens 500
expect_ok "lm probe" "$LACUS" lm probe --corpus c1.npz --units 30
grep -q "minimal pairs:" out.txt && grep -q "grammar (true distribution)" out.txt || { failed=$((failed + 1)); echo "FAIL: lm probe output"; cat out.txt; }
expect_fail "probe on a model file" 1 "m.npz" - "$LACUS" lm probe --corpus m.npz
expect_ok "lm on lgen text" "$LACUS" lm train --text c1.txt --tokenizer words --units 30 --warmup 5 --output w.npz

# A stacked LM saved, evaluated and generated from: lm eval on the file
# prints the bits lm train printed (save -> load identical), generation is
# seeded.
head -c 12000 "$TEXT" >short.txt
expect_ok "lm train --layers 2 --output" "$LACUS" lm train --text short.txt --units 30 --layers 2 --gate-tokens 0 --output st.npz
grep "stack depth 2/2" out.txt | awk '{print $4, $6}' >train_bits.txt
expect_ok "lm eval on a stack" "$LACUS" lm eval --text short.txt --model st.npz
grep "depth 2/2" out.txt | awk '{print $5, $7}' >eval_bits.txt
[ -s train_bits.txt ] && cmp -s train_bits.txt eval_bits.txt || { failed=$((failed + 1)); echo "FAIL: stack bits differ after save/load"; cat train_bits.txt eval_bits.txt; }
expect_ok "generate from a stack" "$LACUS" lm generate --model st.npz --n 80 --seed 4 --layer 1
cp out.txt gen1.txt
expect_ok "generate again" "$LACUS" lm generate --model st.npz --n 80 --seed 4 --layer 1
cmp -s out.txt gen1.txt || { failed=$((failed + 1)); echo "FAIL: stack generation is not seeded"; }
expect_fail "stack layer out of range" 2 "the stack has 2 layers" - "$LACUS" lm generate --model st.npz --layer 3
expect_fail "layer of a single LM" 2 "single reservoir LM" - "$LACUS" lm generate --model m.npz --layer 2
head -c 3000 st.npz >st_cut.npz
expect_fail "truncated stack file" 1 "st_cut.npz" - "$LACUS" lm generate --model st_cut.npz

printf '' >empty.txt
printf 'not a model' >junk.npz
expect_fail "missing output" 2 "--output is required" - "$LACUS" lm train --text "$TEXT"
expect_fail "bad holdout" 2 "--holdout = 1.5" m2.npz "$LACUS" lm train --text "$TEXT" --holdout 1.5 --output m2.npz
expect_fail "bad tokenizer" 2 'tokenizer "chars2"' m2.npz "$LACUS" lm train --text "$TEXT" --tokenizer chars2 --output m2.npz
expect_fail "zero units" 2 "n_units = 0" m2.npz "$LACUS" lm train --text "$TEXT" --units 0 --output m2.npz
expect_fail "NaN ridge" 2 "--ridge expects a finite number" m2.npz "$LACUS" lm train --text "$TEXT" --ridge nan --output m2.npz
expect_fail "missing text" 1 "cannot open text nope.txt" m2.npz "$LACUS" lm train --text nope.txt --output m2.npz
expect_fail "empty text" 1 "the text is empty" m2.npz "$LACUS" lm train --text empty.txt --output m2.npz
expect_fail "bad orders" 2 '--orders "3,7"' - "$LACUS" lm eval --text "$TEXT" --baselines --orders 3,7
expect_fail "eval without work" 2 "give --model, --baselines or both" - "$LACUS" lm eval --text "$TEXT"
expect_fail "junk model" 1 "junk.npz" - "$LACUS" lm eval --text "$TEXT" --model junk.npz
expect_fail "generate junk" 1 "junk.npz" - "$LACUS" lm generate --model junk.npz
expect_fail "zero temperature" 2 "--temperature must be > 0" - "$LACUS" lm generate --model m.npz --temperature 0
expect_fail "unknown lm subcommand" 2 'unknown subcommand "fit"' - "$LACUS" lm fit
expect_fail "lgen bad probability" 2 "p_pp + p_rel" c3.npz "$LACUS" lgen --p-pp 0.9 --p-rel 0.5 --output c3.npz
expect_fail "lgen bad split" 2 '--split "deep"' c3.npz "$LACUS" lgen --split deep --output c3.npz
expect_fail "lgen zero tokens" 2 "--tokens = 0" c3.npz "$LACUS" lgen --tokens 0 --output c3.npz
expect_fail "lgen bad task" 2 '--task "dick"' c3.npz "$LACUS" lgen --task dick --output c3.npz
expect_fail "lgen formal p" 2 "formal p = 1" c3.npz "$LACUS" lgen --task copy --p 1 --output c3.npz
finish

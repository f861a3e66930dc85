#!/usr/bin/env bash
# lacus evolve: a short XOR run with reports, checkpoints and an exact
# resume; bad configs, bad options and bad checkpoints with their messages.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
XOR=$SRC/examples/xor.ini

expect_ok "xor run with reports" "$LACUS" evolve "$XOR" --generations 30 --seed 2 --out rep --no-png
grep -q "^gen    0  best" out.txt || { failed=$((failed + 1)); echo "FAIL: no progress line"; }
[ -s rep/stats.csv ] && [ -s rep/best.dot ] || { failed=$((failed + 1)); echo "FAIL: reports missing"; }
grep -q "digraph" rep/best.dot || { failed=$((failed + 1)); echo "FAIL: best.dot is not DOT"; }

# Checkpoint every 4 generations; resuming generation 8 for 4 more must
# print the same lines as the uninterrupted run's generations 8..11.
expect_ok "uninterrupted" "$LACUS" evolve "$XOR" --generations 12 --seed 5 --checkpoint-every 4 --checkpoint-prefix ck-
grep "^gen" out.txt | sed -n '9,12p' >full.txt
expect_ok "resume" "$LACUS" evolve --resume ck-8 --generations 4
grep "^gen" out.txt >resumed.txt
if cmp -s full.txt resumed.txt && [ -s full.txt ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: resumed run differs"; diff full.txt resumed.txt; fi

# Same seed, 1 and 2 threads: the same run.
expect_ok "1 thread" "$LACUS" evolve "$XOR" --generations 15 --seed 9 --threads 1
cp out.txt t1.txt
expect_ok "2 threads" "$LACUS" evolve "$XOR" --generations 15 --seed 9 --threads 2
grep -v "s):" out.txt >t2b.txt; grep -v "s):" t1.txt >t1b.txt
if cmp -s t1b.txt t2b.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: 1 vs 2 threads"; fi

# Bad configurations: each names the key and the line.
printf '[NEAT]\npop_sise = 10\n' >typo.ini
expect_fail "unknown key" 1 'typo.ini:2: unknown key "pop_sise" in [NEAT]' - "$LACUS" evolve typo.ini
sed 's/^weight_min_value .*/weight_min_value = 40/' "$XOR" >minmax.ini
expect_fail "contradictory keys" 1 "weight_min_value = 40 > weight_max_value = 30" - "$LACUS" evolve minmax.ini
sed 's/^activation_default .*/activation_default = tanh/' "$XOR" >act.ini
expect_fail "default not in options" 1 "activation_default = tanh is not among activation_options" - "$LACUS" evolve act.ini
printf '[NEAT]\npop_size = 10\npop_size = 10\n' >dup.ini
expect_fail "repeated key" 1 'given twice' - "$LACUS" evolve dup.ini
expect_fail "missing config" 1 "nope.ini" - "$LACUS" evolve nope.ini
expect_fail "no config" 2 "give a CONFIG" - "$LACUS" evolve
expect_fail "bad task" 2 'unknown --task "chess"' - "$LACUS" evolve "$XOR" --task chess
expect_fail "task/config mismatch" 1 "task pole2 needs num_inputs = 6" - "$LACUS" evolve "$XOR" --task pole2
expect_fail "reservoir task on a feed-forward config" 1 "feed_forward = False" - "$LACUS" evolve "$XOR" --task seq4
expect_fail "bad generations" 2 "--generations = 0" - "$LACUS" evolve "$XOR" --generations 0
expect_fail "checkpoint without prefix" 2 "checkpoint-prefix" - "$LACUS" evolve "$XOR" --checkpoint-every 3

# Bad checkpoints: another version, garbage, truncated.
sed '1s/.*/lacus-neat-checkpoint 99/' ck-8 >v99.ckpt
expect_fail "checkpoint version" 1 "checkpoint format version 99" - "$LACUS" evolve --resume v99.ckpt
printf 'hello\n' >junk.ckpt
expect_fail "not a checkpoint" 1 "not a lacus NEAT checkpoint" - "$LACUS" evolve --resume junk.ckpt
head -c 3000 ck-8 >trunc.ckpt
expect_fail "truncated checkpoint" 1 "trunc.ckpt" - "$LACUS" evolve --resume trunc.ckpt

# Reports are atomic: an unwritable --out leaves nothing behind.
expect_fail "unwritable out" 1 "--out" - "$LACUS" evolve "$XOR" --generations 2 --out /proc/nope --no-png
finish

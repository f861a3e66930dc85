#!/usr/bin/env bash
# lacus lm sweep under mpirun: the ranks share the cells through the claims
# in OUT; every cell runs once (one row each), the rows equal the one
# process run's (timings aside) on 2 and 3 ranks, rank 0 alone writes the
# report; a sweep cut short resumes under mpirun. Skipped without MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 300

GRID="--sizes 10,20 --tokens 1000,2000 --seeds 2 --test-tokens 1000 --kn-max 2 --boot 50 --formal-tokens 1000"
strip() { sed 's/"train_s": [0-9.]*, "probe_s": [0-9.]*, //' "$1" | sort; }

expect_ok "sweep, one process" "$LACUS" lm sweep --out one $GRID --jobs 1 --quiet
[ "$(wc -l <one/rows.jsonl)" -eq 12 ] || { failed=$((failed + 1)); echo "FAIL: 12 rows"; }
for np in 2 3; do
    expect_ok "sweep on $np ranks" env OMP_NUM_THREADS=1 $MPIRUN -np $np "$LACUS" lm sweep --out r$np $GRID --jobs 1
    [ "$(grep -c '^lm sweep: 12 rows; report' out.txt)" -eq 1 ] ||
        { failed=$((failed + 1)); echo "FAIL: one report on $np ranks"; cat out.txt; }
    grep -q "on each of $np rank(s)" out.txt || { failed=$((failed + 1)); echo "FAIL: $np ranks not used"; }
    [ "$(grep -c '^  tokens' out.txt)" -eq 12 ] || { failed=$((failed + 1)); echo "FAIL: a cell ran twice or not at all"; }
    if [ "$(strip one/rows.jsonl)" = "$(strip r$np/rows.jsonl)" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $np-rank rows differ"; diff <(strip one/rows.jsonl) <(strip r$np/rows.jsonl) | head; fi
    cmp -s one/thresholds.tsv r$np/thresholds.tsv || { failed=$((failed + 1)); echo "FAIL: $np-rank thresholds differ"; }
done
# Cut short (5 of the 12 rows kept, a stale claim left behind), resumed on 2 ranks.
mkdir -p cut/claims
cp one/config.json cut/
head -n 5 one/rows.jsonl >cut/rows.jsonl
touch cut/claims/stale
expect_ok "resume on 2 ranks" env OMP_NUM_THREADS=1 $MPIRUN -np 2 "$LACUS" lm sweep --out cut $GRID --jobs 1
grep -q "12 cells, 5 done, 7 to run" out.txt || { failed=$((failed + 1)); echo "FAIL: resume point"; cat out.txt; }
if [ "$(strip one/rows.jsonl)" = "$(strip cut/rows.jsonl)" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: resumed rows differ"; diff <(strip one/rows.jsonl) <(strip cut/rows.jsonl) | head; fi
# Another sweep's settings in OUT: every rank stops with rank 0's message, exit 1.
expect_fail "other settings" 1 "written by a sweep with other settings" - env OMP_NUM_THREADS=1 $MPIRUN -np 2 \
    "$LACUS" lm sweep --out one $GRID --lr 0.7 --jobs 1
finish

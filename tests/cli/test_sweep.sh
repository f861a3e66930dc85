#!/usr/bin/env bash
# lacus lm sweep from the command line: a tiny grid end to end, resuming
# after a torn line and after kill -9 without redoing finished cells, an
# extended grid running only the new cells, and bad configurations.
. "$(dirname "$0")/lib.sh"
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
SMALL=(--sizes 10,20 --tokens 2000 --seeds 2 --test-tokens 1000 --boot 50 --kn-max 0)

expect_ok "sweep, 2 jobs" "$LACUS" lm sweep --out s "${SMALL[@]}" --jobs 2
[ "$(wc -l <s/rows.jsonl)" -eq 4 ] || fail "expected 4 rows, got $(wc -l <s/rows.jsonl)"
for f in report.md thresholds.tsv config.json; do [ -s "s/$f" ] || fail "no s/$f"; done
grep -q "^S2	agreement, no attractor	2000	" s/thresholds.tsv || fail "thresholds.tsv lacks the S2 row"
grep -q "Order of thresholds" s/report.md || fail "report.md lacks the DAG check"
if command -v gnuplot >/dev/null; then
    for f in curves_acc.png curves_cont.png; do
        [ "$(head -c 4 "s/$f" | tail -c 3)" = "PNG" ] || fail "s/$f is not a PNG"
    done
fi
# Every row has all eleven skills, with their counts.
for k in S0 S1 S2 S3 S6 S7 S8 S12 F-rev F-count F-dyck; do
    [ "$(grep -c "\"${k}_n\": [1-9]" s/rows.jsonl)" -eq 4 ] || fail "rows lack $k counts"
done
# The ridge of each cell is one of the grid's values.
[ "$(grep -cE '"ridge": (0.001|0.01|0.1|1|10|100),' s/rows.jsonl)" -eq 4 ] || fail "a chosen ridge is not on the grid"

# Nothing to do: the rows stay byte for byte.
cp s/rows.jsonl rows0.jsonl
expect_ok "rerun, nothing to do" "$LACUS" lm sweep --out s "${SMALL[@]}"
cmp -s s/rows.jsonl rows0.jsonl || fail "a rerun with nothing to do changed rows.jsonl"

# A torn last line (a kill in the middle of a write): dropped, and only that
# cell runs again; the three others are kept as they were.
head -n 3 rows0.jsonl >s/rows.jsonl
printf '{"tokens": 2000, "units": 20, "se' >>s/rows.jsonl
expect_ok "resume after a torn line" "$LACUS" lm sweep --out s "${SMALL[@]}"
grep -q "dropped 1 incomplete" err.txt || fail "no message about the torn line"
grep -q "4 cells, 3 done, 1 to run" out.txt || { fail "resume did not skip the 3 done cells"; cat out.txt; }
[ "$(wc -l <s/rows.jsonl)" -eq 4 ] || fail "expected 4 rows after resume"
[ "$(head -n 3 s/rows.jsonl)" = "$(head -n 3 rows0.jsonl)" ] || fail "resume rewrote finished rows"

# An extended grid runs only the new cells.
expect_ok "extend the grid" "$LACUS" lm sweep --out s --sizes 10,20,40 --tokens 2000 --seeds 2 --test-tokens 1000 --boot 50 --kn-max 0
grep -q "6 cells, 4 done, 2 to run" out.txt || { fail "extension did not reuse the rows"; cat out.txt; }
[ "$(wc -l <s/rows.jsonl)" -eq 6 ] || fail "expected 6 rows"

# kill -9 in the middle of a sweep, then resume: no cell twice, none lost.
# Cells large enough (N up to 160 on 30,000 tokens) that a fast machine
# cannot finish all 8 between two polls.
KGRID=(--sizes 20,40,80,160 --tokens 30000 --seeds 2 --test-tokens 1000 --kn-max 0)
"$LACUS" lm sweep --out k "${KGRID[@]}" --jobs 1 >kill.out 2>&1 &
pid=$!
for _ in $(seq 1 2400); do
    [ -s k/rows.jsonl ] && [ "$(wc -l <k/rows.jsonl)" -ge 2 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
n_before=$(wc -l <k/rows.jsonl)
head -n "$n_before" k/rows.jsonl >before.jsonl
[ "$n_before" -ge 1 ] && [ "$n_before" -lt 8 ] || fail "kill test: $n_before rows before the kill (expected 1..7)"
expect_ok "resume after kill -9" "$LACUS" lm sweep --out k "${KGRID[@]}" --jobs 2
grep -q "8 cells, $n_before done" out.txt || { fail "resume after kill did not skip $n_before cells"; cat out.txt; }
[ "$(wc -l <k/rows.jsonl)" -eq 8 ] || fail "expected 8 rows after resume"
keys=$(sed 's/"train_s.*//' k/rows.jsonl | sort | uniq -d)
[ -z "$keys" ] || fail "cells run twice: $keys"
[ "$(head -n "$n_before" k/rows.jsonl)" = "$(cat before.jsonl)" ] || fail "rows of the killed run were changed"

# Other settings in the same directory would mix two experiments.
expect_fail "other settings on resume" 1 "other settings" - "$LACUS" lm sweep --out s "${SMALL[@]}" --ridges 5
# Bad configurations: usage errors before anything is written.
expect_fail "no --out" 2 "--out is required" - "$LACUS" lm sweep "${SMALL[@]}"
expect_fail "sizes not increasing" 2 "values must increase" bad1 "$LACUS" lm sweep --out bad1 --sizes 20,10
expect_fail "sizes not numbers" 2 "comma list of integers" bad2 "$LACUS" lm sweep --out bad2 --sizes 10,abc
expect_fail "one size" 2 "at least 2 sizes" bad3 "$LACUS" lm sweep --out bad3 --sizes 10
expect_fail "too few tokens" 2 "--tokens" bad4 "$LACUS" lm sweep --out bad4 --tokens 10
expect_fail "zero seeds" 2 "--seeds = 0" bad5 "$LACUS" lm sweep --out bad5 --seeds 0
expect_fail "level above 1" 2 "--level = 1.5" bad6 "$LACUS" lm sweep --out bad6 --level 1.5
expect_fail "leak rate 0" 2 "lr" bad7 "$LACUS" lm sweep --out bad7 --lr 0
expect_fail "NaN ridge" 2 "ridges" bad8 "$LACUS" lm sweep --out bad8 --ridges 1,nan
expect_fail "negative ridge" 2 "ridges" bad8b "$LACUS" lm sweep --out bad8b --ridges -1
expect_fail "kn order 7" 2 "--kn-max = 7" bad8c "$LACUS" lm sweep --out bad8c --kn-max 7
expect_fail "zero jobs" 2 "--jobs = 0" bad9 "$LACUS" lm sweep --out bad9 --jobs 0
expect_fail "p-attractor 2" 2 "--p-attractor" bad10 "$LACUS" lm sweep --out bad10 --p-attractor 2
# Matched baselines: one row per (tokens, seed, order), in the report's
# tables and as flat lines of the plots.
expect_ok "sweep with KN baselines" "$LACUS" lm sweep --out kb --sizes 10,20 --tokens 3000 --seeds 2 --test-tokens 1000 \
    --boot 20 --kn-max 3 --ridges 1
[ "$(grep -c '"kn": 2' kb/rows.jsonl)" -eq 2 ] || fail "expected 2 rows of the 2-gram"
[ "$(grep -c '"kn": 3' kb/rows.jsonl)" -eq 2 ] || fail "expected 2 rows of the 3-gram"
[ "$(grep -c '"kn": 0' kb/rows.jsonl)" -eq 4 ] || fail "expected 4 reservoir rows"
grep -q "| KN 3-gram |" kb/report.md || fail "report.md lacks the 3-gram row"
grep -q '"ridge": 1,' kb/rows.jsonl || fail "a one-value grid must give that ridge"

# lm train: the logistic readout and stacked reservoirs on the excerpt.
TEXT=$LACUS_FIXTURES/lang/moby_excerpt.txt
expect_ok "lm train --readout logistic" "$LACUS" lm train --text "$TEXT" --units 30 --readout logistic --logit-iters 30 --output lg.npz
grep -q "readout logistic" out.txt || fail "lm train --readout logistic does not say so"
expect_ok "lm eval of a logistic model" "$LACUS" lm eval --text "$TEXT" --model lg.npz
grep -q "reservoir N=30" out.txt || fail "lm eval of the logistic model prints no row"
expect_ok "lm train --layers 2" "$LACUS" lm train --text "$TEXT" --units 30 --layers 2 --gate-tokens 0
grep -q "stack depth 2/2" out.txt || fail "lm train --layers 2 prints no depth-2 row"
expect_fail "bad readout" 2 "--readout" bad11.npz "$LACUS" lm train --text "$TEXT" --readout bogus --output bad11.npz
expect_fail "17 layers" 2 "--layers = 17" bad12.npz "$LACUS" lm train --text "$TEXT" --layers 17 --output bad12.npz
expect_fail "zero layers" 2 "--layers = 0" - "$LACUS" lm train --text "$TEXT" --layers 0 --output bad13.npz
expect_fail "stack with logistic" 2 "--readout ridge" - "$LACUS" lm train --text "$TEXT" --layers 2 --readout logistic
expect_fail "negative l2" 2 "l2 = -1" bad14.npz "$LACUS" lm train --text "$TEXT" --readout logistic --logit-l2 -1 --output bad14.npz
printf 'not json' >notdir
expect_fail "out is a file" 1 "cannot" - "$LACUS" lm sweep --out notdir/x "${SMALL[@]}"
finish

#!/usr/bin/env bash
# lacus search: a search interrupted (SIGINT, or a crash that cut the results
# file mid-line) and resumed ends with exactly the trials of an
# uninterrupted run; results from another search are refused; bad search
# files get precise messages.
. "$(dirname "$0")/lib.sh"

"$LACUS" data mackey-glass --steps 1200 --output mg.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 1200 --set tau=18 --output y.npy >/dev/null
"$LACUS" data mackey-glass --steps 400 --set x0=1.1 --output vu.npy >/dev/null
"$LACUS" data mackey-glass --steps 400 --set x0=1.1 --set tau=18 --output vy.npy >/dev/null
echo '{"input": "mg.npy", "target": "y.npy", "esn": {"units": 120, "warmup": 50}}' >esn.json
search() { # NAME TRIALS SEED
    cat >"$1.json" <<JSON
{"config": "esn.json", "validation": {"input": "vu.npy", "target": "vy.npy"},
 "space": {"sr": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "units": ["choice", 60, 120],
           "ridge": ["log-uniform", 1e-9, 1e-3]},
 "method": "tpe", "trials": $2, "instances": 2, "batch": 2, "seed": $3, "results": "$1.jsonl"}
JSON
}
strip() { sed 's/, "seconds": [0-9.]*//' "$1"; }

search full 40 5
expect_ok "uninterrupted search" "$LACUS" search full.json
[ "$(wc -l <full.jsonl)" -eq 40 ] || { failed=$((failed + 1)); echo "FAIL: 40 lines"; }
grep -q "^best loss" out.txt || { failed=$((failed + 1)); echo "FAIL: best line"; }

# A crash: 11 whole lines and half of the 12th (trials 10-11 are one batch).
search cut 40 5
head -n 11 full.jsonl >cut.jsonl
sed -n 12p full.jsonl | head -c 30 >>cut.jsonl
expect_ok "resume after a cut" "$LACUS" search cut.json
grep -q "resuming cut.jsonl after trial 9" err.txt || { failed=$((failed + 1)); echo "FAIL: resume point"; cat err.txt; }
if [ "$(strip full.jsonl)" = "$(strip cut.jsonl)" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: resumed results differ"; fi

# SIGINT as soon as the first batch is written, then resume.
search int 40 5
"$LACUS" search int.json >int_out.txt 2>int_err.txt &
pid=$!
for _ in $(seq 1 600); do [ -s int.jsonl ] && break; sleep 0.05; done
kill -INT $pid
wait $pid
status=$?
if [ $status -eq 130 ] && grep -q "interrupted: the finished trials are in int.jsonl" int_err.txt; then
    passed=$((passed + 1))
    [ "$(wc -l <int.jsonl)" -lt 40 ] || { failed=$((failed + 1)); echo "FAIL: nothing was interrupted"; }
else
    failed=$((failed + 1)); echo "FAIL: SIGINT: exit $status"; cat int_err.txt
fi
expect_ok "resume after SIGINT" "$LACUS" search int.json
if [ "$(strip full.jsonl)" = "$(strip int.jsonl)" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: results after SIGINT differ"; fi

# Results of another search (another seed) are refused, not mixed in.
search other 40 6
cp cut.jsonl other.jsonl
expect_fail "another search's results" 1 "trial 0 was made by another search" - "$LACUS" search other.json

bad() { # NAME MESSAGE JSON
    printf '%s' "$3" >"$1.json"
    expect_fail "search $1" 2 "$2" - "$LACUS" search "$1.json"
}
V='"config": "esn.json", "validation": {"input": "vu.npy", "target": "vy.npy"}'
bad key "key.json: trails: unknown key" "{$V, \"space\": {\"sr\": [\"uniform\", 0, 1]}, \"trails\": 5}"
bad dist "dist.json: space.sr: kind must be log-uniform, uniform, int or choice" \
    "{$V, \"space\": {\"sr\": [\"normal\", 0, 1]}}"
bad opt "opt.json: space.activation: not a numeric ESN option" \
    "{$V, \"space\": {\"activation\": [\"choice\", 1, 2]}}"
bad intopt "intopt.json: space.units: an integer option takes \"int\" or \"choice\"" \
    "{$V, \"space\": {\"units\": [\"uniform\", 10, 100]}}"
bad range "range.json: space: search dimension 0: bad range" \
    "{$V, \"space\": {\"ridge\": [\"log-uniform\", 0, 1]}}"
bad noconfig "noconfig.json: config: the model config file (esn, stack or graph) is required" '{"space": {}}'
bad method "method.json: method: expected \"tpe\" or \"random\"" \
    "{$V, \"space\": {\"sr\": [\"uniform\", 0.1, 1]}, \"method\": \"grid\"}"
finish

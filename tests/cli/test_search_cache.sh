#!/usr/bin/env bash
# The search's W0 / spectral-radius cache (cli/search_cache.c) changes no
# result: a TPE search over sr, lr, ridge and units (two reservoir sizes,
# three instances, so several cache entries) gives the same results file,
# line for line (timings aside), with the cache and with every trial
# drawing its reservoir itself (LACUS_SEARCH_NO_CACHE=1).
. "$(dirname "$0")/lib.sh"

"$LACUS" data mackey-glass --steps 900 --output u.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 900 --set tau=18 --output y.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --output vu.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --set tau=18 --output vy.npy >/dev/null
echo '{"input": "u.npy", "target": "y.npy", "esn": {"units": 100, "warmup": 20, "seed": 4}}' >esn.json
for name in cached plain; do
    cat >$name.json <<JSON
{"config": "esn.json", "validation": {"input": "vu.npy", "target": "vy.npy"},
 "space": {"sr": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "ridge": ["log-uniform", 1e-9, 1e-3],
           "units": ["choice", 60, 150]},
 "method": "tpe", "trials": 16, "instances": 3, "batch": 4, "seed": 9, "results": "$name.jsonl"}
JSON
done
strip() { sed 's/, "seconds": [0-9.]*//' "$1"; }
expect_ok "search with the cache" "$LACUS" search cached.json
expect_ok "search without it" env LACUS_SEARCH_NO_CACHE=1 "$LACUS" search plain.json
if [ "$(wc -l <cached.jsonl)" -eq 16 ] && [ "$(strip cached.jsonl)" = "$(strip plain.jsonl)" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL: the cache changed the results"; diff <(strip cached.jsonl) <(strip plain.jsonl) | head -4
fi
# Both sizes were tried (the cache held entries of each).
grep -q '"units": 60' cached.jsonl && grep -q '"units": 150' cached.jsonl && passed=$((passed + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: one size only"; }
finish

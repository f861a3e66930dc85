#!/usr/bin/env bash
# lacus search under mpirun: the trials of each batch are shared over the
# ranks, and the results file (trials, parameters, losses) equals the one
# process run's line for line (timings aside), on 2 and 3 ranks; a search
# cut mid-batch resumes under mpirun to the same file. Skipped without MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 300

"$LACUS" data mackey-glass --steps 600 --output mg.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 600 --set tau=18 --output y.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --output vu.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --set tau=18 --output vy.npy >/dev/null
echo '{"input": "mg.npy", "target": "y.npy", "esn": {"units": 60, "warmup": 50}}' >esn.json
search() { # NAME
    cat >"$1.json" <<JSON
{"config": "esn.json", "validation": {"input": "vu.npy", "target": "vy.npy"},
 "space": {"sr": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "units": ["choice", 30, 60],
           "ridge": ["log-uniform", 1e-9, 1e-3]},
 "method": "tpe", "trials": 24, "instances": 2, "batch": 4, "seed": 9, "results": "$1.jsonl"}
JSON
}
strip() { sed 's/, "seconds": [0-9.]*//' "$1"; }

search one
expect_ok "search, one process" "$LACUS" search one.json
[ "$(wc -l <one.jsonl)" -eq 24 ] || { failed=$((failed + 1)); echo "FAIL: 24 lines"; }
for np in 2 3; do
    search r$np
    expect_ok "search on $np ranks" env OMP_NUM_THREADS=1 $MPIRUN -np $np "$LACUS" search r$np.json
    [ "$(grep -c '^best loss' out.txt)" -eq 1 ] || { failed=$((failed + 1)); echo "FAIL: one report"; cat out.txt; }
    if [ "$(strip one.jsonl)" = "$(strip r$np.jsonl)" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $np-rank results differ"; diff <(strip one.jsonl) <(strip r$np.jsonl) | head; fi
done
# A crash mid-batch (9 whole lines: two batches and one trial), resumed on 2 ranks.
search cut
head -n 9 one.jsonl >cut.jsonl
expect_ok "resume on 2 ranks" $MPIRUN -np 2 "$LACUS" search cut.json
grep -q "resuming cut.jsonl after trial 7" err.txt || { failed=$((failed + 1)); echo "FAIL: resume point"; cat err.txt; }
if [ "$(strip one.jsonl)" = "$(strip cut.jsonl)" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: resumed results differ"; fi
finish

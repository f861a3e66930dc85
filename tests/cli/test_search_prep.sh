#!/usr/bin/env bash
# "preprocess" in a searched config: fitted once on the training inputs,
# applied to the training and validation inputs. The results equal, line
# for line, those of the same search on data scaled beforehand with
# lacus prep fit/apply (ESN zscore, stack minmax), and on 2 MPI ranks
# (when lacus has MPI) those of one process. Bad validation widths name
# the file.
. "$(dirname "$0")/lib.sh"

"$LACUS" data lorenz --steps 900 --output u.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data lorenz --steps 900 --set h=0.031 --output y.npy >/dev/null
"$LACUS" data lorenz --steps 300 --set rho=27 --output vu.npy >/dev/null
"$LACUS" data lorenz --steps 300 --set rho=27 --set h=0.031 --output vy.npy >/dev/null
"$LACUS" data mackey-glass --steps 300 --output mg.npy >/dev/null
strip() { sed 's/, "seconds": [0-9.]*//' "$1"; }
same() { # WHAT A B
    if [ "$(strip "$2")" = "$(strip "$3")" ] && [ -s "$2" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $1"; diff <(strip "$2") <(strip "$3") | head -5; fi
}
search() { # NAME CONFIG TRAINING-AND-VALIDATION-INPUT
    cat >"$1.json" <<JSON
{"config": "$2", "validation": {"input": "$3", "target": "vy.npy"},
 "space": {"sr": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "ridge": ["log-uniform", 1e-9, 1e-3]},
 "method": "tpe", "trials": 12, "instances": 2, "batch": 4, "seed": 3, "results": "$1.jsonl"}
JSON
}

# ESN + zscore.
echo '{"input": "u.npy", "target": "y.npy", "preprocess": {"kind": "zscore"}, "esn": {"units": 40, "warmup": 20}}' >esn_pp.json
echo '{"input": "us.npy", "target": "y.npy", "esn": {"units": 40, "warmup": 20}}' >esn_raw.json
expect_ok "prep fit" "$LACUS" prep fit --kind zscore --input u.npy --output z.npz
expect_ok "prep apply train" "$LACUS" prep apply --model z.npz --input u.npy --output us.npy
expect_ok "prep apply validation" "$LACUS" prep apply --model z.npz --input vu.npy --output vus.npy
search pp esn_pp.json vu.npy
search raw esn_raw.json vus.npy
expect_ok "search with preprocess" "$LACUS" search pp.json
grep -q "preprocess: zscore fitted on 1 sequences, 3 -> 3 features" err.txt ||
    { failed=$((failed + 1)); echo "FAIL: no preprocess line"; cat err.txt; }
expect_ok "search on scaled data" "$LACUS" search raw.json
same "ESN search with preprocess = on data scaled beforehand" pp.jsonl raw.jsonl
# Without the scaling the trials differ (the comparison can fail).
echo '{"input": "u.npy", "target": "y.npy", "esn": {"units": 40, "warmup": 20}}' >esn_none.json
search none esn_none.json vu.npy
expect_ok "search unscaled" "$LACUS" search none.json
if [ "$(strip none.jsonl)" = "$(strip pp.jsonl)" ]; then failed=$((failed + 1)); echo "FAIL: scaling changed nothing"; fi

# Stack + minmax.
cat >st_pp.json <<'JSON'
{"model": "stack", "teacher_inputs": true, "esn": {"units": 30, "warmup": 20},
 "preprocess": {"kind": "minmax", "range": [-1, 1]},
 "layers": [{"target": "y.npy", "seed": 1}, {"target": "y.npy", "seed": 2}], "input": "u.npy", "output": "x.npz"}
JSON
sed 's/"preprocess": {"kind": "minmax", "range": \[-1, 1\]},//; s/"u.npy"/"um.npy"/' st_pp.json >st_raw.json
expect_ok "prep fit minmax" "$LACUS" prep fit --kind minmax --input u.npy --output m.npz
expect_ok "apply minmax train" "$LACUS" prep apply --model m.npz --input u.npy --output um.npy
expect_ok "apply minmax validation" "$LACUS" prep apply --model m.npz --input vu.npy --output vum.npy
search spp st_pp.json vu.npy
search sraw st_raw.json vum.npy
expect_ok "stack search with preprocess" "$LACUS" search spp.json
expect_ok "stack search on scaled data" "$LACUS" search sraw.json
same "stack search with preprocess = on data scaled beforehand" spp.jsonl sraw.jsonl

# Under mpirun: 2 ranks = one process.
if mpi_setup 120; then
    search pp2 esn_pp.json vu.npy
    expect_ok "search with preprocess on 2 ranks" $MPIRUN -np 2 "$LACUS" search pp2.json
    same "2 ranks = one process" pp.jsonl pp2.jsonl
fi

# Validation inputs of another width than the training inputs.
search badw esn_pp.json mg.npy
expect_fail "validation width" 1 "validation.input" badw.jsonl "$LACUS" search badw.json
finish

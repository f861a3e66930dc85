#!/usr/bin/env bash
# Preprocessing inside models, and prep/online nodes in graph configs.
#  - A config with "preprocess" (ESN and stack) gives, through lacus run on
#    raw inputs, exactly (cmp) the predictions of the same model trained
#    and run on inputs scaled beforehand with lacus prep fit/apply: the
#    scaler travels inside the model file.
#  - A graph config with a prep node and an online (RLS) node trains, runs,
#    and its prep node equals the hand-scaled graph without it.
#  - Bad preprocess/prep/online keys get precise messages, exit 2, no file.
. "$(dirname "$0")/lib.sh"

"$LACUS" data lorenz --steps 500 --output lz.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data mackey-glass --steps 500 --output mg.npy >/dev/null || exit 1

# ESN: preprocess inside the model vs scaling by hand.
cat >esnp.json <<'JSON'
{"model": "esn", "input": "lz.npy", "target": "mg.npy", "output": "esnp.npz",
 "preprocess": {"kind": "minmax", "range": [-1, 1]},
 "esn": {"units": 40, "lr": 0.3, "ridge": 1e-5, "warmup": 10, "seed": 7}}
JSON
expect_ok "esn config with preprocess" "$LACUS" fit esnp.json
grep -q "preprocess: minmax fitted on 1 sequences, 3 -> 3 features" err.txt ||
    { failed=$((failed + 1)); echo "FAIL: preprocess report"; cat err.txt; }
expect_ok "run on raw inputs" "$LACUS" run --model esnp.npz --input lz.npy --output pa.npy
expect_ok "scaler by hand" "$LACUS" prep fit --kind minmax --input lz.npy --output sc.npz
expect_ok "scale by hand" "$LACUS" prep apply --model sc.npz --input lz.npy --output lz_sc.npy
cat >esnh.json <<'JSON'
{"model": "esn", "input": "lz_sc.npy", "target": "mg.npy", "output": "esnh.npz",
 "esn": {"units": 40, "lr": 0.3, "ridge": 1e-5, "warmup": 10, "seed": 7}}
JSON
expect_ok "esn on hand-scaled inputs" "$LACUS" fit esnh.json
expect_ok "run on hand-scaled inputs" "$LACUS" run --model esnh.npz --input lz_sc.npy --output pb.npy
expect_ok "identical predictions (esn)" cmp pa.npy pb.npy
# Without the scaler the model differs (the test above could not pass by accident).
cat >esnr.json <<'JSON'
{"model": "esn", "input": "lz.npy", "target": "mg.npy", "output": "esnr.npz",
 "esn": {"units": 40, "lr": 0.3, "ridge": 1e-5, "warmup": 10, "seed": 7}}
JSON
expect_ok "esn on raw inputs" "$LACUS" fit esnr.json
expect_ok "run the model without preprocessing" "$LACUS" run --model esnr.npz --input lz.npy --output pr.npy
if cmp -s pa.npy pr.npy; then failed=$((failed + 1)); echo "FAIL: scaling changed nothing"; else passed=$((passed + 1)); fi
expect_fail "generate refuses a model with input preprocessing" 2 "carries input preprocessing" g.npy \
    "$LACUS" run --model esnp.npz --input lz.npy --generate 5 --output g.npy
expect_fail "wrong input width for the stored scaler" 1 "the model's preprocessing (minmax) was fitted on 3" x.npy \
    "$LACUS" run --model esnp.npz --input mg.npy --output x.npy

# zscore and delay on a stack.
cat >stackp.json <<'JSON'
{"model": "stack", "input": "lz.npy", "output": "stackp.npz",
 "preprocess": {"kind": "delay", "delay": 3, "stride": 2},
 "esn": {"units": 30, "lr": 0.5, "warmup": 10},
 "layers": [{"target": "mg.npy", "seed": 1}, {"target": "lz.npy", "units": 20}]}
JSON
expect_ok "stack config with preprocess (delay)" "$LACUS" fit stackp.json
expect_ok "run stack on raw inputs" "$LACUS" run --model stackp.npz --input lz.npy --output sa.npy
expect_ok "delay node by hand" "$LACUS" prep fit --kind delay --delay 3 --stride 2 --input lz.npy --output dl.npz
expect_ok "embed by hand" "$LACUS" prep apply --model dl.npz --input lz.npy --output lz_dl.npy
sed 's/"lz.npy", "output": "stackp.npz"/"lz_dl.npy", "output": "stackh.npz"/; /preprocess/d' stackp.json >stackh.json
expect_ok "stack on hand-embedded inputs" "$LACUS" fit stackh.json
expect_ok "run it" "$LACUS" run --model stackh.npz --input lz_dl.npy --output sb.npy
expect_ok "identical predictions (stack)" cmp sa.npy sb.npy

# Stack fits draw one progress bar (on a terminal: script(1) gives one),
# not a line per layer.
if command -v script >/dev/null; then
    script -qc "$LACUS fit stackp.json" /dev/null | tr '\r' '\n' >bar.txt
    if grep -q "^fit stack \[#*  *\] *[0-9.]*%.*ETA" bar.txt && grep -q "100.0%" bar.txt &&
        ! grep -q "trained in" bar.txt; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: stack progress bar"; cat bar.txt; fi
fi

# Graph: in >> scale >> res >> rls, with the scaler as a node.
cat >graphp.json <<'JSON'
{"model": "graph", "input": "lz.npy", "output": "graphp.npz", "warmup": 10,
 "nodes": [{"name": "in", "kind": "input", "features": 3},
           {"name": "scale", "kind": "prep", "prep": "zscore"},
           {"name": "res", "kind": "reservoir", "units": 40, "lr": 0.4, "seed": 3},
           {"name": "rls", "kind": "online", "method": "rls", "alpha": 1e-2, "target": "mg.npy"}],
 "edges": [["in", "scale"], ["scale", "res"], ["res", "rls"]]}
JSON
expect_ok "graph config with prep and online nodes" "$LACUS" fit graphp.json
grep -q "^scale       prep           3" out.txt || { failed=$((failed + 1)); echo "FAIL: node table"; cat out.txt; }
grep -q "^rls         online         1" out.txt || { failed=$((failed + 1)); echo "FAIL: node table"; cat out.txt; }
expect_ok "run graph (default node: the online readout)" "$LACUS" run --model graphp.npz --input lz.npy --output ga.npy
grep -q 'node "rls"' out.txt || { failed=$((failed + 1)); echo "FAIL: default node"; cat out.txt; }
expect_ok "zscore by hand" "$LACUS" prep fit --kind zscore --input lz.npy --output zs.npz
expect_ok "standardise by hand" "$LACUS" prep apply --model zs.npz --input lz.npy --output lz_zs.npy
cat >graphh.json <<'JSON'
{"model": "graph", "input": "lz_zs.npy", "output": "graphh.npz", "warmup": 10,
 "nodes": [{"name": "in", "kind": "input", "features": 3},
           {"name": "res", "kind": "reservoir", "units": 40, "lr": 0.4, "seed": 3},
           {"name": "rls", "kind": "online", "method": "rls", "alpha": 1e-2, "target": "mg.npy"}],
 "edges": [["in", "res"], ["res", "rls"]]}
JSON
expect_ok "graph on hand-standardised inputs" "$LACUS" fit graphh.json
expect_ok "run it" "$LACUS" run --model graphh.npz --input lz_zs.npy --output gb.npy
expect_ok "identical predictions (graph)" cmp ga.npy gb.npy

# Bad configs.
bad() { # name, json, expected message
    printf '%s\n' "$2" >"$1.json"
    expect_fail "$1" 2 "$3" "$1.npz" "$LACUS" fit "$1.json"
}
bad p_kind '{"input": "lz.npy", "target": "mg.npy", "output": "p_kind.npz", "preprocess": {"kind": "scale"}}' \
    'p_kind.json: preprocess.kind: expected "minmax", "zscore", "onehot" or "delay"'
bad p_range '{"input": "lz.npy", "target": "mg.npy", "output": "p_range.npz", "preprocess": {"kind": "minmax", "range": [1, -1]}}' \
    'p_range.json: preprocess: '
bad p_key '{"input": "lz.npy", "target": "mg.npy", "output": "p_key.npz", "preprocess": {"kind": "minmax", "drop": true}}' \
    'p_key.json: preprocess.drop: unknown key'
bad p_type '{"input": "lz.npy", "target": "mg.npy", "output": "p_type.npz", "preprocess": "minmax"}' \
    'p_type.json: preprocess: expected an object, got a string'
bad p_graph '{"model": "graph", "input": "lz.npy", "output": "p_graph.npz", "preprocess": {"kind": "minmax"}, "nodes": [], "edges": []}' \
    'p_graph.json: preprocess: not for a graph'
bad n_onehot '{"model": "graph", "input": "lz.npy", "output": "n_onehot.npz", "nodes": [{"name": "a", "kind": "prep", "prep": "onehot"}], "edges": []}' \
    'n_onehot.json: nodes[0].prep: onehot is not supported in a graph'
bad n_method '{"model": "graph", "input": "lz.npy", "output": "n_method.npz", "nodes": [{"name": "a", "kind": "online", "method": "force", "target": "mg.npy"}], "edges": []}' \
    'n_method.json: nodes[0].method: expected "rls" or "lms"'
bad n_alpha '{"model": "graph", "input": "lz.npy", "output": "n_alpha.npz", "nodes": [{"name": "a", "kind": "online", "alpha": -1, "target": "mg.npy"}], "edges": []}' \
    'n_alpha.json: nodes[0]: '
bad n_notarget '{"model": "graph", "input": "lz.npy", "output": "n_notarget.npz", "nodes": [{"name": "a", "kind": "online"}], "edges": []}' \
    'n_notarget.json: nodes[0]: an online node needs "target"'
bad n_key '{"model": "graph", "input": "lz.npy", "output": "n_key.npz", "nodes": [{"name": "a", "kind": "online", "ridge": 1, "target": "mg.npy"}], "edges": []}' \
    'n_key.json: nodes[0].ridge: unknown key'
printf '{"input": "lz.npy", "target": "mg.npy", "output": "nan.npz", "preprocess": {"kind": "zscore"}}\n' >nan.json
printf 'a,b,c\n1,2,3\nnan,1,2\n3,4,5\n' >bad.csv
printf '{"input": "bad.csv", "target": "bad.csv", "output": "nan.npz", "preprocess": {"kind": "zscore"}}\n' >nan.json
expect_fail "NaN in the inputs" 1 "nan.json: preprocess (zscore) on the inputs: sequence 0: fit data[1, 0] is NaN" nan.npz "$LACUS" fit nan.json

# lacus search on stack and graph configs: a one-layer stack and a graph
# in >> res >> ro are the ESN, so their searches give the ESN search's
# trials and losses exactly; "res.sr" names the graph node's option.
"$LACUS" data mackey-glass --steps 300 --set x0=1.1 --output vmg.npy >/dev/null || exit 1
echo '{"input": "lz.npy", "target": "mg.npy", "esn": {"units": 30, "warmup": 20, "seed": 3}}' >s_esn.json
echo '{"model": "stack", "input": "lz.npy", "esn": {"units": 30, "warmup": 20, "seed": 3},
 "layers": [{"target": "mg.npy"}]}' >s_stack.json
echo '{"model": "graph", "input": "lz.npy", "warmup": 20,
 "nodes": [{"name": "in", "kind": "input", "features": 3},
           {"name": "res", "kind": "reservoir", "units": 30, "seed": 3},
           {"name": "ro", "kind": "ridge", "target": "mg.npy"}],
 "edges": [["in", "res"], ["res", "ro"]]}' >s_graph.json
"$LACUS" data lorenz --steps 300 --set x0=1.5 --output vlz.npy >/dev/null 2>&1 ||
    "$LACUS" data lorenz --steps 300 --output vlz.npy >/dev/null
sspace() { # NAME CONFIG SR_KEY
    cat >"$1.json" <<JSON
{"config": "$2", "validation": {"input": "vlz.npy", "target": "vmg.npy"},
 "space": {"$3": ["log-uniform", 0.1, 3], "lr": ["log-uniform", 0.05, 1], "ridge": ["log-uniform", 1e-9, 1e-3]},
 "method": "tpe", "trials": 12, "instances": 2, "batch": 3, "seed": 4, "results": "$1.jsonl"}
JSON
}
sspace se s_esn.json sr
sspace ss s_stack.json sr
sspace sg s_graph.json res.sr
expect_ok "search on an ESN config" "$LACUS" search se.json
expect_ok "search on a stack config" "$LACUS" search ss.json
expect_ok "search on a graph config" "$LACUS" search sg.json
strip() { sed 's/, "seconds": [0-9.]*//; s/"res.sr"/"sr"/' "$1"; }
[ "$(wc -l <se.jsonl)" -eq 12 ] && ! grep -q '"loss": null' se.jsonl || { failed=$((failed + 1)); echo "FAIL: ESN search"; }
for m in ss sg; do
    if [ "$(strip se.jsonl)" = "$(strip $m.jsonl)" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $m search differs from the ESN search"; diff <(strip se.jsonl) <(strip $m.jsonl) | head -4; fi
done
sed 's/"res.sr"/"nope.sr"/; s/sg.jsonl/bad.jsonl/' sg.json >sbad.json
"$LACUS" data mackey-glass --steps 200 --output v200.npy >/dev/null
sed 's/vmg.npy/v200.npy/; s/se.jsonl/short.jsonl/' se.json >sshort.json
expect_fail "validation steps that do not match" 1 "validation: sequence 0 has 300 input steps but 200 target steps" \
    short.jsonl "$LACUS" search sshort.json
# A search on a config with "preprocess" applies it (test_search_prep.sh).
sed 's/s_esn.json/esnp.json/; s/se.jsonl/sp.jsonl/' se.json >sprep.json
expect_ok "a search on a config with preprocess" "$LACUS" search sprep.json
grep -q "preprocess: minmax fitted on 1 sequences" err.txt || { failed=$((failed + 1)); echo "FAIL: sprep"; }
expect_fail "unknown node in a search space" 2 'space.nope.sr: no such node of the graph takes "sr"' bad.jsonl "$LACUS" search sbad.json

# Model files written by the previous version (main before this round, in
# tests/fixtures/graph2/old_*.npz, with the predictions that binary made)
# load and run to the same bytes: no input_prep, nothing applied.
FX=${LACUS_FIXTURES:?}/graph2
for m in esn stack graph; do
    expect_ok "old $m model runs" "$LACUS" run --model "$FX/old_$m.npz" --input "$FX/old_input.npy" --output old_$m.npy
    expect_ok "old $m model: the old binary's predictions" cmp old_$m.npy "$FX/old_${m}_pred.npy"
done

# More than 64 files per option (the old fixed limit): 100 on the command
# line and 100 in a config's array, each file one sequence.
"$LACUS" data mackey-glass --steps 60 --output short.npy >/dev/null || exit 1
args=()
files=""
for i in $(seq 1 100); do
    args+=(--input short.npy --target short.npy)
    files="$files\"short.npy\", "
done
expect_ok "100 --input/--target files" "$LACUS" fit "${args[@]}" --units 20 --output many.npz
grep -q "on 100 sequences" out.txt || { failed=$((failed + 1)); echo "FAIL: 100 sequences"; cat out.txt; }
printf '{"input": [%s], "target": [%s], "output": "many2.npz", "esn": {"units": 20}}\n' \
    "${files%, }" "${files%, }" >many.json
expect_ok "100 files in a config array" "$LACUS" fit many.json
grep -q "on 100 sequences" out.txt || { failed=$((failed + 1)); echo "FAIL: 100 sequences (config)"; cat out.txt; }
expect_ok "same model either way" "$LACUS" run --model many.npz --input short.npy --output m1.npy
expect_ok "same model either way (config)" "$LACUS" run --model many2.npz --input short.npy --output m2.npy
expect_ok "identical predictions (100 files)" cmp m1.npy m2.npy
finish

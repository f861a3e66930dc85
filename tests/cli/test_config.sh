#!/usr/bin/env bash
# lacus fit CONFIG.json: an ESN config trains the same model as the same
# options on the command line; a stack config trains and runs every layer;
# malformed configs each get a precise message (file and key, or line and
# column), exit 2 (1 for bad data), and leave no model file behind.
. "$(dirname "$0")/lib.sh"

"$LACUS" data mackey-glass --steps 600 --output mg.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data lorenz --steps 600 --output lz.npy >/dev/null || exit 1
"$LACUS" data mackey-glass --steps 300 --output mg300.npy >/dev/null || exit 1
mkdir -p sub

# An ESN config equals the command line with the same options.
cat >sub/esn.json <<'JSON'
{"model": "esn", "input": "../mg.npy", "target": "../mg.npy", "output": "esn.npz",
 "esn": {"units": 40, "lr": 0.3, "sr": 1.1, "ridge": 1e-5, "warmup": 10, "W_init": "uniform",
         "input-scaling": 0.5, "seed": 7}}
JSON
expect_ok "esn config" "$LACUS" fit sub/esn.json
expect_ok "same options on the command line" "$LACUS" fit --input mg.npy --target mg.npy \
    --units 40 --lr 0.3 --sr 1.1 --ridge 1e-5 --warmup 10 --W-init uniform --input-scaling 0.5 \
    --seed 7 --output cli.npz
expect_ok "run config model" "$LACUS" run --model sub/esn.npz --input mg.npy --output a.npy
expect_ok "run cli model" "$LACUS" run --model cli.npz --input mg.npy --output b.npy
expect_ok "identical predictions" cmp a.npy b.npy

# A two-layer stack: mg -> mg, then -> lorenz (3 outputs).
cat >stack.json <<'JSON'
{"model": "stack", "_comment": "layer 1 reads layer 0's predictions",
 "esn": {"units": 30, "lr": 0.5, "warmup": 10},
 "layers": [{"target": "mg.npy", "seed": 1}, {"target": ["lz.npy"], "units": 20}],
 "input": "mg.npy", "output": "stack.npz"}
JSON
expect_ok "stack config" "$LACUS" fit stack.json
grep -q "^    1     20        3" out.txt || { failed=$((failed + 1)); echo "FAIL: layer table"; cat out.txt; }
expect_ok "run stack (last layer)" "$LACUS" run --model stack.npz --input mg.npy --output s1.npy
expect_ok "run stack (layer 0)" "$LACUS" run --model stack.npz --input mg.npy --layer 0 --output s0.npy
expect_fail "layer out of range" 2 "--layer 2: the stack has layers 0 .. 1" x.npy \
    "$LACUS" run --model stack.npz --input mg.npy --layer 2 --output x.npy
expect_fail "--layer on an ESN" 2 "is not a stack" x.npy \
    "$LACUS" run --model cli.npz --input mg.npy --layer 0 --output x.npy
expect_ok "config reference" "$LACUS" fit --config-reference
grep -q '^| `input_scaling` | number | 1 |' out.txt || { failed=$((failed + 1)); echo "FAIL: reference"; }
# docs/config.md must still hold the reference the binary prints.
DOC="${LACUS_FIXTURES:?}/../../docs/config.md"
missing=0
while IFS= read -r line; do
    grep -qxF -- "$line" "$DOC" || { missing=$((missing + 1)); echo "docs/config.md lacks: $line"; }
done <out.txt
if [ $missing -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# A graph [reservoir -> ridge] is the same model as the ESN above.
cat >graph.json <<'JSON'
{"model": "graph", "esn": {"lr": 0.3, "sr": 1.1},
 "nodes": [{"name": "r", "kind": "reservoir", "units": 40, "W_init": "uniform",
            "input_scaling": 0.5, "seed": 7},
           {"name": "ro", "kind": "ridge", "ridge": 1e-5, "target": "mg.npy"}],
 "edges": [["r", "ro"]], "input": "mg.npy", "warmup": 10, "output": "graph.npz"}
JSON
expect_ok "graph config" "$LACUS" fit graph.json
expect_ok "run graph" "$LACUS" run --model graph.npz --input mg.npy --output g.npy
expect_ok "graph = esn" cmp a.npy g.npy
# A deep ESN with output feedback, inputs mapped by node name.
cat >deep.json <<'JSON'
{"model": "graph", "esn": {"lr": 0.5},
 "nodes": [{"name": "in", "kind": "input", "features": 1},
           {"name": "r0", "kind": "reservoir", "units": 30, "seed": 1},
           {"name": "r1", "kind": "reservoir", "units": 20, "seed": 2},
           {"name": "ro", "kind": "ridge", "target": "lz.npy"}],
 "edges": [["in", "r0"], ["r0", "r1"], ["in", "ro"], ["r0", "ro"], ["r1", "ro"], ["ro", "r0", 1]],
 "input": {"in": "mg.npy"}, "warmup": 10, "output": "deep.npz"}
JSON
expect_ok "deep graph config" "$LACUS" fit deep.json
expect_ok "run a node" "$LACUS" run --model deep.npz --input mg.npy --node r1 --output r1.npy
expect_fail "run unknown node" 2 '--node "r9": deep.npz has no node of that name' x.npy \
    "$LACUS" run --model deep.npz --input mg.npy --node r9 --output x.npy

# bad NAME EXIT MESSAGE JSON: the config NAME.json must fail with MESSAGE.
bad() {
    printf '%s' "$4" >"$1.json"
    expect_fail "config $1" "$2" "$3" m.npz "$LACUS" fit "$1.json"
}
bad syntax 2 "syntax.json: line 3, column " $'{\n "input": "mg.npy",\n "esn": {units: 3}}'
bad empty 2 "empty.json: line 1, column 1: invalid JSON" ''
bad notobj 2 "the config must be a JSON object" '[1, 2]'
bad topkey 2 "topkey.json: inputs: unknown key" '{"inputs": "mg.npy", "output": "m.npz"}'
bad esnkey 2 "esnkey.json: esn.unitz: unknown key" \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"unitz": 3}}'
bad type 2 "type.json: esn.lr: expected a number, got a string" \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"lr": "fast"}}'
bad integer 2 "integer.json: esn.units: expected an integer, got a number" \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"units": 10.5}}'
bad flag 2 "flag.json: esn.feed_input: expected true or false, got a number" \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"feed_input": 1}}'
bad model 2 'model.json: model: expected "esn", "stack", "graph" or "nvar"' '{"model": "bert", "input": "mg.npy"}'
bad noinput 2 "noinput.json: input: missing" '{"target": "mg.npy", "output": "m.npz"}'
bad notarget 2 "notarget.json: target: missing" '{"input": "mg.npy", "output": "m.npz"}'
bad esnlayers 2 'esnlayers.json: layers: only for "model": "stack"' \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "layers": []}'
bad nolayers 2 "nolayers.json: layers: a stack needs a non-empty array" \
    '{"model": "stack", "input": "mg.npy", "output": "m.npz", "layers": {}}'
bad layertarget 2 'layertarget.json: layers[1]: missing "target"' \
    '{"model": "stack", "input": "mg.npy", "output": "m.npz", "layers": [{"target": "mg.npy"}, {}]}'
bad stacktarget 2 'stacktarget.json: target: a stack takes one "target" per layer' \
    '{"model": "stack", "input": "mg.npy", "target": "mg.npy", "output": "m.npz", "layers": [{}]}'
bad layerkey 2 "layerkey.json: layers[0].threads: unknown key" \
    '{"model": "stack", "input": "mg.npy", "output": "m.npz", "layers": [{"target": "mg.npy", "threads": 2}]}'
bad paths 2 "paths.json: input: expected a file name or a non-empty array" \
    '{"input": [], "target": "mg.npy", "output": "m.npz"}'
bad fbstack 2 "fbstack.json: layers[0].feedback: output feedback is not supported" \
    '{"model": "stack", "input": "mg.npy", "output": "m.npz", "layers": [{"target": "mg.npy", "feedback": true}]}'
bad activation 2 '--activation "tanhh"' \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"activation": "tanhh"}}'
bad lr 1 "lr" '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"lr": 5}}'
bad missingfile 1 "nothere.npy" '{"input": "nothere.npy", "target": "mg.npy", "output": "m.npz"}'
bad layershape 1 "layer 1 targets: sequence 0 has 300 steps, its input 600" \
    '{"model": "stack", "input": "mg.npy", "output": "m.npz", "layers": [{"target": "mg.npy"}, {"target": "mg300.npy"}]}'
G='"model": "graph", "input": "mg.npy", "output": "m.npz"'
bad gkind 2 'gkind.json: nodes[0]: kind "lstm": expected input, reservoir, ridge, prep or online' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"lstm\"}], \"edges\": []}"
bad gedge 2 'gedge.json: edges[0]: no node named "b"' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"reservoir\"}], \"edges\": [[\"a\", \"b\"]]}"
bad gopt 2 'gopt.json: nodes[0].ridge: does not apply to a reservoir node' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"reservoir\", \"ridge\": 1}], \"edges\": []}"
bad gtarget 2 'gtarget.json: nodes[0]: a ridge node needs "target"' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"ridge\"}], \"edges\": []}"
# Integers beyond what a double holds exactly (the config fuzzer's find:
# casting 3.4e90 to an integer was undefined behaviour) and JSON's inf.
bad hugefeat 2 'hugefeat.json: nodes[0]: an input node needs "features", an integer >= 1' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"input\", \"features\": 3.4e90}], \"edges\": []}"
bad hugeunits 2 "hugeunits.json: esn.units: expected an integer, got a number" \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "esn": {"units": 1e999}}'
bad hugedelay 2 'hugedelay.json: edges[0]: expected [from, to] or [from, to, delay >= 0]' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"reservoir\"}, {\"name\": \"b\", \"kind\": \"reservoir\"}], \"edges\": [[\"a\", \"b\", 1e300]]}"
bad gdup 2 'gdup.json: nodes[1]: a node named "a" exists already' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"reservoir\"}, {\"name\": \"a\", \"kind\": \"reservoir\"}], \"edges\": []}"
bad gcycle 1 'the graph has a cycle of delay-0 edges' \
    "{$G, \"nodes\": [{\"name\": \"a\", \"kind\": \"reservoir\"}, {\"name\": \"b\", \"kind\": \"reservoir\"}, {\"name\": \"r\", \"kind\": \"ridge\", \"target\": \"mg.npy\"}], \"edges\": [[\"a\", \"b\"], [\"b\", \"a\"], [\"b\", \"r\"]]}"
bad gwarmup 2 'gwarmup.json: warmup: only for "model": "graph"' \
    '{"input": "mg.npy", "target": "mg.npy", "output": "m.npz", "warmup": 3}'
expect_fail "missing config" 1 "cannot open config 'none.json'" m.npz "$LACUS" fit none.json
expect_fail "config plus options" 2 "a config takes no other arguments" m.npz \
    "$LACUS" fit stack.json --units 3
finish

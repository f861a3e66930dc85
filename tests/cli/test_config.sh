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
bad model 2 'model.json: model: expected "esn" or "stack"' '{"model": "bert", "input": "mg.npy"}'
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
expect_fail "missing config" 1 "cannot open config 'none.json'" m.npz "$LACUS" fit none.json
expect_fail "config plus options" 2 "a config takes no other arguments" m.npz \
    "$LACUS" fit stack.json --units 3
finish

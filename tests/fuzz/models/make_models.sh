#!/usr/bin/env bash
# Writes the small, valid model files that fuzz_model starts from (one per
# loader; the file name's prefix before "_" or "." names the loader), with
# the lacus CLI, and the fuzzer's seed corpus (every member of every file).
#
#   tests/fuzz/models/make_models.sh BUILD_DIR [PYTHON] [FUZZ_BUILD_DIR]
#
# BUILD_DIR has lacus; PYTHON (with NumPy) makes the shifted series and the
# labels; FUZZ_BUILD_DIR (default: build-fuzz beside BUILD_DIR, as
# scripts/fuzz.sh makes it) has tests/fuzz_model, which writes the seeds.
# The files are committed; run this again when a model format changes.
set -euo pipefail
build=$(cd "$1" && pwd)
py=${2:-python3}
fuzz=$(cd "${3:-$build/../build-fuzz}" 2>/dev/null && pwd || true)
here=$(cd "$(dirname "$0")" && pwd)
L=$build/lacus
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"

"$L" data mackey-glass --steps 300 --output mg.npy >/dev/null
"$py" - <<'PY'
import numpy as np
mg = np.load("mg.npy")
np.save("u.npy", mg[:-1]); np.save("y.npy", mg[1:])
rng = np.random.default_rng(0)
np.savez("seqs.npz", *[rng.standard_normal((30, 2)) for _ in range(6)])
np.save("labels.npy", np.array([0, 1, 0, 1, 2, 2], dtype=np.int64))
PY
for i in $(seq 12); do printf 'the cat sat on the mat.\nthe dog sat on the log.\n'; done > t.txt
cat > graph.json <<'JSON'
{"model": "graph", "esn": {"units": 8, "lr": 0.3, "sr": 1.1, "seed": 1},
 "nodes": [{"name": "in", "kind": "input", "features": 1},
           {"name": "r0", "kind": "reservoir", "seed": 1},
           {"name": "r1", "kind": "reservoir", "seed": 2, "lr": 0.2},
           {"name": "ro", "kind": "ridge", "ridge": 1e-7, "target": "y.npy"}],
 "edges": [["in", "r0"], ["r0", "r1"], ["in", "ro"], ["r0", "ro"], ["r1", "ro"]],
 "input": "u.npy", "warmup": 10, "output": "graph.npz"}
JSON
cat > stack.json <<'JSON'
{"model": "stack", "esn": {"units": 8, "lr": 0.3, "sr": 1.1, "ridge": 1e-7, "warmup": 10},
 "layers": [{"target": "y.npy", "seed": 1}, {"target": "y.npy", "seed": 2}],
 "input": "u.npy", "output": "stack.npz"}
JSON
q() { "$@" >/dev/null; }
q "$L" fit --input u.npy --target y.npy --units 12 --output "$here/esn.npz"
q "$L" fit --input u.npy --target y.npy --units 12 --feedback --output "$here/esn_feedback.npz"
q "$L" fit --model nvar --input mg.npy --output "$here/nvar.npz"
q "$L" fit --model nvar --input u.npy --target y.npy --output "$here/nvar_target.npz"
q "$L" fit graph.json && mv graph.npz "$here/graph.npz"
q "$L" fit stack.json && mv stack.npz "$here/stack.npz"
q "$L" lm train --text t.txt --units 10 --gate-tokens 2 --output "$here/lm.npz"
q "$L" lm train --text t.txt --units 10 --gate-tokens 2 --pair-gates 3 --pair-units 6 --slow-units 2 --output "$here/lm_pairs.npz"
q "$L" lm train --text t.txt --units 10 --layers 2 --gate-tokens 0 --output "$here/lmstack.npz"
q "$L" classify fit --input seqs.npz --labels labels.npy --units 10 --output "$here/classifier.npz"
q "$L" prep fit --kind zscore --input u.npy --output "$here/prep.npz"
if [ -n "$fuzz" ] && [ -x "$fuzz/tests/fuzz_model" ]; then
    seeds=$here/../corpus/model
    rm -rf "$seeds" && mkdir -p "$seeds"
    LACUS_FUZZ_WRITE_SEEDS=$seeds "$fuzz/tests/fuzz_model"
fi
ls -l "$here"/*.npz

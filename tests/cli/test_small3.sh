#!/usr/bin/env bash
# Graph files with online nodes' training state (graph format 2).
#  - A file written by lacus at main 7df2a3b (graph format 1, no state;
#    tests/fixtures/small3/old_online.*, made with old_online.json) runs to
#    that binary's predictions, byte for byte.
#  - The same config trained now predicts the same bytes, and its manifest
#    says graph_format 2 with the RLS node's state members listed.
#  - A file claiming a newer graph format is refused: exit 1, message, no
#    output file.
. "$(dirname "$0")/lib.sh"
FX=${LACUS_FIXTURES:?}/small3

expect_ok "old (format 1) online graph runs" "$LACUS" run --model "$FX/old_online.npz" --node rls \
    --input "$FX/old_online_input.npy" --output old.npy
expect_ok "old online graph: the old binary's predictions" cmp old.npy "$FX/old_online_pred.npy"

cp "$FX/old_online_input.npy" lz.npy
cp "$FX/old_online_target.npy" mg.npy
sed 's/old_online.npz/new_online.npz/' "$FX/old_online.json" >new.json
expect_ok "fit the same config now" "$LACUS" fit new.json
expect_ok "run it" "$LACUS" run --model new_online.npz --node rls --input lz.npy --output new.npy
expect_ok "same predictions as the old binary" cmp new.npy "$FX/old_online_pred.npy"

if command -v python3 >/dev/null; then
    expect_ok "manifest: graph_format 2, RLS state listed" python3 -c '
import json, sys, zipfile
m = json.loads(zipfile.ZipFile("new_online.npz").read("manifest.json"))
o = m["nodes"][2]["online"]
assert m["graph_format"] == 2 and o["state"] == ["P", "bias_count"] and o["n_steps"] == 290, m
assert m["nodes"][3]["online"]["state"] == []
names = zipfile.ZipFile("new_online.npz").namelist()
assert "node2/P.npy" in names and "node2/bias_count.npy" in names and "node3/P.npy" not in names
'
    python3 -c '
import zipfile
src = zipfile.ZipFile("new_online.npz")
with zipfile.ZipFile("future.npz", "w") as dst:
    for n in src.namelist():
        b = src.read(n)
        if n == "manifest.json":
            b = b.replace(b"\"graph_format\":\t2", b"\"graph_format\":\t3")
        dst.writestr(n, b)
' || { echo "setup failed"; exit 1; }
    expect_fail "newer graph format" 1 "graph format 3 is not supported" fut.npy \
        "$LACUS" run --model future.npz --node rls --input lz.npy --output fut.npy
fi
finish

#!/usr/bin/env bash
# Graph configs with "dist": {"solve": "scalapack"} under mpirun: each
# ridge node gets its own block-cyclic system (no rank holds its N x N
# sums); the nodes' rounds are interleaved the same way on every rank. A
# graph with a zscore prep node and two ridge nodes of different widths
# (30 and 51 features, 2 and 1 outputs), on 1, 2 and 3 ranks, each rank
# reading its own files, and on 3 ranks with 2 files (every rank reads
# everything) with an RLS node too: every ridge node's Wout and bias equal
# the reduce path's within 1e-10 relative (not bitwise: the sums are added
# in another order). An online node with per-rank files is refused under
# scalapack, clearly, on every rank. Skipped without MPI or ScaLAPACK.
. "$(dirname "$0")/lib.sh"

scalapack_setup 120
$PY - <<'EOF2' || exit 1
import numpy as n
g = n.random.default_rng(5)
for k, T in enumerate([300, 410, 275, 380, 333, 290]):
    u = g.uniform(-1, 1, (T, 2)) * [1, 3] + [0, 2]
    n.save("u%d.npy" % k, u)
    n.save("y%d.npy" % k, n.column_stack([n.roll(u[:, 0], 2) * u[:, 1], n.sin(2 * u[:, 0])]))
    n.save("z%d.npy" % k, n.column_stack([n.roll(u[:, 1], 1) ** 2]))
EOF2
files() { # LETTER COUNT
    local s="" k
    for k in $(seq 0 $(($2 - 1))); do s="$s\"$1$k.npy\", "; done
    echo "[${s%, }]"
}
graph() { # NAME NFILES DIST [ONLINE]
    local online="" edge=""
    if [ -n "${4:-}" ]; then
        online=", {\"name\": \"rls\", \"kind\": \"online\", \"method\": \"rls\", \"alpha\": 1e-3, \"target\": $(files z $2)}"
        edge=', ["res1", "rls"]'
    fi
    cat >"$1.json" <<JSON
{"model": "graph", "input": $(files u $2), "output": "$1.npz", "warmup": 10, "dist": $3,
 "nodes": [{"name": "in", "kind": "input", "features": 2},
           {"name": "z", "kind": "prep", "prep": "zscore"},
           {"name": "res0", "kind": "reservoir", "units": 30, "lr": 0.5, "seed": 1},
           {"name": "ro0", "kind": "ridge", "ridge": 1e-3, "target": $(files y $2)},
           {"name": "res1", "kind": "reservoir", "units": 21, "lr": 0.8, "seed": 2},
           {"name": "ro1", "kind": "ridge", "ridge": 1e-3, "target": $(files z $2)}$online],
 "edges": [["in", "z"], ["z", "res0"], ["res0", "ro0"], ["z", "res1"], ["res0", "ro1"], ["res1", "ro1"]$edge]}
JSON
}
# close A B: every ridge node's Wout and bias within 1e-10 relative.
close() {
    $PY - "$@" <<'PY'
import sys, json, zipfile, numpy as n
a, b = n.load(sys.argv[1]), n.load(sys.argv[2])
keys = [k for k in a.files if k.endswith(("/Wout", "/bout")) and "P" not in a.files]
keys = [k for k in keys if k.replace("/Wout", "/P").replace("/bout", "/P") not in a.files]
e = max(n.abs(a[k] - b[k]).max() / n.abs(b[k]).max() for k in keys)
print("%s vs %s: %.2e over %d arrays" % (sys.argv[1], sys.argv[2], e, len(keys)))
sys.exit(not (e <= 1e-10 and len(keys) == 4))
PY
}
check() { if close "$1" "$2" >>cmp.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 vs $2"; fi; }
graph ref 6 '{"solve": "reduce"}'
expect_ok "reduce, 1 rank" $MPIRUN -np 1 "$LACUS" fit ref.json
for np in 1 2 3; do
    graph s$np 6 '{"solve": "scalapack", "block": 8}'
    expect_ok "scalapack, $np ranks" $MPIRUN -np $np "$LACUS" fit s$np.json
    grep -q "ridge nodes solved by scalapack over $np ranks" out.txt ||
        { failed=$((failed + 1)); echo "FAIL: not the scalapack path"; cat out.txt; }
    check s$np.npz ref.npz
done
# 3 ranks, 2 files: every rank reads everything; an RLS node beside.
graph ref2 2 '{"solve": "reduce"}' rls
expect_ok "reduce, online, 2 files" $MPIRUN -np 1 "$LACUS" fit ref2.json
graph a3 2 '{"solve": "scalapack"}' rls
expect_ok "scalapack, online, 3 ranks reading everything" $MPIRUN -np 3 "$LACUS" fit a3.json
grep -q "sequences shared over the MPI ranks" out.txt || { failed=$((failed + 1)); echo "FAIL: not the read-everything path"; cat out.txt; }
check a3.npz ref2.npz
expect_ok "run rls (reduce)" "$LACUS" run --model ref2.npz --input u0.npy --node rls --output r_ref.npy
expect_ok "run rls (scalapack)" "$LACUS" run --model a3.npz --input u0.npy --node rls --output r_a3.npy
expect_ok "the online node does not depend on the solve" cmp r_ref.npy r_a3.npy
cat cmp.txt
# Online nodes and per-rank files under scalapack: refused on every rank.
graph bad 6 '{"solve": "scalapack"}' rls
expect_fail "online + per-rank files + scalapack" 1 "online nodes and the scalapack solve" bad.npz \
    $MPIRUN -np 2 "$LACUS" fit bad.json
[ "$(grep -c 'online nodes and the scalapack solve' err.txt)" -eq 2 ] || { failed=$((failed + 1)); echo "FAIL: every rank"; cat err.txt; }
graph cap 6 '{"rank_mem_mb": 10}'
expect_fail "a memory cap for a graph" 2 "not for a graph" cap.npz $MPIRUN -np 2 "$LACUS" fit cap.json
finish

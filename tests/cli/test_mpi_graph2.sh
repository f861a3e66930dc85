#!/usr/bin/env bash
# Graphs under mpirun: sequences shared over the ranks, every ridge node's
# sums reduced along the fixed tree: the same model, byte for byte, on 1, 2
# and 3 ranks (with a minmax prep node fitted over the ranks, and reservoir
# noise). With 7 files, 2 and 3 ranks read only their own files.
# Skipped when lacus has no MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 120

U="" Y="" Z=""
for k in 0 1 2 3 4 5 6; do
    "$LACUS" data mackey-glass --steps 300 --set x0=1.$k --output u$k.npy >/dev/null || exit 1
    "$LACUS" data mackey-glass --steps 300 --set x0=1.$k --set tau=18 --output y$k.npy >/dev/null
    "$LACUS" data mackey-glass --steps 300 --set x0=0.$k --set tau=20 --output z$k.npy >/dev/null
    U="$U\"u$k.npy\", " Y="$Y\"y$k.npy\", " Z="$Z\"z$k.npy\", "
done
# in >> scale >> [res0, res1] >> ro0 >> res2 >> ro1: a merge, a prep node,
# forced teaching, two readouts, state noise.
cat >g.json <<JSON
{"model": "graph", "input": [${U%, }], "output": "g1.npz", "warmup": 10,
 "nodes": [{"name": "in", "kind": "input", "features": 1},
           {"name": "scale", "kind": "prep", "prep": "minmax"},
           {"name": "res0", "kind": "reservoir", "units": 30, "lr": 0.4, "seed": 1, "noise_rc": 0.01},
           {"name": "res1", "kind": "reservoir", "units": 20, "lr": 0.8, "seed": 2},
           {"name": "ro0", "kind": "ridge", "ridge": 1e-6, "target": [${Y%, }]},
           {"name": "res2", "kind": "reservoir", "units": 20, "lr": 0.5, "seed": 3},
           {"name": "ro1", "kind": "ridge", "ridge": 1e-6, "target": [${Z%, }]}],
 "edges": [["in", "scale"], ["scale", "res0"], ["scale", "res1"], ["res0", "ro0"], ["res1", "ro0"],
           ["ro0", "res2"], ["res2", "ro1"]]}
JSON
for np in 1 2 3; do
    sed "s/g1.npz/g$np.npz/" g.json >g$np.json
    expect_ok "graph on $np ranks" $MPIRUN -np $np "$LACUS" fit g$np.json
    grep -q "shared over $np MPI ranks" out.txt || [ $np -eq 1 ] ||
        { failed=$((failed + 1)); echo "FAIL: $np ranks"; cat out.txt; }
    expect_ok "run the $np-rank graph (ro1)" "$LACUS" run --model g$np.npz --input u0.npy --output p$np.npy
    expect_ok "run the $np-rank graph (ro0)" "$LACUS" run --model g$np.npz --input u1.npy --node ro0 --output q$np.npy
done
for np in 2 3; do
    expect_ok "$np ranks = 1 rank (ro1)" cmp p1.npy p$np.npy
    expect_ok "$np ranks = 1 rank (ro0)" cmp q1.npy q$np.npy
done
# Online nodes under MPI: test_mpi_graph_online.sh.
finish

#!/usr/bin/env bash
# Graphs under mpirun with files shared out: with the input and every
# target given as lists of at least one file per rank, file j goes to rank
# j mod K and each rank reads only its own files. Files hold different
# numbers of sequences (.npy and .npz mixed), so the global sequence
# numbering (noise streams) is checked too: the model on 2 and 3 ranks is
# byte-identical to the 1-rank one (every file read by the one rank). A bad
# file on rank 1 is reported by rank 1 only (rank 0 never opened it).
# Skipped when lacus has no MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 120

gen() { # NAME X0 TAU STEPS
    "$LACUS" data mackey-glass --steps "$4" --set x0="$2" --set tau="$3" --output "$1" >/dev/null || exit 1
}
# Any fitted node serves to pack sequences into an .npz (prep apply with
# several inputs); its transform is just a change of data here.
gen a.npy 1.0 17 200
"$LACUS" prep fit --kind delay --delay 1 --input a.npy --output id.npz >/dev/null || exit 1
pack() { # OUT IN...
    local out=$1
    shift
    local args=""
    for f in "$@"; do args="$args --input $f"; done
    # shellcheck disable=SC2086
    "$LACUS" prep apply --model id.npz $args --output "$out" >/dev/null || exit 1
}
U="" Y="" Z=""
k=0
for spec in "2 f" "1 f" "3 f" "1 f" "1 f" "2 f"; do
    n=${spec% *}
    us="" ys="" zs=""
    for i in $(seq 1 "$n"); do
        gen u$k.$i.npy 1.$k$i 17 $((150 + 10 * i + k))
        gen y$k.$i.npy 1.$k$i 18 $((150 + 10 * i + k))
        gen z$k.$i.npy 0.$k$i 20 $((150 + 10 * i + k))
        us="$us u$k.$i.npy" ys="$ys y$k.$i.npy" zs="$zs z$k.$i.npy"
    done
    if [ "$n" -eq 1 ]; then
        cp u$k.1.npy U$k.npy; cp y$k.1.npy Y$k.npy; cp z$k.1.npy Z$k.npy
        U="$U\"U$k.npy\", " Y="$Y\"Y$k.npy\", " Z="$Z\"Z$k.npy\", "
    else
        # shellcheck disable=SC2086
        pack U$k.npz $us; pack Y$k.npz $ys; pack Z$k.npz $zs
        U="$U\"U$k.npz\", " Y="$Y\"Y$k.npz\", " Z="$Z\"Z$k.npz\", "
    fi
    k=$((k + 1))
done
graph() { # NAME INPUTS
    cat >"$1.json" <<JSON
{"model": "graph", "input": [$2], "output": "$1.npz", "warmup": 10,
 "nodes": [{"name": "in", "kind": "input", "features": 1},
           {"name": "emb", "kind": "prep", "prep": "delay", "delay": 2},
           {"name": "res0", "kind": "reservoir", "units": 30, "lr": 0.4, "seed": 1, "noise_rc": 0.01},
           {"name": "ro0", "kind": "ridge", "ridge": 1e-6, "target": [${Y%, }]},
           {"name": "res1", "kind": "reservoir", "units": 20, "lr": 0.5, "seed": 3, "noise_in": 0.01},
           {"name": "ro1", "kind": "ridge", "ridge": 1e-6, "target": [${Z%, }]}],
 "edges": [["in", "emb"], ["emb", "res0"], ["res0", "ro0"], ["ro0", "res1"], ["res1", "ro1"]]}
JSON
}
graph g "${U%, }"
for np in 1 2 3; do
    sed "s/\"g.npz\"/\"g$np.npz\"/" g.json >g$np.json
    expect_ok "graph on $np ranks" $MPIRUN -np $np "$LACUS" fit g$np.json
    if [ $np -gt 1 ]; then
        grep -q "6 files shared over $np MPI ranks (each read its own)" out.txt ||
            { failed=$((failed + 1)); echo "FAIL: $np ranks did not shard the files"; cat out.txt; }
    fi
    expect_ok "run g$np (ro1)" "$LACUS" run --model g$np.npz --input U1.npy --output p$np.npy
    expect_ok "run g$np (ro0)" "$LACUS" run --model g$np.npz --input U0.npz --node ro0 --output q$np.npz
done
for np in 2 3; do
    expect_ok "$np ranks = 1 rank (ro1)" cmp p1.npy p$np.npy
    expect_ok "$np ranks = 1 rank (ro0)" cmp q1.npz q$np.npz
done
# The noise streams follow the global numbering: a wrong numbering (e.g.
# local indices) would change the model; with noise off in a copy the
# models differ from the noisy ones (the comparison can fail).
sed -e 's/"noise_rc": 0.01/"noise_rc": 0/' -e 's/"g.npz"/"quiet.npz"/' g.json >quiet.json
expect_ok "quiet graph on 2 ranks" $MPIRUN -np 2 "$LACUS" fit quiet.json
expect_ok "run quiet" "$LACUS" run --model quiet.npz --input U1.npy --output pq.npy
if cmp -s pq.npy p2.npy; then failed=$((failed + 1)); echo "FAIL: noise had no effect"; fi

# A bad file that only rank 1 reads (file 3 of 6 goes to rank 1 of 2).
printf 'garbage' >bad.npy
sed -e 's/"U3.npy"/"bad.npy"/' -e 's/"g.npz"/"bad.npz"/' g.json >bad.json
expect_fail "a bad file on rank 1" 1 "rank 1: could not load its data" bad.npz $MPIRUN -np 2 "$LACUS" fit bad.json
[ "$(grep -c 'rank 1: could not load its data' err.txt)" -eq 2 ] ||
    { failed=$((failed + 1)); echo "FAIL: not every rank reported it"; cat err.txt; }
[ "$(grep -c 'bad.npy' err.txt)" -ge 1 ] || { failed=$((failed + 1)); echo "FAIL: the cause"; cat err.txt; }
# Targets of another width. Within rank 1 (2 ranks: files 1, 3, 5), the
# files are named; all of rank 1's (3 ranks: files 1 and 4) while the
# other ranks' are narrow: every rank stops with the widths. No model file.
"$LACUS" data lorenz --steps 163 --output wide3.npy >/dev/null
sed -e 's/"Y3.npy"/"wide3.npy"/' -e 's/"g.npz"/"wide.npz"/' g.json >wide.json
expect_fail "targets of different widths on one rank" 1 "rank 1: wide3.npy has 3 columns but Y1.npy 1" wide.npz \
    $MPIRUN -np 2 "$LACUS" fit wide.json
"$LACUS" data lorenz --steps 161 --output wide1.npy >/dev/null
"$LACUS" data lorenz --steps 164 --output wide4.npy >/dev/null
sed -e 's/"Y1.npy"/"wide1.npy"/' -e 's/"Y4.npy"/"wide4.npy"/' -e 's/"g.npz"/"wide.npz"/' g.json >wide2.json
expect_fail "targets of different widths on different ranks" 1 "the files have 1 to 3 columns" wide.npz \
    $MPIRUN -np 3 "$LACUS" fit wide2.json
finish

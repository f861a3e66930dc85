#!/usr/bin/env bash
# lacus fit under mpirun: the same model, bit for bit, on 1, 2, 3 and 7
# ranks (files shared out, or sequences when ranks outnumber files), with
# noise too; one rank's bad file stops every rank with the same message and
# no model file, without hanging. Skipped when lacus has no MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 120

IN=""
for k in 0 1 2 3 4 5; do
    "$LACUS" data mackey-glass --steps 400 --set x0=1.$k --output u$k.npy >/dev/null || exit 1
    "$LACUS" data mackey-glass --steps 400 --set x0=1.$k --set tau=18 --output y$k.npy >/dev/null
    IN="$IN --input u$k.npy --target y$k.npy"
done
ARGS="--units 60 --lr 0.3 --sr 1.1 --ridge 1e-6 --warmup 20"
# shellcheck disable=SC2086
for np in 1 2 3 7; do
    expect_ok "fit on $np ranks" $MPIRUN -np $np "$LACUS" fit $IN $ARGS --output m$np.npz
    grep -q "trained on $np ranks" out.txt || { failed=$((failed + 1)); echo "FAIL: $np ranks"; cat out.txt; }
    expect_ok "run the $np-rank model" "$LACUS" run --model m$np.npz --input u0.npy --output p$np.npy
done
for np in 2 3 7; do expect_ok "$np ranks = 1 rank" cmp p1.npy p$np.npy; done
for np in 1 3; do
    expect_ok "noisy fit on $np ranks" $MPIRUN -np $np "$LACUS" fit $IN $ARGS --noise-rc 0.01 --output n$np.npz
    expect_ok "run noisy $np" "$LACUS" run --model n$np.npz --input u0.npy --output q$np.npy
done
expect_ok "noise streams do not depend on ranks" cmp q1.npy q3.npy

# A stack on teacher inputs: layer l trained on rank l mod K, the same stack.
cat >stack.json <<'JSON'
{"model": "stack", "teacher_inputs": true, "esn": {"units": 40, "lr": 0.5, "warmup": 10},
 "layers": [{"target": "y0.npy", "seed": 1}, {"target": "y1.npy", "seed": 2}, {"target": "y2.npy", "seed": 3}],
 "input": "u0.npy", "output": "stack0.npz"}
JSON
expect_ok "stack, one process" "$LACUS" fit stack.json
sed 's/stack0.npz/stack3.npz/' stack.json >stack3.json
expect_ok "stack on 3 ranks" $MPIRUN -np 3 "$LACUS" fit stack3.json
grep -q "layers shared over the MPI ranks" out.txt || { failed=$((failed + 1)); echo "FAIL: shared"; }
expect_ok "run stack0" "$LACUS" run --model stack0.npz --input u3.npy --output s0.npy
expect_ok "run stack3" "$LACUS" run --model stack3.npz --input u3.npy --output s3.npy
expect_ok "stack over ranks = one process" cmp s0.npy s3.npy
# An ESN config under mpirun is the sharded fit.
echo '{"input": ["u0.npy", "u1.npy", "u2.npy", "u3.npy", "u4.npy", "u5.npy"],
 "target": ["y0.npy", "y1.npy", "y2.npy", "y3.npy", "y4.npy", "y5.npy"], "output": "c2.npz",
 "esn": {"units": 60, "lr": 0.3, "sr": 1.1, "ridge": 1e-6, "warmup": 20}}' >esn.json
expect_ok "esn config on 2 ranks" $MPIRUN -np 2 "$LACUS" fit esn.json
expect_ok "run it" "$LACUS" run --model c2.npz --input u0.npy --output pc.npy
expect_ok "config = command line" cmp p1.npy pc.npy

printf 'garbage' >bad.npy
BAD=${IN/u4.npy/bad.npy}
expect_fail "a bad file on rank 1 stops every rank" 1 "rank 1: could not load its data" m.npz \
    $MPIRUN -np 3 "$LACUS" fit $BAD $ARGS --output m.npz
[ "$(grep -c 'rank 1: could not load its data' err.txt)" -eq 3 ] ||
    { failed=$((failed + 1)); echo "FAIL: not every rank reported the error"; cat err.txt; }
grep -q "bad.npy: not a .npy file" err.txt || { failed=$((failed + 1)); echo "FAIL: the cause"; }
expect_fail "FORCE under MPI" 2 "do not run under MPI" m.npz \
    $MPIRUN -np 2 "$LACUS" fit $IN --force --output m.npz
finish

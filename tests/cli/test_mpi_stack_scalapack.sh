#!/usr/bin/env bash
# Stacks with "dist": {"solve": "scalapack"} under mpirun: each layer is
# trained over every rank (sequence q on rank q mod K) and its readout
# solved by the distributed solve (no rank holds a layer's N x N system).
# Teacher-input and chained stacks of 2 layers (60 and 45 units, 2 and 1
# outputs) on 1, 2 and 3 ranks equal the one-process stack (serial solve)
# within 1e-10 relative, layer by layer (Wout and bias; not bitwise: X^T X
# is summed in another order), and report the same training MSE to 1e-9.
# A bad "dist" block is a usage error. Skipped without MPI or ScaLAPACK.
. "$(dirname "$0")/lib.sh"

scalapack_setup 120
$PY - <<'EOF2' || exit 1
import numpy as n
g = n.random.default_rng(3)
for k, T in enumerate([300, 410, 275, 380, 333]):
    u = g.uniform(-1, 1, (T, 2))
    n.save("a%d.npy" % k, u)
    n.save("b%d.npy" % k, n.column_stack([n.roll(u[:, 0], 2) * u[:, 1], n.sin(2 * u[:, 0])]))
    n.save("c%d.npy" % k, n.column_stack([n.roll(u[:, 1], 1) ** 2]))
EOF2
files() { echo "[\"${1}0.npy\", \"${1}1.npy\", \"${1}2.npy\", \"${1}3.npy\", \"${1}4.npy\"]"; }
config() { # NAME TEACHER DIST
    cat >"$1.json" <<JSON
{"model": "stack", "input": $(files a), "output": "$1.npz", "teacher_inputs": $2,
 "esn": {"units": 60, "lr": 0.5, "sr": 0.9, "ridge": 1e-3, "warmup": 10},
 "layers": [{"target": $(files b)}, {"units": 45, "target": $(files c)}],
 "dist": $3}
JSON
}
# close A B: every layer's Wout and bias within 1e-10 relative.
close() {
    $PY - "$@" <<'PY'
import sys, numpy as n
a, b = n.load(sys.argv[1]), n.load(sys.argv[2])
e = max(n.abs(a[k] - b[k]).max() / n.abs(b[k]).max() for k in a.files if k.endswith(("/Wout", "/bout")))
print("%s vs %s: %.2e" % (sys.argv[1], sys.argv[2], e))
sys.exit(not (e <= 1e-10 and sum(k.endswith("/Wout") for k in a.files) == 2))
PY
}
mse() { awk '$1 ~ /^[0-9]+$/ && NF == 4 { print $4 }' "$1"; }
for teach in true false; do
    config one_$teach $teach '{}'
    expect_ok "one process ($teach)" "$LACUS" fit one_$teach.json
    cp out.txt one_$teach.txt
    for np in 1 2 3; do
        config s${np}_$teach $teach '{"solve": "scalapack", "block": 16}'
        expect_ok "scalapack on $np ranks ($teach)" $MPIRUN -np $np "$LACUS" fit s${np}_$teach.json
        grep -q "each layer solved over the MPI ranks" out.txt ||
            { failed=$((failed + 1)); echo "FAIL: not the scalapack path"; cat out.txt; }
        if close s${np}_$teach.npz one_$teach.npz >>cmp.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $np ranks ($teach)"; fi
        paste <(mse one_$teach.txt) <(mse out.txt) | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-9 * $1 || NF != 2) bad = 1; n++ }
            END { exit bad || n != 2 }' && passed=$((passed + 1)) ||
            { failed=$((failed + 1)); echo "FAIL: training MSE ($np ranks, $teach)"; cat one_$teach.txt out.txt; }
    done
done
cat cmp.txt
config bad true '{"solve": "lu"}'
expect_fail "unknown solve in a config" 2 "expected auto, reduce or scalapack" bad.npz $MPIRUN -np 2 "$LACUS" fit bad.json
config bad true '{"block": 1.5}'
expect_fail "a fractional block" 2 "expected an integer" bad.npz "$LACUS" fit bad.json
config bad true '{"solve": "scalapack"}'
expect_fail "scalapack outside mpirun" 2 "runs under mpirun" bad.npz "$LACUS" fit bad.json
config bad true '{"sovle": "scalapack"}'
expect_fail "unknown key" 2 "unknown key" bad.npz "$LACUS" fit bad.json
finish

#!/usr/bin/env bash
# "preprocess" under mpirun: the scaler is fitted over the ranks (exact
# min/max, double-double mean and M2), so the model on 1, 2 and 3 ranks is
# the same bit for bit, and its scaler equals the one-process scaler (minmax
# and delay byte for byte, zscore's mean and variance within 1e-14). The
# readouts are not compared with the one-process model: its plain (not
# double-double) sums differ by rounding, which this ill-conditioned ridge
# amplifies with or without a scaler. Stacks: every rank fits the same node.
# A rank's bad data (NaN) stops every rank with one message, no model file.
# Skipped when lacus has no MPI.
. "$(dirname "$0")/lib.sh"

mpi_require 120

U="" Y=""
for k in 0 1 2 3 4; do
    # Lorenz: three features on different scales (x, y ~ +-20, z ~ 5..45).
    "$LACUS" data lorenz --steps $((200 + 40 * k)) --set rho=$((26 + k)) --output u$k.npy >/dev/null || exit 1
    "$LACUS" data lorenz --steps $((200 + 40 * k)) --set rho=$((26 + k)) --set h=0.031 --output y$k.npy >/dev/null
    U="$U\"u$k.npy\", " Y="$Y\"y$k.npy\", "
done
U="[${U%, }]" Y="[${Y%, }]"

# prep_same A.npz B.npz RTOL: the input_prep/ members of two model files
# (.npz = zip) hold the same statistics: byte for byte when RTOL is 0, else
# mean.npy and var.npy within RTOL (the rest is the accumulator's internal
# state, which differs in form). Plain python3 (zipfile, struct): no NumPy.
prep_same() {
    python3 - "$@" <<'PY'
import struct, sys, zipfile
a, b, rtol = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2]), float(sys.argv[3])
def values(z, name):
    raw = z.read(name)
    hl, off = (struct.unpack("<H", raw[8:10])[0], 10) if raw[6] == 1 else (struct.unpack("<I", raw[8:12])[0], 12)
    body = raw[off + hl:]
    return struct.unpack("<%dd" % (len(body) // 8), body)
names = sorted(n for n in a.namelist() if n.startswith("input_prep/"))
if not names or names != sorted(n for n in b.namelist() if n.startswith("input_prep/")):
    sys.exit("members differ: %s" % names)
for n in names:
    if rtol == 0:
        if a.read(n) != b.read(n):
            sys.exit("%s differs" % n)
    elif n.endswith(("/mean.npy", "/var.npy")):
        for x, y in zip(values(a, n), values(b, n)):
            if abs(x - y) > rtol * max(abs(x), abs(y)):
                sys.exit("%s: %r vs %r" % (n, x, y))
PY
}

for kind in minmax zscore delay; do
    case $kind in
    minmax) PP='{"kind": "minmax", "range": [-1, 1]}' ;;
    zscore) PP='{"kind": "zscore"}' ;;
    delay) PP='{"kind": "delay", "delay": 3, "stride": 2}' ;;
    esac
    for np in 0 1 2 3; do
        echo "{\"input\": $U, \"target\": $Y, \"output\": \"$kind$np.npz\", \"preprocess\": $PP,
              \"esn\": {\"units\": 50, \"lr\": 0.4, \"sr\": 0.9, \"ridge\": 1e-5, \"warmup\": 10}}" >$kind$np.json
        if [ $np -eq 0 ]; then
            expect_ok "$kind, one process" "$LACUS" fit $kind$np.json
        else
            expect_ok "$kind on $np ranks" $MPIRUN -np $np "$LACUS" fit $kind$np.json
            grep -q "preprocess: $kind fitted over $np ranks" err.txt ||
                { failed=$((failed + 1)); echo "FAIL: $kind $np: no fit message"; cat err.txt; }
        fi
        expect_ok "run $kind$np" "$LACUS" run --model $kind$np.npz --input u4.npy --output p$kind$np.npy
    done
    for np in 2 3; do expect_ok "$kind: $np ranks = 1 rank" cmp p${kind}1.npy p$kind$np.npy; done
    for np in 1 2 3; do
        expect_ok "$kind: scaler on $np ranks = one process" prep_same $kind$np.npz ${kind}0.npz \
            "$([ $kind = zscore ] && echo 1e-14 || echo 0)"
    done
done
# 7 ranks for 5 files: sequence i goes to rank i mod 7 (every rank reads
# every file) and ranks 5 and 6 hold nothing; the same model.
sed 's/zscore1.npz/zscore7.npz/' zscore1.json >zscore7.json
expect_ok "zscore on 7 ranks (two idle)" $MPIRUN -np 7 "$LACUS" fit zscore7.json
expect_ok "run zscore7" "$LACUS" run --model zscore7.npz --input u4.npy --output pzscore7.npy
expect_ok "zscore: 7 ranks = 1 rank" cmp pzscore1.npy pzscore7.npy
# Different preprocessing must change the model (the test can fail).
if cmp -s pminmax1.npy pzscore1.npy; then failed=$((failed + 1)); echo "FAIL: minmax = zscore?"; fi

# A stack with preprocessing on 3 ranks = one process, byte for byte.
cat >stack.json <<'JSON'
{"model": "stack", "teacher_inputs": true, "esn": {"units": 40, "lr": 0.5, "warmup": 10},
 "preprocess": {"kind": "zscore"},
 "layers": [{"target": "y0.npy", "seed": 1}, {"target": "y0.npy", "seed": 2}, {"target": "y0.npy", "seed": 3}],
 "input": "u0.npy", "output": "st0.npz"}
JSON
expect_ok "stack + zscore, one process" "$LACUS" fit stack.json
sed 's/st0.npz/st3.npz/' stack.json >stack3.json
expect_ok "stack + zscore on 3 ranks" $MPIRUN -np 3 "$LACUS" fit stack3.json
expect_ok "run st0" "$LACUS" run --model st0.npz --input u3.npy --output s0.npy
expect_ok "run st3" "$LACUS" run --model st3.npz --input u3.npy --output s3.npy
expect_ok "stack + prep over ranks = one process" cmp s0.npy s3.npy

# A NaN in the sequence of rank 1 (u1.npy: files go to rank j mod 2).
cp u1.npy nan.npy
# Overwrite the last 8 bytes (the last value) with a NaN.
printf '\x00\x00\x00\x00\x00\x00\xf8\x7f' | dd of=nan.npy bs=1 seek=$(($(stat -c %s nan.npy) - 8)) conv=notrunc 2>/dev/null
sed -e 's/u1.npy/nan.npy/' -e 's/zscore2.npz/bad.npz/' zscore2.json >bad.json
expect_fail "NaN on rank 1 stops every rank" 1 "rank 1: nan.npy, sequence 0: input[239, 2] is NaN" bad.npz $MPIRUN -np 2 "$LACUS" fit bad.json
[ "$(grep -c "rank 1: nan.npy, sequence 0" err.txt)" -eq 2 ] ||
    { failed=$((failed + 1)); echo "FAIL: not every rank reported the error"; cat err.txt; }
finish

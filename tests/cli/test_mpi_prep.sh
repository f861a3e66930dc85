#!/usr/bin/env bash
# "preprocess" under mpirun: the scaler is fitted over the ranks (exact
# min/max, double-double mean and M2), so the model on 1, 2 and 3 ranks is
# the same bit for bit, and equals the one-process model (minmax and delay
# exactly; zscore within rounding). Stacks: every rank fits the same node.
# A rank's bad data (NaN) stops every rank with one message, no model file.
# Skipped when lacus has no MPI.
. "$(dirname "$0")/lib.sh"

if ! mpi_setup 120; then
    echo "lacus built without MPI (or no mpirun): MPI tests skipped"
    exit 0
fi

U="" Y=""
for k in 0 1 2 3 4; do
    # Lorenz: three features on different scales (x, y ~ +-20, z ~ 5..45).
    "$LACUS" data lorenz --steps $((200 + 40 * k)) --set rho=$((26 + k)) --output u$k.npy >/dev/null || exit 1
    "$LACUS" data lorenz --steps $((200 + 40 * k)) --set rho=$((26 + k)) --set h=0.031 --output y$k.npy >/dev/null
    U="$U\"u$k.npy\", " Y="$Y\"y$k.npy\", "
done
U="[${U%, }]" Y="[${Y%, }]"

# mse_below A.npy B.npy LIMIT: the mean squared difference is below LIMIT.
mse_below() {
    "$LACUS" eval --truth "$1" --pred "$2" >ev.txt 2>&1 || { cat ev.txt; return 1; }
    awk -v lim="$3" '$1 == "mse" { found = 1; if ($2 + 0 > lim + 0) { print "mse " $2; exit 1 } }
                     END { exit !found }' ev.txt
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
    if [ $kind = zscore ]; then
        # The one-process zscore merges per-sequence moments pairwise: the
        # same statistics up to rounding, so the predictions within 1e-20
        # in mse (~1e-10 in value; they are ~10).
        expect_ok "$kind: ranks = one process (rounding)" mse_below p${kind}0.npy p${kind}1.npy 1e-20
    else
        expect_ok "$kind: ranks = one process" mse_below p${kind}0.npy p${kind}1.npy 1e-24
    fi
done
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

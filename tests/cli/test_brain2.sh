#!/usr/bin/env bash
# lacus encode ceiling | banded, and simulate --bands / --noise-exponent:
# each works on simulated data with a known answer, and each bad input gives
# its message, a non-zero exit and no output left behind.
. "$(dirname "$0")/lib.sh"
export OMP_NUM_THREADS=1

# npy_data_offset FILE: where a version 1.0 .npy's data begins
npy_data_offset() { echo $((10 + $(od -An -tu2 -j8 -N2 "$1"))); }
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
nan='\x00\x00\x00\x00\x00\x00\xf8\x7f'
S="$LACUS encode simulate"
fail_if() { failed=$((failed + 1)); echo "FAIL: $1"; cat out.txt; }

# Cross-subject ceiling: four presentations of one run with fresh noise are
# four "subjects" sharing the signal; the ceiling must be close to r*.
expect_ok "simulate repeats" $S --output rep --runs 1 --trs 200 --voxels 300 --repeats 4 --seed 5
expect_ok "ceiling" $LACUS encode ceiling --subjects rep/repeats.npy --output ceil.npz
grep -q "^4 subjects x 200 samples x 300 targets: mean leave-one-subject-out r 0\.[0-9]*, mean ceiling of r 0\.[0-9]" out.txt ||
    fail_if "no ceiling line"
[ -s ceil.npz ] || fail_if "ceil.npz missing"
expect_ok "ceiling with a model's r" $LACUS encode ceiling --subjects rep/repeats.npy --model-r rep/r_ideal.npy
grep -q "model r / ceiling over [0-9]* targets with ceiling >= 0.1: mean 0\.9[0-9]*\|mean 1\.0[0-9]*" out.txt ||
    fail_if "ideal r / ceiling not about 1"
expect_fail "ceiling: 2-D input" 1 "has 2 dimensions: need subjects x samples x targets" c.npz \
    $LACUS encode ceiling --subjects rep/bold.npy --output c.npz
cp rep/repeats.npy bad.npy
poke bad.npy $(($(npy_data_offset bad.npy) + 8 * 1000)) "$nan"
expect_fail "ceiling: NaN" 1 "subject 0" c.npz $LACUS encode ceiling --subjects bad.npy --output c.npz
expect_fail "ceiling: no input" 2 "--subjects is required" - $LACUS encode ceiling

# Banded ridge: simulated bands, both solvers, scores printed.
expect_ok "simulate bands" $S --bands 6,20,4 --samples 200 --targets 20 --output bands --seed 1
B="$LACUS encode banded --features bands/X.npy --bold bands/Y.npy --bands 6,20,4"
expect_ok "banded: both" $B --iter 10 --hg-iter 3 --output band.npz
grep -q "^random search (10 candidates): .* test mean r 0\.[3-9]" out.txt || fail_if "no random search line"
grep -q "^hyper-gradient (3 iterations, from the random search): .* test mean r 0\.[3-9]" out.txt || fail_if "no hyper-gradient line"
[ -s band.npz ] || fail_if "band.npz missing"
expect_fail "banded: bands do not add up" 1 "--bands sum to 29 but --features has 30 columns" b.npz \
    $LACUS encode banded --features bands/X.npy --bold bands/Y.npy --bands 6,20,3 --output b.npz
expect_fail "banded: bad solver" 2 "--solver sgd: random, hypergrad or both" b.npz $B --solver sgd --output b.npz
cp bands/Y.npy badY.npy
poke badY.npy $(($(npy_data_offset badY.npy) + 8 * 7)) "$nan"
expect_fail "banded: NaN target" 1 "Y" b.npz $LACUS encode banded --features bands/X.npy --bold badY.npy --bands 6,20,4 \
    --solver hypergrad --output b.npz
expect_fail "banded: too few samples" 1 "30 training samples (of 200, test fraction 0.85): too few for 20 folds" b.npz \
    $B --test-fraction 0.85 --folds 20 --output b.npz
expect_fail "simulate bands: zero band" 2 "band 1 has 0 features" - $S --bands 6,0,4 --output bz

# MEG with 1/f noise.
expect_ok "MEG pink noise" $S --meg --words 200 --sensors 4 --noise-exponent 1 --output megp
[ -s megp/epochs.npy ] || fail_if "megp/epochs.npy missing"
expect_fail "MEG: bad noise exponent" 2 "noise exponent = 7: must be in [0, 4]" - $S --meg --noise-exponent 7 --output megx
finish

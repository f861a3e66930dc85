#!/usr/bin/env bash
# Second round of backprop-free learning: lacus tune with the readout-only
# solve (never worse than the fitted readout on the training data) and its
# bad configs; lacus evolve on the double pole with Gruau's fitness; and
# NEAT evaluation over MPI ranks, the same run as one process on 1, 2 and 3
# ranks (skipped without MPI).
EX=$(cd "$(dirname "$0")/../../examples" && pwd)
. "$(dirname "$0")/lib.sh"
F=$LACUS_FIXTURES/tune

# Readout-only solve on a model from lacus fit (the ESN bridge).
"$LACUS" fit --input "$F/cli_u.npy" --target "$F/cli_y.npy" --units 20 --lr 0.5 --rc-connectivity 0.3 \
    --input-connectivity 1 --ridge 1e-2 --output model.npz >/dev/null || { echo "setup failed"; exit 1; }
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"model\": \"model.npz\", \"method\": \"readout\", \"output\": \"ro.npz\", \"quiet\": true}" >ro.json
expect_ok "readout-only solve" "$LACUS" tune ro.json
before=$(sed -n 's/.*readout only \([0-9.e-]*\), tuned \([0-9.e-]*\).*/\1/p' out.txt)
after=$(sed -n 's/.*readout only \([0-9.e-]*\), tuned \([0-9.e-]*\).*/\2/p' out.txt)
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }' ||
    { echo "FAIL: the least-squares readout is not better than ridge 1e-2: $before -> $after"; cat out.txt; failed=$((failed + 1)); }
[ -s ro.npz ] || { echo "FAIL: no ro.npz"; failed=$((failed + 1)); }

cfg() { echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"output\": \"out.npz\", $2}" >"$1"; }
cfg k.json '"units": 4, "method": "readout"'
expect_fail "readout without a learnable output weight" 1 "no observed node has a learnable weight" out.npz \
    "$LACUS" tune k.json
echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"model\": \"model.npz\", \"method\": \"readout\", \"criterion\": \"stat\", \"output\": \"out.npz\"}" >k.json
expect_fail "readout with the stat criterion" 1 "criterion stat has none" out.npz "$LACUS" tune k.json
cfg k.json '"units": 4, "method": "readout", "readout_ridge": -1'
expect_fail "negative readout ridge" 2 "readout_ridge = -1" out.npz "$LACUS" tune k.json
cfg k.json '"units": 4, "method": "readouts"'
expect_fail "unknown method" 2 '"readouts" is not one of both|bank|gn|stochastic|readout' out.npz "$LACUS" tune k.json
cfg k.json '"units": 4, "criterion": "stat", "stat_cross": 1'
expect_fail "stat_cross not a bool" 2 '"stat_cross" must be true or false' out.npz "$LACUS" tune k.json
cfg k.json '"units": 2, "criterion": "stat", "stat_cross": true, "observed": [0, 1], "iterations": 3'
expect_fail "stat_cross with one target column" 1 '"observed" lists 2 nodes but the target has 1 columns' out.npz "$LACUS" tune k.json

# FF options of lacus compare: the rows run; bad names are refused.
expect_ok "compare ff free/layer" "$LACUS" compare --units 30 --train 600 --test 200 --seqs 16 --tasks mg84 \
    --models esn,ff --ff-negatives free --ff-goodness layer --out ff.tsv
[ "$(awk -F'\t' '$2 == "ff" && $8 == 1' ff.tsv | wc -l)" -eq 1 ] || { echo "FAIL: no ff row"; failed=$((failed + 1)); }
expect_fail "bad ff negatives" 2 'ff_negatives "model": must be shuffle or free' - \
    "$LACUS" compare --ff-negatives model
expect_fail "bad ff goodness" 2 'ff_goodness "mean": must be unit or layer' - "$LACUS" compare --ff-goodness mean

# Double pole without velocities, Gruau's fitness and solution test.
expect_ok "pole2-gruau" "$LACUS" evolve "$EX/pole2_gruau.ini" --task pole2-gruau --seed 1 --generations 60
grep -q "^solved after 49 generations (7350 evaluations" out.txt ||
    { echo "FAIL: pole2-gruau seed 1"; cat out.txt; failed=$((failed + 1)); }
grep -q "generalisation 273 of 625 starts" out.txt || { echo "FAIL: no generalisation line"; failed=$((failed + 1)); }
expect_fail "pole2-gruau with 6 inputs" 1 "task pole2-gruau needs num_inputs = 3" - \
    "$LACUS" evolve "$EX/pole2.ini" --task pole2-gruau --generations 2
expect_fail "unknown pole task" 2 'unknown --task "pole2-gruu"' - \
    "$LACUS" evolve "$EX/pole2_gruau.ini" --task pole2-gruu --generations 2

# NEAT over MPI ranks: the same run, file for file, as one plain process.
if mpi_setup 120; then
    expect_ok "xor, one process" "$LACUS" evolve "$EX/xor.ini" --generations 25 --seed 3 --out o1 --no-png
    expect_ok "pole2-gruau, one process" "$LACUS" evolve "$EX/pole2_gruau.ini" --task pole2-gruau --seed 2 \
        --generations 8 --out g1 --no-png
    for np in 1 2 3; do
        # shellcheck disable=SC2086
        expect_ok "xor on $np ranks" $MPIRUN -np $np "$LACUS" evolve "$EX/xor.ini" --generations 25 --seed 3 \
            --out m$np --no-png
        [ "$np" -eq 1 ] || grep -q "genomes evaluated on $np MPI ranks" out.txt ||
            { echo "FAIL: $np ranks not used"; cat out.txt; failed=$((failed + 1)); }
        [ "$(grep -c '^gen ' out.txt)" -eq 25 ] || { echo "FAIL: progress printed by more than rank 0"; failed=$((failed + 1)); }
        expect_ok "xor: $np ranks = 1 process" cmp o1/stats.csv m$np/stats.csv
        expect_ok "xor: same best genome on $np ranks" cmp o1/best.dot m$np/best.dot
        # shellcheck disable=SC2086
        expect_ok "pole2-gruau on $np ranks" $MPIRUN -np $np "$LACUS" evolve "$EX/pole2_gruau.ini" \
            --task pole2-gruau --seed 2 --generations 8 --out p$np --no-png
        expect_ok "pole2-gruau: $np ranks = 1 process" cmp g1/stats.csv p$np/stats.csv
    done
    # A fitness that overflows (identity units, weights ~ N(0, 3.7e153)): the
    # first failing genome is 52 (seed 3), in rank 1's block of 3; every
    # rank stops with that rank's message, nobody hangs.
    sed -e 's/^activation_default .*/activation_default = identity/' -e 's/^activation_options .*/activation_options = identity/' \
        -e 's/^weight_init_stdev .*/weight_init_stdev = 3.7e153/' -e 's/^weight_max_value .*/weight_max_value = 1e300/' \
        -e 's/^weight_min_value .*/weight_min_value = -1e300/' "$EX/xor.ini" >boom.ini
    expect_fail "overflowing fitness, one process" 1 "generation 0, genome 52: fitness = -inf is not finite" - \
        "$LACUS" evolve boom.ini --generations 3 --seed 3
    # shellcheck disable=SC2086
    expect_fail "overflowing fitness on rank 1 of 3" 1 "rank 1: generation 0, genome 52: fitness = -inf is not finite" - \
        $MPIRUN -np 3 "$LACUS" evolve boom.ini --generations 3 --seed 3
    [ "$(grep -c 'rank 1: generation 0, genome 52' err.txt)" -eq 3 ] ||
        { echo "FAIL: not every rank reported the failure"; cat err.txt; failed=$((failed + 1)); }
else
    echo "lacus built without MPI (or no mpirun): MPI tests skipped"
fi
finish

#!/usr/bin/env bash
# lacus encode simulate | fit | score: the whole loop on simulated fMRI
# (.npy and NIfTI with a mask) and MEG, and bad input of every kind the
# issue names, each with its message, a non-zero exit and no output left.
. "$(dirname "$0")/lib.sh"

# npy_data_offset FILE: where a version 1.0 .npy's data begins
npy_data_offset() { echo $((10 + $(od -An -tu2 -j8 -N2 "$1"))); }
# poke FILE OFFSET BYTES: overwrite bytes in place
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
nan='\x00\x00\x00\x00\x00\x00\xf8\x7f'

S="$LACUS encode simulate"
F="$LACUS encode fit"
$S --output sim --runs 3 --trs 80 --voxels 150 --features 8 --seed 3 >/dev/null || { echo "setup failed"; exit 1; }
runs=$(cat sim/runs.txt)
W="--features sim/word_features.npy --word-times sim/word_times.npy --word-runs sim/word_runs.npy"

expect_ok "fit on simulated fMRI" $F $W --bold sim/bold.npy --runs "$runs" --alphas logspace:-1:4:6 --output fit.npz
grep -q "^test: 80 TRs (1 runs): mean r 0\.[1-9]" out.txt || { failed=$((failed + 1)); echo "FAIL: no test score line"; cat out.txt; }
[ -s fit.npz ] || { failed=$((failed + 1)); echo "FAIL: fit.npz missing"; }
expect_ok "fit with the HRF model and permutations" $F $W --bold sim/bold.npy --runs "$runs" --hrf glover --permutations 50
grep -q "significance: [0-9]* of 150 targets" out.txt || { failed=$((failed + 1)); echo "FAIL: no significance line"; cat out.txt; }
expect_ok "help" $LACUS encode fit --help
grep -q -- "--delays" out.txt || { failed=$((failed + 1)); echo "FAIL: help lacks --delays"; }
expect_ok "score with ideal and repeats" $S --output rep --runs 1 --trs 60 --voxels 40 --repeats 4 --seed 2
expect_ok "score" $LACUS encode score --truth sim/bold.npy --pred sim/bold.npy --ideal sim/r_ideal.npy --output sc.npz
grep -q "mean r 1.0000" out.txt || { failed=$((failed + 1)); echo "FAIL: self-score is not 1"; cat out.txt; }

# MEG
expect_ok "simulate MEG" $S --meg --output meg --words 300 --sensors 4 --seed 1
expect_ok "fit MEG" $F --features meg/features.npy --epochs meg/epochs.npy --times meg/times.npy --output megfit.npz
grep -q "peak of the mean r over sensors: 0\.[3-9][0-9]* at 0\.2" out.txt || { failed=$((failed + 1)); echo "FAIL: MEG peak"; cat out.txt; }

# NIfTI with a brain mask (when this build has nifticlib)
if $S --output nii --runs 2 --trs 60 --grid 10x12x8 --features 6 --nifti >out.txt 2>err.txt; then
    expect_ok "fit on NIfTI + mask" $F $W --features nii/word_features.npy --word-times nii/word_times.npy \
        --word-runs nii/word_runs.npy --bold nii/bold.nii.gz --mask nii/mask.nii.gz --runs 60,60 --folds 0 \
        --map rmap.nii.gz
    [ -s rmap.nii.gz ] || { failed=$((failed + 1)); echo "FAIL: rmap.nii.gz missing"; }
    $S --output nii2 --runs 2 --trs 60 --grid 10x12x9 --nifti >/dev/null
    expect_fail "mask on another grid" 1 "mask grid 10 x 12 x 9 does not match the image grid 10 x 12 x 8" rm2.nii.gz \
        $F --features nii/word_features.npy --word-times nii/word_times.npy --word-runs nii/word_runs.npy \
        --bold nii/bold.nii.gz --mask nii2/mask.nii.gz --runs 60,60 --map rm2.nii.gz
    expect_fail "NIfTI without mask" 1 "give its brain mask with --mask" - $F $W --bold nii/bold.nii.gz
else
    grep -q "no NIfTI support" err.txt && echo "SKIP NIfTI cases: built without nifticlib"
fi

# Bad input
expect_fail "runs do not add up" 1 "--runs add up to 200 TRs but --bold sim/bold.npy has 240" bad.npz \
    $F $W --bold sim/bold.npy --runs 100,100 --output bad.npz
expect_fail "onsets beyond the run (TR mismatch)" 1 "the word onsets and the TR / run lengths do not match" bad.npz \
    $F $W --bold sim/bold.npy --runs "$runs" --tr 1 --output bad.npz
expect_fail "fewer runs than folds" 1 "2 runs but 5 folds" bad.npz \
    $F $W --bold sim/bold.npy --runs "$runs" --folds 5 --output bad.npz
expect_fail "no training run left" 1 "at least one must stay for training" bad.npz \
    $F $W --bold sim/bold.npy --runs "$runs" --test-runs 3 --output bad.npz
expect_fail "bad alphas" 2 'expected logspace:LO:HI:N or a list of numbers >= 0' bad.npz \
    $F $W --bold sim/bold.npy --runs "$runs" --alphas 1,-2 --output bad.npz
expect_fail "bad hrf" 2 '--hrf "gamma"' - $F $W --bold sim/bold.npy --hrf gamma
expect_fail "TR-level features of the wrong length" 1 "rows but --bold has 240 TRs (word-level features need --word-times)" - \
    $F --features sim/word_features.npy --bold sim/bold.npy --runs "$runs"
cp sim/bold.npy nanbold.npy
poke nanbold.npy $(( $(npy_data_offset nanbold.npy) + 8 * (5 * 150 + 17) )) "$nan"
expect_fail "NaN voxel" 1 "1 target(s) (voxels/sensors) contain NaN or Inf, the first is target 17" bad.npz \
    $F $W --bold nanbold.npy --runs "$runs" --output bad.npz
$S --output one --runs 3 --trs 80 --voxels 1 --features 2 --seed 3 >/dev/null
cp one/bold.npy constbold.npy
dd if=/dev/zero of=constbold.npy bs=1 seek=$(npy_data_offset constbold.npy) count=$((80 * 8)) conv=notrunc status=none
expect_fail "constant voxel" 1 "constant within a run (no signal: outside the brain?), the first is target 0 in run 0" bad.npz \
    $F --features one/word_features.npy --word-times one/word_times.npy --word-runs one/word_runs.npy \
    --bold constbold.npy --runs "$runs" --output bad.npz
cp one/word_features.npy zerofeat.npy
nw=$(( ( $(stat -c %s zerofeat.npy) - $(npy_data_offset zerofeat.npy) ) / 16 ))
for ((w = 0; w < nw; w++)); do poke zerofeat.npy $(( $(npy_data_offset zerofeat.npy) + 16 * w + 8 )) '\x00\x00\x00\x00\x00\x00\x00\x00'; done
expect_fail "feature with zero variance" 1 "--features: column 1 is constant (zero variance) in run 0" bad.npz \
    $F --features zerofeat.npy --word-times one/word_times.npy --word-runs one/word_runs.npy \
    --bold one/bold.npy --runs "$runs" --output bad.npz
expect_fail "MEG epoch outside the recording" 1 "falls outside the recording (0 to 2.39 s)" megbad.npz \
    $F --features sim/word_features.npy --word-times sim/word_times.npy --meg-raw sim/bold.npy --sfreq 100 \
    --output megbad.npz
expect_fail "two kinds of targets" 2 "give exactly one of --bold, --epochs and --meg-raw" - \
    $F --features sim/word_features.npy --bold sim/bold.npy --epochs meg/epochs.npy
expect_fail "missing file" 1 "--bold nothere.npy" - $F $W --bold nothere.npy
expect_fail "simulate: bad AR(1)" 2 "ar1 = 1.5: must be in [0, 1)" - $S --output x --ar1 1.5
expect_fail "unknown subcommand" 2 'unknown subcommand "fitt"' - $LACUS encode fitt
finish

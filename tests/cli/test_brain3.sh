#!/usr/bin/env bash
# lacus encode fif, and encode fit --meg-raw with a .fif: a raw FIF made by
# MNE (tests/ref/make_brain3_fixtures.py) exports byte for byte what MNE
# reads; the MEG fit from the FIF finds the planted response latency; every
# hostile or wrong input gives its message, a non-zero exit, no output.
. "$(dirname "$0")/lib.sh"
export OMP_NUM_THREADS=1
FX=${LACUS_FIXTURES:?}/brain3
fail_if() { failed=$((failed + 1)); echo "FAIL: $1"; cat out.txt; }

# The summary line, and the export: the same bytes as MNE's get_data().T
# saved by numpy (data and header), for every storage format.
expect_ok "fif info" $LACUS encode fif $FX/words_raw.fif --list 2
grep -q "words_raw.fif: 8 channels (8 grad), 100 Hz, 15208 samples (152.080 s) from sample 0, stored as int16, 300 annotations" out.txt ||
    fail_if "fif summary line"
for f in single double int short skip; do
    expect_ok "fif export $f" $LACUS encode fif $FX/${f}_raw.fif --picks all --output $f.npy
    cmp -s $f.npy $FX/${f}_data.npy || fail_if "$f: export differs from MNE's data"
done
expect_ok "fif onsets" $LACUS encode fif $FX/words_raw.fif --onsets on.npy --match word/
grep -q "wrote 300 onsets to on.npy" out.txt || fail_if "300 onsets"

# The MEG pipeline straight from the FIF: peak of the mean test r at the
# planted 0.25 s.
expect_ok "fit from fif" $LACUS encode fit --features $FX/words_features.npy --meg-raw $FX/words_raw.fif \
    --word-times on.npy --tmin -0.2 --tmax 0.6 --output meg.npz
grep -q "^peak of the mean r over sensors: 0\.[5-9][0-9]* at 0\.2[3-7]" out.txt || fail_if "peak not at 0.25 s"
[ -s meg.npz ] || fail_if "meg.npz missing"

# Bad input.
head -c 5000 $FX/words_raw.fif >cut.fif
expect_fail "truncated fif" 1 "cut.fif: tag at byte" x.npy $LACUS encode fif cut.fif --output x.npy
expect_fail "fit: truncated fif" 1 "cut.fif: tag at byte" m.npz $LACUS encode fit \
    --features $FX/words_features.npy --meg-raw cut.fif --word-times on.npy --output m.npz
cp $FX/words_features.npy notfif.fif
expect_fail "not a fif" 1 "not a FIF file" x.npy $LACUS encode fif notfif.fif --output x.npy
expect_fail "missing fif" 1 "cannot open" x.npy $LACUS encode fif nothere.fif --output x.npy
expect_fail "bad picks" 2 "no channel named 'EEG 999'" x.npy $LACUS encode fif $FX/words_raw.fif --picks "EEG 999" --output x.npy
expect_fail "fit: no such channel type" 1 "no channel of type 'eeg'" m.npz $LACUS encode fit \
    --features $FX/words_features.npy --meg-raw $FX/words_raw.fif --picks eeg --word-times on.npy --output m.npz
expect_fail "no matching annotation" 1 "no annotation description starts with \"sentence\"" t.npy \
    $LACUS encode fif $FX/words_raw.fif --onsets t.npy --match sentence
expect_fail "no file" 2 "give the FIF file" - $LACUS encode fif --picks meg
# A loop in the tag chain: the second tag (at byte 36, its `next` at 48)
# points back to byte 16.
cp $FX/short_raw.fif loop.fif
printf '\x00\x00\x00\x10' | dd of=loop.fif bs=1 seek=48 conv=notrunc status=none
expect_fail "loop" 1 "a loop" x.npy $LACUS encode fif loop.fif --output x.npy
finish

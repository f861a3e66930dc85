#!/usr/bin/env bash
# Malformed input of every kind: each gets its own message, a non-zero exit
# (2 for usage errors, 1 for bad data/files), no crash, no sanitizer report
# and no half-written output. Files are crafted here byte by byte so the
# test needs nothing but bash.
. "$(dirname "$0")/lib.sh"

# mknpy FILE DESCR SHAPE  (data bytes from stdin): a version 1.0 .npy
mknpy() {
    local file=$1 descr=$2 shape=$3
    local dict="{'descr': '$descr', 'fortran_order': False, 'shape': $shape, }"
    local total=$((10 + ${#dict} + 1))
    local pad=$(((64 - total % 64) % 64))
    local hlen=$((${#dict} + pad + 1))
    {
        printf '\x93NUMPY\x01\x00'
        printf "\\x$(printf %02x $((hlen % 256)))\\x$(printf %02x $((hlen / 256)))"
        printf '%s%*s\n' "$dict" "$pad" ""
        cat
    } >"$file"
}
one='\x00\x00\x00\x00\x00\x00\xf0\x3f'   # 1.0 as little-endian float64
nan='\x00\x00\x00\x00\x00\x00\xf8\x7f'
inf='\x00\x00\x00\x00\x00\x00\xf0\x7f'

"$LACUS" data mackey-glass --steps 300 --output x.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" data lorenz --steps 300 --output x3.npy >/dev/null
"$LACUS" fit --input x.npy --target x.npy --units 20 --output model.npz >/dev/null || exit 1
printf "$one$one$one$one" | mknpy four.npy '<f8' '(4,)'

# Usage errors (exit 2).
expect_fail "unknown verb" 2 'unknown verb "fitt"' - "$LACUS" fitt
expect_fail "unknown option" 2 'unknown option "--unitz"' out.npz "$LACUS" fit --unitz 3 --output out.npz
expect_fail "missing value" 2 "--units needs a value" - "$LACUS" fit --units
expect_fail "not an integer" 2 '--units expects an integer, got "ten"' - "$LACUS" fit --units ten
expect_fail "NaN hyperparameter" 2 '--sr expects a finite number, got "nan"' - "$LACUS" fit --sr nan
expect_fail "unknown activation" 2 '--activation "tanhh"' out.npz \
    "$LACUS" fit --input x.npy --target x.npy --activation tanhh --output out.npz
expect_fail "unknown generator" 2 'unknown generator "mackey"' - "$LACUS" data mackey --output g.npy
expect_fail "bad generator value" 2 "--set tau=abc: value is not a finite number" g.npy \
    "$LACUS" data mackey-glass --set tau=abc --output g.npy
expect_fail "unknown generator key" 2 'has no such key' g.npy "$LACUS" data lorenz --set tau=3 --output g.npy

# Absurd hyperparameters (exit 1, the library's message).
expect_fail "zero units" 1 "n_units = 0: must be in [1," out.npz \
    "$LACUS" fit --input x.npy --target x.npy --units 0 --output out.npz
expect_fail "leak rate > 1" 1 "lr = 1.5: must be in (0, 1]" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --lr 1.5 --output out.npz
expect_fail "connectivity 0" 1 "rc_connectivity = 0: must be in (0, 1]" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --rc-connectivity 0 --output out.npz
expect_fail "negative ridge" 1 "ridge = -1: must be finite and >= 0" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --ridge -1 --output out.npz
expect_fail "negative warmup" 1 "warmup = -5: must be >= 0" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --warmup -5 --output out.npz
expect_fail "huge reservoir" 1 "at most 4e9 supported" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --units 90000000 --output out.npz
expect_fail "warmup drops everything" 1 "warmup = 400 drops every step" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --warmup 400 --output out.npz
expect_fail "generator step 0" 1 "h = 0" g.npy "$LACUS" data mackey-glass --set h=0 --output g.npy

expect_fail "FORCE with a bad alpha" 1 "alpha = -1: must be finite and > 0" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --force --alpha -1 --output out.npz
expect_fail "feedback with feed-input" 1 "cannot be combined" out.npz \
    "$LACUS" fit --input x.npy --target x.npy --feedback --feed-input --output out.npz

# Unreadable or malformed files.
expect_fail "missing file" 1 "nothere.npy" out.npz \
    "$LACUS" fit --input nothere.npy --target x.npy --output out.npz
echo "hello, not numpy" >text.npy
expect_fail "bad magic" 1 "magic" out.npz "$LACUS" fit --input text.npy --target x.npy --output out.npz
head -c 20 x.npy >trunc.npy
expect_fail "truncated header" 1 "trunc.npy" out.npz "$LACUS" fit --input trunc.npy --target x.npy --output out.npz
printf "$one$one" | mknpy lying.npy '<f8' '(300, 1)'
expect_fail "lying shape (data truncated)" 1 "lying.npy" out.npz \
    "$LACUS" fit --input lying.npy --target x.npy --output out.npz
printf "$one$one$one$one" | mknpy cplx.npy '<c16' '(2,)'
expect_fail "unsupported dtype" 1 "c16" out.npz "$LACUS" fit --input cplx.npy --target x.npy --output out.npz
printf "$one$nan$one$one" | mknpy nan.npy '<f8' '(4,)'
expect_fail "NaN in inputs" 1 "inputs sequence 0[1, 0] is NaN" out.npz \
    "$LACUS" fit --input nan.npy --target four.npy --output out.npz
printf "$one$one$one$inf" | mknpy inf.npy '<f8' '(4,)'
expect_fail "Inf in targets" 1 "targets sequence 0[3, 0] is Inf" out.npz \
    "$LACUS" fit --input four.npy --target inf.npy --output out.npz
expect_fail "length mismatch" 1 "300 input steps but 4 target steps" out.npz \
    "$LACUS" fit --input x.npy --target four.npy --output out.npz
mknpy empty.npy '<f8' '(0, 1)' </dev/null
expect_fail "empty sequence" 1 "empty" out.npz "$LACUS" fit --input empty.npy --target empty.npy --output out.npz
printf "$one" | mknpy nd4.npy '<f8' '(1, 1, 1, 1)'
expect_fail "4-D array" 1 "has 4 dimensions" out.npz "$LACUS" fit --input nd4.npy --target x.npy --output out.npz
printf '1,2\n3\n' >ragged.csv
expect_fail "ragged CSV" 1 "line 2" out.npz "$LACUS" fit --input ragged.csv --target x.npy --output out.npz
expect_fail "run: wrong input width" 1 "have 3 features, the model expects 1" pred.npy \
    "$LACUS" run --model model.npz --input x3.npy --output pred.npy
cp text.npy notzip.npz
expect_fail "model not a zip" 1 "notzip.npz" pred.npy "$LACUS" run --model notzip.npz --input x.npy --output pred.npy
expect_fail "missing model" 1 "nomodel.npz" pred.npy "$LACUS" run --model nomodel.npz --input x.npy --output pred.npy
expect_fail "eval length mismatch" 1 "300 true steps but 4 predicted" - \
    "$LACUS" eval --truth x.npy --pred four.npy
expect_fail "output in a missing directory" 1 "no/such/dir" - \
    "$LACUS" fit --input x.npy --target x.npy --output no/such/dir/m.npz

# A full disk: a 32 KiB tmpfs cannot hold the model; nothing may be left.
mkdir -p small
if mount -t tmpfs -o size=32k tmpfs small 2>/dev/null; then
    expect_fail "disk full" 1 "small/m.npz" small/m.npz \
        "$LACUS" fit --input x.npy --target x.npy --units 200 --output small/m.npz
    [ -z "$(ls -A small)" ] || { echo "FAIL: disk full left files: $(ls small)"; failed=$((failed + 1)); }
    umount small
else
    expect_fail "disk full (/dev/full)" 1 "/dev/full" - "$LACUS" data lorenz --output /dev/full
fi
finish

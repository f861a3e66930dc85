#!/bin/bash
# The ridge readout's least-squares solver through the lacus command
# (--solver lstsq): it trains (keeping every sample), says so, is saved and
# reloaded, and gives the normal equations' answer where those are accurate;
# a bad solver name is refused with no model file.
. "$(dirname "$0")/lib.sh"

expect_ok "generate" "$LACUS" data mso2 --steps 600 --output s.npy
FIT="fit --input s.npy --target s.npy --units 30 --warmup 20"
expect_ok "lstsq, ridge 0" "$LACUS" $FIT --ridge 0 --solver lstsq --output a.npz
grep -q "(lstsq)" out.txt && passed=$((passed + 1)) ||
    { echo "FAIL: fit did not report the lstsq solver"; cat out.txt; failed=$((failed + 1)); }
expect_ok "lstsq model runs" "$LACUS" run --model a.npz --input s.npy --output pa.npy
expect_ok "lstsq, ridge 1e-2" "$LACUS" $FIT --ridge 1e-2 --solver lstsq --output b.npz
expect_ok "primal, ridge 1e-2" "$LACUS" $FIT --ridge 1e-2 --solver primal --output c.npz
expect_ok "run b" "$LACUS" run --model b.npz --input s.npy --output pb.npy
expect_ok "run c" "$LACUS" run --model c.npz --input s.npy --output pc.npy
# At ridge 1e-2 both solves are accurate: the two predictions agree to
# rounding (measured nrmse 1.8e-14; the bound 1e-10 leaves 4 decades).
expect_ok "eval b vs c" "$LACUS" eval --truth pc.npy --pred pb.npy
awk '$1 == "nrmse" { found = 1; if (!($2 + 0 <= 1e-10)) bad = 1 } END { exit (bad || !found) }' \
    out.txt && passed=$((passed + 1)) ||
    { echo "FAIL: lstsq and primal disagree at ridge 1e-2:"; cat out.txt; failed=$((failed + 1)); }

expect_fail "unknown solver" 2 "lstsq" d.npz "$LACUS" $FIT --solver qr --output d.npz
finish

#!/usr/bin/env bash
# lacus tune, fourth round: an AIF net (the contiguous sigma4 path) learns
# through the CLI; the node-local solve's fan-in limit and the AIF
# sharpness are range-checked, each bad value with its message, exit 2 and
# no output file.
. "$(dirname "$0")/lib.sh"
F=$LACUS_FIXTURES/tune

cfg() { # FILE JSON-BODY: a config with the fixture data and an output
    echo "{\"input\": \"$F/cli_u.npy\", \"target\": \"$F/cli_y.npy\", \"output\": \"out.npz\", $2}" >"$1"
}

cfg aif.json '"unit": "aif", "units": 6, "sharpness": 4, "learn_sharpness": true, "init_mean": -0.1, "init_std": 0.05, "iterations": 10, "quiet": true'
expect_ok "tune a 6-unit AIF net" "$LACUS" tune aif.json
nrmse0=$(sed -n 's/.*training NRMSE \([0-9.e-]*\) -> \([0-9.e-]*\) in.*/\1/p' out.txt)
nrmse1=$(sed -n 's/.*training NRMSE \([0-9.e-]*\) -> \([0-9.e-]*\) in.*/\2/p' out.txt)
awk -v a="$nrmse1" -v b="$nrmse0" 'BEGIN { exit !(a != "" && a < 0.8 * b) }' ||
    { echo "FAIL: AIF NRMSE not lowered by 20%: $nrmse0 -> $nrmse1"; cat out.txt; failed=$((failed + 1)); }
[ -s out.npz ] || { echo "FAIL: out.npz missing"; failed=$((failed + 1)); }
rm -f out.npz

cfg k.json '"gn_max_fanin": 5000'
expect_fail "fan-in limit too large" 2 "gn_max_fanin = 5000: must be in [0, 4096]" out.npz "$LACUS" tune k.json
cfg k.json '"gn_max_fanin": -1'
expect_fail "negative fan-in limit" 2 "gn_max_fanin = -1" out.npz "$LACUS" tune k.json
cfg k.json '"unit": "aif", "sharpness": 200'
expect_fail "AIF sharpness above 100" 2 "sharpness = 200: must be in [0, 100]" out.npz "$LACUS" tune k.json
cfg k.json '"unit": "aif", "sharpness": 1e999'
expect_fail "infinite AIF sharpness" 2 '"sharpness" must be a finite number' out.npz "$LACUS" tune k.json

finish

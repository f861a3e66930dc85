#!/usr/bin/env bash
# lacus lm train with pair-gated readouts and slow units (round 7): a small
# run on the committed excerpt, the model file read back by lm eval with the
# same bits, seeded generation, and bad values (message, exit status, no
# output left behind).
. "$(dirname "$0")/lib.sh"
TEXT=$LACUS_FIXTURES/lang/moby_excerpt.txt
head -c 20000 "$TEXT" >short.txt
OPTS="--units 40 --warmup 10 --gate-tokens 8 --pair-gates 30 --pair-units 25 --pair-ridge 0.5 --slow-units 10 --slow-lr 0.05"

expect_ok "lm train with pair gates and slow units" "$LACUS" lm train --text short.txt $OPTS --output p.npz
grep -q "pair_gates=30 pair_units=25 pair_ridge=0.5 slow_units=10 slow_lr=0.05" out.txt ||
    { failed=$((failed + 1)); echo "FAIL: lm train does not report the pair gates"; cat out.txt; }
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >train_bits.txt
expect_ok "lm eval on the file" "$LACUS" lm eval --text short.txt --model p.npz
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >eval_bits.txt
[ -s train_bits.txt ] && cmp -s train_bits.txt eval_bits.txt ||
    { failed=$((failed + 1)); echo "FAIL: bits differ after save/load"; cat train_bits.txt eval_bits.txt; }
# Without the pair gates the same reservoir scores differently (the option is used).
expect_ok "lm train without pair gates" "$LACUS" lm train --text short.txt --units 40 --warmup 10 --gate-tokens 8 \
    --slow-units 10 --slow-lr 0.05 --output q.npz
grep -E "^reservoir N=40 +[0-9]" out.txt | awk '{print $3, $5}' >plain_bits.txt
cmp -s train_bits.txt plain_bits.txt && { failed=$((failed + 1)); echo "FAIL: --pair-gates changed nothing"; }
expect_ok "generate" "$LACUS" lm generate --model p.npz --prompt "Call me" --n 120 --seed 5
cp out.txt gen1.txt
expect_ok "generate again" "$LACUS" lm generate --model p.npz --prompt "Call me" --n 120 --seed 5
cmp -s out.txt gen1.txt || { failed=$((failed + 1)); echo "FAIL: generation is not seeded"; }

expect_fail "pair units > units" 2 "pair_units = 41" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates 4 --pair-units 41 --output m.npz
expect_fail "negative pair gates" 2 "pair_gates = -1" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates -1 --output m.npz
expect_fail "zero pair ridge" 2 "pair_ridge = 0" m.npz "$LACUS" lm train --text short.txt --units 40 --pair-gates 4 --pair-ridge 0 --output m.npz
expect_fail "NaN pair ridge" 2 "--pair-ridge expects a finite number" m.npz "$LACUS" lm train --text short.txt --pair-ridge nan --output m.npz
expect_fail "slow lr > 1" 2 "slow_lr = 2" m.npz "$LACUS" lm train --text short.txt --units 40 --slow-units 4 --slow-lr 2 --output m.npz
expect_fail "slow units > units" 2 "slow_units = 50" m.npz "$LACUS" lm train --text short.txt --units 40 --slow-units 50 --output m.npz
expect_fail "pair gates with logistic" 2 "pair_gates = 4" m.npz "$LACUS" lm train --text short.txt --units 40 --readout logistic --pair-gates 4 --output m.npz
expect_fail "pair gates with layers" 2 "single reservoir" m.npz "$LACUS" lm train --text short.txt --units 40 --layers 2 --gate-tokens 0 --pair-gates 4 --output m.npz

# A model file whose manifest asks for more pair units than it has units,
# or whose pair keys are not ascending: refused on load, exit 1.
if command -v python3 >/dev/null; then
    python3 - p.npz <<'PY'
import json, sys, zipfile, io
src = sys.argv[1]
z = zipfile.ZipFile(src)
items = {n: z.read(n) for n in z.namelist()}
man = json.loads(items["manifest.json"])
man["pair_units"] = 99
bad = dict(items, **{"manifest.json": json.dumps(man).encode()})
with zipfile.ZipFile("bad_units.npz", "w") as w:
    for n, b in bad.items(): w.writestr(n, b)
name = [n for n in items if n.startswith("pair_keys")][0]
raw = bytearray(items[name])
hl = int.from_bytes(raw[8:10], "little") + 10   # .npy v1 header length
k0, k1 = raw[hl:hl + 8], raw[hl + 8:hl + 16]
raw[hl:hl + 8], raw[hl + 8:hl + 16] = k1, k0   # swap the first two keys
with zipfile.ZipFile("bad_keys.npz", "w") as w:
    for n, b in items.items(): w.writestr(n, bytes(raw) if n == name else b)
PY
    expect_fail "manifest pair_units > n_units" 1 "pair_units = 99" - "$LACUS" lm eval --text short.txt --model bad_units.npz
    expect_fail "pair keys out of order" 1 "pair_keys" - "$LACUS" lm eval --text short.txt --model bad_keys.npz
fi
finish

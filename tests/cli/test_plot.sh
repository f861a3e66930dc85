#!/usr/bin/env bash
# lacus plot: every kind draws a real PNG of the requested size; bad input
# (missing file, wrong shape, NaN, bad sizes) gives a clear error, a
# non-zero exit and no file. The PNG checks are skipped (and said so) when
# gnuplot is not installed; the input checks run either way, since they
# fail before gnuplot is needed.
. "$(dirname "$0")/lib.sh"
# As ctest sets for the unit tests: 2 threads that sleep at barriers (a
# spinning thread starves the others when the 2 cores are shared).
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE

# png_size FILE: "W H" from the IHDR chunk, or nothing if not a PNG.
png_size() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || return 1
    local hex
    hex=$(od -An -tx1 -j16 -N8 "$1" | tr -d ' \n')
    echo "$((16#${hex:0:8})) $((16#${hex:8:8}))"
}

# expect_png DESCRIPTION FILE W H command...
expect_png() {
    local what=$1 file=$2 w=$3 h=$4
    shift 4
    rm -f "$file"
    if ! "$@" >out.txt 2>err.txt; then
        failed=$((failed + 1)); echo "FAIL: $what: exit $?"; cat err.txt; return
    fi
    local got
    got=$(png_size "$file")
    if [ "$got" = "$w $h" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1)); echo "FAIL: $what: $file is \"$got\", expected a PNG of $w x $h"; fi
}

"$LACUS" data mackey-glass --steps 600 --output mg.npy >/dev/null || { echo "setup failed"; exit 1; }
"$LACUS" fit --input mg.npy --target mg.npy --units 50 --output model.npz >/dev/null || exit 1
"$LACUS" run --model model.npz --input mg.npy --output pred.npy >/dev/null || exit 1
"$LACUS" data lorenz --steps 400 --output lz.npy >/dev/null || exit 1
printf "0.12,0.01\n0.08,0.02\n0.05,0.005\n" >errs.csv
printf "0.3\n0.2\n0.1\n0.05\n" >errs1.csv
printf "5,1,0\n0,6,0\n1,0,7\n" >conf.csv
"$LACUS" data vowels --per-class 4 --output v.npz --labels vl.npy >/dev/null || exit 1
"$LACUS" classify fit --input v.npz --labels vl.npy --units 30 --ridge 1e-3 --output clf.npz >/dev/null || exit 1
"$LACUS" classify run --model clf.npz --input v.npz --labels vl.npy --confusion cm.npy --output p.npy >/dev/null || exit 1

if [ -n "${LACUS_GNUPLOT:-}" ] || command -v gnuplot >/dev/null; then
    expect_png "truth vs prediction" t.png 640 480 \
        "$LACUS" plot truth --truth mg.npy --pred pred.npy --horizon 300 --steps 400 --width 640 --height 480 --output t.png
    expect_png "truth, 3 columns" t3.png 800 900 \
        "$LACUS" plot truth --truth lz.npy --pred lz.npy --width 800 --height 900 --output t3.png --title "Lorenz"
    expect_png "states" s.png 700 400 "$LACUS" plot states --states lz.npy --units 2 --width 700 --height 400 --output s.png
    expect_png "states of a model run" s2.png 600 300 \
        "$LACUS" plot states --model model.npz --input mg.npy --units 5 --steps 200 --width 600 --height 300 --output s2.png
    expect_png "errors with bars" e.png 500 300 "$LACUS" plot errors --input errs.csv --width 500 --height 300 --output e.png
    expect_png "errors, log" e1.png 500 300 "$LACUS" plot errors --input errs1.csv --log --width 500 --height 300 --output e1.png
    expect_png "eigenvalues" sp.png 600 600 "$LACUS" plot spectrum --model model.npz --width 600 --height 600 --output sp.png
    expect_png "eigenvalues + power" sp2.png 1000 450 \
        "$LACUS" plot spectrum --model model.npz --signal lz.npy --segment 128 --width 1000 --height 450 --output sp2.png
    expect_png "confusion (csv)" c.png 400 400 "$LACUS" plot confusion --input conf.csv --width 400 --height 400 --output c.png
    expect_png "confusion (classify)" c2.png 450 400 "$LACUS" plot confusion --input cm.npy --normalize --width 450 --height 400 --output c2.png
    # A broken gnuplot (LACUS_GNUPLOT points at a failing program): error, no file.
    expect_fail "gnuplot fails" 1 "gnuplot" bad.png env LACUS_GNUPLOT=/bin/false \
        "$LACUS" plot errors --input errs.csv --output bad.png
else
    echo "SKIP: gnuplot not installed (apt-get install gnuplot-nox): PNG checks skipped"
fi

# Bad input: clear errors, no PNG.
printf "1\n2\nnan\n4\n" >nan.csv
printf "0.5\n0\n" >zero.csv
expect_fail "missing file" 1 "nothere.npy" o.png "$LACUS" plot truth --truth nothere.npy --pred pred.npy --output o.png
expect_fail "NaN in truth" 1 "non-finite value (nan) at row 2, column 0" o.png \
    "$LACUS" plot truth --truth nan.csv --pred nan.csv --output o.png
expect_fail "shapes differ" 1 "shapes must agree" o.png "$LACUS" plot truth --truth mg.npy --pred lz.npy --output o.png
expect_fail "horizon past the end" 1 "--horizon 900" o.png \
    "$LACUS" plot truth --truth mg.npy --pred pred.npy --horizon 900 --output o.png
expect_fail "no output" 2 "--output is required" - "$LACUS" plot states --states lz.npy
expect_fail "tiny figure" 2 "--width 10" o.png "$LACUS" plot states --states lz.npy --width 10 --output o.png
expect_fail "too many units" 2 "--units 100" o.png "$LACUS" plot states --states lz.npy --units 100 --output o.png
expect_fail "states: model without input" 2 "give --states, or --model with --input" o.png \
    "$LACUS" plot states --model model.npz --output o.png
expect_fail "states: input of the wrong width" 1 "the reservoir of model.npz reads 1" o.png \
    "$LACUS" plot states --model model.npz --input lz.npy --output o.png
expect_fail "errors with 3 columns" 1 "expected 1 (values) or 2" o.png "$LACUS" plot errors --input conf.csv --output o.png
expect_fail "log of a non-positive error" 1 "--log needs values > 0" o.png \
    "$LACUS" plot errors --input zero.csv --log --output o.png --xlabel output
expect_fail "spectrum of nothing" 2 "give --model, --signal or both" o.png "$LACUS" plot spectrum --output o.png
expect_fail "spectrum of a non-model" 1 "--model" o.png "$LACUS" plot spectrum --model mg.npy --output o.png
expect_fail "signal shorter than a segment" 1 "fewer than --segment" o.png \
    "$LACUS" plot spectrum --signal errs1.csv --output o.png
expect_fail "confusion not square" 1 "expected a square matrix" o.png "$LACUS" plot confusion --input errs.csv --output o.png
expect_fail "unknown kind" 2 'unknown kind "histogram"' - "$LACUS" plot histogram --output o.png
expect_fail "unknown option" 2 'unknown option' o.png "$LACUS" plot states --states lz.npy --colour red --output o.png
finish

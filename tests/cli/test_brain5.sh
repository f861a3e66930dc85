#!/usr/bin/env bash
# encode fit --solver lstsq (alpha 0 = unregularised least squares through
# the SVD) and encode banded on banded data (the random search through the
# shared X^T Y): they run, alpha 0 is chosen where the data ask for it, and
# each refusal gives its message, exit 2 and no output.
. "$(dirname "$0")/lib.sh"
export OMP_NUM_THREADS=1
fail_if() { failed=$((failed + 1)); echo "FAIL: $1"; cat out.txt err.txt; }

expect_ok "simulate banded" $LACUS encode simulate --bands 4,12,4 --samples 400 --targets 30 --output d --seed 2
# Four runs of 100 TRs, the last one held out; alpha 0 against two ridges.
expect_ok "fit lstsq" $LACUS encode fit --features d/X.npy --bold d/Y.npy --runs 100,100,100,100 \
    --delays 0 --solver lstsq --alphas 0,10,1000 --output lstsq.npz
grep -q "fit: 300 training TRs (3 runs), 20 features x 1 delays = 20 regressors, 30 targets, 3 alphas" out.txt ||
    fail_if "fit line"
[ -s lstsq.npz ] || fail_if "lstsq.npz missing"
expect_ok "fit lstsq alpha 0 only" $LACUS encode fit --features d/X.npy --bold d/Y.npy --runs 100,100,100,100 \
    --delays 0 --solver lstsq --alphas 0 --output ols.npz
grep -q "3 runs), 20 features x 1 delays = 20 regressors, 30 targets, 1 alphas (1 chosen)" out.txt ||
    fail_if "alpha 0 chosen for every target"
expect_ok "banded" $LACUS encode banded --features d/X.npy --bold d/Y.npy --bands 4,12,4 --solver random --iter 20 --output b.npz
[ -s b.npz ] || fail_if "b.npz missing"

expect_fail "alpha 0 without lstsq" 2 "alpha 0 (unregularised least squares) needs --solver lstsq" x.npz \
    $LACUS encode fit --features d/X.npy --bold d/Y.npy --runs 100,100,100,100 --delays 0 --alphas 0,1 --output x.npz
expect_fail "negative alpha" 2 "list of numbers >= 0" x.npz \
    $LACUS encode fit --features d/X.npy --bold d/Y.npy --runs 100,100,100,100 --delays 0 --solver lstsq --alphas -1,1 --output x.npz
expect_fail "unknown solver" 2 "use auto, primal, dual or lstsq" x.npz \
    $LACUS encode fit --features d/X.npy --bold d/Y.npy --runs 100,100,100,100 --solver qr --output x.npz
expect_fail "banded alpha 0" 2 "alpha 0 has no place in banded ridge" x.npz \
    $LACUS encode banded --features d/X.npy --bold d/Y.npy --bands 4,12,4 --alphas 0,1 --output x.npz
finish

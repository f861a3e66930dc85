#!/usr/bin/env bash
# The distributed (ScaLAPACK) ridge solve of lacus fit under mpirun:
#   - its model equals the one-process serial solve within 1e-10 relative
#     (not bitwise: X^T X is summed in another order) on 1, 2, 3 ranks, a
#     2 x 2 grid and a 2 x 3 grid with a rank that has no data, with 3
#     outputs, N not a multiple of the block size, and the input fed to the
#     readout;
#   - a per-rank memory cap that forbids the N x N sums on one rank makes
#     `--dist-solve auto` take the distributed path, which succeeds with a
#     per-rank peak (VmHWM growth during the fit) well below the serial
#     path's, and below N^2 doubles on 4 ranks; on 1 rank the same cap is a
#     clear error that says how many ranks would do;
#   - errors (an exactly singular system with ridge 0, scalapack without mpirun or in
#     a build without ScaLAPACK) are clear, on every rank, without a hang.
# Skipped when lacus has no MPI. Compares with numpy (python3-numpy).
. "$(dirname "$0")/lib.sh"

mpi_require 120
export OMP_NUM_THREADS=1
PY=/usr/bin/python3
$PY -c "import numpy" 2>/dev/null || { echo "no numpy for /usr/bin/python3: skipped"; exit 0; }

five_sequences || exit 1

if ! "$LACUS" --version | grep -q "ScaLAPACK: yes"; then
    # shellcheck disable=SC2086
    expect_fail "no ScaLAPACK in this build" 1 "built without ScaLAPACK" m.npz \
        $MPIRUN -np 2 "$LACUS" fit $IN --units 50 --dist-solve scalapack --output m.npz
    [ "$(grep -c 'built without ScaLAPACK' err.txt)" -eq 2 ] || { failed=$((failed + 1)); echo "FAIL: every rank"; }
    echo "lacus built without ScaLAPACK: the distributed-solve tests skipped"
    finish
    exit $?
fi

# close A.npz B.npz TOL: max |Wout_A - Wout_B| / max |Wout_B| and the same
# for the bias, both <= TOL; prints them.
close() {
    $PY - "$@" <<'EOF'
import sys, numpy as n
a, b, tol = n.load(sys.argv[1]), n.load(sys.argv[2]), float(sys.argv[3])
ew = n.abs(a["Wout"] - b["Wout"]).max() / n.abs(b["Wout"]).max()
eb = n.abs(a["bout"] - b["bout"]).max() / n.abs(b["bout"]).max()
print("%s vs %s: Wout %.2e, bias %.2e (tolerance %g), shape %s" % (sys.argv[1], sys.argv[2], ew, eb, tol, a["Wout"].shape))
sys.exit(not (ew <= tol and eb <= tol and a["Wout"].shape == b["Wout"].shape))
EOF
}
check_close() { # A B TOL
    if close "$1" "$2" "$3" >cmp.txt; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 vs $2"; fi
    cat cmp.txt
}
solve_was() { # SOLVE: the fit's own line says which solve ran
    grep -q "($1 solve" out.txt || { failed=$((failed + 1)); echo "FAIL: not the $1 solve"; cat out.txt; }
}

# 1. The same model as the serial solve. N = 150 in blocks of 16 (150 =
# 9 x 16 + 6); then 97 units + 2 fed inputs = 99 features in the automatic
# block size (32 on 2 ranks: 99 = 3 x 32 + 3).
A1="--units 150 --lr 0.5 --sr 0.9 --ridge 1e-5 --warmup 10"
# shellcheck disable=SC2086
expect_ok "serial solve, one process" "$LACUS" fit $IN $A1 --output ref1.npz
for np in 1 2 3 4; do
    # shellcheck disable=SC2086
    expect_ok "scalapack on $np ranks" $MPIRUN -np $np "$LACUS" fit $IN $A1 --dist-solve scalapack \
        --dist-block 16 --output s$np.npz
    solve_was scalapack
    check_close s$np.npz ref1.npz 1e-10
done
# 6 ranks for 5 sequences (a 2 x 3 grid): rank 5 has no data and passes
# zeros in every round; 40 rows per round, so the ranks need different
# numbers of rounds of their own and pad with empty ones.
# shellcheck disable=SC2086
expect_ok "scalapack on 6 ranks, one without data" $MPIRUN -np 6 "$LACUS" fit $IN $A1 \
    --dist-solve scalapack --dist-block 16 --dist-rows 40 --output s6.npz
grep -q "2 x 3 grid" out.txt || { failed=$((failed + 1)); echo "FAIL: not a 2 x 3 grid"; cat out.txt; }
check_close s6.npz ref1.npz 1e-10
A2="--units 97 --feed-input --lr 0.3 --sr 1.0 --ridge 1e-3 --warmup 5 --seed 3"
# shellcheck disable=SC2086
expect_ok "serial solve, fed input" "$LACUS" fit $IN $A2 --output ref2.npz
# shellcheck disable=SC2086
expect_ok "scalapack, fed input, 2 ranks" $MPIRUN -np 2 "$LACUS" fit $IN $A2 \
    --dist-solve scalapack --output f2.npz
check_close f2.npz ref2.npz 1e-10

# 2. A per-rank cap that forbids the N x N sums on one rank. N = 1200:
# the reduce path needs about 2.5 N^2 doubles (48 MiB, its estimate) on every
# rank, the scalapack path 16.7 MiB on 2 ranks and 32 MiB on one.
A3="--units 1200 --lr 0.5 --sr 0.9 --ridge 1e-1 --warmup 10 --rc-connectivity 0.02"
# shellcheck disable=SC2086
expect_ok "reduce path, 2 ranks, memory reported" $MPIRUN -np 2 "$LACUS" fit $IN $A3 \
    --dist-solve reduce --report-memory --output big_r.npz
cp out.txt mem_reduce.txt
# shellcheck disable=SC2086
expect_ok "cap 20 MiB on 2 ranks: auto takes scalapack" $MPIRUN -np 2 "$LACUS" fit $IN $A3 \
    --rank-mem-mb 20 --report-memory --output big_s.npz
solve_was scalapack
cp out.txt mem_s2.txt
check_close big_s.npz big_r.npz 1e-10
# shellcheck disable=SC2086
expect_ok "cap 20 MiB on a 2 x 2 grid" $MPIRUN -np 4 "$LACUS" fit $IN $A3 \
    --rank-mem-mb 20 --report-memory --output big_s4.npz
cp out.txt mem_s4.txt
check_close big_s4.npz big_r.npz 1e-10
# Per rank: "rank R: peak memory (VmHWM) X MiB before the fit, Y MiB after;
# lacus allocations peak Z MiB; ...". VmHWM counts everything (MPI,
# OpenBLAS's and ScaLAPACK's buffers); the library's own allocations are
# counted by the allocator hook.
growth() { awk '/peak memory/ { d = $11 - $6; if (d > m) m = d } END { printf "%.1f", m }' "$1"; }
ours() { awk '/peak memory/ { if ($17 > m) m = $17 } END { printf "%.1f", m }' "$1"; }
g_r=$(growth mem_reduce.txt) g_2=$(growth mem_s2.txt) g_4=$(growth mem_s4.txt)
o_r=$(ours mem_reduce.txt) o_2=$(ours mem_s2.txt) o_4=$(ours mem_s4.txt)
n2=$(awk 'BEGIN { printf "%.1f", 1200 * 1200 * 8 / 1048576 }')
echo "per-rank peak, VmHWM growth / lacus allocations (MiB): reduce on 2 ranks $g_r / $o_r," \
    "scalapack on 2 ranks $g_2 / $o_2, on 4 ranks $g_4 / $o_4; N^2 doubles = $n2 MiB"
# Under AddressSanitizer VmHWM is mostly shadow memory and the quarantine
# of freed blocks: there only the library's own allocations are compared.
vm=1
ldd "$LACUS" 2>/dev/null | grep -q libasan && vm=0
awk -v g2="$g_2" -v gr="$g_r" -v o2="$o_2" -v o4="$o_4" -v n="$n2" -v vm="$vm" \
    'BEGIN { exit !((!vm || (g2 > 0 && g2 < 0.6 * gr)) && o2 > 0 && o2 < n && o4 > 0 && o4 < n) }' &&
    passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the distributed path's memory"; cat mem_*.txt; }
# shellcheck disable=SC2086
expect_fail "cap 20 MiB on one rank: not enough ranks" 1 "the scalapack solve fits on 2 ranks" m.npz \
    $MPIRUN -np 1 "$LACUS" fit $IN $A3 --rank-mem-mb 20 --output m.npz
# shellcheck disable=SC2086
expect_fail "cap 20 MiB, reduce forced" 1 "every rank holds the N x N sums" m.npz \
    $MPIRUN -np 2 "$LACUS" fit $IN $A3 --rank-mem-mb 20 --dist-solve reduce --output m.npz
[ "$(grep -c 'over the cap of 20 MiB' err.txt)" -eq 2 ] || { failed=$((failed + 1)); echo "FAIL: every rank"; cat err.txt; }

# 3. Errors. Zero inputs and ridge 0: the states are all zero, the system
# exactly singular (Cholesky and its LU fallback fail); every rank says so.
# shellcheck disable=SC2086
expect_fail "singular system" 1 "not positive definite" m.npz \
    $MPIRUN -np 3 "$LACUS" fit $ZIN --units 40 --ridge 0 --dist-solve scalapack --output m.npz
[ "$(grep -c 'not positive definite' err.txt)" -eq 3 ] || { failed=$((failed + 1)); echo "FAIL: every rank"; cat err.txt; }
# shellcheck disable=SC2086
expect_fail "scalapack without mpirun" 2 "runs under mpirun" m.npz \
    "$LACUS" fit $IN --units 40 --dist-solve scalapack --output m.npz
# shellcheck disable=SC2086
expect_fail "unknown solve" 2 "expected auto, reduce or scalapack" m.npz \
    "$LACUS" fit $IN --units 40 --dist-solve lu --output m.npz
# shellcheck disable=SC2086
expect_fail "bad block size" 2 "--dist-block -1" m.npz \
    "$LACUS" fit $IN --units 40 --dist-solve scalapack --dist-block -1 --output m.npz
# shellcheck disable=SC2086
expect_fail "bad rows per round" 2 "--dist-rows -3" m.npz \
    "$LACUS" fit $IN --units 40 --dist-rows -3 --output m.npz
# shellcheck disable=SC2086
expect_fail "negative cap" 2 "--rank-mem-mb -5" m.npz \
    "$LACUS" fit $IN --units 40 --rank-mem-mb -5 --output m.npz
# A NaN in rank 0's second file: rank 0 fails after streaming its first
# file through the rounds; it pads the remaining rounds, so ranks 1 and 2
# are not left waiting, and all three report rank 0's error.
$PY - <<'EOF2' || exit 1
import numpy as n
u = n.load("u3.npy")
u[100, 0] = n.nan
n.save("nan3.npy", u)
EOF2
# shellcheck disable=SC2086
expect_fail "NaN mid-way on rank 0" 1 "rank 0: u[100, 0] is NaN" m.npz \
    $MPIRUN -np 3 "$LACUS" fit --input u0.npy --target y0.npy --input u1.npy --target y1.npy \
    --input u2.npy --target y2.npy --input nan3.npy --target y3.npy --units 40 \
    --dist-solve scalapack --dist-rows 32 --output m.npz
[ "$(grep -c 'rank 0: u\[100, 0\] is NaN' err.txt)" -eq 3 ] || { failed=$((failed + 1)); echo "FAIL: every rank"; cat err.txt; }
# Sequences all within the warmup: nothing to train on, every rank says so.
# shellcheck disable=SC2086
expect_fail "everything is warmup" 1 "no states to train on" m.npz \
    $MPIRUN -np 2 "$LACUS" fit $IN --units 40 --warmup 500 --dist-solve scalapack --output m.npz
finish

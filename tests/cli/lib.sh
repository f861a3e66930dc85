# Shared helpers for the command-line tests: expect_ok, expect_fail (exit
# status, a substring of stderr, and no output file left behind).
set -u
LACUS=${1:?usage: test.sh path/to/lacus}
TMP=${LACUS_TMP:-$(mktemp -d)}
rm -rf "$TMP" && mkdir -p "$TMP"
cd "$TMP" || exit 2
passed=0
failed=0

expect_ok() { # description, command...
    local what=$1
    shift
    if "$@" >out.txt 2>err.txt; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL (expected success): $what: $*"
        cat err.txt
    fi
}

# expect_fail DESCRIPTION STATUS SUBSTRING OUTPUT_FILE_OR_- command...
expect_fail() {
    local what=$1 want=$2 needle=$3 outfile=$4
    shift 4
    "$@" >out.txt 2>err.txt
    local got=$?
    local ok=1
    [ "$got" -eq "$want" ] || { ok=0; echo "FAIL: $what: exit $got, expected $want"; }
    grep -qF -- "$needle" err.txt || { ok=0; echo "FAIL: $what: stderr lacks \"$needle\":"; cat err.txt; }
    grep -q "AddressSanitizer\|runtime error" err.txt && { ok=0; echo "FAIL: $what: sanitizer report"; cat err.txt; }
    if [ "$outfile" != "-" ]; then
        [ -e "$outfile" ] && { ok=0; echo "FAIL: $what: output $outfile was left behind"; }
        ls "$outfile".tmp* >/dev/null 2>&1 && { ok=0; echo "FAIL: $what: temporary file left behind"; }
    fi
    if [ $ok -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# mpi_setup TIMEOUT: returns 1 when lacus has no MPI or there is no mpirun;
# otherwise sets MPIRUN ("timeout TIMEOUT mpirun --oversubscribe": more
# ranks than cores), lets Open MPI run as root (containers) and keeps
# LeakSanitizer off MPI's own one-off allocations in the sanitizer build.
mpi_setup() {
    "$LACUS" --version | grep -q "MPI: yes" && command -v mpirun >/dev/null || return 1
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    MPIRUN="timeout $1 mpirun --oversubscribe"
}

# mpi_require TIMEOUT: mpi_setup, or end the calling test with a skip
# (exit 0) when lacus has no MPI or there is no mpirun.
mpi_require() {
    if ! mpi_setup "$1"; then
        echo "lacus built without MPI (or no mpirun): MPI tests skipped"
        exit 0
    fi
}

# scalapack_setup TIMEOUT: mpi_require, then also skip when lacus has no
# ScaLAPACK or /usr/bin/python3 has no NumPy (the tests check models with
# it); sets PY, one OpenMP thread.
scalapack_setup() {
    mpi_require "$1"
    if ! "$LACUS" --version | grep -q "ScaLAPACK: yes"; then
        echo "lacus built without ScaLAPACK: skipped"
        exit 0
    fi
    export OMP_NUM_THREADS=1
    PY=/usr/bin/python3
    $PY -c "import numpy" 2>/dev/null || { echo "no numpy for /usr/bin/python3: skipped"; exit 0; }
}

# five_sequences: with $PY (NumPy), five sequences of different lengths in
# the working directory: u<k>.npy (2 inputs), y<k>.npy (3 targets) and
# z<k>.npy (zero inputs: rank-deficient states); sets IN and ZIN to the
# matching "--input ... --target ..." options.
five_sequences() {
    $PY - <<'EOF' || return 1
import numpy as n
g = n.random.default_rng(7)
for k, T in enumerate([300, 410, 275, 380, 333]):
    u = g.uniform(-1, 1, (T, 2))
    y = n.column_stack([n.roll(u[:, 0], 3) * u[:, 1], n.sin(2 * u[:, 0]),
                        n.cumsum(u[:, 1]) / n.sqrt(n.arange(1, T + 1))])
    n.save("u%d.npy" % k, u)
    n.save("y%d.npy" % k, y)
    n.save("z%d.npy" % k, n.zeros((T, 2)))
EOF
    IN="" ZIN=""
    for k in 0 1 2 3 4; do
        IN="$IN --input u$k.npy --target y$k.npy"
        ZIN="$ZIN --input z$k.npy --target y$k.npy"
    done
}

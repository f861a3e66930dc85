#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz_npy, fuzz_npz, fuzz_csv, fuzz_fif, fuzz_model,
# fuzz_config, fuzz_nifti) with clang and
# runs each for N seconds, starting from the seeds in tests/fuzz/corpus/.
#
#   scripts/fuzz.sh [seconds-per-target]      (default 20)
#   LACUS_FUZZ_BUILD=build-fuzz-io scripts/fuzz.sh 60
#
# New inputs go to $BUILD/fuzz-work/<target> (the committed seeds are never
# written); a crash, leak, timeout or sanitizer report leaves its input in
# $BUILD/fuzz-artifacts/ and makes this script exit non-zero. Reproduce one
# with: $BUILD/tests/fuzz_npy $BUILD/fuzz-artifacts/npy-crash-...
set -euo pipefail

secs=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LACUS_FUZZ_BUILD:-$root/build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac

mkdir -p "$build"
if ! { CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DLACUS_FUZZ=ON &&
       cmake --build "$build" -j "$(nproc)" --target fuzz_npy fuzz_npz fuzz_csv fuzz_fif fuzz_model fuzz_config fuzz_nifti; } \
       >"$build/fuzz-build.log" 2>&1; then
    tail -40 "$build/fuzz-build.log"
    echo "fuzz: build failed (log: $build/fuzz-build.log)"
    exit 2
fi

# UBSan only logs by default; make it stop the fuzzer like ASan does.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
mkdir -p "$build/fuzz-artifacts"
for t in npy npz csv fif model config nifti; do
    work=$build/fuzz-work/$t
    log=$build/fuzz-$t.log
    mkdir -p "$work"
    args=(-max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048
          -artifact_prefix="$build/fuzz-artifacts/$t-" -print_final_stats=1)
    [ -f "$root/tests/fuzz/$t.dict" ] && args+=(-dict="$root/tests/fuzz/$t.dict")
    # The config reader and nifticlib print why they reject an input:
    # expected, not a finding (sanitizer reports still reach the log).
    case $t in config | nifti) args+=(-close_fd_mask=2) ;; esac
    # Model seeds are whole members (up to a few KB): mutate them at full length.
    case $t in model | nifti) args+=(-len_control=0) ;; esac
    if "$build/tests/fuzz_$t" "${args[@]}" "$work" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1; then
        execs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        echo "fuzz_$t: ok, $execs runs in ${secs}s, corpus $(ls "$work" | wc -l) inputs"
    else
        echo "fuzz_$t: FAILED (log: $log)"
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 || tail -30 "$log"
        status=1
    fi
done
exit $status

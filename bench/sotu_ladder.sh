#!/usr/bin/env bash
# The goal ladder on the State of the Union, 1990-2021 (issue 8, the SOTU
# table of docs/language.md), by one command: makes the 32-address directory
# from the shared tarball, measures the baselines (unigram, 3- and 5-gram
# KN, xz and bzip2 as conditional costs of the held-out bytes) and trains the
# round-7 reservoir LM (N = 1,000, every character token-gated, 512
# pair-gated readouts) on the same split: characters, last 10% of the bytes
# held out, 5% of the training tokens for the calibration; then scores the
# held-out part again adapting as it reads (lm eval --adapt: the state cache
# and dynamic evaluation, their settings chosen on the calibration tokens).
# Prints each row and the 1-minute load average before and after (times
# under load are reported with it). Memory: about 5 GB (the pair gates'
# normal equations). About 15 minutes on 2 idle threads.
#
#   bench/sotu_ladder.sh [BUILD] [THREADS]     (defaults: build, 2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LACUS=${1:-$ROOT/build}/lacus
THREADS=${2:-2}
TAR=${SOTU_TAR:-/work/shared/data/text/sotu.tar.gz}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
tar xzf "$TAR" -C "$W" sotu_txt
mkdir -p "$W/recent"
cp "$W"/sotu_txt/199*.txt "$W"/sotu_txt/20*.txt "$W/recent/"
echo "texts: $(ls "$W/recent" | wc -l) addresses, $(cat "$W"/recent/* | wc -c) bytes; load1 $(cut -d' ' -f1 /proc/loadavg)"
"$LACUS" lm eval --text "$W/recent" --baselines --orders 3,5 --threads "$THREADS"
"$LACUS" lm train --text "$W/recent" --units 1000 --lr 1 --sr 0.5 --input-scaling 1 --gate-tokens 85 \
    --pair-gates 512 --pair-ridge 0.3 --threads "$THREADS" --output "$W/sotu.npz" 2>/dev/null
"$LACUS" lm eval --text "$W/recent" --model "$W/sotu.npz" --adapt --threads "$THREADS"
echo "load1 $(cut -d' ' -f1 /proc/loadavg)"

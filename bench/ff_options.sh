#!/usr/bin/env bash
# Forward-Forward options over several seeds (issue 7): negatives
# (time-shuffled vs free-running) x goodness (per unit vs layer sum), their
# effect on the downstream readout of the reservoir tasks of `lacus compare`
# and of the 8x8 digits read row by row (bench_ff_seq_digits).
#
#   bench/ff_options.sh [BUILD_DIR] [SEEDS]     (build, 5)
#
# Prints one line per task, option pair and seed, then a table of
# mean +- sample sd over the seeds (the ESN row: learning off, same seeds).
set -euo pipefail
B=${1:-build}
S=${2:-5}
L="$B/lacus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# ff_options: $S seeds, lacus compare --tasks mg84,narma10,mc,seq4 --models esn,ff --units 100 --train 2000 --test 500 --seqs 200 --threads 1; load1=$(cut -d' ' -f1 /proc/loadavg)"
for neg in shuffle free; do
    for good in unit layer; do
        for s in $(seq 42 $((41 + S))); do
            "$L" compare --tasks mg84,narma10,mc,seq4 --models esn,ff --units 100 --train 2000 \
                --test 500 --seqs 200 --threads 1 --seed "$s" --ff-negatives "$neg" \
                --ff-goodness "$good" --out "$tmp/r.tsv" >/dev/null
            awk -F'\t' -v n="$neg/$good" -v s="$s" '!/^#/ {
                m = ($2 == "esn") ? "esn" : n
                printf "ff_options task=%s model=%s seed=%s %s=%s\n", $1, m, s, $3, $4 }' "$tmp/r.tsv" \
                | sed 's/error rate=/error_rate=/; s/memory capacity=/capacity=/' | tee -a "$tmp/all.txt"
        done
    done
done
echo "# mean +- sd over seeds (ESN rows: each seed counted once)"
awk '{ split($2, a, "="); split($3, b, "="); split($4, c, "="); split($5, d, "=")
       key = a[2] " " b[2]; if (key SUBSEP c[2] in seen) next; seen[key, c[2]] = 1
       n[key]++; x[key] += d[2]; xx[key] += d[2] * d[2]; met[a[2]] = d[1] }
     END { for (k in n) { m = x[k] / n[k]; v = n[k] > 1 ? (xx[k] - n[k] * m * m) / (n[k] - 1) : 0
                          if (v < 0) v = 0
                          split(k, t, " "); printf "ff_options_summary task=%s model=%s %s_mean=%.4f sd=%.4f n=%d\n",
                                 t[1], t[2], met[t[1]], m, sqrt(v), n[k] } }' "$tmp/all.txt" | sort
if [ -x "$B/bench/bench_ff_seq_digits" ]; then
    "$B/bench/bench_ff_seq_digits" "$(dirname "$0")/../tests/fixtures/learn2/digits.npz" 100 "$S" 1
fi

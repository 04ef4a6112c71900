#!/usr/bin/env bash
# The noise floor, measured through the real bench stage: an unchanged candidate
# (pristine's own db_bench) against pristine, NOISE_REPS times.  Per repetition:
# the pairs score --more took, the throughput ratio and its CI; in all: how often
# an unchanged candidate was called a significant improvement (goal: <= 5 %).
# Needs RocksDB built (make rocksdb-release).  Slow: up to 8 pairs x 2 sides x
# (2 x AIOPT_BENCH_DURATION (10) + AIOPT_BENCH_READ_SECONDS (3)) s per repetition.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
reps=${NOISE_REPS:-10}
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
export AIOPT_BENCH_DURATION=${NOISE_BENCH_DURATION:-$AIOPT_BENCH_DURATION}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiopt-noise.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
make -s -C "$TOP" baseline BASELINE_DIR="$tmp/pristine" AIOPT_BASELINE_RUNS=1 AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0 2>/dev/null
echo "noise: $reps repetitions, ${AIOPT_BENCH_DURATION} s runs, pairs $AIOPT_BENCH_MIN_PAIRS..$AIOPT_BENCH_MAX_PAIRS, CI target $AIOPT_BENCH_CI_TARGET"
: > "$tmp/results.jsonl"
for r in $(seq "$reps"); do
  cand="$tmp/c$r"; mkdir -p "$cand"
  ln "$tmp/pristine/db_bench" "$cand/db_bench"
  echo "{\"id\":\"unchanged-$r\",\"apply\":{\"ok\":true},\"build\":{\"ok\":true},\"test\":{\"ok\":true}}" > "$cand/test.json"
  PRISTINE="$tmp/pristine" "$TOP/bin/stage.sh" bench "$cand" 2>/dev/null
  "$TOP/bin/score" < "$cand/bench.json" | jq -c '.score | {pairs, value: .terms.throughput.value,
      ci_low: .terms.throughput.ci_low, ci_high: .terms.throughput.ci_high, significant: .terms.throughput.significant,
      latency: .terms.latency.value, latency_significant: .terms.latency.significant, read: .terms.read.value,
      better: .better_than_pristine, cpu: .signals.cpu_per_op.value}' | tee -a "$tmp/results.jsonl"
  rm -f "$cand"/bench-*.log "$cand/db_bench"
done
jq -rs 'length as $n | map(select(.significant and .value > 1)) as $fp |
  "noise: \($n) repetitions: median CI half-width \(map((((.ci_high / .ci_low) | log) / 2 | exp) - 1) | sort | .[$n / 2 | floor] * 1000 | round / 10) %, " +
  "pairs \(map(.pairs) | min)-\(map(.pairs) | max) (mean \(map(.pairs) | add / $n * 10 | round / 10)), " +
  "throughput ratios \(map(.value) | min * 1000 | round / 1000)-\(map(.value) | max * 1000 | round / 1000), " +
  "called a significant improvement \($fp | length) of \($n) times (\($fp | length / $n * 100 | round) %), " +
  "significant either way \(map(select(.significant)) | length); " +
  "fixed-load p99 significant \(map(select(.latency_significant)) | length); " +
  "better than pristine (score'"'"'s rule) \(map(select(.better)) | length) of \($n)"' "$tmp/results.jsonl"

#!/usr/bin/env bash
# The kernel's account of pristine's runs, A/A: on the L0 and the WAL-sync workload,
# KERNEL_PAIRS pairs of pristine's db_bench against a copy of itself through the
# bench stage's own bench_pair (the sandbox, the kernel's count, the read-back by
# pristine).  Per workload: each run's acknowledged writes per kernel-counted sync
# (the bound is the writer threads) and write calls per sync (score's
# WRITE_CALLS_PER_SYNC_MAX), the spread of the pairs' ratios of write bytes
# per write (score's WRITE_BYTES_FLOOR is derived from it), and the keys the
# read-back missed against score's allowance for repeated keys — score's own
# verdict on the pairs (score.contract.durability).  Then the cost of the count:
# KERNEL_OVERHEAD_RUNS saturation runs each with and without it, interleaved.
# Needs RocksDB built (make rocksdb-release).  ~6 min with the defaults.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=bench-kernel
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
# shellcheck source=tests/bench/aa.bash
. "$TOP/tests/bench/aa.bash"
pairs=$(aa_pairs KERNEL_PAIRS "${KERNEL_PAIRS:-8}")
overhead_runs=$(aa_pairs KERNEL_OVERHEAD_RUNS "${KERNEL_OVERHEAD_RUNS:-6}")
export AIOPT_BENCH_DURATION=${KERNEL_BENCH_DURATION:-3}
work=${KERNEL_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/aiopt-kernel.XXXXXX")}
aa_setup "$work"
echo "bench-kernel: $pairs A/A pairs a workload, ${AIOPT_BENCH_DURATION} s runs, $(nproc) cores, $(uname -r), $(perf --version)"

for workload in l0 sync; do
  export AIOPT_BENCH_WORKLOAD=$workload
  dir=$work/$workload
  for i in $(seq "$pairs"); do aa_pair "$i" "$dir"; done
  jq -sc --arg w "$(bench_args)" '{id: "aa", apply: {ok: true}, build: {ok: true}, test: {ok: true},
      bench: {workload: $w, pairs: .}}' "$dir/pairs.jsonl" | "$BIN/score" > "$dir/score.json" \
    || input_error "$dir/pairs.jsonl: score could not read the A/A pairs (see $dir/)"
  jq -r --arg w "$workload" --slurpfile p "$dir/pairs.jsonl" '
    def bpo: .kernel.write_bytes / ([.benchmarks[] | select(.name == "fillrandom") | .operations][0]);
    def wps: ([.benchmarks[] | select(.name == "fillrandom") | .operations][0]) / .kernel.durable_sync_calls;
    def cps: .kernel.write_calls / .kernel.durable_sync_calls;
    def r3: . * 1000 | round / 1000;
    ($p | map((.candidate | bpo) / (.baseline | bpo) | log)) as $l |
    ($l | add / length) as $m |
    ($l | map((. - $m) * (. - $m)) | add / (length - 1) | sqrt) as $sd |
    ($p | map(.baseline, .candidate)) as $runs |
    "\($w): \($runs | map([.benchmarks[] | select(.name == "fillrandom") | .operations][0]) | min)-\($runs | map([.benchmarks[] | select(.name == "fillrandom") | .operations][0]) | max) writes a run; " +
    "writes per kernel-counted sync \($runs | map(wps) | min | r3)-\($runs | map(wps) | max | r3) (bound: \(.score.contract.durability.writer_threads) threads" +
    (if .score.contract.durability.syncs_every_write then ")" else ", not applied: no --sync=1)" end) +
    ", write calls per sync \($runs | map(cps) | min | r3)-\($runs | map(cps) | max | r3)" +
    "; write bytes per write \($runs | map(bpo) | min | round)-\($runs | map(bpo) | max | round), " +
    "A/A ratio \($l | map(exp) | min | r3)-\($l | map(exp) | max | r3), per-pair log sd \($sd * 10000 | round / 10000); " +
    "read-back: at most \(.score.contract.durability.keys_missing_baseline) keys missing (allowed \(.score.contract.durability.keys_missing_allowed_baseline)); " +
    "score: \(if .score.valid then "valid, every rule held" else (.error.message // .score.reason) end)"' "$dir/score.json"
  # The sync workload's decomposition, A/A in the same pairs: the spread of raw
  # throughput beside that of writes per kernel-counted sync and of throughput times
  # the mean traced sync latency (score's signals), each read by score --calibrate as
  # if it were the throughput (its per-pair log sd, and the change its pairs detect).
  if [ "$workload" = sync ]; then
    for figure in ops_per_sec writes_per_sync device_normalised; do
      jq -c --arg f "$figure" 'def ops: [.benchmarks[] | select(.name == "fillrandom") | .operations][0];
        def fig: if $f == "ops_per_sec" then .ops_per_sec
                 elif $f == "writes_per_sync" then ops / .kernel.durable_sync_calls
                 else .ops_per_sec * .kernel.sync_seconds / .kernel.traced_sync_calls end;
        .baseline.ops_per_sec = (.baseline | fig) | .candidate.ops_per_sec = (.candidate | fig)' "$dir/pairs.jsonl" \
        | jq -sc '{bench: {pairs: .}}' | "$BIN/score" --calibrate \
        | jq -r --arg f "$figure" '"sync, A/A \($f): per-pair log sd \(.log_ratio_sd * 10000 | round / 10000), \(.detectable_change.pairs) pairs detect \(.detectable_change.pct * 10 | round / 10) % (80 % power)"'
    done
    jq -r -s 'map(.baseline, .candidate) | map(.kernel.sync_seconds / .kernel.traced_sync_calls * 1e6) |
      "sync: mean traced sync latency \(min | round)-\(max | round) µs a run"' "$dir/pairs.jsonl"
  fi
done

# The count's cost: the same saturation run with and without sandbox.sh
# --kernel-count (perf stat's counts, perf trace's sync times, /proc/PID/io),
# alternating, ops/s compared.
for workload in l0 sync; do
  export AIOPT_BENCH_WORKLOAD=$workload
  : > "$work/overhead-$workload.tsv"
  for i in $(seq "$overhead_runs"); do
    for counted in 1 0; do
      db=$(mktemp -d "$work/scratch.XXXXXX")
      count=(); [ "$counted" = 0 ] || count=(--kernel-count "$work/overhead.kernel")
      # shellcheck disable=SC2046
      machine_lock exclusive sandboxed "$(run_limit "$AIOPT_BENCH_DURATION")" --program "$aa_work/pristine/db_bench" --rw "$db" \
        ${count[@]+"${count[@]}"} -- "$aa_work/pristine/db_bench" --db="$db" $(bench_args) > "$work/overhead.log" 2>&1
      printf '%s\t%s\n' "$counted" "$("$BIN/parse-dbbench" "$work/overhead.log" | jq .ops_per_sec)" >> "$work/overhead-$workload.tsv"
      rm -rf "$db"
    done
  done
  awk -F'\t' -v w="$workload" -v n="$overhead_runs" '{ s[$1] += log($2) }
    END { printf "%s: the kernel count costs %.1f %% of throughput (geometric means of %d runs each: %.0f counted, %.0f not)\n",
          w, (1 - exp((s[1] - s[0]) / n)) * 100, n, exp(s[1] / n), exp(s[0] / n) }' "$work/overhead-$workload.tsv"
done
aa_cleanup
echo "bench-kernel: pairs and logs kept in $work"

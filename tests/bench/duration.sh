#!/usr/bin/env bash
# The benchmark's report against the harness's clock, A/A: on the L0 and the WAL-sync
# workload, DURATION_PAIRS pairs of pristine's db_bench against a copy of itself
# through the bench stage's bench_pair, once with db_bench's default clock checks
# (every 1,000th write, the workloads' own) and once with every write's
# (--ops_between_duration_checks=1).
# For each: how far the summary's seconds overshoot --duration (what a forged summary
# claiming exactly the duration would gain), the harness's wall time beside it, and
# the throughput's A/A spread two ways: db_bench's ops/sec (the score's figure) and
# the summary's operations over the harness's wall seconds (a figure from outside).
# Needs RocksDB built (make rocksdb-release).  ~15 min with the defaults.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=bench-duration
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
# shellcheck source=tests/bench/aa.bash
. "$TOP/tests/bench/aa.bash"
pairs=$(aa_pairs DURATION_PAIRS "${DURATION_PAIRS:-6}")
export AIOPT_BENCH_DURATION=${DURATION_SECONDS:-10}
work=${DURATION_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/aiopt-duration.XXXXXX")}
aa_setup "$work"
echo "bench-duration: $pairs A/A pairs a workload and setting, ${AIOPT_BENCH_DURATION} s runs, $(nproc) cores, $(uname -r)"

# The workloads' own arguments, with the clock checked every CHECKS writes (1,000:
# db_bench's default, the workloads' own).
eval "stage_$(declare -f bench_args)"
checks=1000
bench_args() { echo "$(stage_bench_args) --ops_between_duration_checks=$checks"; }

for workload in l0 sync; do
  export AIOPT_BENCH_WORKLOAD=$workload
  for checks in 1000 1; do
    dir=$work/$workload-$checks
    for i in $(seq "$pairs"); do aa_pair "$i" "$dir"; done
    aa_summary "$workload, checks every $checks, db_bench's ops/s" "$dir"
    # the same pairs' throughput as operations over the harness's wall seconds
    # (the summary's own seconds dropped: this figure is not the summary's, so score's
    # check of the summary against the clock has nothing to hold it to)
    jq -c 'def outside: ([.benchmarks[] | select(.name == "fillrandom") | .operations][0]) / .harness_seconds;
      .baseline |= (.ops_per_sec = outside | del(.benchmarks)) | .candidate |= (.ops_per_sec = outside | del(.benchmarks))' "$dir/pairs.jsonl" \
      | jq -sc '{bench: {pairs: .}}' | "$BIN/score" --calibrate \
      | jq -r --arg l "$workload, checks every $checks, operations / harness wall s" '"\($l): per-pair log sd \(.log_ratio_sd * 10000 | round / 10000); \(.detectable_change.pairs) pairs detect \(.detectable_change.pct * 10 | round / 10) % (80 % power)"'
    jq -rs --argjson d "$AIOPT_BENCH_DURATION" 'map(.baseline, .candidate) |
      map([.benchmarks[] | select(.name == "fillrandom") | .seconds][0] - $d) as $over | map(.harness_seconds) as $wall |
      "overshoot of --duration=\($d): \($over | min * 1000 | round)-\($over | max * 1000 | round) ms (\($over | max / $d * 1000 | round / 10) % at most); harness wall \($wall | min * 100 | round / 100)-\($wall | max * 100 | round / 100) s"' "$dir/pairs.jsonl"
  done
done
aa_cleanup

#!/usr/bin/env bash
# The noise of workload variants, side by side: A/A pairs (pristine's db_bench
# against a copy of itself) of each variant, interleaved pair by pair so that the
# machine's drift falls on every variant alike, run by the bench stage's own
# bench_pair (ABBA order, the sandbox, parse-dbbench) and read by score --calibrate:
# per variant the A/A throughput ratio with its interval, the per-pair log sd, and
# the smallest change the bench stage's pair budget (AIOPT_BENCH_MAX_PAIRS) detects
# with 80 % power.  A lever that lowers the noise lowers that last figure.
#
#   tests/bench/noise-levers.sh [NAME=DB_BENCH_ARGS ...]      (make bench-levers)
#
# A variant's arguments come after the workload's (AIOPT_BENCH_WORKLOAD's, with
# --duration=AIOPT_BENCH_DURATION): a later flag wins.  "default" (nothing added)
# is always measured.  Without arguments, the levers of issue 17:
#   fixed-work   every run writes the same keys (--writes: pristine's throughput
#                times the run length, --duration=0), so both sides of a pair end at
#                the same database instead of wherever the clock stopped them;
#   small-l1     a 16 MB L1 of 2 MB files: many small compactions a run instead of
#                a few that rewrite all of L1;
#   stall-free   256 MB memtables and L0 triggers 20/36: no write stall at all, the
#                write path alone: the machine's own noise (a reference, not a lever).
# Saturation runs only (AIOPT_BENCH_READ_SECONDS=0, no fixed-load runs): the
# throughput term.  LEVERS_PAIRS (8) pairs a variant; the pairs stay in LEVERS_DIR
# (default build/levers).  Needs make rocksdb-release, the tree free and the machine
# otherwise idle.  Slow: variants x pairs x 2 x (AIOPT_BENCH_DURATION + ~1) s.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="noise-levers"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
# shellcheck source=tests/bench/aa.bash
. "$TOP/tests/bench/aa.bash"
pairs=$(aa_pairs LEVERS_PAIRS "${LEVERS_PAIRS:-8}")
work=${LEVERS_DIR:-$TOP/build/levers}/${AIOPT_BENCH_WORKLOAD}-d${AIOPT_BENCH_DURATION}
aa_setup "$work"

names=(default) extra=("")
if [ $# -eq 0 ]; then
  writes=$(jq -r --argjson s "$AIOPT_BENCH_DURATION" '.ops_per_sec * $s | round' "$work/pristine/baseline.json")
  set -- "fixed-work=--duration=0 --writes=$writes" \
         "small-l1=--max_bytes_for_level_base=16777216 --target_file_size_base=2097152" \
         "stall-free=--write_buffer_size=268435456 --level0_slowdown_writes_trigger=20 --level0_stop_writes_trigger=36"
fi
for v in "$@"; do
  [[ $v == *=* && ${v%%=*} =~ ^[a-z0-9-]+$ ]] || usage_error "$v: a variant is NAME=DB_BENCH_ARGS (NAME of a-z, 0-9, -)"
  names+=("${v%%=*}") extra+=("${v#*=}")
done
echo "levers: workload ${AIOPT_BENCH_WORKLOAD}, ${AIOPT_BENCH_DURATION} s runs, $pairs A/A pairs a variant, interleaved; $(nproc) cores, $(hostname)"
base_args=$AIOPT_BENCH_ARGS base_sync=$AIOPT_BENCH_ARGS_SYNC base_read=$AIOPT_BENCH_ARGS_READHEAVY base_seconds=$AIOPT_BENCH_DURATION
for ((i = 1; i <= pairs; i++)); do
  for k in "${!names[@]}"; do
    # bench_args reads the workload's arguments from these: the variant's go last;
    # it ends them with --duration=AIOPT_BENCH_DURATION, so a variant's --duration sets that.
    AIOPT_BENCH_ARGS="$base_args ${extra[k]}" AIOPT_BENCH_ARGS_SYNC="$base_sync ${extra[k]}" \
      AIOPT_BENCH_ARGS_READHEAVY="$base_read ${extra[k]}" AIOPT_BENCH_DURATION=$base_seconds
    [[ " ${extra[k]} " =~ [[:space:]]--duration=([0-9]+)[[:space:]] ]] && AIOPT_BENCH_DURATION=${BASH_REMATCH[1]}
    aa_pair "$i" "$work/${names[k]}"
  done
  echo "levers: pair $i of $pairs measured for every variant" >&2
done
for k in "${!names[@]}"; do
  aa_summary "levers: ${names[k]}${extra[k]:+ (${extra[k]})}" "$work/${names[k]}"
done
aa_cleanup

#!/usr/bin/env bash
# The cpu channel's A/A spread: COST_COUNTS counts of pristine's instructions per
# write (the bench stage's own cost_run: Callgrind, AIOPT_COST_ARGS, in the
# sandbox), on an idle machine, then as many with every core busy (one `yes` a
# core): a count must not move with the load, where a clock would; then as many
# idle, each with another stack size (ulimit -s), moving the threads' stacks as
# another machine would: a count must not depend on where a thread lives (the
# skip list's heights, seeded by the thread's address, did).  Prints, for
# each, the range of instructions per write and the largest relative difference
# of any two counts, against score's tolerance (AIOPT_CPU_TOLERANCE): the A/A
# measurements the channel would call different.  Needs RocksDB built (make
# rocksdb-release).  Pristine built and measured once (~2 min), then about 3.5 s a
# count: ~6 min with the defaults.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=bench-cost
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
# shellcheck source=tests/bench/aa.bash
. "$TOP/tests/bench/aa.bash"
counts=$(aa_pairs COST_COUNTS "${COST_COUNTS:-20}")
work=${COST_WORK:-$(mktemp -d "${TMPDIR:-/var/tmp}/aiopt-cost.XXXXXX")}
# Pristine as the pristine stage builds it: the tree's last build may be a candidate's.
aa_setup "$work"
bin=$aa_work/pristine/db_bench
echo "bench-cost: $counts counts each idle, loaded and with the stacks moved, $(nproc) cores, $(valgrind --version), AIOPT_COST_ARGS=$AIOPT_COST_ARGS"

hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true; hogs=(); }
trap stop_hogs EXIT
for load in idle loaded moved; do
  if [ "$load" = loaded ]; then
    for _ in $(seq "$(nproc)"); do yes > /dev/null & hogs+=($!); done
  fi
  : > "$work/$load.jsonl"
  t0=$SECONDS
  for i in $(seq "$counts"); do
    stack_kb=$(ulimit -s)
    [ "$load" != moved ] || stack_kb=$((4096 + 1024 * (i % 13)))
    (ulimit -s "$stack_kb"; cost_run "$bin" "$work/$load-$i" "$work") >> "$work/$load.jsonl"
  done
  stop_hogs
  jq -s -r --arg load "$load" --argjson tol "$AIOPT_CPU_TOLERANCE" --argjson s "$((SECONDS - t0))" '
    map(.instructions_per_op) as $v | ($v | min) as $lo | ($v | max) as $hi |
    "\($load): \($v | length) counts in \($s) s; instructions per write \($lo * 10 | round / 10)-\($hi * 10 | round / 10); " +
    "the largest A/A difference \(($hi / $lo - 1) * 1e6 | round / 1e4) % against the tolerance \($tol * 100) %: " +
    "\([$v[] as $a | $v[] as $b | select(($a / $b - 1) > $tol)] | length / 2 | floor) of \($v | length * (length - 1) / 2) pairs of counts called different"' "$work/$load.jsonl"
done
echo "bench-cost: counts kept in $work"

#!/usr/bin/env bash
# coz-progress-point.sh TREE — puts Coz's progress point into db_bench of the RocksDB
# source TREE: COZ_PROGRESS_NAMED("db_bench.write") once per write batch, so causal
# profiles measure write throughput (pristine and candidates carry it alike).
#
# The places are found by what the code does, not by line context, so that one
# script serves RocksDB 7.x to 10.x: in DBBenchmark's DoWrite, the point goes just
# before the batch is counted (thread->stats.FinishedOps(…, entries_per_batch_,
# kWrite)), after the DB::Write; <coz.h> is included after <fcntl.h>.  Prints what
# it put where; a tree already instrumented is left as it is; a tree where either
# place is missing is an input error naming what was looked for.
set -euo pipefail
SCRIPT=coz-progress-point
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
[ $# -eq 1 ] || usage_error "usage: coz-progress-point.sh TREE (--help)"
file=$1/tools/db_bench_tool.cc
[ -f "$file" ] || input_error "$file: no db_bench source (is $1 a RocksDB tree?)"
if grep -q 'COZ_PROGRESS_NAMED("db_bench.write")' "$file"; then
  echo "$SCRIPT: $file already holds the progress point"
  exit 0
fi

# One pass: the line numbers of the two places, or 0 where one was not found.
read -r include_at point_at < <(awk '
  !inc && /^#include <fcntl\.h>/ { inc = NR }
  /void DoWrite\(ThreadState\* thread, WriteMode write_mode\) \{/ { in_dowrite = 1 }
  in_dowrite && !pt && /thread->stats\.FinishedOps\(db_with_cfh, db_with_cfh->db,/ { cand = NR }
  cand == NR - 1 && /entries_per_batch_, kWrite\);/ { pt = cand }
  END { print inc + 0, pt + 0 }' "$file")
[ "$include_at" -gt 0 ] || input_error "$file: no \"#include <fcntl.h>\" line to put <coz.h> after"
[ "$point_at" -gt 0 ] || input_error "$file: DoWrite has no \"thread->stats.FinishedOps(db_with_cfh, db_with_cfh->db, entries_per_batch_, kWrite)\": the write batch's end was not found"

awk -v inc="$include_at" -v pt="$point_at" '
  NR == pt {
    indent = $0; sub(/[^ ].*/, "", indent)
    print indent "// aiopt: one Coz progress point per write batch, so causal profiles"
    print indent "// measure write throughput (pristine and candidates carry it alike)."
    print indent "COZ_PROGRESS_NAMED(\"db_bench.write\");"
  }
  { print }
  NR == inc { print "#include <coz.h>  // aiopt: Coz progress point, see experiments/experiment_a" }' \
  "$file" > "$file.aiopt" && mv "$file.aiopt" "$file"
echo "$SCRIPT: tools/db_bench_tool.cc:$((include_at + 1)): #include <coz.h>"
echo "$SCRIPT: tools/db_bench_tool.cc:$((point_at + 3)): COZ_PROGRESS_NAMED(\"db_bench.write\") in DoWrite, after the batch's DB::Write"

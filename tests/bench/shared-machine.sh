#!/usr/bin/env bash
# The noise of a benchmark when a second run shares the machine: A/A pairs
# (pristine's db_bench against a copy of itself, the bench stage's own bench_pair)
# under three conditions, interleaved pair by pair so that the machine's drift falls
# on each alike, read by score --calibrate (the A/A ratio with its interval, the
# per-pair log sd, the smallest change AIOPT_BENCH_MAX_PAIRS pairs detect):
#   alone      nothing else runs;
#   locked     a second run rebuilds db_bench over and over in a tree of its own, as
#              a run's build stage does (machine_lock shared): the pair waits for
#              the build in progress, and no build starts while the pair runs;
#   unlocked   the same builds, ignoring the lock (their own AIOPT_BENCH_LOCK):
#              what the lock keeps out.
#
#   tests/bench/shared-machine.sh TREE      (make bench-shared TREE=DIR)
#
# TREE is a second tree's BUILD_DIR with db_bench built (a run's own tree, e.g.
# build/trees/experiment_a/baseline/seed-1, or: git clone -b pristine
# build/rocksdb-src DIR/rocksdb-src; BUILD_DIR=DIR make rocksdb-release).  Saturation
# runs only (AIOPT_BENCH_READ_SECONDS=0, no fixed-load runs): the throughput term.
# SHARED_PAIRS (8) pairs a condition; the pairs stay in build/shared-machine.  Needs
# make rocksdb-release, the machine otherwise idle.  Slow: about SHARED_PAIRS x
# (3 pairs + one build) minutes.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="shared-machine"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
[ $# -eq 1 ] || usage_error "usage: tests/bench/shared-machine.sh TREE (a BUILD_DIR with db_bench built; --help)"
tree=$(cd "$1" && pwd)
[ -x "$tree/rocksdb-release/db_bench" ] || usage_error "$tree/rocksdb-release/db_bench: build the second tree first (BUILD_DIR=$tree make rocksdb-release)"
# shellcheck source=tests/bench/aa.bash
. "$TOP/tests/bench/aa.bash"
pairs=$(aa_pairs SHARED_PAIRS "${SHARED_PAIRS:-8}")
work=$TOP/build/shared-machine
aa_setup "$work"

# The second run: db_bench rebuilt from a touched source, again and again, each build
# under the machine's lock, or under one of its own that nothing else takes.
builder=
start_builds() {   # [LOCK]: in a process group of its own, so that stop_builds ends every compiler too
  set -m
  ( [ -z "${1:-}" ] || export AIOPT_BENCH_LOCK=$1
    while :; do
      touch "$tree/rocksdb-src/db/db_impl/db_impl_write.cc"
      machine_lock shared cmake --build "$tree/rocksdb-release" --target db_bench -j "$(nproc)" > /dev/null 2>&1 || true
      echo build >> "$work/builds"
    done ) &
  builder=$!
  set +m
  sleep 2   # the build under way before the pair asks for the machine
}
stop_builds() { kill -TERM -- "-$builder" 2>/dev/null || true; wait "$builder" 2>/dev/null || true; builder=; }
trap '[ -z "$builder" ] || stop_builds' EXIT

names=(alone locked unlocked)
echo "shared-machine: workload ${AIOPT_BENCH_WORKLOAD}, ${AIOPT_BENCH_DURATION} s runs, $pairs A/A pairs a condition, interleaved; $(nproc) cores, $(hostname)"
for ((i = 1; i <= pairs; i++)); do
  for name in "${names[@]}"; do
    case $name in
      locked) start_builds ;;
      unlocked) start_builds "$work/builder.lock" ;;
    esac
    aa_pair "$i" "$work/$name"
    [ -z "$builder" ] || stop_builds
  done
  echo "shared-machine: pair $i of $pairs measured in every condition ($(wc -l < "$work/builds" 2>/dev/null || echo 0) builds so far)" >&2
done
for name in "${names[@]}"; do aa_summary "shared-machine: $name" "$work/$name"; done
aa_cleanup

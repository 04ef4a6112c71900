#!/usr/bin/env bash
# Unique candidates per hour when 30 % of the proposals repeat an earlier one, with
# repeats measured again (AIOPT_DEDUP=0, "before") and not (AIOPT_DEDUP=1, "after").
# The proposals are scripted (built here from the demo's edits and two of
# tests/fixtures/edits, all written by hand): ten, of which three make an earlier
# one's change again with a comment added, the way a model repeats itself:
#
#   1 comment-only   2 does-not-compile   3 = 1   4 drops-wal-sync   5 delay-sleep
#   6 = 2   7 loop-per-write   8 stale-search   9 = 5   10 spin-2us
#
# Track best_of_n (every parent pristine), so a repeat is the same patch against
# pristine as its original.  The demo's short workload (3 s bench runs, 2 to 4 pairs)
# and a one-program gate: what is measured is the loop's pace.  A run's rate: its
# unique proposals (7) over the time from its first iteration's start to its last
# one's end (the archive's timing), less the confirmations that ran inside it (a
# comment-only candidate passes screening now and then by chance); pristine's
# measurement and calibration (once, copied to the second run) left out.
#
#   tests/bench/repeats.sh      (make bench-repeats)
#
# Runs in build/repeats.  Needs make rocksdb-release rocksdb-tests.  About 25 minutes.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="repeats"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
work=$TOP/build/repeats
rm -rf "$work"; mkdir -p "$work/scripted"
demo=$TOP/experiments/experiment_a/scripted edits=$TOP/tests/fixtures/edits
# A repeat: the edit with a comment added after its REPLACE marker (the same change).
again() { sed 's|^=======$|=======\n  // proposed again|' "$1"; }
cp "$demo/01-comment-only.md" "$work/scripted/01.md"
cp "$demo/02-does-not-compile.md" "$work/scripted/02.md"
again "$demo/01-comment-only.md" > "$work/scripted/03.md"
cp "$demo/03-drops-wal-sync.md" "$work/scripted/04.md"
cp "$demo/05-delay-sleep-remaining.md" "$work/scripted/05.md"
again "$demo/02-does-not-compile.md" > "$work/scripted/06.md"
cp "$edits/loop-per-write.md" "$work/scripted/07.md"
cp "$demo/04-stale-search.md" "$work/scripted/08.md"
again "$demo/05-delay-sleep-remaining.md" > "$work/scripted/09.md"
cp "$edits/spin-2us.md" "$work/scripted/10.md"
printf 'db_write_test\t--gtest_filter=*SyncAndDisableWAL*\n' > "$work/gate.tsv"
export AIOPT_RUNS=$work/runs AIOPT_GATE=$work/gate.tsv \
       AIOPT_BENCH_DURATION=3 AIOPT_BASELINE_RUNS=2 AIOPT_CONFIRM_PAIRS=4 AIOPT_CONFIRM_DURATION=5 \
       AIOPT_CONFIRM_TOP=0 AIOPT_MINIMIZE_SUBSETS=0 AIOPT_CALIBRATION_PAIRS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=4
echo "repeats: 10 scripted proposals, 3 of them repeats; $(nproc) cores, $(hostname)"
for dedup in 0 1; do
  seed=$((dedup + 1)) run=$AIOPT_RUNS/experiment_a/best_of_n/seed-$((dedup + 1))
  if [ "$dedup" = 1 ]; then mkdir -p "$run" && cp -a "$AIOPT_RUNS/experiment_a/best_of_n/seed-1/pristine" "$run/"; fi
  AIOPT_DEDUP=$dedup "$TOP/bin/run_track.sh" experiment_a --track best_of_n --seed "$seed" --iterations 10 --scripted "$work/scripted" \
    > "$work/run-$dedup.log" 2>&1 || { tail -n 20 "$work/run-$dedup.log"; system_error "the run with AIOPT_DEDUP=$dedup failed (see $work/run-$dedup.log)"; }
  # A confirmation's seconds: from its candidate's score.json to its confirm.json.
  confirm_seconds=0 confirmations=0
  for f in "$run"/c[0-9]*/confirm.json; do
    [ -f "$f" ] || continue
    confirm_seconds=$((confirm_seconds + $(stat -c %Y "$f") - $(stat -c %Y "$(dirname "$f")/score.json")))
    confirmations=$((confirmations + 1))
  done
  jq -L "$TOP/bin" -rs --argjson d "$dedup" --argjson c "$confirm_seconds" --argjson k "$confirmations" 'include "records";
    ((map(.timing.finished_at) | max) - (map(.timing.started_at) | min) - $c) as $s
    | "repeats: AIOPT_DEDUP=\($d): \(length) candidates, \(map(select(repeat != null)) | length) archived as repeats, in \($s) s (\($k) confirmation(s), \($c) s, left out): \(7 * 3600 / $s * 10 | round / 10) unique candidates per hour (each: \(map("\(.timing.seconds)\(if repeat != null then " (\(repeat))" else "" end)") | join(", ")) s)"' \
    "$run/archive.jsonl"
done

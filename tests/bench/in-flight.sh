#!/usr/bin/env bash
# Candidates per hour with a slow model, proposals in flight 1 against 2: the fake
# model on loopback (tests/helpers/fake-openai.js) answers every request after
# IN_FLIGHT_DELAY_S (30) seconds with the same real edit (the scripted comment-only
# one: every candidate goes through every stage), and a run of IN_FLIGHT_ITERATIONS
# (4) iterations goes with AIOPT_PROPOSALS_IN_FLIGHT=1, then another with 2, on the
# demo's short workload (3 s bench runs) with 2 to 4 pairs a candidate and 2 A/A
# pairs of calibration: what is measured is the loop's pace, not the noise.  A
# run's rate: its candidates over the time from its first iteration's start to its
# last one's end (the archive's timing), less the confirmations that ran inside it;
# pristine's measurement and calibration left out.
#
#   tests/bench/in-flight.sh      (make bench-in-flight)
#
# Runs in build/in-flight/runs.  Needs make rocksdb-release rocksdb-tests.  Slow:
# about 2 x IN_FLIGHT_ITERATIONS x (2 to 3 minutes) + 2 x 2 minutes of pristine.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="in-flight"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
# shellcheck source=tests/helpers/fake-model.bash
. "$TOP/tests/helpers/fake-model.bash"
delay=${IN_FLIGHT_DELAY_S:-30} iterations=${IN_FLIGHT_ITERATIONS:-4}
[[ $delay =~ ^[0-9]+$ ]] || usage_error "IN_FLIGHT_DELAY_S=$delay: seconds (a whole number)"
[[ $iterations =~ ^[1-9][0-9]*$ ]] || usage_error "IN_FLIGHT_ITERATIONS=$iterations: 1 or more"
work=$TOP/build/in-flight
rm -rf "$work"; mkdir -p "$work/model"
start_fake_model "$work/model" "$TOP/experiments/experiment_a/scripted/01-comment-only.md" $((delay * 1000))
trap 'stop_fake_model "$work/model"' EXIT
port=$(cat "$work/model/port")
# The same edit every time, measured every time (AIOPT_DEDUP=0): its repeats would
# be archived as duplicates in seconds, and the loop's pace is what is measured.
export AIOPT_DEDUP=0 AIOPT_RUNS=$work/runs AIOPT_MODEL_BASELINE=fake-coder AIOPT_API_BASE_BASELINE="http://127.0.0.1:$port/v1" \
       AIOPT_BENCH_DURATION=3 AIOPT_BASELINE_RUNS=2 AIOPT_CONFIRM_PAIRS=4 AIOPT_CONFIRM_DURATION=5 AIOPT_MINIMIZE_SUBSETS=4 \
       AIOPT_CALIBRATION_PAIRS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=4
echo "in-flight: model answers after $delay s; $iterations iterations a run; $(nproc) cores, $(hostname)"
for n in 1 2; do
  AIOPT_PROPOSALS_IN_FLIGHT=$n "$TOP/bin/run_track.sh" experiment_a --track baseline --seed "$n" --iterations "$iterations" \
    > "$work/run-$n.log" 2>&1 || { tail -n 20 "$work/run-$n.log"; system_error "the run with $n in flight failed (see $work/run-$n.log)"; }
  run=$AIOPT_RUNS/experiment_a/baseline/seed-$n
  # A comment-only candidate passes screening now and then by chance, and its
  # confirmation (more pairs, longer) runs inside its iteration: that time is the
  # noise's, not the loop's, so it is taken out.  A confirmation's seconds: from its
  # candidate's score.json to its confirm.json; one measured after the loop (the
  # run's best at its end) ended after the last iteration and is not counted.
  loop_end=$(jq -s 'map(.timing.finished_at) | max' "$run/archive.jsonl")
  confirm_seconds=0 confirmations=0
  for f in "$run"/c[0-9]*/confirm.json; do
    [ -f "$f" ] || continue
    end=$(stat -c %Y "$f") start=$(stat -c %Y "$(dirname "$f")/score.json")
    [ "$end" -le "$loop_end" ] || continue
    confirm_seconds=$((confirm_seconds + end - start)) confirmations=$((confirmations + 1))
  done
  jq -rs --argjson n "$n" --argjson c "$confirm_seconds" --argjson k "$confirmations" \
    '((map(.timing.finished_at) | max) - (map(.timing.started_at) | min) - $c) as $s
    | "in-flight: \($n) in flight: \(length) candidates in \($s) s (\($k) confirmation(s), \($c) s, left out): \(length * 3600 / $s * 10 | round / 10) candidates per hour (per candidate, confirmations included: \(map(.timing.seconds) | map(tostring) | join(", ")) s)"' \
    "$run/archive.jsonl"
done

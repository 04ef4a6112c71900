#!/usr/bin/env bash
# Candidates per hour with a slow model, proposals in flight 1 against 2: the fake
# model on loopback (tests/helpers/fake-openai.js) answers every request after
# IN_FLIGHT_DELAY_S (30) seconds with the same real edit (the scripted comment-only
# one: every candidate goes through every stage), and a run of IN_FLIGHT_ITERATIONS
# (3) iterations goes with AIOPT_PROPOSALS_IN_FLIGHT=1, then another with 2, on the
# demo's short workload (3 s bench runs) with 2 to 4 pairs a candidate and 2 A/A
# pairs of calibration: what is measured is the loop's pace, not the noise.  A run's rate: its candidates over the
# time from its first iteration's start to its last one's end (the archive's
# timing), pristine's measurement and calibration left out.
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
delay=${IN_FLIGHT_DELAY_S:-30} iterations=${IN_FLIGHT_ITERATIONS:-3}
[[ $delay =~ ^[0-9]+$ ]] || usage_error "IN_FLIGHT_DELAY_S=$delay: seconds (a whole number)"
[[ $iterations =~ ^[1-9][0-9]*$ ]] || usage_error "IN_FLIGHT_ITERATIONS=$iterations: 1 or more"
work=$TOP/build/in-flight
rm -rf "$work"; mkdir -p "$work/model"
start_fake_model "$work/model" "$TOP/experiments/experiment_a/scripted/01-comment-only.md" $((delay * 1000))
trap 'stop_fake_model "$work/model"' EXIT
port=$(cat "$work/model/port")
export AIOPT_RUNS=$work/runs AIOPT_MODEL_BASELINE=fake-coder AIOPT_API_BASE_BASELINE="http://127.0.0.1:$port/v1" \
       AIOPT_BENCH_DURATION=3 AIOPT_BASELINE_RUNS=2 AIOPT_CONFIRM_PAIRS=4 AIOPT_CONFIRM_DURATION=5 AIOPT_MINIMIZE_SUBSETS=4 \
       AIOPT_CALIBRATION_PAIRS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=4
echo "in-flight: model answers after $delay s; $iterations iterations a run; $(nproc) cores, $(hostname)"
for n in 1 2; do
  AIOPT_PROPOSALS_IN_FLIGHT=$n "$TOP/bin/run_track.sh" experiment_a --track baseline --seed "$n" --iterations "$iterations" \
    > "$work/run-$n.log" 2>&1 || { tail -n 20 "$work/run-$n.log"; system_error "the run with $n in flight failed (see $work/run-$n.log)"; }
  jq -rs --argjson n "$n" '((map(.timing.finished_at) | max) - (map(.timing.started_at) | min)) as $s
    | "in-flight: \($n) in flight: \(length) candidates in \($s) s: \(length * 3600 / $s * 10 | round / 10) candidates per hour (per candidate: \(map(.timing.seconds) | map(tostring) | join(", ")) s)"' \
    "$AIOPT_RUNS/experiment_a/baseline/seed-$n/archive.jsonl"
done

#!/usr/bin/env bats
# make status: every run of an experiment, one line each, from what the runners wrote
# (state.json, archive.jsonl, confirm.jsonl).  Synthetic runs with known answers;
# tests/run-track.bats checks it on real runs.

load helpers/common

setup() { RUNS="$BATS_TEST_TMPDIR/runs"; }

# run_dir TRACK SEED STATE-JSON: a run directory with the runner's state
run_dir() {
  d="$RUNS/experiment_a/$1/seed-$2"; mkdir -p "$d"
  [ -z "$3" ] || echo "$3" > "$d/state.json"
}
# rec ITERATION COMPARABLE SECONDS [BETTER] [COST-USD]: an archived record (its model
# call's cost null, unknown, unless given)
rec() {
  jq -cn --argjson it "$1" --argjson c "$2" --argjson s "$3" --argjson b "${4:-false}" --argjson usd "${5:-null}" \
    '{id: "c000\($it)-aaaaaa", iteration: $it, apply: {ok: true}, build: {ok: true}, test: {ok: true},
      score: {valid: true, comparable_score: $c, better_than_pristine: $b}, timing: {seconds: $s}, llm: {cost_usd: $usd}}'
}

@test "finished, stopped by a budget, failed, died, not started: each said, with best, funnel and time left" {
  run_dir baseline 1 '{"state":"finished","pid":1,"host":"h","at":1,"iterations":2,"exit_status":0,"reason":null}'
  { rec 1 1.01 100 false 0.125; rec 2 1.06 300 true 0.25; } > "$RUNS/experiment_a/baseline/seed-1/archive.jsonl"
  jq -cn '{id: "c0002-aaaaaa", iteration: 2, confirm: {score: {valid: true, comparable_score: 1.04, better_than_pristine: true}}}' \
    > "$RUNS/experiment_a/baseline/seed-1/confirm.jsonl"
  run_dir baseline 2 '{"state":"stopped","pid":1,"host":"h","at":1,"iterations":5,"exit_status":0,"reason":"budget hours:0.1 spent: 0.11 hours of candidates"}'
  { rec 1 0.98 200 false 0.5; rec 2 0.99 400 false 0.5; } > "$RUNS/experiment_a/baseline/seed-2/archive.jsonl"
  echo '{"id":"c0003-torn","iter' >> "$RUNS/experiment_a/baseline/seed-2/archive.jsonl"   # a torn last line
  run_dir profiler 1 '{"state":"failed","pid":1,"host":"h","at":1,"iterations":50,"exit_status":4,"reason":null}'
  # running on this host, but the runner is gone (pid 2^22 + 1 is above pid_max's default)
  run_dir profiler 2 "{\"state\":\"running\",\"pid\":4194305,\"host\":\"$(hostname)\",\"at\":1,\"iterations\":3}"
  rec 1 1.0 60 > "$RUNS/experiment_a/profiler/seed-2/archive.jsonl"
  run_dir gpt5 1 ''
  run "$TOP/bin/status.sh" --json experiment_a "$RUNS"
  [ "$status" -eq 0 ]
  echo "$output"
  s() { jq -c --arg t "$1" --argjson s "$2" "select(.track == \$t and .seed == \$s) | $3" <<<"$output"; }
  [ "$(s baseline 1 '[.state, .iterations_done, .iterations, .best_confirmed, .best_screening, .seconds_worked, .seconds_left]')" = '["finished",2,2,1.04,1.06,400,null]' ]
  [ "$(s baseline 1 .funnel)" = '"applied 2 / new 2 / built 2 / tested 2 / passed screening 1 / confirmed 1"' ]
  # 2 of 5 done in 600 s: 3 more at 300 s each
  [ "$(s baseline 2 '[.state, .reason, .iterations_done, .best_confirmed, .best_screening, .seconds_left]')" = \
    '["stopped","budget hours:0.1 spent: 0.11 hours of candidates",2,null,0.99,900]' ]
  [ "$(s profiler 1 '[.state, .reason, .iterations_done, .seconds_left]')" = '["failed","exit 4",0,null]' ]
  [ "$(s profiler 2 '[.state, .iterations_done, .seconds_left]')" = '["died",1,120]' ]
  [ "$(s gpt5 1 '[.state, .iterations, .best_screening]')" = '["not started",null,null]' ]
  # cost: the calls' sum; unknown when a call's is (profiler 2's record has none)
  [ "$(s baseline 1 .cost_usd)" = 0.375 ] && [ "$(s profiler 2 .cost_usd)" = null ] && [ "$(s gpt5 1 .cost_usd)" = 0 ]

  run make -s --no-print-directory -C "$TOP" status EXP=experiment_a RUNS="$RUNS"
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "${lines[0]}" == "track"*"state"*"iteration"*"best confirmed"*"funnel"*"left"*"cost"*"machine" ]]
  [[ "$output" == *"cost per track: baseline \$1.38 (2 seeds), gpt5 \$0 (1 seed), profiler ? (2 seeds)" ]]
  [[ "$output" == *"baseline  2     stopped (budget hours:0.1 spent: 0.11 hours of candidates)"*"2/5"*"0.99"*"0h10m"*"0h15m"* ]]
  [[ "$output" == *"profiler  1     failed (exit 4)"* ]]
}

@test "the machine of each run's latest start, and the runs grouped by machine kind; a fingerprint of another shape is unknown" {
  for s in 1 2 3; do run_dir baseline "$s" '{"state":"finished","pid":1,"host":"h","at":1,"iterations":0,"exit_status":0,"reason":null}'; done
  printf '%s\n' '{"host":"node-a","kind":"0123456789ab","at":1}' '{"host":"node-b","kind":"0123456789ab","at":2}' > "$RUNS/experiment_a/baseline/seed-1/nodes.jsonl"
  echo '{"host":"node-c","kind":"ba9876543210","at":1}' > "$RUNS/experiment_a/baseline/seed-2/nodes.jsonl"
  echo '{"host":"<b>x</b>","kind":"not a kind","at":1}' > "$RUNS/experiment_a/baseline/seed-3/nodes.jsonl"
  run "$TOP/bin/status.sh" --json experiment_a "$RUNS"
  [ "$status" -eq 0 ]
  [ "$(jq -sc 'map(.node)' <<<"$output")" = '[{"kind":"0123456789ab","host":"node-b"},{"kind":"ba9876543210","host":"node-c"},null]' ]
  run "$TOP/bin/status.sh" experiment_a "$RUNS"
  [ "$status" -eq 0 ]
  [[ "$output" == *"node-b (012345)"* ]]
  [[ "$output" == *"machines: kind 012345 (node-b): baseline/1; kind ba9876 (node-c): baseline/2"* ]]
}

@test "no runs: says so, exit 1; an unknown option: exit 2" {
  run "$TOP/bin/status.sh" experiment_a "$RUNS"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$RUNS/experiment_a: no runs of experiment_a"* ]]
  run "$TOP/bin/status.sh" --watch
  [ "$status" -eq 2 ]
}

#!/usr/bin/env bats
# run_track.sh end to end: the fake model server on loopback proposes the edits,
# the real RocksDB stages judge them.  One run is killed with kill -9 mid-build,
# resumed, stopped with SIGTERM, its archive torn, and resumed to the end: nothing
# is lost but the candidate in flight, every iteration is archived exactly once,
# and the tree is left pristine.  The fake model proposes the same edit every time,
# so every candidate after a run's first is its duplicate, archived in seconds.

load helpers/common

SRC="$TOP/build/rocksdb-src"

settings() {
  export AIOPT_COST_ARGS= AIOPT_SYNC_PROBE_SECONDS=0.2 AIOPT_BENCH_DURATION=2 AIOPT_BENCH_READ_SECONDS=1 AIOPT_BASELINE_RUNS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=3 \
         AIOPT_CALIBRATION_PAIRS=2 AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=2 \
         AIOPT_CRASH_CUTS=2 AIOPT_CRASH_WRITE_MS=200 \
         AIOPT_LLM_BACKOFF_MS=50 AIOPT_RUNS="$BATS_FILE_TMPDIR/runs"
  RUN="$AIOPT_RUNS/experiment_a/baseline/seed-4"
}

setup_file() {
  settings
  # Every request gets the same real edit, as a model's reply.
  start_fake_model "$BATS_FILE_TMPDIR" "$TOP/experiments/experiment_a/scripted/01-comment-only.md"
}

teardown_file() {
  stop_fake_model "$BATS_FILE_TMPDIR"
}

setup() {
  settings
  export AIOPT_MODEL_BASELINE=fake-coder AIOPT_API_BASE_BASELINE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/v1"
}

start_run() {   # ITERATIONS: run_track in the background, in its own session
  setsid "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 4 --iterations "$1" \
    > "$BATS_FILE_TMPDIR/run.log" 2>&1 &
  RUN_PID=$!
}

wait_for() {   # SECONDS CONDITION...
  local limit=$1; shift
  for _ in $(seq $((limit * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}

# run_state JQ: this run's line of make status (bin/status.sh --json), through JQ.
run_state() { "$TOP/bin/status.sh" --json experiment_a "$AIOPT_RUNS" | jq -c "select(.track == \"baseline\" and .seed == 4) | $1"; }
archived() { [ -f "$RUN/archive.jsonl" ] && [ "$(wc -l < "$RUN/archive.jsonl")" -ge "$1" ]; }

@test "a track without a model: stops before any work, naming the variables and make demo" {
  unset AIOPT_MODEL_BASELINE
  run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 9 --iterations 1
  [ "$status" -eq 2 ]
  [[ "$output" == *"track baseline has no model: set AIOPT_MODEL_BASELINE"*"make demo"* ]]
  [ ! -e "$AIOPT_RUNS/experiment_a/baseline/seed-9/pristine" ]
}

@test "a budget that is not tokens:N or hours:N: stops before any work, naming it" {
  AIOPT_BUDGET=tokens:2e6,iterations:50 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 9 --iterations 1
  [ "$status" -eq 2 ]
  [[ "$output" == *'AIOPT_BUDGET=tokens:2e6,iterations:50: "iterations:50" is not tokens:N or hours:N (N a positive number; iterations are ITERATIONS)'* ]]
  AIOPT_BUDGET=hours:0 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 9 --iterations 1
  [ "$status" -eq 2 ]
  [[ "$output" == *'"hours:0" is not positive'* ]]
  [ ! -e "$AIOPT_RUNS/experiment_a/baseline/seed-9/pristine" ]
}

@test "kill -9 mid-build, resume, SIGTERM mid-build, resume: every iteration archived once, its repeats not measured again, tree pristine" {
  start_run 3
  # kill -9 while the first candidate builds
  wait_for 300 bash -c "ls '$RUN'/c0001-*/build.log >/dev/null 2>&1"
  [ "$(run_state '.state')" = '"running"' ]
  kill -9 -- -"$RUN_PID"
  sleep 1
  [ ! -f "$RUN/archive.jsonl" ] || [ "$(wc -l < "$RUN/archive.jsonl")" -eq 0 ]
  [ "$(run_state '[.state, .iterations_done, .iterations]')" = '["died",0,3]' ]

  # resume; stop it with SIGTERM while the first candidate builds again
  start_run 3
  wait_for 300 grep -q "iteration 1/3  c0001-[0-9a-f]*  build " "$BATS_FILE_TMPDIR/run.log"
  kill -TERM "$RUN_PID"
  wait "$RUN_PID" || status=$?
  cat "$BATS_FILE_TMPDIR/run.log"
  [ "${status:-0}" -eq 130 ]
  [ "$(run_state '[.state, .reason, .iterations_done]')" = '["stopped","signal",0]' ]
  grep -q "dropping c0001-" "$BATS_FILE_TMPDIR/run.log"
  grep -q "stopping: the candidates in flight are dropped" "$BATS_FILE_TMPDIR/run.log"
  [ -z "$(git -C "$SRC" status --porcelain)" ]

  # a kill -9 in the middle of appending iteration 1's record would leave it torn
  # (constructed here: the interrupted write's first 100 kB, no newline)
  jq -cn '{id: "c0001-torn", iteration: 1, diff: ("x" * 200000)}' | head -c 100000 >> "$RUN/archive.jsonl"

  # resume to the end.  The model proposes the same edit every time: iterations 2
  # and 3 make iteration 1's change again, and are archived as its duplicates.
  run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 4 --iterations 3
  echo "$output" | tail -n 12
  [ "$status" -eq 0 ]
  [[ "$output" == *"its last line was torn (100000 bytes without a newline): moved to $RUN/archive.jsonl.torn"* ]]
  [ "$(jq -s 'map(.iteration)' -c "$RUN/archive.jsonl")" = '[1,2,3]' ]
  [ "$(jq -s 'map(.id) | unique | length' "$RUN/archive.jsonl")" = 3 ]
  [ "$(jq -s 'all(.llm.model == "fake-coder" and .track == "baseline")' "$RUN/archive.jsonl")" = true ]
  [ "$(jq -s 'map(.apply.ok) | all' "$RUN/archive.jsonl")" = true ]
  # the duplicates: the original's verdict, no build, no gate, no bench pair, no
  # second screening or confirmation of the original
  first=$(jq -r 'select(.iteration == 1) | .id' "$RUN/archive.jsonl")
  verdict=$(jq -L "$TOP/bin" 'include "records"; select(.iteration == 1) | outcome' "$RUN/archive.jsonl")
  [ "$(jq -s -c 'map([.error.stage, .duplicate_of.id, .duplicate_of.outcome])' "$RUN/archive.jsonl")" = \
    "[[null,null,null],[\"duplicate\",\"$first\",$verdict],[\"duplicate\",\"$first\",$verdict]]" ]
  [ "$(jq -s -c 'map([has("build"), has("test"), (.bench.pairs // [] | length) > 0, .score.valid])' "$RUN/archive.jsonl")" = \
    '[[true,true,true,true],[false,false,false,false],[false,false,false,false]]' ]
  [ "$(ls "$RUN"/c000[23]-*/ | grep -c -E '^(build|test)\.log$')" -eq 0 ]
  [ ! -f "$RUN/confirm.jsonl" ] || [ "$(jq -r .id "$RUN/confirm.jsonl" | sort -u)" = "$first" ]
  [[ "$output" == *"duplicate of $first ("* ]]
  # the first candidate passed the crash check before its pairs (2 power cuts, 2 kills), as pristine did once for the run
  [ "$(jq -s -c 'map(.crash | if . == null then null else [.power.cuts_done, .power.violation, .crash.cuts_done, .crash.violation] end)' "$RUN/archive.jsonl")" = \
    '[[2,null,2,null],null,null]' ]
  [ "$(jq -c '[.power.cuts_done, .power.violation, .crash.cuts_done, .crash.violation]' "$RUN/pristine/crash.json")" = '[2,null,2,null]' ]
  # scalar track: no profile was taken
  [ "$(jq -s 'map(has("coz")) | any' "$RUN/archive.jsonl")" = false ]
  # only archived candidates keep a directory
  [ "$(ls -d "$RUN"/c[0-9]* | wc -l)" -eq 3 ]
  [ -z "$(git -C "$SRC" status --porcelain)" ]
  [[ "$output" == *"Next: make report"* ]]
  [ "$(run_state '[.state, .iterations_done, .iterations, .seconds_left]')" = '["finished",3,3,null]' ]
  [ "$(run_state '[.repeats, .funnel]')" = '[{"duplicates":2,"too_near":0,"novelty":0},"applied 3 / new 1 / built 1 / tested 1 / passed screening '"$(jq -s 'map(select(.score.better_than_pristine)) | length' "$RUN/archive.jsonl")"' / confirmed '"$(jq -s 'map(select(.confirm.score.better_than_pristine)) | length' "$RUN/archive.jsonl")"'"]' ]
}

@test "scripted repeats: a duplicate of a failed build archived with its verdict; one too near asked again, and archived as novelty when the second is too near too; a different edit built" {
  # seed 23: seed 4's pristine (same machine: measured, calibrated).  The edits are
  # constructed here: one that does not compile (a build in a minute), the same
  # laid out anew and commented, the same with its new variable renamed (and
  # renamed otherwise when asked again), and the demo's other edit that does not compile.
  r="$AIOPT_RUNS/experiment_a/baseline/seed-23" s="$BATS_TEST_TMPDIR/scripted"
  mkdir -p "$r" "$s/again" && cp -a "$RUN/pristine" "$r/"
  cat > "$s/01-unsynced-bytes.md" <<'EDIT'
db/db_impl/db_impl_write.cc
<<<<<<< SEARCH
  *log_size = log_entry.size();
=======
  *log_size = log_entry.size();
  uint64_t unsynced_bytes = wal_bytes_since_sync_ + log_entry.size();
  if (unsynced_bytes >= kWalBytesPerSync) {
    wal_bytes_since_sync_ = 0;
  } else {
    wal_bytes_since_sync_ = unsynced_bytes;
  }
>>>>>>> REPLACE
EDIT
  cat > "$s/02-laid-out-anew.md" <<'EDIT'
The same change again, laid out otherwise and commented.

db/db_impl/db_impl_write.cc
<<<<<<< SEARCH
  *log_size = log_entry.size();
=======
  *log_size = log_entry.size();
  // the bytes the WAL holds that are not synced yet
  uint64_t unsynced_bytes =
      wal_bytes_since_sync_ + log_entry.size();

  if (unsynced_bytes>=kWalBytesPerSync) { wal_bytes_since_sync_ = 0; }
  else {
    wal_bytes_since_sync_ = unsynced_bytes;  /* carried over */
  }
>>>>>>> REPLACE
EDIT
  sed 's/unsynced_bytes/pending/g' "$s/01-unsynced-bytes.md" > "$s/03-renamed.md"
  sed 's/unsynced_bytes/bytes_not_synced/g' "$s/01-unsynced-bytes.md" > "$s/again/03-renamed.md"
  cp "$TOP/experiments/experiment_a/scripted/02-does-not-compile.md" "$s/04-another.md"
  run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 23 --iterations 4 --scripted "$s"
  echo "$output" | tail -n 14
  [ "$status" -eq 0 ]
  a="$r/archive.jsonl"
  [ "$(jq -s -c 'map(.error.stage)' "$a")" = '["build","duplicate","novelty","build"]' ]
  first=$(jq -r 'select(.iteration == 1) | .id' "$a")
  # 2: the same change as 1, with 1's verdict, neither built nor tested
  [ "$(jq -c 'select(.iteration == 2) | [.duplicate_of, has("build")]' "$a")" = "[{\"id\":\"$first\",\"outcome\":\"invalid: build\"},false]" ]
  # 3: too near 1, asked again from the same parent with a note; the second answer
  # too near as well: archived as novelty, with both calls counted
  r3=$(jq -c 'select(.iteration == 3)' "$a")
  d3=$r/$(jq -r .id <<<"$r3")
  [ "$(jq -c '[.asked_again.nearest.id, .llm.script, .llm.calls, .apply.nearest.id, has("build"), .parent]' <<<"$r3")" = "[\"$first\",\"again/03-renamed.md\",2,\"$first\",false,\"pristine\"]" ]
  jq -e '.asked_again.nearest.distance < 0.1 and .apply.nearest.distance < 0.1 and (.error.message | startswith("too near '"$first"' (token distance "))' <<<"$r3"
  grep -q 'pending' "$d3/refused/response.md"
  grep -q 'bytes_not_synced' "$d3/response.md"
  grep -q "## Your proposal was not measured" "$d3/prompt.md"
  grep -q "nearly what candidate $first changed" "$d3/prompt.md"
  ! grep -q "## Your proposal was not measured" "$d3/refused/prompt.md" || false
  [[ "$output" == *"too near $first: asking again"* ]]
  # 4: a change of its own, built (and refused by the compiler)
  [ "$(jq -c 'select(.iteration == 4) | [.build.ok, .apply.nearest.distance > 0.1]' "$a")" = '[false,true]' ]
  [ ! -e "$r/$(jq -r 'select(.iteration == 2) | .id' "$a")/build.log" ] && [ ! -e "$d3/build.log" ]
  run "$TOP/bin/status.sh" --json experiment_a "$AIOPT_RUNS"
  [ "$(jq -c 'select(.seed == 23) | [.repeats, .funnel]' <<<"$output")" = \
    '[{"duplicates":1,"too_near":1,"novelty":1},"applied 4 / new 2 / built 0 / tested 0 / passed screening 0 / confirmed 0"]' ]
  [ -z "$(ls -a "$r" | grep -E '^\.(proposal|code|parent|refused)-')" ]
}

@test "make experiment_a TRACK=best_of_n: baseline's model, no profile on either route, every parent pristine" {
  b="$AIOPT_RUNS/experiment_a/best_of_n/seed-4"
  mkdir -p "$b"
  # To save a pristine build and its bench runs here, this run starts from the
  # baseline run above: its pristine (same machine) and its three valid records,
  # parents a tournament could pick; the fourth iteration is this track's own.
  cp -a "$RUN/pristine" "$RUN"/c0* "$b/"
  jq -c --arg from "$RUN/" --arg to "$b/" '.track = "best_of_n" | .dir |= sub($from; $to)' "$RUN/archive.jsonl" > "$b/archive.jsonl"
  run make -s --no-print-directory -C "$TOP" experiment_a TRACK=best_of_n SEED=4 ITERATIONS=4
  echo "$output" | tail -n 5
  [ "$status" -eq 0 ]
  grep -q "AIOPT_PROFILE_IN_PROMPT=0 AIOPT_PROFILE_IN_FITNESS=0 AIOPT_STRATEGY=pristine" "$b/settings.env"
  grep -q "AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0" "$b/settings.env"
  [ "$(jq -c '[.model, .model_class, .profile_in_prompt, .profile_in_fitness, .parents]' "$b/track.json")" = '["fake-coder","small",0,0,"pristine (best-of-N)"]' ]
  r=$(jq -c 'select(.iteration == 4)' "$b/archive.jsonl")
  [ "$(jq -c '[.parent, .track, .llm.model, has("coz"), has("bperf")]' <<<"$r")" = '["pristine","best_of_n","fake-coder",false,false]' ]
  ! grep -q 'Where the time goes' "$(jq -r .dir <<<"$r")/prompt.md" || false
}

@test "make experiment_a TRACKS=… SEEDS=…: each cell its own run, finished, and make status shows the matrix" {
  # Each cell starts from the run above's pristine (same machine): measured, calibrated.
  for s in 6 7; do
    mkdir -p "$AIOPT_RUNS/experiment_a/baseline/seed-$s" "$AIOPT_RUNS/experiment_a/best_of_n/seed-$s"
    cp -a "$RUN/pristine" "$AIOPT_RUNS/experiment_a/baseline/seed-$s/"
    cp -a "$RUN/pristine" "$AIOPT_RUNS/experiment_a/best_of_n/seed-$s/"
  done
  run make -s --no-print-directory -C "$TOP" experiment_a TRACKS="baseline best_of_n" SEEDS=6,7 ITERATIONS=0
  echo "$output" | tail -n 8
  [ "$status" -eq 0 ]
  [[ "$output" == *"run 4 of 4: experiment_a, track best_of_n, seed 7"* ]]
  for t in baseline best_of_n; do for s in 6 7; do
    [ "$(jq -c '[.state, .iterations]' "$AIOPT_RUNS/experiment_a/$t/seed-$s/state.json")" = '["finished",0]' ]
    grep -q "AIOPT_TRACK=$t AIOPT_SEED=$s " "$AIOPT_RUNS/experiment_a/$t/seed-$s/settings.env"
  done; done
  # the matrix's table, printed at its end
  [[ "$output" == *"best_of_n  7     finished"*"0/0"* ]]
}

@test "a budget spent stops the run cleanly before the next model call; hours count the candidates' time" {
  # the record measured above took more than 3.6 s (0.001 hours); its duplicates,
  # never built or measured, do not count
  hours=$(jq -s 'map(select(.error.stage != "duplicate") | .timing.seconds) | add' "$RUN/archive.jsonl" | awk '$1 > 3.6 {printf "%.2f", $1 / 3600}')
  [ -n "$hours" ]
  AIOPT_BUDGET=hours:0.001 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 4 --iterations 5
  [ "$status" -eq 0 ]
  [[ "$output" == *"run_track: budget hours:0.001 spent: $hours hours of candidates; stopping before iteration 4 (a larger AIOPT_BUDGET resumes it)"* ]]
  [ "$(wc -l < "$RUN/archive.jsonl")" -eq 3 ]
  [ "$(run_state '[.state, .reason, .iterations_done, .iterations, (.seconds_left > 0)]')" = \
    "[\"stopped\",\"budget hours:0.001 spent: $hours hours of candidates\",3,5,true]" ]
  run make -s --no-print-directory -C "$TOP" status RUNS="$AIOPT_RUNS"
  echo "$output"
  [[ "$output" == *"baseline"*" 4 "*"stopped (budget hours:0.001 spent"*"3/5"* ]]
  # tokens: the fake model reports 1234 + 56 per request
  AIOPT_BUDGET=hours:100,tokens:3000 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 4 --iterations 5
  [ "$status" -eq 0 ]
  [[ "$output" == *"run_track: budget hours:100,tokens:3000 spent: 3870 tokens; stopping before iteration 4"* ]]
  [ "$(wc -l < "$RUN/archive.jsonl")" -eq 3 ]
  # a model that reports no usage (as scripted edits do): a tokens budget cannot be
  # kept, so the run stops rather than run unbounded (seed 5: the same records, their
  # token counts removed, and the same pristine, to spare a build)
  r5="$AIOPT_RUNS/experiment_a/baseline/seed-5"
  mkdir -p "$r5" && cp -a "$RUN/pristine" "$r5/"
  jq -c 'del(.llm.prompt_tokens, .llm.completion_tokens)' "$RUN/archive.jsonl" > "$r5/archive.jsonl"
  AIOPT_BUDGET=tokens:1e6 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 5 --iterations 5
  [ "$status" -eq 0 ]
  [[ "$output" == *"budget tokens:1e6: the model reported no tokens for 3 of 3 records, so the run cannot count them; stopping before iteration 4"* ]]
  [ "$(wc -l < "$r5/archive.jsonl")" -eq 3 ]
  [ -z "$(git -C "$SRC" status --porcelain)" ]
}

@test "a spending cap: priced calls stop the run before the call that would pass the cap; a higher cap resumes it" {
  # seed 7: seed 4's three candidates and pristine (to spare a build), their calls
  # priced here as AIOPT_PRICES prices them below (constructed: 1234 + 56 tokens at
  # 1000 USD per million each way, $1.29 a call)
  r7="$AIOPT_RUNS/experiment_a/baseline/seed-7"
  mkdir -p "$r7" && cp -a "$RUN/pristine" "$RUN"/c[0-9]* "$r7/"
  jq -c '.llm.cost_usd = 1.29' "$RUN/archive.jsonl" > "$r7/archive.jsonl"
  export AIOPT_PRICES='fake-coder=1000/1000'
  # $3.87 spent; one more call at $1.29 would pass $5
  AIOPT_MAX_COST_USD=5 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 7 --iterations 4
  [ "$status" -eq 0 ]
  [[ "$output" == *'run_track: cost cap $5: $3.87 spent on 3 calls; 1 more at $1.29 each would pass it; stopping before iteration 4 (a higher AIOPT_MAX_COST_USD resumes it)'* ]]
  [ "$(wc -l < "$r7/archive.jsonl")" -eq 3 ]
  [ "$(jq -r .state "$r7/state.json")" = stopped ]
  # a higher cap, and the model server dies at the call: a call without an answer
  # costs nothing and is not archived, so it cannot stop the capped run for good
  mkdir -p "$BATS_TEST_TMPDIR/dying"
  echo '[{"die": true}]' > "$BATS_TEST_TMPDIR/dying/script.json"
  node "$TESTS_DIR/helpers/fake-openai.js" "$BATS_TEST_TMPDIR/dying/script.json" "$BATS_TEST_TMPDIR/dying/requests.jsonl" "$BATS_TEST_TMPDIR/dying/port" 3>&- &
  wait_for 5 test -s "$BATS_TEST_TMPDIR/dying/port"
  AIOPT_API_BASE_BASELINE="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/dying/port")/v1" AIOPT_LLM_MAX_FAILURES=1 AIOPT_LLM_RETRIES=0 \
    AIOPT_MAX_COST_USD=6 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 7 --iterations 4
  [ "$status" -eq 4 ]
  [[ "$output" == *"has not answered 1 calls in a row"* ]]
  [ "$(wc -l < "$r7/archive.jsonl")" -eq 3 ]
  # the server back: iteration 4 runs, its call priced by the table
  AIOPT_MAX_COST_USD=6 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 7 --iterations 4
  echo "$output" | tail -n 5
  [ "$status" -eq 0 ]
  [ "$(jq -s 'map(.iteration)' -c "$r7/archive.jsonl")" = '[1,2,3,4]' ]
  [ "$(jq -s '.[3].llm.cost_usd' "$r7/archive.jsonl")" = 1.29 ]
  run make -s --no-print-directory -C "$TOP" status RUNS="$AIOPT_RUNS"
  [[ "$output" == *"baseline"*" 7 "*"finished"*"4/4"*'$5.16'* ]]
  # an unpriced remote model's calls cannot be kept to a cap: the run says so
  jq -c '.llm.cost_usd = null' "$RUN/archive.jsonl" > "$r7/archive.jsonl"
  AIOPT_MAX_COST_USD=100 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 7 --iterations 5
  [[ "$output" == *'cost cap $100: 3 of 3 calls have no known cost (price the model: AIOPT_PRICES), so the run cannot keep to it'* ]]
  AIOPT_MAX_COST_USD=lots run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 7 --iterations 5
  [ "$status" -eq 2 ]
  [[ "$output" == *"AIOPT_MAX_COST_USD=lots: a positive number of US dollars"* ]]
}

@test "a model server that dies mid-run: the run stops as stopped with the reason, nothing unanswered archived; resumed, every iteration answered once" {
  # seed 22: seed 4's pristine (same machine: measured, calibrated).  The model's
  # edits do not apply (a candidate in seconds: this test is about the loop); the
  # server answers two calls, then dies at the third, as a preempted vLLM job.
  r="$AIOPT_RUNS/experiment_a/baseline/seed-22"
  mkdir -p "$r" "$BATS_TEST_TMPDIR/m" && cp -a "$RUN/pristine" "$r/"
  edit=$'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\nno such line in the file\n=======\nx\n>>>>>>> REPLACE\n'
  jq -n --arg c "$edit" '{status: 200, body: {choices: [{index: 0, finish_reason: "stop", message: {role: "assistant", content: $c}}]}}
    | [., ., {die: true}]' > "$BATS_TEST_TMPDIR/m/script.json"
  node "$TESTS_DIR/helpers/fake-openai.js" "$BATS_TEST_TMPDIR/m/script.json" "$BATS_TEST_TMPDIR/m/requests.jsonl" "$BATS_TEST_TMPDIR/m/port" 3>&- &
  wait_for 5 test -s "$BATS_TEST_TMPDIR/m/port"
  api="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/m/port")/v1"
  AIOPT_API_BASE_BASELINE=$api AIOPT_LLM_RETRIES=1 AIOPT_PROPOSALS_IN_FLIGHT=1 \
    run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 22 --iterations 4
  echo "$output" | tail -n 12
  [ "$status" -eq 4 ]
  [[ "$output" == *"iteration 3: no answer from the model (1 in a row)"*"(2 in a row)"*"(3 in a row)"* ]]
  [[ "$output" == *"run_track: the model server at $api has not answered 3 calls in a row: "*"; stopping before iteration 3 (running it again resumes here)"* ]]
  [ "$(jq -s -c 'map(.iteration)' "$r/archive.jsonl")" = '[1,2]' ]
  [ "$(jq -s 'all(.llm.answered == true and .error.stage == "apply")' "$r/archive.jsonl")" = true ]
  [ "$(ls -d "$r"/c[0-9]* | wc -l)" -eq 2 ]
  [ "$(jq -c '[.state, .exit_status]' "$r/state.json")" = '["stopped",4]' ]
  run make -s --no-print-directory -C "$TOP" status RUNS="$AIOPT_RUNS"
  [[ "$output" == *"baseline"*" 22 "*"stopped (the model server at $api has not answered 3 calls in a row"*"2/4"* ]]
  # the server back (another port: a new job): the run resumes at iteration 3
  jq '.[0:2]' "$BATS_TEST_TMPDIR/m/script.json" > "$BATS_TEST_TMPDIR/m/script2.json"
  rm -f "$BATS_TEST_TMPDIR/m/port"
  node "$TESTS_DIR/helpers/fake-openai.js" "$BATS_TEST_TMPDIR/m/script2.json" "$BATS_TEST_TMPDIR/m/requests2.jsonl" "$BATS_TEST_TMPDIR/m/port" 3>&- &
  server2=$!
  wait_for 5 test -s "$BATS_TEST_TMPDIR/m/port"
  AIOPT_API_BASE_BASELINE="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/m/port")/v1" AIOPT_PROPOSALS_IN_FLIGHT=1 \
    run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 22 --iterations 4
  kill "$server2" 2>/dev/null || true
  [ "$status" -eq 0 ]
  [[ "$output" == *"resuming"*"at iteration 3 of 4"* ]]
  [ "$(jq -s -c 'map(.iteration)' "$r/archive.jsonl")" = '[1,2,3,4]' ]
  [ "$(wc -l < "$BATS_TEST_TMPDIR/m/requests2.jsonl")" -eq 2 ]   # each missing iteration asked once
  [ "$(jq -r .state "$r/state.json")" = finished ]
}

@test "proposals in flight (2): the next iteration's request goes out while the candidate before it is evaluated, its parent from the archive as it stood" {
  # a model that answers after 2 s, on a port of its own
  mkdir -p "$BATS_TEST_TMPDIR/slow"
  start_fake_model "$BATS_TEST_TMPDIR/slow" "$TOP/experiments/experiment_a/scripted/01-comment-only.md" 2000
  export AIOPT_API_BASE_BASELINE="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/slow/port")/v1"
  # one quick program in the gate: this test is about the loop
  printf 'db_write_test\t--gtest_filter=*SyncAndDisableWAL*\n' > "$BATS_TEST_TMPDIR/gate.tsv"
  # seed 4's pristine (same machine: measured, calibrated), to spare its bench runs
  r="$AIOPT_RUNS/experiment_a/baseline/seed-21"
  mkdir -p "$r" && cp -a "$RUN/pristine" "$r/"
  AIOPT_GATE="$BATS_TEST_TMPDIR/gate.tsv" AIOPT_PROPOSALS_IN_FLIGHT=2 \
    run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 21 --iterations 2
  stop_fake_model "$BATS_TEST_TMPDIR/slow"
  echo "$output" | tail -n 8
  [ "$status" -eq 0 ]
  [ "$(jq -s 'map(.iteration)' -c "$r/archive.jsonl")" = '[1,2]' ]
  requests="$BATS_TEST_TMPDIR/slow/requests.jsonl"
  [ "$(wc -l < "$requests")" -eq 2 ]
  # the second request came in before the first candidate's record was archived ...
  first_archived_ms=$(jq -s 'map(select(.iteration == 1))[0].timing.finished_at * 1000' "$r/archive.jsonl")
  second_asked_ms=$(jq -s '.[1].received_at_ms' "$requests")
  [ "$second_asked_ms" -lt "$first_archived_ms" ]
  # ... so its parent is pristine, the archive being empty then
  [ "$(jq -s 'map(select(.iteration == 2))[0].parent' -r "$r/archive.jsonl")" = pristine ]
  # the iterations' times add up to the loop's, not more
  [ "$(jq -s '.[1].timing.started_at == .[0].timing.finished_at' "$r/archive.jsonl")" = true ]
  [ -z "$(ls -a "$r" | grep -E '^\.(proposal|code)-')" ]
  AIOPT_PROPOSALS_IN_FLIGHT=0 run "$TOP/bin/run_track.sh" experiment_a --track baseline --seed 21 --iterations 3
  [ "$status" -eq 2 ]
  [[ "$output" == *"AIOPT_PROPOSALS_IN_FLIGHT=0: the proposals asked for at once (1 to 999)"* ]]
}

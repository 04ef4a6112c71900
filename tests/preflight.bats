#!/usr/bin/env bats
# The preflight (bin/run_track.sh, and make's road to it): every setting, the
# matrix, each track's model and endpoint, checked in seconds before anything is
# installed, built, launched or written.  No RocksDB is needed: nothing gets that far.

load helpers/common

setup() {
  export AIOPT_RUNS="$BATS_TEST_TMPDIR/runs"
  cd "$BATS_TEST_TMPDIR"   # a glob in a track list must meet files if it is expanded
  touch a-file-here
}

teardown() { stop_fake_model "$BATS_TEST_TMPDIR" 2>/dev/null || true; }

serve() {   # [ENV=VALUE...]: the fake model on loopback; API its base URL
  rm -f "$BATS_TEST_TMPDIR/port"
  env "$@" bash -c '. "$0"; start_fake_model "$1" "$2"' "$TESTS_DIR/helpers/fake-model.bash" \
    "$BATS_TEST_TMPDIR" "$TOP/experiments/experiment_a/scripted/01-comment-only.md"
  API="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")/v1"
}

# Nothing but the runs directory's absence and the test's own files.
nothing_written() {
  [ ! -e "$AIOPT_RUNS" ]
  [ "$(ls "$BATS_TEST_TMPDIR" | grep -v -e '^a-file-here$' -e '^port$' -e '^script.json$' -e '^server.pid$' -e '^bin$' -e '^requests.jsonl')" = "" ]
  [ ! -e "$BATS_TEST_TMPDIR/../x" ] && [ ! -e "$BATS_TEST_TMPDIR/../../x" ]
}

@test "MODEL= over a matrix with gpt5: refused before any work, naming gpt5; the override passes, each track's model said, with a warning" {
  serve FAKE_MODELS=qwen2.5-coder-32b
  run make -s --no-print-directory -C "$TOP" experiment_a TRACKS="baseline gpt5 profiler" MODEL=qwen2.5-coder-32b API_BASE="$API" CHECK=1
  [ "$status" -eq 2 ]
  [[ "$output" == *"would replace track gpt5's own model (gpt-5 at https://api.openai.com/v1): the tracks differ in one thing each"*"AIOPT_MODEL_OVERRIDES_GPT5=1"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/requests.jsonl.models" ]   # refused before the endpoint was asked
  nothing_written
  # said explicitly: the check passes, and says what each track will use
  AIOPT_MODEL_OVERRIDES_GPT5=1 run make -s --no-print-directory -C "$TOP" experiment_a TRACKS="baseline gpt5 profiler" \
    MODEL=qwen2.5-coder-32b API_BASE="$API" CHECK=1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"run_track: gpt5: qwen2.5-coder-32b at $API, profile in prompt 0 / fitness 0"* ]]
  [[ "$output" == *"run_track: profiler: qwen2.5-coder-32b at $API, profile in prompt 1 / fitness 1"* ]]
  [[ "$output" == *"warning: baseline and gpt5 use the same model (qwen2.5-coder-32b): small against large compares it with itself"* ]]
  [[ "$output" == *"qwen2.5-coder-32b at $API: answers and serves model \"qwen2.5-coder-32b\""* ]]
  [ "$(wc -l < "$BATS_TEST_TMPDIR/requests.jsonl.models")" -eq 1 ]   # one endpoint, asked once
  [ ! -e "$BATS_TEST_TMPDIR/requests.jsonl" ]                         # and no completion asked for
  [[ "$output" == *"checked: 3 track(s) x 1 seed(s)"* ]]
  nothing_written
  # per-track settings, the way the README teaches: no warning, the key required for OpenAI
  AIOPT_MODEL_BASELINE=qwen2.5-coder-32b AIOPT_MODEL_PROFILER=qwen2.5-coder-32b AIOPT_API_BASE_BASELINE="$API" \
    AIOPT_API_BASE_PROFILER="$API" run "$TOP/bin/run_track.sh" experiment_a --tracks "baseline gpt5 profiler" --check
  [ "$status" -eq 2 ]
  [ "$output" = "run_track: baseline: qwen2.5-coder-32b at $API, profile in prompt 0 / fitness 0
run_track: gpt5: gpt-5 at https://api.openai.com/v1, profile in prompt 0 / fitness 0
run_track: profiler: qwen2.5-coder-32b at $API, profile in prompt 1 / fitness 1
run_track: track gpt5 talks to OpenAI: set OPENAI_API_KEY (or AI_OPT_API_KEY); without a model, run: make demo" ]
}

@test "make experiment_a TRACK=profiller: the preflight before any apt-get or cmake; it exits 2 in seconds, listing the tracks" {
  run make -n -C "$TOP" experiment_a TRACK=profiller
  first_check=$(grep -n 'run_track.sh experiment_a --check' <<<"$output" | head -n 1 | cut -d: -f1)
  [ -n "$first_check" ]
  first_work=$(grep -n -E 'apt-get|cmake|git clone' <<<"$output" | head -n 1 | cut -d: -f1)
  [ -z "$first_work" ] || [ "$first_check" -lt "$first_work" ]
  SECONDS=0
  run make -s --no-print-directory -C "$TOP" experiment_a TRACK=profiller
  [ "$SECONDS" -lt 15 ]
  [ "$status" -eq 2 ]
  [[ "$output" == *'TRACKS: "profiller" is not a track (did you mean profiler?); the tracks: baseline gpt5 profiler gpt5_profiler profiler_sham best_of_n'* ]]
  [[ "$output" != *"deps:"* ]]
  nothing_written
  # a track without its model, or gpt5 without a key: the same road, the same seconds
  run make -s --no-print-directory -C "$TOP" experiment_a TRACKS="profiler gpt5"
  [ "$status" -eq 2 ]
  [[ "$output" == *"track profiler has no model: set AIOPT_MODEL_PROFILER"* ]]
  [[ "$output" == *"track gpt5 talks to OpenAI: set OPENAI_API_KEY"* ]]
}

@test "a bad matrix: every mistake said once, all at once, exit 2; nothing launched, nothing written, nothing globbed" {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\necho "$@" >> %s/sbatch.calls\necho 1\n' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/bin/sbatch"
  chmod +x "$BATS_TEST_TMPDIR/bin/sbatch"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" AIOPT_LAUNCHER=slurm AIOPT_MODEL_BASELINE=m \
    run "$TOP/bin/run_track.sh" experiment_a --tracks 'baseline gtp5 ../../x *' --seeds '08,1-2,x' --iterations 1
  echo "$output"
  [ "$status" -eq 2 ]
  [ "$(grep -c 'is not a track' <<<"$output")" -eq 3 ]
  [[ "$output" == *'"gtp5" is not a track (did you mean gpt5?)'* ]]
  [[ "$output" == *'"../../x" is not a track; the tracks: baseline gpt5'* ]]
  [[ "$output" == *'"*" is not a track'* ]]
  [[ "$output" != *a-file-here* ]]
  [[ "$output" == *'SEEDS=08,1-2,x: "x" is not a seed (a number) or a range (1-5)'* ]]
  [ ! -e "$BATS_TEST_TMPDIR/sbatch.calls" ]
  nothing_written
  # a 3 x 2 matrix with one bad track: one message, not one a run
  AIOPT_MODEL_BASELINE=m AIOPT_MODEL_PROFILER=m run "$TOP/bin/run_track.sh" experiment_a --tracks 'baseline profiller profiler' --seeds 1-2
  [ "$status" -eq 2 ]
  [ "$output" = 'run_track: baseline: m at http://127.0.0.1:8000/v1, profile in prompt 0 / fitness 0
run_track: profiler: m at http://127.0.0.1:8000/v1, profile in prompt 1 / fitness 1
run_track: TRACKS: "profiller" is not a track (did you mean profiler?); the tracks: baseline gpt5 profiler gpt5_profiler profiler_sham best_of_n' ]
  # seeds are decimal: 010-012 is 10 to 12, 08 is 8; a seed twice runs once, said
  run "$TOP/bin/run_track.sh" experiment_a --track best_of_n --scripted "$TOP/experiments/experiment_a/scripted" --seeds 010-012,08,1,1-2 --check
  [ "$status" -eq 0 ]
  [[ "$output" == *"SEEDS=010-012,08,1,1-2 names seed 1 twice: each runs once"* ]]
  [[ "$output" == *"checked: 1 track(s) x 6 seed(s) (10 11 12 8 1 2), 50 iterations each; nothing was run"* ]]
  # a bound on the list, said with its reason, before any list is built
  run "$TOP/bin/run_track.sh" experiment_a --track best_of_n --scripted "$TOP/experiments/experiment_a/scripted" --seeds 1-30000 --check
  [ "$status" -eq 2 ]
  [[ "$output" == *"run_track: SEEDS=1-30000: more than 10000 seeds (each a run of hours)" ]]
  # and every other setting in the same pass
  AIOPT_JOBS=0 AIOPT_LAUNCHER=pbs AIOPT_OWN_TREE=yes AIOPT_PROPOSALS_IN_FLIGHT=0 AIOPT_LLM_MAX_FAILURES=x AIOPT_MAX_COST_USD=lots \
    AIOPT_BUDGET=hours:0 AIOPT_PROFILE_IN_PROMPT=2 AIOPT_CPU_TOLERANCE=5 AIOPT_SYNC_PROBE_SECONDS=0.01 AIOPT_SLURM_BLOCK=yes \
    AIOPT_CRASH_CUTS=-1 AIOPT_CRASH_WRITE_MS=1e3 AIOPT_CRASH_SECONDS=0 AIOPT_BENCH_ARGS_SYNC="--benchmarks=fillrandom --sync=on --threads=4" \
    run "$TOP/bin/run_track.sh" experiment_a --track best_of_n --scripted "$TOP/experiments/experiment_a/scripted" --iterations 010x --seed -1
  [ "$status" -eq 2 ]
  for m in "ITERATIONS=010x: a whole number" "SEED=-1: a whole number" "AIOPT_JOBS=0: the number of runs at a time (1 or more)" \
           "AIOPT_LAUNCHER=pbs: use local or slurm" "AIOPT_OWN_TREE=yes: use 0 (the shared tree) or 1 (a tree of the run's own)" \
           "AIOPT_PROPOSALS_IN_FLIGHT=0: the proposals asked for at once" "AIOPT_LLM_MAX_FAILURES=x: the model calls in a row" \
           "AIOPT_MAX_COST_USD=lots: a positive number of US dollars" '"hours:0" is not positive' "AIOPT_PROFILE_IN_PROMPT=2: use 0, 1 or sham" \
           "AIOPT_CPU_TOLERANCE=5: the share by which instruction counts must differ" "AIOPT_SYNC_PROBE_SECONDS=0.01: seconds of the device's sync probe (0.1 to 60)" "AIOPT_SLURM_BLOCK=yes: use 1" \
           "AIOPT_CRASH_CUTS=-1: cuts of each kind in the crash check (0 to 9999; 0: no check)" "AIOPT_CRASH_WRITE_MS=1e3: the longest ms of writing" \
           "AIOPT_CRASH_SECONDS=0: seconds the crash check of a candidate may take" \
           "AIOPT_BENCH_ARGS_SYNC: --sync=on: db_bench would read this word otherwise than the rules do"; do
    [[ "$output" == *"$m"* ]] || { echo "missing: $m"; false; }
  done
  nothing_written
  # the user's own build cannot give the crash check its writer: refused unless the check is off
  AIOPT_BUILD_CMD='make my_bench' run "$TOP/bin/run_track.sh" experiment_a --track best_of_n --scripted "$TOP/experiments/experiment_a/scripted" --check
  [ "$status" -eq 2 ]
  [[ "$output" == *"AIOPT_BUILD_CMD builds db_bench its own way, but the crash check links its writer with CMake's librocksdb.a"*"AIOPT_CRASH_CUTS=0"* ]]
  AIOPT_BUILD_CMD='make my_bench' AIOPT_CRASH_CUTS=0 run "$TOP/bin/run_track.sh" experiment_a --track best_of_n --scripted "$TOP/experiments/experiment_a/scripted" --check
  [ "$status" -eq 0 ]
  nothing_written
}

@test "the endpoint asked once: none listening, or not serving the model, refused before any work; a matrix's runs ask again and stop, resumably" {
  AIOPT_MODEL_BASELINE=m AIOPT_API_BASE_BASELINE=http://127.0.0.1:9/v1 run "$TOP/bin/run_track.sh" experiment_a --track baseline
  [ "$status" -eq 2 ]
  [[ "$output" == *"run_track: m at http://127.0.0.1:9/v1: no answer: "*"Couldn't connect to server"* ]]
  nothing_written
  serve
  AIOPT_MODEL_BASELINE=qwen-typo AIOPT_API_BASE_BASELINE="$API" run "$TOP/bin/run_track.sh" experiment_a --track baseline
  [ "$status" -eq 2 ]
  [[ "$output" == *"qwen-typo at $API: answers, but does not serve model \"qwen-typo\" (it lists 1: \"fake-coder\")"* ]]
  nothing_written
  stop_fake_model "$BATS_TEST_TMPDIR"
  # the server answers the matrix's preflight, then is gone: each run stops before any
  # work, with the reason; the others still start; make status shows why
  serve FAKE_MODELS_ANSWERS=1
  AIOPT_MODEL_BASELINE=fake-coder AIOPT_API_BASE_BASELINE="$API" run "$TOP/bin/run_track.sh" experiment_a --track baseline --seeds 1-2 --iterations 3
  echo "$output"
  [ "$status" -eq 4 ]
  [[ "$output" == *"run 1 of 2: experiment_a, track baseline, seed 1"*"run 2 of 2: experiment_a, track baseline, seed 2"* ]]
  [[ "$output" == *"2 of 2 runs failed: baseline seed 1 (exit 4),baseline seed 2 (exit 4)"* ]]
  for s in 1 2; do
    [ "$(jq -r .state "$AIOPT_RUNS/experiment_a/baseline/seed-$s/state.json")" = stopped ]
    [[ "$(jq -r .reason "$AIOPT_RUNS/experiment_a/baseline/seed-$s/state.json")" == "the model server does not answer: fake-coder at $API: no answer"* ]]
    [ ! -e "$AIOPT_RUNS/experiment_a/baseline/seed-$s/pristine" ]
  done
  run make -s --no-print-directory -C "$TOP" status RUNS="$AIOPT_RUNS"
  [[ "$output" == *"baseline"*" 2 "*"stopped (the model server does not answer: fake-coder at"* ]]
  # two at a time (JOBS=2): each run's lines by track and seed, and in its run.log
  rm -rf "$AIOPT_RUNS"
  serve FAKE_MODELS_ANSWERS=1
  AIOPT_JOBS=2 AIOPT_MODEL_BASELINE=fake-coder AIOPT_API_BASE_BASELINE="$API" run "$TOP/bin/run_track.sh" experiment_a --track baseline --seeds 8-9 --iterations 1
  [ "$status" -eq 4 ]
  [[ "$output" == *"2 of 2 runs failed: baseline seed 8 (exit 4),baseline seed 9 (exit 4)"* ]]
  [[ "$output" == *"baseline/seed-9: run_track: the model server does not answer"* ]]
  grep -q "the model server does not answer" "$AIOPT_RUNS/experiment_a/baseline/seed-8/run.log"
}

@test "make demo installs what a run needs only; make deps adds the test suite's packages" {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  # nothing installed, as on a fresh machine; apt-get records what it is asked for
  printf '#!/bin/sh\nexit 1\n' > "$BATS_TEST_TMPDIR/bin/dpkg-query"
  printf '#!/bin/sh\necho "$@" >> %s/apt.calls\n' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/bin/apt-get"
  chmod +x "$BATS_TEST_TMPDIR/bin/dpkg-query" "$BATS_TEST_TMPDIR/bin/apt-get"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" run make -s --no-print-directory -C "$TOP" deps-run SUDO=
  [ "$status" -eq 0 ]
  install=$(grep install "$BATS_TEST_TMPDIR/apt.calls")
  [[ " $install " == *" libcjson-dev "*" coz-profiler "*" linux-perf "* ]]
  for p in slurm-wlm munge chromium afl++ clang bats nodejs; do [[ " $install " != *" $p "* ]]; done
  # the demo's road installs with deps-run, never deps
  run make -pn -C "$TOP" demo
  [[ "$output" == *$'\nrun-prerequisites: deps-run'* ]]
  rm "$BATS_TEST_TMPDIR/apt.calls"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" run make -s --no-print-directory -C "$TOP" deps SUDO=
  install=$(grep install "$BATS_TEST_TMPDIR/apt.calls")
  for p in libcjson-dev slurm-wlm munge chromium afl++ clang bats nodejs; do [[ " $install " == *" $p "* ]]; done
}

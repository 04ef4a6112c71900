#!/usr/bin/env bats
# The conventions every tool and script shares (README "Conventions"): how a user
# sets up, picks an experiment, asks for help, and reads an exit code.

load helpers/common

FIXTURE_EXPERIMENTS="$FIXTURES/experiments"

@test "make demo, make experiment_*, make test: each installs what it needs first (make deps-run, make deps), after the preflight" {
  for goal in demo experiment_a test; do
    run make -n -C "$TOP" "$goal"
    [ "$status" -eq 0 ]
    # deps comes before the first build: a fresh machine has no cJSON yet
    deps_line=$(grep -n 'dpkg-query' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$deps_line" ]
    build_line=$(grep -n -E '^(cc|cmake) |make.* (rocksdb-release|test-unit)' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$build_line" ] && [ "$deps_line" -lt "$build_line" ]
    # and a run's settings are checked before either (tests/preflight.bats)
    [ "$goal" = test ] && continue
    check_line=$(grep -n 'run_track.sh .*--check' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$check_line" ] && [ "$check_line" -lt "$deps_line" ]
  done
}

@test "make experiment_b runs with experiment_b's settings, not experiment_a's" {
  # What the run's recipe sees: the file apply-diff may touch, the functions shown.
  run make -s --no-print-directory -C "$TOP" experiment_b EXPERIMENTS="$FIXTURE_EXPERIMENTS" \
    --eval 'experiment_b: ; @echo "$$EXP $$AIOPT_TARGET_FILES $$AIOPT_FUNCTIONS"'
  [ "$status" -eq 0 ]
  [ "$output" = "experiment_b db/db_impl/db_impl_compaction_flush.cc DBImpl::FlushMemTable" ]
  # the same from inside another make, whose EXP=experiment_a is in the environment
  run env EXP=experiment_a make -s --no-print-directory -C "$TOP" experiment_b EXPERIMENTS="$FIXTURE_EXPERIMENTS" \
    --eval 'experiment_b: ; @echo "$$EXP $$AIOPT_TARGET_FILES"'
  [ "$output" = "experiment_b db/db_impl/db_impl_compaction_flush.cc" ]
  # and experiment_a, the same way, keeps its own
  run make -s --no-print-directory -C "$TOP" experiment_a --eval 'experiment_a: ; @echo "$$EXP $$AIOPT_TARGET_FILES"'
  [ "$output" = "experiment_a db/db_impl/db_impl_write.cc" ]
}

@test "one road for settings: the scaffold's AI_OPT_* names and make's TRACK= map onto AIOPT_*, once" {
  run env AI_OPT_TARGET_FILES=db/x.cc AI_OPT_BENCH_DURATION=7 make -s --no-print-directory -C "$TOP" experiment-env TRACK=gpt5
  [ "$status" -eq 0 ]
  grep -qx "export AIOPT_TARGET_FILES='db/x.cc'" <<<"$output"
  grep -qx "export AIOPT_BENCH_DURATION='7'" <<<"$output"
  grep -qx "export AIOPT_TRACK='gpt5'" <<<"$output"
  # the canonical name wins over the scaffold's
  run env AI_OPT_TARGET_FILES=db/x.cc AIOPT_TARGET_FILES=db/y.cc make -s --no-print-directory -C "$TOP" experiment-env
  grep -qx "export AIOPT_TARGET_FILES='db/y.cc'" <<<"$output"
  # keys are not settings: never printed
  run env AI_OPT_API_KEY=sk-secret OPENAI_API_KEY=sk-secret make -s --no-print-directory -C "$TOP" experiment-env
  [[ "$output" != *sk-secret* ]]
  # values survive quoting
  run env AIOPT_WORKLOAD="it's \"quoted\"; rm -rf /" make -s --no-print-directory -C "$TOP" experiment-env
  eval "$output"
  [ "$AIOPT_WORKLOAD" = "it's \"quoted\"; rm -rf /" ]
}

@test "settings are the user's text: a \$ in the environment or on make's command line is not expanded by make" {
  cmd='db_bench_wrapper "$1" --db="$2" $HOME $$'
  for how in env scaffold cli; do
    case $how in
      env) run env AIOPT_BENCH_CMD="$cmd" make -s --no-print-directory -C "$TOP" experiment-env ;;
      scaffold) run env AI_OPT_BENCH_CMD="$cmd" make -s --no-print-directory -C "$TOP" experiment-env ;;
      cli) run make -s --no-print-directory -C "$TOP" experiment-env AIOPT_BENCH_CMD="$cmd" ;;
    esac
    eval "$output"
    [ "$AIOPT_BENCH_CMD" = "$cmd" ]
  done
  # what a stage's recipe gets through make's export
  run env AIOPT_BENCH_CMD="$cmd" make -s --no-print-directory -C "$TOP" --eval 'envcheck: ; @printenv AIOPT_BENCH_CMD' envcheck
  [ "$output" = "$cmd" ]
}

@test "llm-mutate by hand without the experiment's settings: says which and how to get them" {
  run --separate-stderr llm-mutate --experiment "$TOP/experiments/experiment_a" --track baseline \
    --model m --api-base http://127.0.0.1:9/v1 --tree "$BATS_TEST_TMPDIR" <<<'{"id":"pristine"}'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'AIOPT_TARGET_FILES is not set'*'make -s experiment-env'* ]]
}

@test "exit codes: the scripts' table is the tools' table" {
  for name in EXIT_INPUT EXIT_USAGE EXIT_MORE EXIT_SYSTEM; do
    c=$(grep -o "$name = [0-9]*" "$TOP/src/lib/util.h" | grep -o '[0-9]*$')
    sh=$(grep -o "$name=[0-9]*" "$TOP/bin/common.sh" | grep -o '[0-9]*$')
    [ -n "$c" ] && [ "$c" = "$sh" ]
  done
}

@test "every script and tool: --help prints a synopsis first and exits 0; a bad option exits 2 naming it" {
  # every executable script in bin/ (common.sh is sourced, not run) and every tool of src/
  for f in "$TOP"/bin/*.sh; do
    s=$(basename "$f")
    [ "$s" != common.sh ] || continue
    run --separate-stderr "$f" --help
    [ "$status" -eq 0 ] || { echo "$s --help: exit $status"; false; }
    [[ "${lines[0]}" == "$s "* ]] || { echo "$s --help: no synopsis first: ${lines[0]}"; false; }
    [[ "$output" != *"set -euo"* ]]
  done
  for c in "$TOP"/src/*.c; do
    t=$(basename "$c" .c)
    run --separate-stderr "$t" --help   # the one under test: first on PATH
    [ "$status" -eq 0 ] || { echo "$t --help: exit $status"; false; }
    [[ "${lines[0]}" == "usage: $t"* ]] || { echo "$t --help: no synopsis first: ${lines[0]}"; false; }
  done
  for s in run_track report; do
    run --separate-stderr "$TOP/bin/$s.sh" --frobnicate
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown option --frobnicate"* ]]
  done
  run --separate-stderr "$TOP/bin/stage.sh" frobnicate "$BATS_TEST_TMPDIR"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "stage: unknown stage frobnicate"* ]]
}

@test "numbers are checked, never truncated: --seed 1.7, --min-pairs 2.5" {
  run --separate-stderr pick-parent --seed 1.7 < /dev/null
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'--seed: "1.7" is not a whole number'* ]]
  run --separate-stderr score --min-pairs 2.5 <<<'{}'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'--min-pairs: "2.5" is not a whole number'* ]]
}

@test "options as data: help from the table, the environment when the flag is absent, flags win" {
  # the usage line and each option's range, default and variable come from the table
  run --separate-stderr score --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "usage: score [--weights T=W,...]"* ]]
  [[ "$output" == *"--min-pairs N"*"[1 to 1000; default 4; env AIOPT_BENCH_MIN_PAIRS]"* ]]
  run --separate-stderr pick-parent --help
  [[ "$output" == *"[tournament, best, islands, pristine; default tournament; env AIOPT_STRATEGY]"* ]]
  # a bad value from the environment names the variable
  AIOPT_BENCH_SCREEN=lots run --separate-stderr score <<<'{}'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'AIOPT_BENCH_SCREEN=lots (for --screen): "lots" is not a number'* ]]
  # a choice outside its names
  run --separate-stderr pick-parent --seed 1 --strategy greedy </dev/null
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'--strategy: "greedy" is not one of tournament, best, islands'* ]]
  # the flag wins over the environment, which is not even checked
  AIOPT_STRATEGY=greedy run --separate-stderr pick-parent --seed 1 --strategy best </dev/null
  [ "$status" -eq 0 ]
  # a required option may come from its variable
  AIOPT_SEED=7 run --separate-stderr pick-parent </dev/null
  [ "$status" -eq 0 ]
  run --separate-stderr pick-parent </dev/null
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--seed (or AIOPT_SEED) is required"* ]]
  # --allow from a flag replaces the environment's list
  mkdir -p "$BATS_TEST_TMPDIR/t" && printf 'int a;\n' > "$BATS_TEST_TMPDIR/t/a.cc" && printf 'int b;\n' > "$BATS_TEST_TMPDIR/t/b.cc"
  edit=$'a.cc\n<<<<<<< SEARCH\nint a;\n=======\nint a2;\n>>>>>>> REPLACE\n'
  AIOPT_TARGET_FILES=b.cc run --separate-stderr apply-diff --tree "$BATS_TEST_TMPDIR/t" --raw --dry-run <<<"$edit"
  [ "$(jq -r .ok <<<"$output")" = false ]
  AIOPT_TARGET_FILES=b.cc run --separate-stderr apply-diff --tree "$BATS_TEST_TMPDIR/t" --allow a.cc --raw --dry-run <<<"$edit"
  [ "$(jq -r .ok <<<"$output")" = true ]
}

@test "every record filter: input that is not records is exit 1, one line on stderr, an error record on stdout" {
  for tool in score "apply-diff --tree $BATS_TEST_TMPDIR --allow x.cc" "archive-append $BATS_TEST_TMPDIR/a.jsonl" \
              mann-whitney "pick-parent --seed 1"; do
    name=${tool%% *}
    run --separate-stderr $tool <<<'this is not JSON'
    [ "$status" -eq 1 ]
    [[ "$stderr" == "$name: stdin:1"* ]]
    [ "$(jq -r .error.stage <<<"$output")" = "$name" ]
    [[ "$(jq -r .error.message <<<"$output")" == "stdin:1"* ]]
  done
}

@test "a system failure is not bad input: exit 4 (stdout gone, a write that fails)" {
  run --separate-stderr bash -c 'mann-whitney <<<"{\"a\":[1,2,3],\"b\":[4,5,6]}" > /dev/full'
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"write error"* ]]
}

@test "make's short names reach the stages as written, and only from make's command line" {
  cd "$BATS_TEST_TMPDIR"
  run make -s --no-print-directory -C "$TOP" experiment-env 'MODEL=a$$b$(shell touch CANARY)c' 'API_BASE=http://h/$(shell touch CANARY2)'
  [ "$status" -eq 0 ]
  [ ! -e "$TOP/CANARY" ] && [ ! -e "$TOP/CANARY2" ] && [ ! -e CANARY ]
  grep -qxF "export AIOPT_MODEL='a\$\$b\$(shell touch CANARY)c'" <<<"$output"
  # a JOBS or TRACK in the user's shell is theirs, not a setting
  JOBS=7 TRACK=gpt5 run make -s --no-print-directory -C "$TOP" experiment-env
  ! grep -qE '^export AIOPT_(JOBS|TRACK)=' <<<"$output"
  run make -s --no-print-directory -C "$TOP" experiment-env JOBS=3
  grep -qx "export AIOPT_JOBS='3'" <<<"$output"
}

@test "make help lists every target a user runs, each one make knows" {
  run make -s --no-print-directory -C "$TOP" help
  [ "$status" -eq 0 ]
  for t in demo test test-unit report status experiment_NAME help bench fuzz deps-run baseline experiment-env; do
    grep -q "make $t\b" <<<"$output" || { echo "make help does not list $t"; false; }
  done
  # every concrete target a line names is one make can run (-n: nothing is done)
  for t in $(grep -oE 'make [a-z][a-z0-9_-]*' <<<"$output" | awk '$2 !~ /[-_]$/ {print $2}' | sort -u); do
    make -n -s --no-print-directory -C "$TOP" "$t" > /dev/null 2>&1 || { echo "make help names $t, which make does not know"; false; }
  done
}

@test "the manuals: the front page short, no commit named, no machine called 'here'" {
  [ "$(wc -l < "$TOP/README.md")" -le 300 ]
  # the first 60 lines say what to run first, how to point it at a model, what it costs, where results are
  head -n 60 "$TOP/README.md" > "$BATS_TEST_TMPDIR/first"
  for s in "make demo" "API_BASE=" "hours" "GB" "make status" "make report"; do
    grep -q -- "$s" "$BATS_TEST_TMPDIR/first" || { echo "not in the first 60 lines: $s"; false; }
  done
  for f in "$TOP/README.md" "$TOP"/bin/README.md "$TOP"/experiments/*/README.md "$TOP"/tests/fixtures/*/README.md "$TOP"/tests/bench/README.md; do
    ! grep -nwi 'here' "$f" || { echo "$f says 'here'"; false; }
    # a commit hash (hex with a letter and a digit): only the benchmarks' page names commits, one per figure
    [ "$f" = "$TOP/tests/bench/README.md" ] && continue
    ! grep -nP '\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b' "$f" || { echo "$f names a commit"; false; }
  done
}

@test "make settings: every AIOPT_* name the code reads, one default each, matching what a run records" {
  run make -s --no-print-directory -C "$TOP" settings
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "| setting | default | range | read by | default in | what |" ]]
  "$TOP/bin/settings.sh" --tsv > "$BATS_TEST_TMPDIR/table.tsv"
  # every name in the code is a row (the table is made from the code: a name no place declares fails it)
  names=$(grep -rhoE 'AIOPT_[A-Z0-9_]*[A-Z0-9]' "$TOP"/bin/*.sh "$TOP"/bin/stage/*.sh "$TOP"/src "$TOP"/mk/*.mk | grep -vE '_H$|^AIOPT_X$' | sort -u)
  for n in $names; do cut -f1 "$BATS_TEST_TMPDIR/table.tsv" | grep -qx "$n" || { echo "not in make settings: $n"; false; }; done
  # the experiment's defaults are what experiment-env exports (settings.env records it), make's $(…) aside
  env -i PATH="$PATH" make -s --no-print-directory -C "$TOP" experiment-env > "$BATS_TEST_TMPDIR/env"
  while IFS=$'\t' read -r name default _ _ where _; do
    [[ $where == experiments/* && $default != *'$('* ]] || continue
    grep -qxF "export $name='$default'" "$BATS_TEST_TMPDIR/env" || { echo "$name: make settings says $default, experiment-env: $(grep "export $name=" "$BATS_TEST_TMPDIR/env")"; false; }
  done < "$BATS_TEST_TMPDIR/table.tsv"
  # a tool's default drifting from the experiment's is found and named
  mkdir -p "$BATS_TEST_TMPDIR/exps/drift"
  sed 's/^AIOPT_BENCH_MIN_PAIRS ?= .*/AIOPT_BENCH_MIN_PAIRS ?= 5/' "$TOP/experiments/experiment_a/experiment.mk" > "$BATS_TEST_TMPDIR/exps/drift/experiment.mk"
  EXPERIMENTS="$BATS_TEST_TMPDIR/exps" run --separate-stderr "$TOP/bin/settings.sh" drift
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"AIOPT_BENCH_MIN_PAIRS: $BATS_TEST_TMPDIR/exps/drift/experiment.mk says 5, but src/score.c says 4"* ]]
}

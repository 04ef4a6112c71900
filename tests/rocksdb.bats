#!/usr/bin/env bats
# Real RocksDB end to end: the source tree, the db_bench and test builds, a
# pristine baseline with a Coz profile, and candidates through the stage
# targets of mk/candidate.mk — an edit that changes nothing, one that does not
# compile, one that drops the WAL fsync.  Short workloads (3 s runs, 20 s
# profile) keep it inside CI's budget; stage times are printed.

load helpers/common

EXP="$TOP/experiments/experiment_a"
SCRIPTED="$EXP/scripted"

# The short workload; set again for each test (helpers/common clears AI_OPT_* and AIOPT_*).
settings() {
  export RUN="$BATS_FILE_TMPDIR/run" AIOPT_BENCH_DURATION=3 AIOPT_BCOZ_DURATION=20 \
         AIOPT_COZ_MIN_POINTS=3 AIOPT_BASELINE_RUNS=2 AI_OPT_RUN_BCOZ=1 AI_OPT_RUN_BPERF=1 AI_OPT_BPERF_DURATION=2
}
setup() { settings; }

setup_file() {
  settings
  mkdir -p "$RUN"
  local t0=$SECONDS
  make -s -C "$TOP" baseline BASELINE_DIR="$RUN/pristine" > "$BATS_FILE_TMPDIR/baseline.log" 2>&1 \
    || { cat "$BATS_FILE_TMPDIR/baseline.log" >&3; return 1; }
  echo "# baseline (build check, 2 bench runs, 20 s Coz profile, 2 s off-CPU profile): $((SECONDS - t0)) s" >&3
}

# candidate NAME SCRIPT: a child record of pristine with the scripted edit, through score.json
candidate() {
  local cand="$RUN/$1" t0=$SECONDS
  mkdir -p "$cand"
  jq -cn --arg id "$1" --arg dir "$cand" --rawfile d "$SCRIPTED/$2" \
    '{id: $id, parent: "pristine", iteration: 1, experiment: "experiment_a", track: "profiler", dir: $dir, diff: $d}' \
    > "$cand/record.json"
  make -s -f "$TOP/mk/candidate.mk" CAND="$cand" PRISTINE="$RUN/pristine" score.json > "$cand/make.log" 2>&1
  echo "# $1: $((SECONDS - t0)) s (build $(jq '.build.seconds // "-"' "$cand/score.json") s, tests $(jq '.test.seconds // "-"' "$cand/score.json") s, $(jq '.bench.pairs // [] | length' "$cand/score.json") bench pairs)" >&3
  cat "$cand/score.json"
}

@test "the working tree: pristine RocksDB 7.8.3 plus the Coz progress point, in git" {
  src="$TOP/build/rocksdb-src"
  [ "$(git -C "$src" log --format=%s pristine | tail -1)" = "pristine RocksDB 7.8.3 + aiopt instrumentation" ]
  git -C "$src" show pristine:tools/db_bench_tool.cc | grep -q 'COZ_PROGRESS_NAMED("db_bench.write")'
}

@test "baseline: figures from real db_bench runs and a real Coz profile" {
  b="$RUN/pristine/baseline.json"
  [ "$(jq '[.runs, (.ops_per_sec > 0), (.p99_us > 0), (.stall_pct >= 0), (.l0_files >= 0)]' -c "$b")" = '[2,true,true,true,true]' ]
  [ "$(jq '.coz.experiments > 0 and .coz.progress_points[0].name == "db_bench.write"' "$b")" = true ]
  [ "$(jq -c '[.bperf.source, .bperf.threads_with, (.bperf.off_cpu_ratio > 0)]' "$b")" = '["perf","DBImpl::WriteImpl",true]' ]
  [ -x "$RUN/pristine/db_bench" ]
}

@test "an edit that changes nothing: applied, built, tests pass, benchmarked in pairs, profiled, scored" {
  run candidate c0001-noop 01-comment-only.md
  [ "$status" -eq 0 ]
  r=$output
  [ "$(jq -c '[.apply.ok, .build.ok, .test.ok, (.test.passed > 0), .error]' <<<"$r")" = '[true,true,true,true,null]' ]
  [ "$(jq '.bench.pairs | length >= 1 and all(.[]; .baseline.exit_status == 0 and .candidate.exit_status == 0)' <<<"$r")" = true ]
  [ "$(jq '.bench.pairs | all(.[]; .candidate.cpu_seconds > 0)' <<<"$r")" = true ]
  [ "$(jq -c '[.score.valid, (.score.combined_score > 0)]' <<<"$r")" = '[true,true]' ]
  grep -q "^+// Merges the write group's batches" "$RUN/c0001-noop/patch.diff"
  # unless screened out on its first pair, it was profiled
  jq -c '.coz | del(.lines)' <<<"$r"
  jq -e '(.bench.pairs | length) == 1 or (.coz.experiments > 0)' <<<"$r"
  # and its writer threads' off-CPU time measured, feeding the bperf term
  jq -e '(.bench.pairs | length) == 1 or (.bperf.off_cpu_ratio > 0 and .score.terms.bperf.value > 0)' <<<"$r"
}

@test "an edit that does not compile: rejected at build with the compiler's message" {
  run candidate c0002-nocompile 02-does-not-compile.md
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.apply.ok, .build.ok, .error.stage, .score.valid, .score.combined_score]' <<<"$output")" = '[true,false,"build",false,0]' ]
  [[ "$(jq -r .error.message <<<"$output")" == *"db_impl_write.cc"*"wal_bytes_since_sync_"*"was not declared"* ]]
  [ "$(jq 'has("test") or has("bench")' <<<"$output")" = false ]
}

@test "an edit that drops the WAL fsync: rejected by RocksDB's own tests" {
  run candidate c0003-nosync 03-drops-wal-sync.md
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.build.ok, .test.ok, .error.stage, .score.valid]' <<<"$output")" = '[true,false,"test",false]' ]
  [ "$(jq '.test.failed > 0' <<<"$output")" = true ]
  [[ "$(jq -r '.test.failed_tests | join(" ")' <<<"$output")" == *FaultInjectionTest* ]]
  [ "$(jq 'has("bench")' <<<"$output")" = false ]
}

@test "a stage reruns alone: score.json again after deleting it, nothing else redone" {
  cand="$RUN/c0002-nocompile"
  touch -d '1 minute ago' "$cand"/*.json
  rm "$cand/score.json"
  run make -f "$TOP/mk/candidate.mk" CAND="$cand" PRISTINE="$RUN/pristine" score.json
  [ "$status" -eq 0 ]
  [[ "$output" == *"stage.sh score"* ]]
  [[ "$output" != *"stage.sh build"* ]]
  [ "$(jq -r .error.stage "$cand/score.json")" = build ]
}

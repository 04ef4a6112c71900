#!/usr/bin/env bats
# The bench and pristine stages with the user's own build (AIOPT_BUILD_CMD) and
# benchmark (AIOPT_BENCH_CMD) reporting through AIOPT_METRICS_JSON, as the seed
# scaffold's users do: no db_bench needed, so this runs without RocksDB.  The benchmark here is a shell line; its figures are chosen.

load helpers/common

setup() {
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  export AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=2 AIOPT_BENCH_READ_SECONDS=0
  export PRISTINE="$BATS_TEST_TMPDIR/pristine" CAND="$BATS_TEST_TMPDIR/c0001-aaaaaa"
  mkdir -p "$PRISTINE" "$CAND"
  # Stand-ins for the two db_bench binaries: the command below tells them apart by name.
  printf '#!/bin/sh\n' > "$PRISTINE/db_bench"; chmod +x "$PRISTINE/db_bench"
  cp "$PRISTINE/db_bench" "$CAND/db_bench"
  echo '{"ops_per_sec":1000,"offered_bytes_per_sec":null}' > "$PRISTINE/baseline.json"
  echo '{"id":"c0001-aaaaaa","parent":"pristine","apply":{"ok":true},"build":{"ok":true},"test":{"ok":true}}' > "$CAND/crash.json"
}

@test "AIOPT_METRICS_JSON: each run's figures come from the file the benchmark writes, both sides" {
  # pristine writes 1000 ops/s, the candidate 1100; p99 20 and 18 µs
  export AIOPT_METRICS_JSON=metrics.json
  export AIOPT_BENCH_CMD='case $1 in */pristine/*) o=1000 p=20 ;; *) o=1100 p=18 ;; esac; echo "{\"ops_per_sec\": $o, \"p99_latency_us\": $p}" > "$AIOPT_METRICS_JSON"'
  run --separate-stderr "$TOP/bin/stage.sh" bench "$CAND"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.bench.pairs[] | [.baseline.ops_per_sec, .candidate.ops_per_sec, .baseline.p99_us, .candidate.p99_us]]' "$CAND/bench.json")" = '[[1000,1100,20,18],[1000,1100,20,18]]' ]
  # each run's file is kept beside its log
  [ "$(jq -r .ops_per_sec "$CAND/bench-1-candidate.metrics.json")" = 1100 ]
  score < "$CAND/bench.json" | jq -e '.score.terms.throughput.value == 1.1'
}

@test "AIOPT_METRICS_JSON: a missing file or a missing figure is an error naming it, never a 0" {
  export AIOPT_METRICS_JSON=metrics.json AIOPT_BENCH_CMD='true'
  run --separate-stderr "$TOP/bin/stage.sh" bench "$CAND"
  [ "$status" -eq 0 ]
  [[ "$(jq -r '.bench.pairs[0].candidate.error.message' "$CAND/bench.json")" == "the benchmark wrote no metrics file "*"/metrics.json (AIOPT_METRICS_JSON)" ]]
  [ "$(jq -r '.bench.pairs[0].candidate.ops_per_sec' "$CAND/bench.json")" = null ]
  run score < "$CAND/bench.json"
  [ "$(jq -r .score.valid <<<"$output")" = false ]
  [[ "$(jq -r .score.reason <<<"$output")" == *"no metrics file"* ]]

  export AIOPT_BENCH_CMD='echo "{\"ops_per_sec\": 5}" > "$AIOPT_METRICS_JSON"'
  run --separate-stderr "$TOP/bin/stage.sh" bench "$CAND"
  [[ "$(jq -r '.bench.pairs[0].candidate.error.message' "$CAND/bench.json")" == *"/metrics.json has no p99_latency_us (a number above 0) (AIOPT_METRICS_JSON)" ]]
}

# Pristine is built the way candidates are: the user's AIOPT_BUILD_CMD in the tree,
# within AIOPT_BUILD_TIMEOUT, and AIOPT_BENCH_BIN is the binary it benchmarks.
pristine_setup() {
  export ROCKSDB_SRC="$BATS_TEST_TMPDIR/src" AIOPT_TREE_LOCK="$BATS_TEST_TMPDIR/tree.lock"
  git init -q -b pristine "$ROCKSDB_SRC"
  echo 'int main() { return 0; }' > "$ROCKSDB_SRC/bench.c"
  git -C "$ROCKSDB_SRC" add -A
  git -C "$ROCKSDB_SRC" -c user.name=t -c user.email=t@t commit -qm pristine
  # No librocksdb.a for the crash check's writer: the user's build runs without it.
  export AIOPT_BENCH_BIN="$ROCKSDB_SRC/my_bench" AIOPT_BASELINE_RUNS=2 AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0 AIOPT_CRASH_CUTS=0
  export AIOPT_METRICS_JSON=metrics.json
  export AIOPT_BENCH_CMD='echo "{\"ops_per_sec\": 1000, \"p99_latency_us\": 20}" > "$AIOPT_METRICS_JSON"'
}

@test "pristine builds as candidates do: AIOPT_BUILD_CMD in the tree, AIOPT_BENCH_BIN benchmarked" {
  pristine_setup
  export AIOPT_BUILD_CMD='echo "built by the user command"; cc -o my_bench bench.c'
  run --separate-stderr "$TOP/bin/stage.sh" pristine "$BATS_TEST_TMPDIR/base"
  [ "$status" -eq 0 ]
  grep -q "built by the user command" "$BATS_TEST_TMPDIR/base/build.log"
  # the binary benchmarked is the one the command built (a hard link to it)
  [ "$(stat -c %i "$BATS_TEST_TMPDIR/base/db_bench")" = "$(stat -c %i "$AIOPT_BENCH_BIN")" ]
  [ "$(jq .ops_per_sec "$BATS_TEST_TMPDIR/base/baseline.json")" = 1000 ]
}

@test "the user's own build with the crash check on: refused before any build, naming the way out" {
  pristine_setup
  export AIOPT_BUILD_CMD='echo built > built.txt' AIOPT_CRASH_CUTS=10
  run --separate-stderr "$TOP/bin/stage.sh" pristine "$BATS_TEST_TMPDIR/base"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"AIOPT_BUILD_CMD builds db_bench its own way, but the crash check links its writer with CMake's librocksdb.a: build with CMake, or set AIOPT_CRASH_CUTS=0 to run without the check (then an edit that loses acknowledged writes can pass)"* ]]
  [ ! -e "$ROCKSDB_SRC/built.txt" ]
}

@test "pristine's build has the candidates' time limit, and its failure names the log" {
  pristine_setup
  export AIOPT_BUILD_CMD='sleep 30' AIOPT_BUILD_TIMEOUT=1
  run --separate-stderr "$TOP/bin/stage.sh" pristine "$BATS_TEST_TMPDIR/base"
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"pristine does not build (exit 124): see $BATS_TEST_TMPDIR/base/build.log"* ]]
}

# A benchmark whose figures are chosen: pristine's binary always 1000 ops/s; any
# other binary the next figure of FILE (one a line, consumed in order).  The file
# is named in the command itself (the benchmark runs with an empty environment)
# and read outside a mount namespace (AIOPT_SANDBOX_LEVEL=none).
sequenced_bench() {   # FILE
  export AIOPT_METRICS_JSON=metrics.json AIOPT_SANDBOX_LEVEL=none
  export AIOPT_BENCH_CMD='case $1 in */pristine/db_bench) o=1000 ;; *) o=$(head -n 1 '"'$1'"'); sed -i 1d '"'$1'"' ;; esac
    echo "{\"ops_per_sec\": $o, \"p99_latency_us\": 20}" > "$AIOPT_METRICS_JSON"'
}

@test "calibrate: A/A pairs of pristine against a copy of itself, the run's noise and the change it can detect" {
  pristine_setup
  export AIOPT_BUILD_CMD='cc -o my_bench bench.c' AIOPT_CALIBRATION_PAIRS=4 AIOPT_BENCH_MAX_PAIRS=8
  "$TOP/bin/stage.sh" pristine "$BATS_TEST_TMPDIR/pristine" 2>/dev/null
  # the copy reads 1020, 980, 1010, 990 against pristine's 1000
  printf '%s\n' 1020 980 1010 990 > "$BATS_TEST_TMPDIR/seq"
  sequenced_bench "$BATS_TEST_TMPDIR/seq"
  run --separate-stderr "$TOP/bin/stage.sh" calibrate "$BATS_TEST_TMPDIR/pristine"
  [ "$status" -eq 0 ]
  line=$(cat "$BATS_TEST_TMPDIR/pristine/calibration.jsonl")
  # log ratios ±0.0198, ±0.0100 (mean -0.000125): sd 0.01826; the smallest change
  # 8 pairs detect: exp((t.975(7) 2.365 + t.80(7) 0.896) × 0.01826 / √8) − 1 = 2.13 %
  [ "$(jq -c '[.host == $h, .pairs, .duration_seconds, .throughput.value, (.log_ratio_sd * 10000 | round), .detectable_change.pairs, (.detectable_change.pct * 100 | round)]' \
        --arg h "$(hostname)" <<<"$line")" = "[true,4,$AIOPT_BENCH_DURATION,1,183,8,213]" ]
  # the copy is a copy (two files, as pristine's and a candidate's are), removed after
  [ ! -e "$BATS_TEST_TMPDIR/pristine/calibration/db_bench" ]
  [ "$(ls "$BATS_TEST_TMPDIR/pristine/calibration/"pair-*-b.metrics.json | wc -l)" -eq 4 ]
}

@test "confirm: a candidate lucky at screening, measured again with fresh, longer pairs, is not confirmed" {
  pristine_setup
  export AIOPT_BUILD_CMD='cc -o my_bench bench.c' AIOPT_CALIBRATION_PAIRS=2
  "$TOP/bin/stage.sh" pristine "$PRISTINE" 2>/dev/null
  # screening: 1100 twice against 1000 (a lucky streak); confirmation: 1010, 990, 1000
  printf '%s\n' 1100 1100 1010 990 1000 > "$BATS_TEST_TMPDIR/seq"
  sequenced_bench "$BATS_TEST_TMPDIR/seq"
  "$TOP/bin/stage.sh" bench "$CAND" 2>/dev/null
  score --baseline "$PRISTINE/baseline.json" < "$CAND/bench.json" > "$CAND/score.json"
  jq -e '.score.better_than_pristine == true and .score.terms.throughput.value == 1.1' "$CAND/score.json"
  # an archived candidate keeps no binary: confirm builds it again from its patch
  rm "$CAND/db_bench"; : > "$CAND/cumulative.diff"
  export AIOPT_CONFIRM_PAIRS=3 AIOPT_CONFIRM_DURATION=7
  run --separate-stderr "$TOP/bin/stage.sh" confirm "$CAND"
  [ "$status" -eq 0 ]
  [ -e "$CAND/confirm/build.log" ] && [ -x "$CAND/db_bench" ]
  [ "$(jq -c '.confirm | [.duration_seconds, .score.pairs, .score.terms.throughput.value, .score.terms.throughput.significant, .score.better_than_pristine]' "$CAND/confirm.json")" = '[7,3,1,false,false]' ]
  # every pair ran (no racing), each at the confirmation's length, and the
  # screening figure is still there beside it
  [ "$(jq -r .bench.workload "$CAND/confirm/bench.json")" = "$(jq -r .bench.workload "$CAND/bench.json" | sed "s/--duration=$AIOPT_BENCH_DURATION/--duration=7/")" ]
  jq -e '.score.better_than_pristine == true' "$CAND/confirm.json"
  [[ "$stderr" == *"not confirmed: no throughput or latency gain outside noise in fresh pairs"* ]]
  [ ! -e "$CAND/confirm/db_bench" ]
}

@test "confirm: only a valid candidate, said so" {
  echo '{"id":"c0001-aaaaaa","score":{"valid":false}}' > "$CAND/score.json"
  run --separate-stderr "$TOP/bin/stage.sh" confirm "$CAND"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$CAND/score.json: not a valid candidate: nothing to confirm"* ]]
}

@test "heldout: a confirmed candidate on the workloads it was not chosen on, each named to the benchmark" {
  pristine_setup
  export AIOPT_BUILD_CMD='cc -o my_bench bench.c' AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=5 AIOPT_BENCH_WORKLOAD=l0
  "$TOP/bin/stage.sh" pristine "$PRISTINE" 2>/dev/null
  # the candidate is 10 % faster on sync, 5 % slower on readheavy (what the
  # benchmark is told: AIOPT_BENCH_WORKLOAD, AIOPT_BENCH_DURATION)
  export AIOPT_BENCH_CMD='case $1:$AIOPT_BENCH_WORKLOAD in */pristine/*) o=1000 ;; *:sync) o=1100 ;; *:readheavy) o=950 ;; *) o=1 ;; esac
    echo "{\"ops_per_sec\": $o, \"p99_latency_us\": $AIOPT_BENCH_DURATION}" > "$AIOPT_METRICS_JSON"'
  jq -c '.confirm = {score: {valid: true, better_than_pristine: true}}' "$CAND/crash.json" > "$CAND/confirm.json"
  run --separate-stderr "$TOP/bin/stage.sh" heldout "$CAND"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.heldout | to_entries | map([.key, .value.score.pairs, .value.score.terms.throughput.value, .value.score.better_than_pristine, .value.dir])' "$CAND/heldout.json")" = \
    '[["sync",2,1.1,true,"heldout-sync"],["readheavy",2,0.95,false,"heldout-readheavy"]]' ]
  [ "$(jq -r .p99_latency_us "$CAND/heldout-sync/bench-1-candidate.metrics.json")" = 5 ]
  # not confirmed: nothing to hold out
  jq -c '.confirm.score.better_than_pristine = false' "$CAND/confirm.json" > "$CAND/c.tmp" && mv "$CAND/c.tmp" "$CAND/confirm.json"
  run --separate-stderr "$TOP/bin/stage.sh" heldout "$CAND"
  [ "$status" -eq 1 ]; [[ "$stderr" == *"not confirmed better than pristine: nothing to hold out"* ]]
}

@test "a workload that is not l0, sync or readheavy is refused by every stage, naming it" {
  AIOPT_BENCH_WORKLOAD=l1 run --separate-stderr "$TOP/bin/stage.sh" bench "$CAND"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"AIOPT_BENCH_WORKLOAD=l1: use one of: l0 sync readheavy"* ]]
}

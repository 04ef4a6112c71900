#!/usr/bin/env bats
# The minimize stage's search (delta debugging over hunks) on a tree of its own:
# no RocksDB, so the search's every path runs in seconds.  The tree is one C
# file; the build (AIOPT_BUILD_CMD) installs it as the "binary"; the gate is a real
# CMake build of a program that prints a passing gtest summary; the benchmark
# (AIOPT_BENCH_CMD) reads which hunks the binary holds.  Its figures are chosen:
# pristine 1000 ops/s; a candidate with both GAIN_A and GAIN_C 1100, any other
# 990.  The gain needs two hunks together, the case that takes ddmin's every step.
# tests/confirm.bats runs the stage on real RocksDB.

load helpers/common

setup() {
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  export ROCKSDB_SRC="$BATS_TEST_TMPDIR/src" ROCKSDB_TSAN="$BATS_TEST_TMPDIR/tsan" AIOPT_TREE_LOCK="$BATS_TEST_TMPDIR/tree.lock"
  export AIOPT_TARGET_FILES=prog.c AIOPT_BUILD_CMD='install -m 755 prog.c my_bench' AIOPT_BENCH_BIN="$ROCKSDB_SRC/my_bench"
  # the user's own build: no librocksdb.a for the crash check's writer
  export AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0 AIOPT_BASELINE_RUNS=1 AIOPT_CALIBRATION_PAIRS=2 AIOPT_CRASH_CUTS=0
  export AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=2 AIOPT_BENCH_READ_SECONDS=0 AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=1
  export AIOPT_METRICS_JSON=metrics.json
  export AIOPT_BENCH_CMD='case $1 in */pristine/*) o=1000 ;; *) if grep -q GAIN_A "$1" && grep -q GAIN_C "$1"; then o=1100; else o=990; fi ;; esac
    echo "{\"ops_per_sec\": $o, \"p99_latency_us\": 20}" > "$AIOPT_METRICS_JSON"'
  # the tree: 40 numbered lines; four edits far enough apart to be four hunks
  git init -q -b pristine "$ROCKSDB_SRC"
  seq 40 | sed 's|.*|/* line & */|' > "$ROCKSDB_SRC/prog.c"
  git -C "$ROCKSDB_SRC" add -A
  git -C "$ROCKSDB_SRC" -c user.name=t -c user.email=t@t commit -qm pristine
  # the gate: RocksDB's tests stand-in, built by CMake as the TSan tree is
  mkdir -p "$BATS_TEST_TMPDIR/gate"
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(gate C)\nadd_executable(gate_ok gate_ok.c)\n' > "$BATS_TEST_TMPDIR/gate/CMakeLists.txt"
  cat > "$BATS_TEST_TMPDIR/gate/gate_ok.c" <<'C'
#include <stdio.h>
int main(void)
{
	puts("[==========] Running 1 test from 1 test suite.\n[ RUN      ] Gate.Ok\n[       OK ] Gate.Ok (0 ms)\n"
	     "[==========] 1 test from 1 test suite ran. (0 ms total)\n[  PASSED  ] 1 test.");
	return 0;
}
C
  cmake -S "$BATS_TEST_TMPDIR/gate" -B "$ROCKSDB_TSAN" > /dev/null
  printf 'gate_ok\t\n' > "$BATS_TEST_TMPDIR/gate.tsv"
  export AIOPT_GATE="$BATS_TEST_TMPDIR/gate.tsv"
  export PRISTINE="$BATS_TEST_TMPDIR/run/pristine" CAND="$BATS_TEST_TMPDIR/run/c0001-aaaaaa"
  "$TOP/bin/stage.sh" pristine "$PRISTINE" 2>/dev/null
  # the candidate: its four hunks against pristine, as the apply stage leaves them,
  # confirmed better than pristine
  mkdir -p "$CAND"
  sed -i -e '2a GAIN_A' -e '12a NOISE_B' -e '22a GAIN_C' -e '32a NOISE_D' "$ROCKSDB_SRC/prog.c"
  git -C "$ROCKSDB_SRC" diff > "$CAND/cumulative.diff"
  git -C "$ROCKSDB_SRC" checkout -q -- .
  echo '{"id":"c0001-aaaaaa","iteration":1,"parent":"pristine","score":{"valid":true,"better_than_pristine":true},"confirm":{"score":{"better_than_pristine":true}}}' \
    > "$CAND/confirm.json"
}

@test "minimize: the smallest subset of hunks that keeps the gain, each subset a candidate through every stage" {
  run --separate-stderr "$TOP/bin/stage.sh" minimize "$CAND"
  [ "$status" -eq 0 ]
  m=$(jq -c .minimize "$CAND/minimize.json")
  # the two hunks that carry the gain; 1-minimal: neither can go
  [ "$(jq -c '[.minimal, .one_minimal, (.hunks | map([.block, .old_line, .added, .needed]))]' <<<"$m")" = \
    '[[1,3],true,[[1,1,1,true],[2,10,1,false],[3,20,1,true],[4,30,1,false]]]' ]
  # ddmin's path: halves, quarters, complements of quarters, then within 1 3 4;
  # each distinct subset measured once
  [ "$(jq -c '.subsets | map(.hunks | map(tostring) | join("-"))' <<<"$m")" = \
    '["1-2","3-4","1","2","3","4","2-3-4","1-3-4","1-4","1-3"]' ]
  [ "$(jq -c '.subsets | map(.outcome) | unique' <<<"$m")" = '["kept the gain","lost the gain"]' ]
  # every subset went through the stages: applied its hunks only, built, tested, benched
  s="$CAND/minimize/hunks-1-3"
  [ "$(jq -c '[.parent, .hunks, .apply.ok, .build.ok, .test.ok, .score.better_than_pristine]' "$s/score.json")" = '["pristine",[1,3],true,true,true,true]' ]
  grep -q '^+GAIN_A' "$s/cumulative.diff" && grep -q '^+GAIN_C' "$s/cumulative.diff"
  ! grep -q NOISE "$s/cumulative.diff" || false
  # the smaller patch is confirmed with fresh pairs, and is the patch shown
  [ "$(jq -c '[.confirm.score.pairs, .confirm.score.better_than_pristine, .patch]' <<<"$m")" = '[2,true,"minimize/hunks-1-3/cumulative.diff"]' ]
  # no binary is left behind
  [ -z "$(find "$CAND/minimize" -name db_bench)" ]
  [[ "$stderr" == *"minimize: hunks 1, 3 of 4 keep the gain, confirmed"* ]]

  # run again: every subset is found measured, nothing is rebuilt
  rm "$CAND/minimize.json"
  run --separate-stderr "$TOP/bin/stage.sh" minimize "$CAND"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"minimize: hunks 1 of 4"* ]]
  [ "$(jq -c '.minimize.minimal' "$CAND/minimize.json")" = '[1,3]' ]
}

@test "minimize: the subset budget bounds the search, and the result says it may not be the smallest" {
  AIOPT_MINIMIZE_SUBSETS=6 run --separate-stderr "$TOP/bin/stage.sh" minimize "$CAND"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.minimize | [.minimal, .one_minimal, (.subsets | length), .patch, .confirm]' "$CAND/minimize.json")" = '[[1,2,3,4],false,6,"cumulative.diff",null]' ]
  [[ "$stderr" == *"the subset budget ran out first: maybe not the smallest"* ]]
}

@test "minimize: only a confirmed candidate, said so; a bad budget is named" {
  jq -c '.confirm.score.better_than_pristine = false' "$CAND/confirm.json" > "$CAND/c.tmp" && mv "$CAND/c.tmp" "$CAND/confirm.json"
  run --separate-stderr "$TOP/bin/stage.sh" minimize "$CAND"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$CAND/confirm.json: not confirmed better than pristine: there is no gain to keep"* ]]
  jq -c '.confirm.score.better_than_pristine = true' "$CAND/confirm.json" > "$CAND/c.tmp" && mv "$CAND/c.tmp" "$CAND/confirm.json"
  AIOPT_MINIMIZE_SUBSETS=some run --separate-stderr "$TOP/bin/stage.sh" minimize "$CAND"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"AIOPT_MINIMIZE_SUBSETS=some: a number of subsets (0 or more)"* ]]
}

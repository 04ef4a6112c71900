#!/usr/bin/env bats
# parse-gtest on real test-stage logs (tests/fixtures/gate/).

load helpers/common

G="$FIXTURES/gate"

# A tree holding the files the fixtures' frames name (their text does not matter).
tree() {
  ROOT="$BATS_TEST_TMPDIR/rocksdb-src"
  mkdir -p "$ROOT/db/db_impl" "$ROOT/port"
  touch "$ROOT/db/db_impl/db_impl_write.cc" "$ROOT/port/port_posix.cc"
}

@test "a passing gate: the OK lines counted, nothing failed" {
  run --separate-stderr parse-gtest "$G/pass.log"
  [ "$status" -eq 0 ]
  [ "$output" = '{"passed":55,"failed":0,"failed_tests":[],"exits":[],"races":[]}' ]
}

@test "failed tests: each named once (the summary's repeats dropped), the program's exit" {
  run parse-gtest "$G/failed-tests.log"
  [ "$(jq -c '[.passed, .failed, .exits]' <<<"$output")" = '[47,4,["fault_injection_test#2 exited 1"]]' ]
  [ "$(jq -c '.failed_tests | sort' <<<"$output")" = '["FaultTest/FaultInjectionTest.WriteBatchWalTerminationTest/0","FaultTest/FaultInjectionTest.WriteBatchWalTerminationTest/1","FaultTest/FaultInjectionTest.WriteOptionSyncTest/0","FaultTest/FaultInjectionTest.WriteOptionSyncTest/1"]' ]
}

@test "a race: its kind and first frame outside the sanitizer, its file as the tree names it" {
  tree
  # the frame's path was absolute (/work/main/build/rocksdb-src/db/…), from another tree
  run parse-gtest --source-root "$ROOT" "$G/race.log"
  [ "$(jq -c .exits <<<"$output")" = '["db_write_test#1 exited 66","db_stress#5 exited 66"]' ]
  [ "$(jq -r '.races[0]' <<<"$output")" = 'ThreadSanitizer: data race in rocksdb::DBImpl::WriteImpl(rocksdb::WriteOptions const&, rocksdb::WriteBatch*, rocksdb::WriteCallback*, unsigned long*, unsigned long, bool, unsigned long*, unsigned long, rocksdb::PreReleaseCallback*, rocksdb::PostMemTableCallback*) db/db_impl/db_impl_write.cc:306' ]
  # the sanitizer's own frames (pthread_cond_destroy in tsan_interceptors) are skipped
  # relative to the TSan build directory (ccache's base_dir): ../rocksdb-src/port/…
  run parse-gtest --source-root "$ROOT" "$G/race-in-destructor.log"
  [ "$(jq -r '.races[0]' <<<"$output")" = 'ThreadSanitizer: data race in rocksdb::port::CondVar::~CondVar() port/port_posix.cc:116' ]
  # a file the tree does not hold keeps the path its report gave
  rm "$ROOT/port/port_posix.cc"
  run parse-gtest --source-root "$ROOT" "$G/race-in-destructor.log"
  [ "$(jq -r '.races[0]' <<<"$output")" = 'ThreadSanitizer: data race in rocksdb::port::CondVar::~CondVar() ../rocksdb-src/port/port_posix.cc:116' ]
}

@test "not a test-stage log: exit 1, an error record, the next log still read" {
  run --separate-stderr parse-gtest "$FIXTURES/dbbench/$(ls "$FIXTURES/dbbench" | head -n 1)" "$G/pass.log"
  [ "$status" -eq 1 ]
  [ "$(jq -r .error.stage <<<"${lines[0]}")" = test ]
  [ "$(jq -r .passed <<<"${lines[1]}")" = 55 ]
  [[ "$stderr" == *'not a test-stage log'* ]]
}

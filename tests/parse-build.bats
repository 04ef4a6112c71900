#!/usr/bin/env bats
# parse-build on real build logs (tests/fixtures/build/).

load helpers/common

B="$FIXTURES/build"

# The trees the fixtures were built in, recreated: the paths in the logs are
# relative to the directory the compiler ran in.
setup() {
  mkdir -p "$BATS_TEST_TMPDIR/rocksdb-src" "$BATS_TEST_TMPDIR/rocksdb-release" \
    "$BATS_TEST_TMPDIR/tree/src" "$BATS_TEST_TMPDIR/tree/build"
}

@test "a RocksDB build: the error with the tree's path cut, nothing withheld" {
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/rocksdb-src" \
    --cwd "$BATS_TEST_TMPDIR/rocksdb-release" "$B/rocksdb-7.8.3-undeclared.log"
  [ "$status" -eq 0 ]
  [ "$output" = '{"errors":["db/db_impl/db_impl_write.cc:1296:3: error: ‘wal_bytes_since_sync_’ was not declared in this scope"],"error_count":1,"withheld":0,"undefined_references":[]}' ]
}

@test "an error about a file outside the tree is counted, never quoted; the linker's undefined references" {
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/tree" --cwd "$BATS_TEST_TMPDIR/tree/build" \
    "$B/gcc-12-outside-and-undefined.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c .errors <<<"$output")" = '["src/write.cc:3:36: error: ‘undeclared_’ was not declared in this scope"]' ]
  [ "$(jq .withheld <<<"$output")" = 1 ]
  [[ "$output" != *hostname* ]] && [[ "$output" != *vm* ]]
  [ "$(jq -c .undefined_references <<<"$output")" = "[\"undefined reference to \`flush(int)'\"]" ]
}

@test "a RocksDB build that #included a file outside the tree: withheld, its content nowhere" {
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/rocksdb-src" \
    --cwd "$BATS_TEST_TMPDIR/rocksdb-release" "$B/rocksdb-7.8.3-include-outside.log"
  [ "$output" = '{"errors":[],"error_count":0,"withheld":1,"undefined_references":[]}' ]
}

@test "paths are resolved before the check: ../rocksdb-src/… from another tree's root is outside it" {
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/tree" "$B/rocksdb-7.8.3-undeclared.log"
  [ "$(jq -c '[.errors, .withheld]' <<<"$output")" = '[[],1]' ]
}

@test "long errors are cut whole characters at a time; --max-errors bounds the list, error_count does not" {
  long=$(printf '‘%.0s' $(seq 300))
  log=$(for i in 1 2 3; do echo "../src/a.cc:$i:1: error: $long"; done)
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/tree" --cwd "$BATS_TEST_TMPDIR/tree/build" \
    --max-errors 2 <<<"$log"
  [ "$(jq -c '[(.errors | length), .error_count]' <<<"$output")" = '[2,3]' ]
  first=$(jq -r '.errors[0]' <<<"$output")
  [ "$(printf %s "$first" | wc -c)" -le 400 ]
  printf %s "$first" | iconv -f UTF-8 -t UTF-8 > /dev/null   # still valid UTF-8
}

@test "usage: --source-root is required and must exist" {
  run --separate-stderr parse-build </dev/null
  [ "$status" -eq 2 ]; [[ "$stderr" == *"--source-root is required"* ]]
  run --separate-stderr parse-build --source-root "$BATS_TEST_TMPDIR/nowhere" </dev/null
  [ "$status" -eq 2 ]; [[ "$stderr" == *"--source-root $BATS_TEST_TMPDIR/nowhere: No such file or directory"* ]]
}

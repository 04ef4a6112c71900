#!/usr/bin/env bats
# A newer RocksDB, the cheap part: RocksDB 9.10.0's real sources (Debian trixie's
# source package, fetched as bin/fetch-rocksdb.sh does for 7.8.3) get the Coz
# progress point in the right place, and hold everything experiment A uses: the
# write-path functions the prompt cuts, the gate's programs, the crash test.
# No build here (that is `make demo-9.10.0`, run by hand).

load helpers/common

setup_file() {
  export SRC910="$BATS_FILE_TMPDIR/rocksdb-9.10.0"
  "$TOP/bin/fetch-rocksdb.sh" "$SRC910" 9.10.0 > "$BATS_FILE_TMPDIR/fetch.log" 2>&1 \
    || { cat "$BATS_FILE_TMPDIR/fetch.log" >&3; return 1; }
}

@test "9.10.0: fetched from Debian, the progress point placed by what the code does, and said where" {
  grep -q "coz-progress-point: tools/db_bench_tool.cc:5532: COZ_PROGRESS_NAMED(\"db_bench.write\") in DoWrite" \
    "$BATS_FILE_TMPDIR/fetch.log"
  # the point sits after the batch's DB::Write and before it is counted
  file=$(git -C "$SRC910" show pristine:tools/db_bench_tool.cc)
  [ "$(sed -n 5532p <<<"$file")" = '      COZ_PROGRESS_NAMED("db_bench.write");' ]
  [[ "$(sed -n 5528p <<<"$file")" == *"db_with_cfh->db->Write(write_options_, &batch);"* ]]
  [[ "$(sed -n 5533p <<<"$file")" == *"thread->stats.FinishedOps(db_with_cfh, db_with_cfh->db,"* ]]
  [ "$(sed -n 18p <<<"$file")" = '#include <coz.h>  // aiopt: Coz progress point, see experiments/experiment_a' ]
  # a second run changes nothing
  run "$TOP/bin/coz-progress-point.sh" "$SRC910"
  [[ "$output" == *"already holds the progress point"* ]]
}

@test "9.10.0: every write-path function of the prompt is cut from the tree, no warning" {
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  echo 'an edit' > "$BATS_TEST_TMPDIR/01.md"
  run --separate-stderr bash -c "echo '{\"id\":\"pristine\",\"dir\":\"$BATS_TEST_TMPDIR/pristine\"}' | llm-mutate \
    --experiment '$TOP/experiments/experiment_a' --track baseline --tree '$SRC910' --scripted '$BATS_TEST_TMPDIR' \
    --run-dir '$BATS_TEST_TMPDIR' --iteration 1"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.warnings // []' <<<"$output")" = '[]' ]
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  for f in $AIOPT_FUNCTIONS; do
    [[ "$prompt" == *"${f#DBImpl::}("* ]] || { echo "# $f missing from the prompt" >&3; false; }
  done
}

@test "9.10.0: before any build, the setup says the tree holds what experiment A uses" {
  run make -s --no-print-directory -C "$TOP" rocksdb-check ROCKSDB_SRC="$SRC910" ROCKSDB_VERSION=9.10.0
  [ "$status" -eq 0 ]
  [ "$output" = "check-rocksdb: $SRC910 (RocksDB 9.10.0) holds what experiment_a uses: 1 target file(s), 7 functions, 6 gate runs (3 tests named), 37 db_bench arguments" ]
  [ -f "$SRC910/tools/db_crashtest.py" ]   # where the gate's db_stress flags come from
}

@test "9.10.0: what the version lacks is named before any build (a db_bench flag 7.8.3 had, a test, a program)" {
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  printf 'db_test\t--gtest_filter=DBTest.SoftLimit:DBTest.NoSuchTest\nno_such_test\t\n' > "$BATS_TEST_TMPDIR/gate.tsv"
  AIOPT_GATE="$BATS_TEST_TMPDIR/gate.tsv" AIOPT_BENCH_ARGS="$AIOPT_BENCH_ARGS --compaction_fadvice=NORMAL" \
    run --separate-stderr "$TOP/bin/check-rocksdb.sh" "$SRC910" 9.10.0
  [ "$status" -eq 1 ]
  [ "${stderr_lines[0]}" = "check-rocksdb: $SRC910 (RocksDB 9.10.0) lacks what experiment_a uses:" ]
  [[ "$stderr" == *"  db_bench --compaction_fadvice (no DEFINE_*(compaction_fadvice, …) in the tree)"* ]]
  [[ "$stderr" == *"  test DBTest.NoSuchTest in db/db_test.cc"* ]]
  [[ "$stderr" == *"  gate program no_such_test (no no_such_test.cc)"* ]]
  [[ "$stderr" != *SoftLimit* ]]
  # the flag is 7.8.3's: the same check passes there
  grep -q 'DEFINE_string(compaction_fadvice' "$TOP/build/rocksdb-src/tools/db_bench_tool.cc"
}

@test "a tree of another version is refused, naming both and the way to keep both" {
  run make -s --no-print-directory -C "$TOP" rocksdb-check ROCKSDB_SRC="$SRC910" ROCKSDB_VERSION=7.8.3
  [ "$status" -ne 0 ]
  [[ "$output" == *"check-rocksdb: $SRC910 holds RocksDB 9.10.0, not 7.8.3: a tree is made once, so give each version its own build directory (make … ROCKSDB_VERSION=7.8.3 BUILD_DIR=build/7.8.3)"* ]]
}

@test "a user's checkout (AIOPT_ROCKSDB_PATH, a git repository of 9.10.0): exported, instrumented, checked, left untouched" {
  co="$BATS_TEST_TMPDIR/my-rocksdb"
  mkdir -p "$co"
  tar -xzf "$BATS_FILE_TMPDIR/apt/rocksdb_9.10.0.orig.tar.gz" -C "$co" --strip-components=1
  git -C "$co" init -q -b main
  git -C "$co" add -A
  git -C "$co" -c user.name=u -c user.email=u@u commit -qm "my RocksDB"
  echo '// work in progress' >> "$co/db/db_impl/db_impl_write.cc"   # not committed: not taken
  head=$(git -C "$co" rev-parse HEAD)
  dest="$BATS_TEST_TMPDIR/build/rocksdb-src"
  # ROCKSDB_VERSION says 7.8.3: a checkout is whatever it is, and the check says which
  run make -s --no-print-directory -C "$TOP" rocksdb-check AIOPT_ROCKSDB_PATH="$co" ROCKSDB_SRC="$dest" ROCKSDB_VERSION=7.8.3
  [ "$status" -eq 0 ]
  [[ "$output" == *"fetch-rocksdb: copying the checkout at $co (left untouched)"* ]]
  [[ "$output" == *"coz-progress-point: tools/db_bench_tool.cc:5532: COZ_PROGRESS_NAMED"* ]]
  [[ "$output" == *"check-rocksdb: $dest (RocksDB 9.10.0) holds what experiment_a uses"* ]]
  ! grep -q 'work in progress' "$dest/db/db_impl/db_impl_write.cc" || false
  # the user's checkout: same HEAD, no progress point, their change still there
  [ "$(git -C "$co" rev-parse HEAD)" = "$head" ]
  [ "$(git -C "$co" status --porcelain)" = " M db/db_impl/db_impl_write.cc" ]
  ! grep -q COZ_PROGRESS "$co/tools/db_bench_tool.cc" || false
}

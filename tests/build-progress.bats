#!/usr/bin/env bats
# build-progress.sh: a long build's output goes to its log, a progress line to the
# terminal; a failure shows the compiler's last lines and keeps the build's status.
# The "build" is constructed: a script printing lines in the form CMake's Makefile
# generator prints while it builds ("[ 45%] Building CXX object …"), slowly enough
# to be seen, for two targets (each counted to 100 % in turn, as CMake counts them),
# then a compiler's error line.

load helpers/common

fake_build() {   # STATUS
  cat > "$BATS_TEST_TMPDIR/build.sh" <<SH
for p in 3 15 48 100 60 100; do echo "[ \$p%] Building CXX object CMakeFiles/rocksdb.dir/db/x\$p.cc.o"; sleep 1.2; done
echo "db/db_impl/db_impl_write.cc:12:3: error: 'Statuss' was not declared in this scope"
exit $1
SH
}

@test "a build: its output in the log, on the terminal one line a further 10 % with the time and the log's path" {
  fake_build 0
  run --separate-stderr build-progress.sh "$BATS_TEST_TMPDIR/build-release.log" bash "$BATS_TEST_TMPDIR/build.sh"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  echo "$stderr"
  # The times are the machine's: a loaded one prints the first line a second late.
  [[ "$stderr" =~ ^"build-release:   0 %, 0m0"[0-9]"s elapsed (log: $BATS_TEST_TMPDIR/build-release.log)" ]]
  [[ "$stderr" =~ "build-release: 100 %, "[0-9]+"m"[0-5][0-9]"s elapsed (log: $BATS_TEST_TMPDIR/build-release.log)"$ ]]
  [[ "$stderr" == *"build-release:  48 %"* ]]
  # 100 % once, at the end: not when the first target is done
  [ "$(grep -c ' 100 %' <<<"$stderr")" -eq 1 ]
  [[ "$stderr" != *"Building CXX"* ]]
  [ "$(grep -c 'Building CXX' "$BATS_TEST_TMPDIR/build-release.log")" -eq 6 ]
}

@test "a failed build: its status kept, the compiler's last lines and the log's path shown" {
  fake_build 2
  run --separate-stderr build-progress.sh "$BATS_TEST_TMPDIR/build-tsan.log" bash "$BATS_TEST_TMPDIR/build.sh"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"error: 'Statuss' was not declared in this scope"* ]]
  [[ "$stderr" == *"build-progress: bash $BATS_TEST_TMPDIR/build.sh failed (exit 2); the whole output: $BATS_TEST_TMPDIR/build-tsan.log" ]]
  run build-progress.sh /nonexistent/dir/x.log true
  [ "$status" -eq 4 ]
  [[ "$output" == *"/nonexistent/dir/x.log: cannot write the build's log"* ]]
  run build-progress.sh only-a-log
  [ "$status" -eq 2 ]
}

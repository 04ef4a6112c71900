#!/usr/bin/env bats
# A newer RocksDB, the cheap part: RocksDB 9.10.0's real sources (Debian trixie's
# source package, fetched as bin/fetch-rocksdb.sh does for 7.8.3) get the Coz
# progress point in the right place, and hold everything experiment A uses: the
# write-path functions the prompt cuts, the gate's programs, the crash test.
# No build here (that is `make demo ROCKSDB_VERSION=9.10.0`, run by hand).

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

@test "9.10.0: the gate's programs are targets of its CMake build; the crash test is there" {
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  for prog in $(awk -F'\t' '!/^#/ && NF {print $1}' "$AIOPT_GATE" | sort -u); do
    if [ "$prog" = db_stress ]; then
      grep -q 'add_executable(db_stress' "$SRC910/db_stress_tool/CMakeLists.txt"
    else
      grep -q "db/$prog.cc" "$SRC910/CMakeLists.txt" || { echo "# $prog: no test target" >&3; false; }
    fi
  done
  [ -f "$SRC910/tools/db_crashtest.py" ]
}

#!/usr/bin/env bats
# crash-check without RocksDB: the harness and the power-cut layer around a writer
# and reader of its protocol (tests/helpers/crash-writer.bash: one thread appending
# lines to a file, each acknowledged on descriptor 3).  RocksDB's own writer is
# checked end to end in tests/rocksdb.bats.

load helpers/common

W="$TESTS_DIR/helpers/crash-writer.bash"

# check MODE HOW [ARGS...]: crash-check over the test writer, 3 cuts within 200 ms each.
check() {
  local mode=$1 how=$2; shift 2
  mkdir -p "$BATS_TEST_TMPDIR/work"
  run --separate-stderr crash-check --mode "$mode" --cuts 3 --write-ms 200 --work "$BATS_TEST_TMPDIR/work" \
    --reader "$W" --layer "$(command -v powercut)" "$@" -- "$W" '--db={db}' "$how"
}

@test "power cuts: a writer that syncs before it acknowledges keeps every write; one that does not loses them, named" {
  check power sync
  [ "$status" -eq 0 ]
  # (whether a cut finds unsynced bytes depends on its moment: between a sync and the next append, none)
  [ "$(jq -c '[.mode, .cuts, .cuts_done, .keys_acknowledged > 0, .keys_found == .keys_acknowledged, .violation, (.layer.files_rolled_back | type)]' <<<"$output")" = \
    '["power",3,3,true,true,null,"number"]' ]
  rm -rf "$BATS_TEST_TMPDIR/work"
  check power nosync
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.cuts_done, .keys_found < .keys_acknowledged, .layer.bytes_dropped > 0]' <<<"$output")" = '[1,true,true]' ]
  [[ "$(jq -r .violation <<<"$output")" =~ ^power\ cut\ 1\ of\ 3:\ write\ 0\ of\ thread\ 0\ \(key\ 0/0/0\)\ was\ acknowledged\ ([0-9.]+\ s\ before|at\ the\ moment\ of)\ the\ cut,\ and\ pristine\'s\ build\ does\ not\ find\ it\ with\ its\ value\ after\ reopening\ the\ database\;\ ([0-9]+)\ of\ ([0-9]+)\ acknowledged\ writes\ are\ missing$ ]]
  # every acknowledged line was unsynced: all of them are gone
  [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]
}

@test "kill -9: unsynced writes in the page cache survive it; the database is read after the last cut for every round" {
  check crash nosync
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.mode, .cuts_done, .violation, .keys_found == .keys_acknowledged, has("layer")]' <<<"$output")" = '["crash",3,null,true,false]' ]
  # three rounds, each one more than the last, all read back at the end
  [ "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR"/work/db.*/log | sort -un | paste -sd' ')" = "0 1 2" ]
  [ "$(jq .keys_acknowledged <<<"$output")" -le "$(wc -l < "$(echo "$BATS_TEST_TMPDIR"/work/db.*/log)")" ]
}

@test "nothing the writer starts outlives its cut: a process in a session of its own is killed with it" {
  check crash detach
  [ "$status" -eq 0 ]
  pid=$(cat "$BATS_TEST_TMPDIR/work/detached.pid")
  [ -n "$pid" ]
  ! kill -0 "$pid" 2>/dev/null
}

@test "acknowledgements out of order (one held back or dropped in the process): the candidate's doing, said" {
  check crash skip
  [ "$status" -eq 0 ]
  [ "$(jq -r .violation <<<"$output")" = 'cut 1: the writer'"'"'s acknowledgement "0 1" is out of order (each thread'"'"'s writes are acknowledged 0, 1, 2, …: the candidate'"'"'s code held one back, dropped one or wrote on them)' ]
}

@test "a power-cut layer that stops answering: the check ends within its bound, says so, exit 4, nothing left running" {
  # (a FUSE request that never ends once hung the layer, and the check waited on it)
  printf '#!/bin/sh\necho ready\nexec sleep 600\n' > "$BATS_TEST_TMPDIR/mute-layer"
  chmod +x "$BATS_TEST_TMPDIR/mute-layer"
  mkdir -p "$BATS_TEST_TMPDIR/work"
  run --separate-stderr timeout 60 crash-check --mode power --cuts 3 --write-ms 200 --work "$BATS_TEST_TMPDIR/work" \
    --reader "$W" --layer "$BATS_TEST_TMPDIR/mute-layer" -- "$W" '--db={db}' sync
  [ "$status" -eq 4 ]
  [ "$stderr" = "crash-check: the power-cut layer did not answer its cut within 10 s" ]
  ! pgrep -f "$BATS_TEST_TMPDIR" >/dev/null
}

@test "bad usage: named, exit 2, before any writer runs" {
  run --separate-stderr crash-check --mode power --work "$BATS_TEST_TMPDIR" --reader "$W" -- true
  [ "$status" -eq 2 ]
  [ "$stderr" = "crash-check: --mode power needs --layer (powercut)" ]
  run --separate-stderr crash-check --mode crash --work "$BATS_TEST_TMPDIR" --reader "$BATS_TEST_TMPDIR/none" -- true
  [ "$status" -eq 2 ]
  [ "$stderr" = "crash-check: --reader $BATS_TEST_TMPDIR/none: No such file or directory" ]
  run --separate-stderr crash-check --mode crash --cuts 0 --work "$BATS_TEST_TMPDIR" --reader "$W" -- true
  [ "$status" -eq 2 ]
  [[ "$stderr" == "crash-check: --cuts 0: nothing to check"* ]]
  run --separate-stderr crash-check --mode crash --work "$BATS_TEST_TMPDIR/none/deeper" --reader "$W" -- true
  [ "$status" -eq 2 ]
  [[ "$stderr" == "crash-check: --work $BATS_TEST_TMPDIR/none/deeper: cannot make the database's directories there: No such file or directory" ]]
}

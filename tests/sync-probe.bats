#!/usr/bin/env bats
# sync-probe: the device's synchronous writes per second, measured for real.

load helpers/common

@test "a short probe on a real filesystem: syncs per second, latencies, the filesystem by name" {
  run sync-probe --dir "$BATS_TEST_TMPDIR" --seconds 0.3
  [ "$status" -eq 0 ]
  [ "$(jq -c '[(.syncs_per_sec > 0), (.syncs > 0), (.seconds >= 0.3), (.sync_us.p50 > 0), (.sync_us.p50 <= .sync_us.p99),
       (.sync_us.p99 <= .sync_us.max), .bytes_per_sync, (.filesystem | length > 0)]' <<<"$output")" = '[true,true,true,true,true,true,512,true]' ]
  # the rate is the syncs over the seconds, and the probe's file is gone
  [ "$(jq '(.syncs / .seconds - .syncs_per_sec) | fabs < 0.001' <<<"$output")" = true ]
  [ -z "$(ls -A "$BATS_TEST_TMPDIR")" ]
}

@test "tmpfs is named, not hidden: its syncs return at once" {
  mountpoint -q /dev/shm || skip "no /dev/shm"
  [ "$(stat -f -c %T /dev/shm)" = tmpfs ] || skip "/dev/shm is not tmpfs here"
  run sync-probe --dir /dev/shm --seconds 0.1
  [ "$(jq -r .filesystem <<<"$output")" = tmpfs ]
}

@test "a directory that cannot hold the file, or bad usage: a message naming it, exit 4 or 2" {
  run --separate-stderr sync-probe --dir "$BATS_TEST_TMPDIR/missing"
  [ "$status" -eq 4 ]
  [[ "$stderr" == "sync-probe: --dir $BATS_TEST_TMPDIR/missing: cannot create a file there: No such file or directory" ]]
  run --separate-stderr sync-probe
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--dir is required"* ]]
  run --separate-stderr sync-probe --dir "$BATS_TEST_TMPDIR" --seconds 0
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--seconds"*"0"* ]]
}

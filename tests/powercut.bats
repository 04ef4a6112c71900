#!/usr/bin/env bats
# powercut: the power-cut layer is honest.  A sync makes durable only the file it
# syncs; a cut keeps exactly that and drops the rest, per file.  Real FUSE mounts.

load helpers/common

setup() {
  B=$BATS_TEST_TMPDIR/backing M=$BATS_TEST_TMPDIR/mnt
  mkdir -p "$B" "$M"
}

# mount_layer: the layer over $B at $M, its commands on fd 5, its replies in $BATS_TEST_TMPDIR/out.
mount_layer() {
  mkfifo "$BATS_TEST_TMPDIR/ctl"
  powercut "$B" "$M" < "$BATS_TEST_TMPDIR/ctl" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
  LAYER=$!
  exec 5> "$BATS_TEST_TMPDIR/ctl"
  for _ in $(seq 100); do [ "$(head -n 1 "$BATS_TEST_TMPDIR/out" 2>/dev/null)" = ready ] && return 0; sleep 0.05; done
  cat "$BATS_TEST_TMPDIR/err" >&2; return 1
}
# cut_power: "cut", then the layer's reply.
cut_power() {
  echo cut >&5
  for _ in $(seq 100); do grep -q '^cut ' "$BATS_TEST_TMPDIR/out" && { grep '^cut ' "$BATS_TEST_TMPDIR/out"; return 0; }; sleep 0.05; done
  return 1
}
unmount_layer() { exec 5>&-; wait "$LAYER"; }
teardown() { exec 5>&- 2>/dev/null || true; mountpoint -q "$M" && umount -l "$M" || true; }

@test "a cut keeps a synced file, drops a file's unsynced tail, and a directory's or another file's sync saves nothing" {
  mount_layer
  printf 'AAAA' > "$M/A"; sync "$M/A"                     # A: written and synced
  printf 'BBBB' > "$M/B"; sync "$M/B"; printf 'tail' >> "$M/B"   # B: synced, then an unsynced tail
  printf 'C' > "$M/C"
  sync "$M"; sync "$M/A"                                    # the directory's sync, another file's: not C's
  printf 'XX' | dd of="$M/A" bs=1 seek=1 conv=notrunc 2>/dev/null   # A's durable bytes overwritten, unsynced
  # before the cut every process sees every write
  [ "$(cat "$M/A")" = AXXA ] && [ "$(cat "$M/B")" = BBBBtail ] && [ "$(cat "$M/C")" = C ]
  run cut_power
  [ "$output" = "cut files=3 bytes=7" ]
  # the disk is gone until the layer is unmounted: a write fails, nothing lands
  run bash -c "printf z >> '$M/B'"
  [ "$status" -ne 0 ]
  unmount_layer
  ! mountpoint -q "$M"
  # what the syncs made durable, file by file; the names themselves were kept
  [ "$(cat "$B/A")" = AAAA ] && [ "$(cat "$B/B")" = BBBB ]
  [ -f "$B/C" ] && [ ! -s "$B/C" ]
}

@test "fdatasync counts as fsync; a truncate and a rename are rolled back to the synced bytes, by file, not by name" {
  mount_layer
  printf '0123456789' > "$M/log"; sync -d "$M/log"
  truncate -s 4 "$M/log"                 # durable bytes cut off, unsynced
  mv "$M/log" "$M/log.old"               # the file keeps its record under its new name
  printf 'new' > "$M/log"; sync "$M/log"   # a new file by the old name, synced
  run cut_power
  [ "$output" = "cut files=1 bytes=6" ]
  unmount_layer
  [ "$(cat "$B/log.old")" = 0123456789 ]
  [ "$(cat "$B/log")" = new ]
}

@test "without a cut nothing is lost; a removed file's record goes with it" {
  mount_layer
  printf 'kept' > "$M/k"
  printf 'gone' > "$M/g"; rm "$M/g"
  mkdir "$M/sub"; printf 'deep' > "$M/sub/d"; sync "$M/sub/d"
  [ "$(ls "$M")" = "$(printf 'k\nsub')" ]
  unmount_layer
  [ "$(cat "$B/k")" = kept ] && [ "$(cat "$B/sub/d")" = deep ] && [ ! -e "$B/g" ]
}

@test "--check: a layer mounts here; bad usage and a missing backing directory are named" {
  run powercut --check "$BATS_TEST_TMPDIR"
  [ "$status" -eq 0 ]
  [ "$output" = "powercut: a power-cut layer mounts under $BATS_TEST_TMPDIR" ]
  [ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep -v -e backing -e mnt)" ]
  run --separate-stderr powercut "$BATS_TEST_TMPDIR/none" "$M"
  [ "$status" -eq 2 ]
  [ "$stderr" = "powercut: $BATS_TEST_TMPDIR/none: No such file or directory (the backing directory)" ]
  run --separate-stderr powercut onlyone
  [ "$status" -eq 2 ]
  [[ "$stderr" == "powercut: usage: "* ]]
}

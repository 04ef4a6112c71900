#!/usr/bin/env bats
# archive-append: one whole line per record or none, whatever interrupts it —
# a kill -9 in the middle of a large append, a full disk, a torn line left before.

load helpers/common

@test "a torn last line is moved to ARCHIVE.torn; the next record is not glued onto it" {
  a="$BATS_TEST_TMPDIR/archive.jsonl"
  printf '{"iteration":1}\n{"iteration":2,"diff":"half of it' > "$a"
  run --separate-stderr archive-append "$a" <<<'{"iteration":3}'
  [ "$status" -eq 0 ]
  [ "$(cat "$a")" = $'{"iteration":1}\n{"iteration":3}' ]
  [ "$(cat "$a.torn")" = '{"iteration":2,"diff":"half of it' ]
  [[ "$stderr" == *"archive.jsonl: its last line was torn (33 bytes without a newline): moved to $a.torn"* ]]
  # a torn archive of one line only
  printf '{"iter' > "$a"
  archive-append "$a" <<<'{"iteration":1}' 2>/dev/null
  [ "$(cat "$a")" = '{"iteration":1}' ]
}

@test "kill -9 in the middle of large appends: every line left parses, the next record is whole" {
  a="$BATS_TEST_TMPDIR/archive.jsonl"
  big=$(jq -cn '{iteration: 0, diff: ("x" * 30000000)}')
  for i in $(seq 8); do
    archive-append "$a" <<<"$big" 2>/dev/null &
    pid=$!
    sleep "0.0$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    archive-append "$a" <<<"{\"iteration\":$i}" 2>/dev/null
  done
  # every line is a whole record; the small ones all made it, in order
  [ "$(jq -c -R 'fromjson? // "TORN"' "$a" | grep -c TORN || true)" -eq 0 ]
  [ "$(jq -c 'select(.iteration > 0) | .iteration' "$a" | paste -sd, -)" = 1,2,3,4,5,6,7,8 ]
}

@test "a full disk: the write fails, the archive is left exactly as it was" {
  mnt="$BATS_TEST_TMPDIR/small"
  mkdir -p "$mnt"
  mount -t tmpfs -o size=64k aiopt-test "$mnt"
  a="$mnt/archive.jsonl"
  archive-append "$a" <<<'{"iteration":1}'
  before=$(md5sum < "$a")
  run --separate-stderr archive-append "$a" <<<"$(jq -cn '{iteration: 2, diff: ("y" * 200000)}')"
  after=$(md5sum < "$a")
  umount "$mnt"
  [ "$status" -eq 4 ]   # a system failure, not bad input: its own exit code
  [[ "$stderr" == *"archive.jsonl: No space left on device (the record was not archived)"* ]]
  [ "$before" = "$after" ]
}

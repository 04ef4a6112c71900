#!/usr/bin/env bats
# src/lib/: what every filter relies on when reading records and writing files.

load helpers/common

setup() {
  LIBCHECK=${AIOPT_LIBCHECK:-$TOP/build/obj/libcheck}
  [ -x "$LIBCHECK" ] || skip "libcheck not built (run through make test)"
}

@test "JSON lines: empty lines skipped, CRLF accepted, last line without newline read" {
  printf '{"a":1}\r\n\n   \n{"b": [1, 2]}\r\n{"c":"x"}' > "$BATS_TEST_TMPDIR/in.jsonl"
  run "$LIBCHECK" jsonl "$BATS_TEST_TMPDIR/in.jsonl"
  [ "$status" -eq 0 ]
  [ "$output" = $'{"a":1}\n{"b":[1,2]}\n{"c":"x"}' ]
}

@test "JSON lines: a 5 MB line goes through whole" {
  head -c 3750000 /dev/urandom | base64 -w0 | jq -R -c '{diff: .}' > "$BATS_TEST_TMPDIR/long.jsonl"
  run "$LIBCHECK" jsonl "$BATS_TEST_TMPDIR/long.jsonl"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.diff | length' <<<"$output")" = 5000000 ]
  cmp <(jq -c . "$BATS_TEST_TMPDIR/long.jsonl") <(printf '%s\n' "$output")
}

@test "JSON lines: not JSON names the input, the line and the column; exit 1" {
  printf '{"a":1}\n{"b": nope}\n' > "$BATS_TEST_TMPDIR/bad.jsonl"
  run --separate-stderr "$LIBCHECK" jsonl "$BATS_TEST_TMPDIR/bad.jsonl"
  [ "$status" -eq 1 ]
  # the good record, then the failure as a record for the next stage of a pipeline
  [ "$output" = '{"a":1}
{"error":{"stage":"libcheck","message":"'"$BATS_TEST_TMPDIR"'/bad.jsonl:2:7: not JSON (near \"nope}\")"}}' ]
  [[ "$stderr" == *"bad.jsonl:2:7: not JSON"* ]]
}

@test "JSON lines: a value that is not an object, or two objects on a line, is refused" {
  run --separate-stderr "$LIBCHECK" jsonl <<<'[1,2]'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1: a JSON value that is not an object"* ]]
  run --separate-stderr "$LIBCHECK" jsonl <<<'{"a":1} {"b":2}'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:9: text after the JSON object"* ]]
}

@test "atomic write: replaces the file whole, leaves no temp file behind" {
  echo old > "$BATS_TEST_TMPDIR/f"
  run bash -c "echo new | '$LIBCHECK' write '$BATS_TEST_TMPDIR/f'"
  [ "$status" -eq 0 ]
  [ "$(cat "$BATS_TEST_TMPDIR/f")" = new ]
  [ "$(ls "$BATS_TEST_TMPDIR" | grep -c tmp)" -eq 0 ]
}

@test "atomic write: a directory that does not exist is an error, not a crash" {
  run --separate-stderr bash -c "echo x | '$LIBCHECK' write '$BATS_TEST_TMPDIR/no/such/dir/f'"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"No such file or directory"* ]]
}

@test "run_capture: the whole output of a program, its exit status; past the bound, drained and dropped" {
  run --separate-stderr "$LIBCHECK" run 200000 sh -c 'seq 1 20000; exit 3'
  [ "$stderr" = "exit 3 bytes 108894" ]
  [ "$(printf '%s\n' "$output" | tail -n 1)" = 20000 ]
  # 10 MB written, 100 bytes kept: the writer is not left blocked on a full pipe
  run --separate-stderr timeout 20 "$LIBCHECK" run 100 sh -c 'head -c 10000000 /dev/zero | tr "\0" x'
  [ "$status" -eq 0 ]
  [ "$stderr" = "exit 0 bytes 100" ]
  # a program that is not there
  run --separate-stderr "$LIBCHECK" run 100 no-such-program-aiopt
  [ "$stderr" = "exit -1 bytes 0" ]
}

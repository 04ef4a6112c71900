#!/usr/bin/env bats
# parse-callgrind on real Callgrind profiles of db_bench (tests/fixtures/callgrind/).

load helpers/common

C="$FIXTURES/callgrind"
FUNCTIONS="DBImpl::WriteImpl DBImpl::PipelinedWriteImpl DBImpl::WriteToWAL DBImpl::ConcurrentWriteToWAL DBImpl::PreprocessWrite"
lines() { gzip -dc "$C/db_bench-fillrandom-2000.callgrind.gz"; }

@test "the total and each function's inclusive count agree with callgrind_annotate; per write with --operations" {
  run parse-callgrind --functions "$FUNCTIONS" --operations 2000 <(lines)
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.source, .instructions, .operations, .instructions_per_op]' <<<"$output")" = '["callgrind",58314453,2000,29157.2265]' ]
  # inclusive, as callgrind_annotate --inclusive=yes: the two WriteToWAL overloads once
  # (the group's calls the batch's), calls from outside the name only; a function never
  # run is 0 with 0 calls (Concurrent*: not this workload's path)
  [ "$(jq -c '.functions | map([.name, .instructions, .calls])' <<<"$output")" = \
    '[["DBImpl::WriteImpl",20511149,2000],["DBImpl::PipelinedWriteImpl",20355149,2000],["DBImpl::WriteToWAL",10248676,2000],["DBImpl::ConcurrentWriteToWAL",0,0],["DBImpl::PreprocessWrite",614000,2000]]' ]
  [ "$(jq '.functions[0].instructions_per_op' <<<"$output")" = 10255.5745 ]
}

@test "positions by instruction and line (--dump-instr=yes) read the same way; no --operations: per write null, not 0" {
  run parse-callgrind --functions "DBImpl::WriteImpl DBImpl::WriteToWAL" <(gzip -dc "$C/db_bench-fillrandom-2000-dump-instr.callgrind.gz")
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.instructions, .instructions_per_op, (.functions | map([.instructions, .calls, .instructions_per_op]))]' <<<"$output")" = \
    '[58316223,null,[[20511149,2000,null],[10248676,2000,null]]]' ]
}

@test "a name matches at a :: boundary only, all overloads together; AIOPT_FUNCTIONS is the default list" {
  run parse-callgrind --functions "WriteImpl Impl::WriteImpl" <(lines)
  [ "$(jq -c '.functions | map(.instructions)' <<<"$output")" = '[20511149,0]' ]
  AIOPT_FUNCTIONS="DBImpl::PreprocessWrite" run parse-callgrind <(lines)
  [ "$(jq -c '.functions | map(.name)' <<<"$output")" = '["DBImpl::PreprocessWrite"]' ]
}

@test "not a profile, a cut one, another event, or a bad list: an error naming the input and line" {
  run --separate-stderr parse-callgrind "$FIXTURES/dbbench/$(ls "$FIXTURES/dbbench" | head -n 1)"
  [ "$status" -eq 1 ]
  [[ "$(jq -r .error.message <<<"$output")" == *": costs before an \"events:\" line: not a Callgrind profile" || \
     "$(jq -r .error.message <<<"$output")" == *": no \"events:\" line: not a Callgrind profile" ]]
  lines | grep -v -E '^(summary|totals):' > "$BATS_TEST_TMPDIR/cut.out"
  run --separate-stderr parse-callgrind "$BATS_TEST_TMPDIR/cut.out"
  [ "$status" -eq 1 ]
  [ "$stderr" = "parse-callgrind: $BATS_TEST_TMPDIR/cut.out: no \"summary:\" or \"totals:\" line: the profile was cut short" ]
  lines | sed 's/^events: Ir$/events: Dr/' > "$BATS_TEST_TMPDIR/dr.out"
  run --separate-stderr parse-callgrind "$BATS_TEST_TMPDIR/dr.out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "parse-callgrind: $BATS_TEST_TMPDIR/dr.out:"*": the first event is not Ir (instructions): Dr" ]]
  run --separate-stderr parse-callgrind --functions 'DBImpl::Write;rm' <(lines)
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'--functions: "DBImpl::Write;rm" is not a C++ function name'* ]]
  run --separate-stderr parse-callgrind --operations 0 <(lines)
  [ "$status" -eq 2 ]
}

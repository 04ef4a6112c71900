#!/usr/bin/env bats
# What every filter does with input it does not read: a clear message naming the
# input and the place, exit 1, never a silent empty result or a default.

load helpers/common

@test "empty input: every record filter says so and exits 1" {
  for cmd in "score" "mann-whitney" "archive-append $BATS_TEST_TMPDIR/a.jsonl" "apply-diff --tree $BATS_TEST_TMPDIR --allow x.c"; do
    run --separate-stderr $cmd < /dev/null
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"stdin: no records (empty input; expected JSON objects, one per line)"* ]]
  done
}

@test "a key twice in one object is ambiguous: refused, naming it" {
  run --separate-stderr score <<<'{"id":"c1","test":{"ok":true,"ok":false}}'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'stdin:1: key "ok" appears twice in one object'* ]]
}

@test "numbers pass through unchanged, or are refused: never silently altered" {
  # exact round trip of values 15 digits do not hold
  rec='{"id":"c1","x":0.30000000000000004,"y":[123456789.12345679,1.5,3],"error":{"stage":"build","message":"m"}}'
  run --separate-stderr score <<<"$rec"
  [ "$(jq -c '[.x, .y]' <<<"$output")" = '[0.30000000000000004,[123456789.12345679,1.5,3]]' ]
  [[ "$output" == *'"x":0.30000000000000004,"y":[123456789.12345679,1.5,3]'* ]]
  for bad in '{"a":1e999}' '{"b":[9007199254740993]}' '{"c":{"d":-1e400}}'; do
    run --separate-stderr score <<<"$bad"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"stdin:1: a number"*"is out of range"* ]]
  done
}

@test "score: a record without the stage flags exits 1 with null scores, never a 0 from a default" {
  run --separate-stderr score <<<'{"id":"c1","bench":{"pairs":[]}}'
  [ "$status" -eq 1 ]
  [ "$(jq -c '[.score.combined_score, .score.comparable_score, .error.stage]' <<<"$output")" = '[null,null,"score"]' ]
}

@test "apply-diff: a record with neither diff nor error exits 1; an oversized edit is refused" {
  run --separate-stderr apply-diff --tree "$BATS_TEST_TMPDIR" --allow x.c <<<'{"id":"c1"}'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'stdin:1: the record has no "diff" (string) and no error'* ]]
  echo old > "$BATS_TEST_TMPDIR/x.c"
  jq -cn '{id: "c1", diff: ("x.c\n<<<<<<< SEARCH\nold\n=======\n" + ("y" * 2000000) + "\n>>>>>>> REPLACE\n")}' \
    | AIOPT_MAX_EDIT_BYTES=1000000 apply-diff --tree "$BATS_TEST_TMPDIR" --allow x.c > "$BATS_TEST_TMPDIR/out.json"
  [[ "$(jq -r .error.message "$BATS_TEST_TMPDIR/out.json")" == "the edit is 2000048 bytes, over the limit of 1000000 (AIOPT_MAX_EDIT_BYTES)" ]]
  [ "$(cat "$BATS_TEST_TMPDIR/x.c")" = old ]
}

@test "archives (pick-parent and llm-mutate read them alike): text, binary or a directory is not one; only a torn last record is skipped" {
  run --separate-stderr pick-parent --seed 1 < "$BATS_TEST_TMPDIR"
  [ "$status" -eq 1 ]; [[ "$stderr" == *"read error: Is a directory"* ]]
  run --separate-stderr pick-parent --seed 1 <<<'hello'
  [ "$status" -eq 1 ]; [[ "$stderr" == *"stdin:1: not a JSON object: not an archive"* ]]
  run --separate-stderr pick-parent --seed 1 < <(head -c 300 /bin/ls)
  [ "$status" -eq 1 ]
  run --separate-stderr pick-parent --seed 1 < <(printf '{"id":"c1","score":{"va\n{"id":"c2"}\n')
  [ "$status" -eq 1 ]; [[ "$stderr" == *"stdin:1: not a JSON object, and not the last line"* ]]
  run --separate-stderr pick-parent --seed 1 < <(printf '{"id":"c1","score":{"valid":true,"combined_score":1.1}}\n{"id":"c2","sco')
  [ "$status" -eq 0 ]; [[ "$stderr" == *"stdin:2: unreadable last line (a torn write?): skipped"* ]]
}

@test "options: nan, inf and huge values are refused with the value and the range" {
  run --separate-stderr pick-parent --seed 1 --tournament-size nan < /dev/null
  [ "$status" -eq 2 ]; [[ "$stderr" == *'--tournament-size: "nan" is not a whole number'* ]]
  run --separate-stderr pick-parent --seed 99999999999999999999999 < /dev/null
  [ "$status" -eq 2 ]; [[ "$stderr" == *"--seed: 99999999999999999999999 is out of range"* ]]
  for v in nan inf -1 1e400; do
    run --separate-stderr score --ci-target "$v" < /dev/null
    [ "$status" -eq 2 ]; [[ "$stderr" == *"--ci-target: "* ]]
  done
  run --separate-stderr score --weights throughput=inf < /dev/null
  [ "$status" -eq 2 ]
  run --separate-stderr parse-coz --top 1e3 < /dev/null
  [ "$status" -eq 2 ]; [[ "$stderr" == *'--top: "1e3" is not a whole number'* ]]
}

@test "control bytes in inputs never reach the terminal raw" {
  run --separate-stderr score <<<$'{"id":"c1","\e]0;pwned\a":1,"\e[2J":2}'
  [[ "$stderr" != *$'\e'* && "$stderr" != *$'\a'* ]]
  run --separate-stderr parse-coz < <(printf 'startup\ttime=1\nexperiment\tselected=a\x1b[31m:1\tspeedup=0\tduration=1\nbogus\x1b]0;x\x07\n')
  [[ "$stderr" != *$'\e'* ]]
}

@test "parse-coz: a line with a NUL byte is not a profile; parse-offcpu: \"0 .:\" is not a recording" {
  run --separate-stderr parse-coz < <(printf '\0startup\ttime=1\n')
  [ "$status" -eq 1 ]; [[ "$stderr" == *"stdin:1: not a Coz profile (a NUL byte in the line)"* ]]
  run --separate-stderr parse-offcpu < <(printf '0 .:')
  [ "$status" -eq 1 ]; [[ "$stderr" == *"neither \`perf script\` nor \`bperf report\` output"* ]]
}

@test "records have a size limit (AIOPT_MAX_RECORD_BYTES), said with the place" {
  run --separate-stderr env AIOPT_MAX_RECORD_BYTES=2000 score <<<"$(jq -cn '{id: "x", diff: ("y" * 5000)}')"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1: a record longer than 2000 bytes (AIOPT_MAX_RECORD_BYTES)"* ]]
  run --separate-stderr env AIOPT_MAX_RECORD_BYTES=0 score </dev/null
  [ "$status" -eq 2 ]
}

@test "parse-dbbench: a negative rate is not a measurement" {
  run --separate-stderr parse-dbbench < <(printf 'fillrandom   :       2.345 micros/op -400 ops/sec;   47.2 MB/s\n')
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"no db_bench result"* ]]
  [[ "$output" != *'"ops_per_sec":-400'* ]]
}

@test "one record reader, one answer: what jq would read otherwise is refused with file:line:col; the error record keeps the id and iteration" {
  ok_rest='"error":{"stage":"build","message":"m"}'
  # \u0000 in a string: cJSON would cut the string there, jq keeps the rest
  run --separate-stderr score <<<'{"id":"c0001-abcdef","iteration":1,"diff":"a\u0000b"}'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'stdin:1:45: a \u0000 escape (a NUL inside a string'* ]]
  [ "$(jq -c '[.id, .iteration, .error.stage]' <<<"$output")" = '["c0001-abcdef",1,"score"]' ]
  # an escaped backslash before u0000 is text, and reads the same everywhere
  run --separate-stderr score <<<'{"id":"c1","x":"a\\u0000b",'"$ok_rest"'}'
  [ "$status" -eq 0 ]
  [ "$(jq -r .x <<<"$output")" = 'a\u0000b' ]
  # nesting: 128 levels are read (jq reads them too), 129 are not
  nest() { printf '{"id":"c1","iteration":3,"x":%s1%s,%s}' "$(printf '[%.0s' $(seq "$1"))" "$(printf ']%.0s' $(seq "$1"))" "$ok_rest"; }
  run --separate-stderr score <<<"$(nest 127)"
  [ "$status" -eq 0 ]
  jq -e .x <<<"$output" > /dev/null
  run --separate-stderr score <<<"$(nest 128)"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:157: nested deeper than 128 levels (jq reads at most 256)"* ]]
  [ "$(jq -c '[.id, .iteration]' <<<"$output")" = '["c1",3]' ]
  # a number that underflows: 0 here, something else elsewhere
  run --separate-stderr score <<<'{"id":"c2","iteration":4,"x":1e-400}'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:30: a number too small for a double"* ]]
  [ "$(jq -c '[.id, .iteration]' <<<"$output")" = '["c2",4]' ]
  # a line that starts with a NUL is not skipped
  run --separate-stderr score < <(printf '\0{"id":"c1"}\n')
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:1: NUL byte in a JSON line"* ]]
  # the limit is the limit: a line of exactly AIOPT_MAX_RECORD_BYTES is read, one byte more is not
  line=$(jq -cn '{id: "c1", pad: ("y" * 1000), error: {stage: "build", message: "m"}}'); n=${#line}
  run --separate-stderr env AIOPT_MAX_RECORD_BYTES=$n score <<<"$line"
  [ "$status" -eq 0 ]
  run --separate-stderr env AIOPT_MAX_RECORD_BYTES=$((n - 1)) score <<<"$line"
  [ "$status" -eq 1 ]
}

@test "a number no record holds is written as null, with a warning: never a record every reader refuses" {
  # db_bench's uint64 tickers: an edit doing RecordTick(…, -1) prints 2^64 - 1
  # (constructed from the real log: one ticker's count replaced)
  sed 's/^rocksdb.number.keys.written COUNT : 102000$/rocksdb.number.keys.written COUNT : 18446744073709551615/' \
    "$FIXTURES/dbbench/rocksdb-7.8.3-multi-benchmarks-statistics.log" > "$BATS_TEST_TMPDIR/db_bench.log"
  grep -q 18446744073709551615 "$BATS_TEST_TMPDIR/db_bench.log"
  run --separate-stderr parse-dbbench "$BATS_TEST_TMPDIR/db_bench.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.statistics["rocksdb.number.keys.written"]' <<<"$output")" = null ]
  [[ "$stderr" == *'key "rocksdb.number.keys.written": 1.8446744073709552e+19 is beyond what a record holds exactly'*'written as null'* ]]
  # and what it wrote every reader reads
  jq -e . <<<"$output" > /dev/null
  printf '%s\n' "$output" | archive-append "$BATS_TEST_TMPDIR/a.jsonl"
}

@test "duplicate keys in a record of 80,000 keys are found, and the last of them named" {
  big=$(jq -cn '[range(80000) | {key: "k\(.)", value: .}] | from_entries | .id = "c1"')
  printf '%s\n' "$big" | archive-append "$BATS_TEST_TMPDIR/big.jsonl"
  run --separate-stderr archive-append "$BATS_TEST_TMPDIR/big2.jsonl" <<<"${big%\}},\"k79999\":1}"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'key "k79999" appears twice in one object'* ]]
}

@test "archives are read as every record is: a second object on a line, or a key twice, is no archive's" {
  good='{"id":"c0001-abcdef","iteration":1,"parent":"pristine","score":{"valid":true,"combined_score":1.1}}'
  printf '%s {"id":"c0002-abcdef"}\n%s\n' "$good" "$good" > "$BATS_TEST_TMPDIR/a.jsonl"
  run --separate-stderr pick-parent --seed 1 < "$BATS_TEST_TMPDIR/a.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:"*"text after the JSON object (one object per line): not an archive"* ]]
  printf '%s\n{"id":"c0002-abcdef","iteration":2,"score":{"valid":true,"combined_score":9,"combined_score":0}}\n' "$good" > "$BATS_TEST_TMPDIR/a.jsonl"
  run --separate-stderr pick-parent --seed 1 < "$BATS_TEST_TMPDIR/a.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *'stdin:2: key "combined_score" appears twice in one object'* ]]
}

@test "score --calibrate refuses as every filter does: exit 1, the message on stderr and as an error record" {
  run --separate-stderr score --calibrate <<<'{"id":"x"}'
  [ "$status" -eq 1 ]
  [ "$(jq -r .error.message <<<"$output")" = "record 1: missing bench.pairs (no benchmark pairs to score)" ]
  [[ "$stderr" == *"record 1: missing bench.pairs"* ]]
}

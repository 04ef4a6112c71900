#!/usr/bin/env bats
# parse-coz on real Coz 0.2.2 profiles (Debian's coz-profiler): a db_bench run
# and a small program under tests/fixtures/coz/programs/ (built and recorded as
# its header says).  The analysis is checked against Coz's own viewer code.

load helpers/common

C="$FIXTURES/coz"
DBBENCH="$C/rocksdb-7.8.3-db_bench-fillrandom-l0-stall.coz"
TOY="$C/toy-pipeline.coz"
TOY2="$C/toy-pipeline-2runs.coz"
STAGE="$C/rocksdb-7.8.3-db_bench-stage-20s.coz"   # recorded by bin/stage.sh coz, 20 s
VIEWER=/usr/share/coz-profiler/viewer/js/profile.js

compare_with_viewer() {   # PROFILE MIN_POINTS
  parse-coz --lines --min-points "$2" "$1" > "$BATS_TEST_TMPDIR/ours.jsonl"
  node "$TESTS_DIR/helpers/coz-viewer-compare.js" "$1" "$2" "$BATS_TEST_TMPDIR/ours.jsonl"
}

@test "matches Coz's viewer (profile.js) on every fixture, for several --min-points" {
  [ -f "$VIEWER" ] || skip "coz-profiler's viewer is not installed"
  for profile in "$DBBENCH" "$STAGE" "$TOY" "$TOY2"; do
    for min in 0 1 5 10 15; do
      run compare_with_viewer "$profile" "$min"
      echo "$output"
      [ "$status" -eq 0 ]
      [[ "$output" == *" 0 differences"* ]]
    done
  done
}

@test "db_bench profile: the WAL write path line, its speedup and impact" {
  run parse-coz "$DBBENCH"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.format,.runs,.experiments,.progress_points[0].name,.progress_points[0].type]' <<<"$output")" = \
    '["tsv",1,105,"db_bench.write","throughput"]' ]
  [ "$(jq -r .max_speedup_location <<<"$output")" = /tmp/srctest/rocksdb-coz/db/db_impl/db_impl_write.cc:295 ]
  [ "$(jq -c '.lines[0] | [.file,.line,.point]' <<<"$output")" = \
    '["/tmp/srctest/rocksdb-coz/db/db_impl/db_impl_write.cc",295,"db_bench.write"]' ]
  # runtime	time=60468634844 is the longest runtime record of the run
  [ "$(jq .runtime_seconds <<<"$output")" = 60.468634844 ]
  [ "$(jq '.max_speedup_pct > 0 and .max_impact_pct > 0' <<<"$output")" = true ]
}

@test "throughput and latency points: one entry per (line, point), latency minimised" {
  run parse-coz --lines "$TOY"
  [ "$status" -eq 0 ]
  [ "$(jq -s -r 'map(.point) | unique | join(",")' <<<"$output")" = "toy.item_latency,toy.items" ]
  run parse-coz "$TOY"
  [ "$(jq -c '[.progress_points[] | [.name,.type]]' <<<"$output")" = '[["toy.items","throughput"],["toy.item_latency","latency"]]' ]
  # lines are sorted by impact
  [ "$(jq '[.lines[].impact_pct] | . == (sort | reverse)' <<<"$output")" = true ]
}

@test "several runs appended to one file: all experiments count" {
  a=$(grep -c '^experiment' "$TOY")
  b=$(grep -c '^experiment' "$TOY2")
  [ "$(grep -c '^startup' "$TOY2")" -eq 2 ]
  run parse-coz "$TOY2"
  [ "$status" -eq 0 ]
  [ "$(jq .runs <<<"$output")" = 2 ]
  [ "$(jq .experiments <<<"$output")" = "$b" ]
  [ "$b" -gt "$a" ]
}

@test "JSON-lines profiles (current Coz's default) give the same analysis as tab-separated" {
  # The real TSV profile turned mechanically into JSON lines, with '_' type names.
  awk -F'\t' '{ printf "{\"type\":\"%s\"", ($1 == "throughput-point" ? "throughput_point" : $1);
                for (i = 2; i <= NF; i++) { k = substr($i, 1, index($i, "=") - 1); v = substr($i, index($i, "=") + 1);
                  gsub(/-/, "_", k);
                  if (v ~ /^-?[0-9.]+$/) printf ",\"%s\":%s", k, v; else printf ",\"%s\":\"%s\"", k, v }
                print "}" }' "$TOY" > "$BATS_TEST_TMPDIR/toy.jsonl"
  head -c 1 "$BATS_TEST_TMPDIR/toy.jsonl" | grep -q '{'
  run parse-coz "$BATS_TEST_TMPDIR/toy.jsonl"
  [ "$(jq -r .format <<<"$output")" = jsonl ]
  diff <(jq -S 'del(.source,.format)' <<<"$output") <(parse-coz "$TOY" | jq -S 'del(.source,.format)')
}

@test "BCOZ blocked-time classes are classes, not file:line (constructed lines: no BCOZ here)" {
  # BCOZ's experiment line shape: selected= names a class, delay= added.
  {
    printf 'startup\ttime=1\n'
    for s in 0.00 0.10 0.20 0.30 0.40 0.50 0.60 0.70 0.80 0.90 1.00; do
      printf 'experiment\tselected=IO (fdatasync)\tspeedup=%s\tduration=1000000\tselected-samples=5\tdelay=0\n' "$s"
      printf 'throughput-point\tname=w\tdelta=%d\n' "$(awk -v s="$s" 'BEGIN { printf "%d", 1000 * (1 + s / 2) }')"
    done
  } > "$BATS_TEST_TMPDIR/bcoz.coz"
  run parse-coz "$BATS_TEST_TMPDIR/bcoz.coz"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.lines[0] | [.location,.file,.line,.class]' <<<"$output")" = '["IO (fdatasync)",null,null,"IO"]' ]
  # delta 1000 at speedup 0 and 1500 at 1.0: program speedup (1 - 1/1.5) = 33.3 %
  [ "$(jq '.lines[0].max_speedup_pct | . * 1000 | round' <<<"$output")" = 33333 ]
}

@test "--top, --point and --scope cut what is listed" {
  run parse-coz --top 1 "$TOY"
  [ "$(jq '.lines | length' <<<"$output")" = 1 ]
  [ "$(jq '.lines_analysed > 1' <<<"$output")" = true ]
  run parse-coz --point toy.items "$TOY"
  [ "$(jq -c '[.lines[].point] | unique' <<<"$output")" = '["toy.items"]' ]
  run parse-coz --scope '*/no-such-file.c:*' "$TOY"
  [ "$(jq -c '[.lines, .max_speedup_pct]' <<<"$output")" = '[[],null]' ]
  run parse-coz --scope '*toy-pipeline.c:*' "$TOY"
  [ "$(jq '.lines | length > 0' <<<"$output")" = true ]
}

@test "--context finds the source by path suffix and quotes the line" {
  run parse-coz --top 1 --context "$TOP:1" "$TOY"
  [ "$status" -eq 0 ]
  line=$(jq '.lines[0].line' <<<"$output")
  [ "$(jq -r '.lines[0].context.path' <<<"$output")" = tests/fixtures/coz/programs/toy-pipeline.c ]
  [ "$(jq '.lines[0].context.lines | length' <<<"$output")" = 3 ]
  [ "$(jq -r ".lines[0].context.lines[1].text" <<<"$output")" = "$(sed -n "${line}p" "$C/programs/toy-pipeline.c")" ]
  run parse-coz --top 1 --context "$BATS_TEST_TMPDIR" "$TOY"
  [ "$(jq -c '.lines[0].context' <<<"$output")" = null ]
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == *"not found under"* ]]
}

@test "an empty or experiment-free profile: exit 0, nulls and a warning" {
  : > "$BATS_TEST_TMPDIR/empty.coz"
  run parse-coz "$BATS_TEST_TMPDIR/empty.coz"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.experiments,.max_speedup_pct,.max_impact_location,.lines]' <<<"$output")" = '[0,null,null,[]]' ]
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == *"no experiments"* ]]
  printf 'startup\ttime=1\nruntime\ttime=2000000000\nshutdown\ttime=3\n' > "$BATS_TEST_TMPDIR/none.coz"
  run parse-coz "$BATS_TEST_TMPDIR/none.coz"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.runs,.runtime_seconds,.max_speedup_pct]' <<<"$output")" = '[1,2,null]' ]
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == *"-gdwarf-4 -gno-variable-location-views"* ]]
}

@test "a point whose delta is 0 everywhere is named in a warning" {
  printf 'startup\ttime=1\nexperiment\tselected=a.c:1\tspeedup=0.00\tduration=10\tselected-samples=1\nthroughput-point\tname=p\tdelta=0\n' \
    > "$BATS_TEST_TMPDIR/zero.coz"
  run parse-coz "$BATS_TEST_TMPDIR/zero.coz"
  [ "$status" -eq 0 ]
  [[ "$(jq -r '.warnings | join(";")' <<<"$output")" == *"progress point p: delta is 0 in every experiment"* ]]
}

@test "not a profile: exit 1 naming the file and line" {
  run --separate-stderr parse-coz "$FIXTURES/dbbench/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"rocksdb-7.8.3-fillrandom-l0-stall.log:1: not a Coz profile"* ]]
  jq -e .error <<<"$output"
  head -c 100000 /dev/urandom > "$BATS_TEST_TMPDIR/junk"
  run --separate-stderr parse-coz "$BATS_TEST_TMPDIR/junk"
  [ "$status" -eq 1 ]
}

@test "usage errors exit 2" {
  run parse-coz --min-points x "$TOY"
  [ "$status" -eq 2 ]
  run parse-coz --bogus
  [ "$status" -eq 2 ]
}

@test "max_speedup_pct's 95 % interval: a bootstrap over experiments, the same every time" {
  run parse-coz "$FIXTURES/coz/rocksdb-7.8.3-db_bench-fillrandom-l0-stall.coz"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.max_speedup_pct_ci | [.resamples, (.low < .high), (.low >= 0)]' <<<"$output")" = '[200,true,true]' ]
  first=$(jq -c .max_speedup_pct_ci <<<"$output")
  run parse-coz "$FIXTURES/coz/rocksdb-7.8.3-db_bench-fillrandom-l0-stall.coz"
  [ "$(jq -c .max_speedup_pct_ci <<<"$output")" = "$first" ]
  # too few experiments for lines with 10 distinct speedups in most resamples: no interval
  run parse-coz "$FIXTURES/coz/rocksdb-7.8.3-db_bench-stage-20s.coz"
  [ "$(jq -c '[.experiments, .max_speedup_pct_ci]' <<<"$output")" = '[33,null]' ]
}

@test "--context never quotes a file outside its root (../ in a profile, or a symlink out)" {
  mkdir -p "$BATS_TEST_TMPDIR/tree/db"
  ln -s /etc/passwd "$BATS_TEST_TMPDIR/tree/db/link.cc"
  # constructed profile lines: one experiment naming each path
  for where in ../../../../../../../../etc/passwd:1 db/link.cc:1; do
    printf 'startup\ttime=1\nexperiment\tselected=%s\tspeedup=0\tduration=1000\nthroughput-point\tname=p\tdelta=10\n' "$where" \
      > "$BATS_TEST_TMPDIR/p.coz"
    run parse-coz --min-points 1 --context "$BATS_TEST_TMPDIR/tree:1" "$BATS_TEST_TMPDIR/p.coz"
    [ "$status" -eq 0 ]
    [ "$(jq -c '.lines[0].context' <<<"$output")" = null ]
    [[ "$output" != *"root:"* ]]
    [[ "$(jq -r '.warnings[0]' <<<"$output")" == "--context: "*" not found under $BATS_TEST_TMPDIR/tree" ]]
  done
}

#!/usr/bin/env bats
# parse-dbbench on real db_bench output.  Every expected value below was read
# off the log itself (the line is quoted beside it), not from the parser.

load helpers/common

D="$FIXTURES/dbbench"

@test "7.8.3 L0-stall log: summary line (7.3+ form)" {
  # fillrandom   :      86.350 micros/op 23155 ops/sec 43.186 seconds 1000000 operations;    9.2 MB/s
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$status" -eq 0 ]
  [ "$(jq -r .version <<<"$output")" = 7.8.3 ]
  [ "$(jq -c '.benchmarks[0] | [.name,.micros_per_op,.ops_per_sec,.seconds,.operations,.mb_per_sec]' <<<"$output")" = \
    '["fillrandom",86.35,23155,43.186,1000000,9.2]' ]
  [ "$(jq -c '[.benchmark,.ops_per_sec,.micros_per_op]' <<<"$output")" = '["fillrandom",23155,86.35]' ]
}

@test "9.10.0 L0-stall log: the same fields as 7.8.3's, read off a newer db_bench" {
  # fillrandom   :      21.731 micros/op 46001 ops/sec 3.087 seconds 141999 operations;   18.3 MB/s
  # Percentiles: P50: 2.72 P75: 3.66 P99: 24.63 P99.9: 4053.87 P99.99: 18533.40
  # Cumulative writes: 141K writes, 141K keys, 141K commit groups, 1.0 writes per commit group, ...
  # Cumulative stall: 00:00:1.312 H:M:S, 42.4 percent
  #   L0      4/3    7.36 MB   0.5 ...
  # Write Stall (count): ... l0-file-count-limit-delays: 17, l0-file-count-limit-stops: 0, ...
  run --separate-stderr parse-dbbench "$D/rocksdb-9.10.0-fillrandom-l0-stall.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.version, .benchmark, .ops_per_sec, .micros_per_op, .benchmarks[0].operations, .p99_us, .p99_9_us, .warnings]' <<<"$output")" = \
    '["9.10.0","fillrandom",46001,21.731,141999,24.63,4053.87,[]]' ]
  [ "$(jq -c '.db_stats | [.writes, .commit_groups, .stall_seconds, .stall_pct]' <<<"$output")" = '[141000,141000,1.312,42.4]' ]
  [ "$(jq -c '[.compaction.l0_files, .compaction.levels[0].files_compacting, .stalls["l0-file-count-limit-delays"], .stalls["total-stops"]]' <<<"$output")" = '[4,3,17,0]' ]
}

@test "7.8.3 L0-stall log: the write histogram, not the per-level read histograms" {
  # Count: 1000000 Average: 86.3503  StdDev: 604.14
  # Min: 3  Median: 5.9602  Max: 74095
  # Percentiles: P50: 5.96 P75: 10.59 P99: 2524.07 P99.9: 6326.92 P99.99: 20844.44
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$(jq -c '.benchmarks[0].histogram | [.op,.count,.avg_us,.stddev_us,.min_us,.median_us,.max_us]' <<<"$output")" = \
    '["write",1000000,86.3503,604.14,3,5.9602,74095]' ]
  [ "$(jq -c '.benchmarks[0].histogram | [.p50_us,.p75_us,.p99_us,.p99_9_us,.p99_99_us]' <<<"$output")" = \
    '[5.96,10.59,2524.07,6326.92,20844.44]' ]
  [ "$(jq -c '[.p50_us,.p99_us,.p99_9_us]' <<<"$output")" = '[5.96,2524.07,6326.92]' ]
}

@test "7.8.3 L0-stall log: DB stats with K counts expanded" {
  # Cumulative writes: 1000K writes, 1000K keys, 983K commit groups, 1.0 writes per commit group, ...
  # Cumulative WAL: 1000K writes, 0 syncs, 1000000.00 writes per sync, ...
  # Cumulative stall: 00:00:33.973 H:M:S, 78.6 percent
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$(jq -c '.db_stats' <<<"$output")" = \
    '{"writes":1000000,"keys":1000000,"commit_groups":983000,"writes_per_commit_group":1,"wal_writes":1000000,"wal_syncs":0,"writes_per_sync":1000000,"stall_seconds":33.973,"stall_pct":78.6}' ]
}

@test "7.8.3 L0-stall log: compaction levels, L0 files, W-Amp" {
  #   L0      4/2    6.99 MB   1.0 ... W-Amp 1.0
  #   L1      3/3   174.26 MB  0.0 ... W-Amp 25.7
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$(jq -c '.compaction.levels' <<<"$output")" = \
    '[{"level":0,"files":4,"files_compacting":2,"size_mb":6.99,"w_amp":1},{"level":1,"files":3,"files_compacting":3,"size_mb":174.26,"w_amp":25.7}]' ]
  [ "$(jq .compaction.l0_files <<<"$output")" = 4 ]
}

@test "7.8.3 L0-stall log: every stall name of the ≤ 8.0 form is kept" {
  # Stalls(count): 146 level0_slowdown, 145 level0_slowdown_with_compaction, ..., 45 memtable_compaction, 0 memtable_slowdown, interval 166 total count
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$(jq -c '.stalls' <<<"$output")" = \
    '{"level0_slowdown":146,"level0_slowdown_with_compaction":145,"level0_numfiles":0,"level0_numfiles_with_compaction":0,"stop_for_pending_compaction_bytes":0,"slowdown_for_pending_compaction_bytes":0,"memtable_compaction":45,"memtable_slowdown":0,"interval_total_count":166}' ]
}

@test "7.8.3 L0-stall log: --statistics tickers and histograms" {
  # rocksdb.stall.micros COUNT : 33972686
  # rocksdb.db.write.micros P50 : 5.515971 P95 : 33.696170 P99 : 2520.048169 P100 : 74092.000000 COUNT : 1000000 SUM : 85321065
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$(jq '.statistics["rocksdb.stall.micros"]' <<<"$output")" = 33972686 ]
  [ "$(jq '.statistics["rocksdb.wal.bytes"]' <<<"$output")" = 431796216 ]
  [ "$(jq -c '.statistics["rocksdb.db.write.micros"]' <<<"$output")" = \
    '{"p50":5.515971,"p95":33.69617,"p99":2520.048169,"p100":74092,"count":1000000,"sum":85321065}' ]
}

@test "7.8.3 sync log: 4 threads, group commit and WAL syncs" {
  # fillrandom   :     922.656 micros/op 4326 ops/sec 184.899 seconds 800000 operations;    1.7 MB/s
  # Cumulative writes: 800K writes, 800K keys, 350K commit groups, 2.3 writes per commit group
  # Cumulative WAL: 800K writes, 350K syncs, 2.28 writes per sync
  # Cumulative stall: 00:00:0.000 H:M:S, 0.0 percent
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-sync-4threads.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ops_per_sec,.micros_per_op,.p99_us]' <<<"$output")" = '[4326,922.656,2856.17]' ]
  [ "$(jq -c '.db_stats | [.commit_groups,.writes_per_commit_group,.wal_syncs,.writes_per_sync,.stall_seconds,.stall_pct]' <<<"$output")" = \
    '[350000,2.3,350000,2.28,0,0]' ]
}

@test "log under Coz: coloured coz lines are noise; sections the log lacks are null" {
  # fillrandom   :     149.122 micros/op 13410 ops/sec 60.028 seconds 804998 operations;    5.3 MB/s
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-under-coz.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ops_per_sec,.benchmarks[0].operations,.p99_us]' <<<"$output")" = '[13410,804998,3360.46]' ]
  [ "$(jq -c '[.db_stats,.compaction,.stalls,.statistics]' <<<"$output")" = '[null,null,null,null]' ]
}

@test "standard input and several files: one line per input, in order" {
  run bash -c "parse-dbbench < '$D/rocksdb-7.8.3-fillrandom-sync-4threads.log' | jq -r .source"
  [ "$output" = stdin ]
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log" "$D/rocksdb-7.8.3-fillrandom-sync-4threads.log"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(jq -s -c 'map(.ops_per_sec)' <<<"$output")" = '[23155,4326]' ]
}

@test "CRLF line ends give the same result" {
  f="$BATS_TEST_TMPDIR/crlf.log"
  sed 's/$/\r/' "$D/rocksdb-7.8.3-fillrandom-l0-stall.log" > "$f"
  run diff <(parse-dbbench "$f" | jq -S 'del(.source)') \
           <(parse-dbbench "$D/rocksdb-7.8.3-fillrandom-l0-stall.log" | jq -S 'del(.source)')
  [ "$status" -eq 0 ]
}

@test "pre-7.3 summary form: seconds and operations unknown, not 0" {
  printf 'RocksDB:    version 6.29.5\nfillrandom   :       2.345 micros/op 426392 ops/sec;   47.2 MB/s\n' > "$BATS_TEST_TMPDIR/old.log"
  run parse-dbbench "$BATS_TEST_TMPDIR/old.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.benchmarks[0] | [.micros_per_op,.ops_per_sec,.seconds,.operations,.mb_per_sec,.histogram]' <<<"$output")" = \
    '[2.345,426392,null,null,47.2,null]' ]
  [ "$(jq -c '[.p99_us,.db_stats]' <<<"$output")" = '[null,null]' ]
}

@test "empty input: exit 1, one line on stderr naming the file, an error record on stdout" {
  : > "$BATS_TEST_TMPDIR/empty.log"
  run --separate-stderr parse-dbbench "$BATS_TEST_TMPDIR/empty.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"empty.log: no db_bench result"* ]]
  [ "$(jq -r .error.stage <<<"$output")" = parse-dbbench ]
  [[ "$(jq -r .error.message <<<"$output")" == *empty.log* ]]
}

@test "binary junk: no crash, exit 1" {
  head -c 200000 /dev/urandom > "$BATS_TEST_TMPDIR/junk.bin"
  run --separate-stderr parse-dbbench "$BATS_TEST_TMPDIR/junk.bin"
  [ "$status" -eq 1 ]
  jq -e .error <<<"$output"
}

@test "a log cut inside the histogram: figures it has, nulls and a warning for the rest" {
  head -n 29 "$D/rocksdb-7.8.3-fillrandom-l0-stall.log" > "$BATS_TEST_TMPDIR/cut.log"
  tail -n 1 "$BATS_TEST_TMPDIR/cut.log" | grep -q '^Count: 1000000'
  run parse-dbbench "$BATS_TEST_TMPDIR/cut.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.benchmarks[0].histogram | [.count,.avg_us,.min_us,.p99_us]' <<<"$output")" = '[1000000,86.3503,null,null]' ]
  [ "$(jq -r '.p99_us' <<<"$output")" = null ]
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == *"ends inside the latency histogram of fillrandom"* ]]
}

@test "a summary line without numbers is no result, and says so" {
  printf 'fillrandom   :  micros/op  ops/sec;\n' > "$BATS_TEST_TMPDIR/nonum.log"
  run --separate-stderr parse-dbbench "$BATS_TEST_TMPDIR/nonum.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"nonum.log: no db_bench result"* ]]
}

@test "--benchmark that the log lacks: exit 1 naming what the log has" {
  run --separate-stderr parse-dbbench --benchmark readrandom "$D/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"no result for benchmark readrandom (the log has: fillrandom)"* ]]
}

@test "a missing file: exit 1 and the other files still parsed" {
  run --separate-stderr parse-dbbench /nonexistent.log "$D/rocksdb-7.8.3-fillrandom-sync-4threads.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"/nonexistent.log: No such file"* ]]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(jq -s '.[1].ops_per_sec' <<<"$output")" = 4326 ]
}

@test "usage: --help exits 0, an unknown option exits 2" {
  run parse-dbbench --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"usage: parse-dbbench"* ]]
  run parse-dbbench --no-such-option
  [ "$status" -eq 2 ]
}

@test "several benchmarks in one run: order, extras after ';', several histograms" {
  # fillseq      :       1.093 micros/op 913926 ops/sec 0.055 seconds 50000 operations;  101.1 MB/s
  # readrandom   :       0.736 micros/op 1352813 ops/sec 0.015 seconds 20000 operations;  149.7 MB/s (20000 of 20000 found)
  # readrandomwriterandom :       0.891 micros/op 1118943 ops/sec 0.018 seconds 20000 operations; ( reads:18000 writes:2000 total:20000 found:18000)
  # overwrite    :       1.822 micros/op 548275 ops/sec 0.091 seconds 50000 operations;   60.7 MB/s
  L="$D/rocksdb-7.8.3-multi-benchmarks-statistics.log"
  run parse-dbbench "$L"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.benchmarks[] | [.name,.ops_per_sec,.mb_per_sec]]' <<<"$output")" = \
    '[["fillseq",913926,101.1],["readrandom",1352813,149.7],["readrandomwriterandom",1118943,null],["overwrite",548275,60.7]]' ]
  [ "$(jq -r '.benchmarks[1].message' <<<"$output")" = '(20000 of 20000 found)' ]
  [ "$(jq -r '.benchmarks[2].message' <<<"$output")" = '( reads:18000 writes:2000 total:20000 found:18000)' ]
  # Microseconds per read: ... P99: 1.43 / Microseconds per write: ... P99: 4.73
  [ "$(jq -c '.benchmarks[2].histograms | map([.op,.count,.p99_us])' <<<"$output")" = '[["read",18000,1.43],["write",2000,4.73]]' ]
  [ "$(jq -c '.benchmarks[1].histogram | [.op,.p50_us,.p99_99_us]' <<<"$output")" = '["read",0.52,93]' ]
  # default: the first benchmark; --benchmark picks another
  [ "$(jq -r .benchmark <<<"$output")" = fillseq ]
  run parse-dbbench --benchmark overwrite "$L"
  [ "$(jq -c '[.benchmark,.ops_per_sec,.p99_us]' <<<"$output")" = '["overwrite",548275,3.64]' ]
  # rocksdb.db.get.micros P50 : 0.510533 P95 : 0.970013 P99 : 1.614916 P100 : 90.000000 COUNT : 38000 SUM : 23215
  [ "$(jq -c '.statistics["rocksdb.db.get.micros"]' <<<"$output")" = '{"p50":0.510533,"p95":0.970013,"p99":1.614916,"p100":90,"count":38000,"sum":23215}' ]
  #  Sum      0/0    0.00 KB  (a complete table without level rows: nothing flushed yet)
  [ "$(jq -c '[.compaction.levels, .compaction.l0_files]' <<<"$output")" = '[[],0]' ]
}

@test "periodic stats dumps (--stats_per_interval): the last dump wins" {
  # last dump:   L0      4/3    6.57 MB ... ; Stalls(count): 43 level0_slowdown, ...
  #              Cumulative writes: 1049K writes, ... ; Cumulative stall: 00:00:4.324 H:M:S, 71.4 percent
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-stats-interval.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ops_per_sec,.db_stats.writes,.db_stats.stall_seconds,.db_stats.stall_pct]' <<<"$output")" = '[173518,1049000,4.324,71.4]' ]
  [ "$(jq -c '[.compaction.l0_files,.compaction.levels[0].files_compacting,.stalls.level0_slowdown]' <<<"$output")" = '[4,3,43]' ]
}

@test "repeated runs (fillrandom[X3]): each run, and the series' AVG and MEDIAN" {
  # fillrandom   :       1.422 micros/op 702345 ops/sec ...   (and 573394, 526371)
  # fillrandom [AVG    3 runs] : 600703 (± 103099) ops/sec;   66.5 (± 11.4) MB/sec
  # fillrandom [MEDIAN 3 runs] : 573394 ops/sec;   63.4 MB/sec
  run parse-dbbench "$D/rocksdb-7.8.3-fillrandom-repeat-x3.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.benchmarks[].ops_per_sec]' <<<"$output")" = '[702345,573394,526371]' ]
  [ "$(jq -c '.repeats' <<<"$output")" = \
    '{"runs":3,"avg_ops_per_sec":600703,"ci95_ops_per_sec":103099,"median_ops_per_sec":573394,"avg_mb_per_sec":66.5,"median_mb_per_sec":63.4}' ]
  [ "$(jq -c '[.benchmarks[] | has("repeats")]' <<<"$output")" = '[false,false,true]' ]
}

@test "8.1+ stall form (constructed from RocksDB 8.x's format; no 8.x log recorded here)" {
  # Line shapes as RocksDB 8.1+ internal_stats.cc prints them, with LOG-style trailing text on the second.
  {
    echo 'fillrandom   :       5.541 micros/op 180469 ops/sec 6.001 seconds 1082999 operations;   20.0 MB/s'
    echo 'Write Stall (count): cf-l0-file-count-limit-delays-with-ongoing-compaction: 3, l0-file-count-limit-delays: 7, l0-file-count-limit-stops: 1, total-delays: 7, total-stops: 1, interval: 8 total count'
    echo 'Write Stall (count): write-buffer-manager-limit-stops: 2 Block cache LRUCache@0x1 capacity: 8.00 MB seed: 1, usage: 9'
  } > "$BATS_TEST_TMPDIR/v8.log"
  run parse-dbbench "$BATS_TEST_TMPDIR/v8.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.stalls' <<<"$output")" = \
    '{"cf-l0-file-count-limit-delays-with-ongoing-compaction":3,"l0-file-count-limit-delays":7,"l0-file-count-limit-stops":1,"total-delays":7,"total-stops":1,"interval_total_count":8,"write-buffer-manager-limit-stops":2}' ]
}

@test "--benchmark: one run, one summary: a second summary or histogram (printed from inside the process) is refused, both named" {
  # Constructed from the real 9.10.0 log: a forged summary and histogram written ahead
  # of db_bench's own (line 26), as an edit's code can print them to the same stdout.
  log="$BATS_TEST_TMPDIR/forged.log"
  # forged AFTER TEXT: the real log with TEXT inserted after its line AFTER
  forged() { { sed -n "1,$1p" "$D/rocksdb-9.10.0-fillrandom-l0-stall.log"; printf '%s' "$2"; sed -n "$(($1 + 1)),\$p" "$D/rocksdb-9.10.0-fillrandom-l0-stall.log"; } > "$log"; }
  histogram=$'Microseconds per write:\nCount: 3086997 Average: 1.0000  StdDev: 0.10\nMin: 1  Median: 1.0000  Max: 2\nPercentiles: P50: 1.00 P75: 1.00 P99: 1.00 P99.9: 1.00 P99.99: 1.00\n'
  forged 25 $'fillrandom   :       1.000 micros/op 999999 ops/sec 3.087 seconds 3086997 operations;  400.0 MB/s\n'"$histogram"
  run --separate-stderr parse-dbbench --benchmark fillrandom "$log"
  [ "$status" -eq 1 ]
  [ "$(jq -r .error.message <<<"$output")" = "$log: two summary lines for benchmark fillrandom, at lines 26 and 31: one run prints one (the process under test wrote the other)" ]
  [ "$(jq -c '[.ops_per_sec, .p99_us]' <<<"$output")" = '[null,null]' ]
  # a second histogram of one operation after db_bench's own summary
  forged 26 "$histogram"
  run --separate-stderr parse-dbbench --benchmark fillrandom "$log"
  [ "$status" -eq 1 ]
  [ "$(jq -r .error.message <<<"$output")" = "$log: two \"Microseconds per write\" histograms after the summary of fillrandom at line 26: one run prints one (the process under test wrote the other)" ]
  # the real log, named: one of each
  run parse-dbbench --benchmark fillrandom "$D/rocksdb-9.10.0-fillrandom-l0-stall.log"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ops_per_sec, .p99_us]' <<<"$output")" = '[46001,24.63]' ]
}

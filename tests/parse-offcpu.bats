#!/usr/bin/env bats
# parse-offcpu on real mainline-perf recordings (tests/fixtures/offcpu/README.md),
# a live recording, and bperf's report line shape (constructed: no bperf here).

load helpers/common

O="$FIXTURES/offcpu"

blocker() { gzip -dc "$O/blocker.perf-script.gz" | parse-offcpu --no-srcline "$@"; }
dbbench() { gzip -dc "$O/rocksdb-7.8.3-db_bench-sync-4threads.perf-script.gz" | parse-offcpu --no-srcline "$@"; }

@test "blocker: counts read off the recording" {
  run blocker
  [ "$status" -eq 0 ]
  # grep -c 'sched:sched_switch:' → 20973; grep -c 'task-clock:' → 2577 (period 1000000 ns); 4 distinct tids
  [ "$(jq -c '[.source, .switches, .cpu_samples, .threads, (.on_cpu_seconds * 1000 | round)]' <<<"$output")" = '["perf",20973,2577,4,2577]' ]
  [ "$(jq '.off_cpu_ratio > 0 and .off_cpu_ratio < 1' <<<"$output")" = true ]
  [[ "$(jq -r .method <<<"$output")" == "mainline perf:"* ]]
}

@test "no sched_switch in the recording: off_cpu_ratio is unknown (null), not 0" {
  run --separate-stderr bash -c "gzip -dc '$O/blocker-no-sched-switch.perf-script.gz' | parse-offcpu --no-srcline"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.switches, (.cpu_samples > 0), .off_cpu_ratio, .off_cpu_ratio_ci, .top]' <<<"$output")" = '[0,true,null,null,[]]' ]
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == "no sched_switch events:"* ]]
}

@test "off_cpu_ratio's 95 % interval from one-second windows; none from a 1-second recording" {
  run blocker
  # 2.07 s of recording: 3 windows, the whole-run ratio inside their interval
  [ "$(jq -c '.off_cpu_ratio_ci | [.windows, .window_seconds]' <<<"$output")" = '[3,1]' ]
  [ "$(jq '.off_cpu_ratio_ci.low < .off_cpu_ratio and .off_cpu_ratio < .off_cpu_ratio_ci.high' <<<"$output")" = true ]
  run dbbench --thread-with DBImpl::WriteImpl
  [ "$(jq -c '[(.off_cpu_ratio > 0), .off_cpu_ratio_ci]' <<<"$output")" = '[true,null]' ]
}

@test "blocker: fdatasync is I/O, the mutex is lock, sleep is other — each at its call site" {
  run blocker
  top() { jq -r --arg c "$1" '[.top[] | select(.class == $c)][0].frame' <<<"$output"; }
  [[ "$(top io)" == syncer+* ]]
  [[ "$(top lock)" == locker+* ]]
  [[ "$(top other)" == main+* ]]
  # the three waits are the bulk of the off-CPU time, each about a third
  [ "$(jq '[.classes.io.share_pct, .classes.lock.share_pct, .classes.other.share_pct] | all(. > 25)' <<<"$output")" = true ]
  [ "$(jq '[.classes[].share_pct] | add | . * 1000 | round' <<<"$output")" = 100000 ]
}

@test "db_bench, WAL sync, 4 writers: waits in the write group and in the WAL fsync" {
  run dbbench --thread-with DBImpl::WriteImpl
  [ "$status" -eq 0 ]
  # 4 threads ran DBImpl::WriteImpl, 14 threads in all (awk over the recording)
  [ "$(jq -c '[.threads, .threads_seen]' <<<"$output")" = '[4,14]' ]
  lock=$(jq -r '[.top[] | select(.class == "lock")][0] | .stack' <<<"$output")
  [[ "$lock" == rocksdb::WriteThread::BlockingAwaitState*rocksdb::WriteThread::AwaitState* ]]
  io=$(jq -r '[.top[] | select(.class == "io")][0] | .stack' <<<"$output")
  [[ "$io" == rocksdb::PosixWritableFile::Sync*rocksdb::DBImpl::WriteToWAL* ]]
  [ "$(jq '.classes.lock.share_pct > .classes.io.share_pct and .classes.io.share_pct > 5' <<<"$output")" = true ]
}

@test "a live recording of blocker: file:line through addr2line, source quoted" {
  command -v perf > /dev/null || skip "perf is not installed"
  cc -O1 -g -pthread -o "$BATS_TEST_TMPDIR/blocker" "$O/programs/blocker.c"
  perf record -q -e task-clock -c 1000000 -e sched:sched_switch --call-graph dwarf,4096 -o "$BATS_TEST_TMPDIR/p.data" \
    -- "$BATS_TEST_TMPDIR/blocker" 1 "$BATS_TEST_TMPDIR/b.dat" 2>/dev/null || skip "perf cannot record sched_switch here"
  perf script -i "$BATS_TEST_TMPDIR/p.data" 2>/dev/null > "$BATS_TEST_TMPDIR/p.txt"
  run parse-offcpu --context "$O/programs:0" "$BATS_TEST_TMPDIR/p.txt"
  [ "$status" -eq 0 ]
  io=$(jq -c '[.top[] | select(.class == "io")][0] | [.location, .context.lines[0].text]' <<<"$output")
  [[ "$io" == *'blocker.c:20",'*'fdatasync(fd);'* ]]
  lock=$(jq -r '[.top[] | select(.class == "lock")][0].location' <<<"$output")
  [[ "$lock" == *blocker.c:29 ]]
}

@test "bperf's report (constructed lines in its documented shape): marks give the classes" {
  cat > "$BATS_TEST_TMPDIR/bperf.txt" <<'EOF2'
# Samples: 31K of event 'task-clock'
# Overhead  Command   Shared Object      Symbol
# ........  ........  .................  ......
    45.10%  db_bench  [kernel.kallsyms]  [I] io_schedule
    30.00%  db_bench  libc.so.6          [L] __lll_lock_wait
    10.00%  db_bench  db_bench           [.] rocksdb::crc32c::Extend
     8.00%  db_bench  [kernel.kallsyms]  [k] copy_user_enhanced_fast_string
     5.00%  db_bench  [kernel.kallsyms]  [S] schedule
     1.90%  db_bench  [kernel.kallsyms]  [B] do_nanosleep
EOF2
  run parse-offcpu "$BATS_TEST_TMPDIR/bperf.txt"
  [ "$status" -eq 0 ]
  # blocked: 45.1 + 30 + 5 + 1.9 = 82 of 100 %
  [ "$(jq -c '[.source, (.off_cpu_ratio * 1000 | round)]' <<<"$output")" = '["bperf",820]' ]
  [ "$(jq -c '.classes | map_values(.share_pct * 10 | round)' <<<"$output")" = '{"io":550,"lock":366,"scheduling":61,"other":23}' ]
  [ "$(jq -r '.top[0].frame' <<<"$output")" = 'io_schedule ([kernel.kallsyms])' ]
}

@test "not a profile: exit 1 naming the input" {
  run --separate-stderr parse-offcpu "$FIXTURES/dbbench/rocksdb-7.8.3-fillrandom-l0-stall.log"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"rocksdb-7.8.3-fillrandom-l0-stall.log: neither \`perf script\` nor \`bperf report\` output"* ]]
  jq -e .error <<<"$output"
}

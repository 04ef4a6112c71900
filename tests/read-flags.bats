#!/usr/bin/env bats
# read-flags: a workload's db_bench flags as gflags reads them (src/lib/dbflags.c),
# the one reader of --sync, --threads, --disable_wal and the rest for the stages.

load helpers/common

@test "every gflags spelling: -name, --name, --noname, =value in any case; the last one wins; db_bench's defaults" {
  run read-flags --
  [ "$status" -eq 0 ]
  [ "$output" = '{"sync":false,"disable_wal":false,"threads":1,"num":1000000,"duration":0,"key_size":16,"value_size":100}' ]
  for s in -sync --sync --sync=1 --sync=true --sync=TRUE --sync=t --sync=yes --sync=Y "--nosync --sync"; do
    [ "$(read-flags -- --benchmarks=fillrandom $s | jq .sync)" = true ] || { echo "$s"; false; }
  done
  for s in --nosync -nosync --sync=0 --sync=False --sync=f --sync=no --sync=N "--sync -sync=0"; do
    [ "$(read-flags -- $s | jq .sync)" = false ] || { echo "$s"; false; }
  done
  [ "$(read-flags -- -threads=8 --num=5 --threads=4 -disable_wal | jq -c '[.threads, .num, .disable_wal]')" = '[4,5,true]' ]
}

@test "a word db_bench would read otherwise is refused, named, exit 1: no rule runs on a misread flag" {
  for bad in "--threads 4" "--sync=maybe" "--nothreads" "--threads=four" "--threads" "--sync --" "--nosync=1" "--threads=0x10"; do
    run --separate-stderr read-flags -- $bad
    [ "$status" -eq 1 ] || { echo "$bad"; false; }
    [[ "$stderr" == "read-flags: "*": db_bench would read this word otherwise than the rules do"* ]]
    [ -z "$output" ]
  done
  run --separate-stderr read-flags -- --threads 4
  [[ "$stderr" == "read-flags: 4: db_bench would read"* ]]
}

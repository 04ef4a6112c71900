#!/usr/bin/env bats
# bin/sandbox.sh: what a candidate's program can see and do.  Needs root and mount
# namespaces (CI has both); where the machine has neither, --check says so.

load helpers/common

SB="$TOP/bin/sandbox.sh"

@test "--check says what confines candidate programs here" {
  run "$SB" --check
  [ "$status" -eq 0 ]
  [[ "$output" == "sandbox: "* ]]
}

@test "only the named paths: no home, no keys, no project, no /etc/shadow; read-only stays read-only" {
  [ "$("$SB" --check)" = "sandbox: candidate programs run in a private mount and PID namespace (tree and scratch only; nothing they start outlives them), no network, no capabilities" ] \
    || skip "no mount namespace on this machine"
  mkdir -p "$BATS_TEST_TMPDIR/rw" "$BATS_TEST_TMPDIR/ro"
  echo tree > "$BATS_TEST_TMPDIR/ro/file"
  run "$SB" --rw "$BATS_TEST_TMPDIR/rw" --ro "$BATS_TEST_TMPDIR/ro" -- sh -c "
    cat '$BATS_TEST_TMPDIR/ro/file'; echo made > '$BATS_TEST_TMPDIR/rw/out'
    ( echo x > '$BATS_TEST_TMPDIR/ro/file' ) 2>/dev/null && echo WROTE-RO
    for p in /root /home /etc/shadow /etc/ssh '$TOP' /work /var; do [ -e \"\$p\" ] && echo \"SEES \$p\"; done
    true"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = tree ]
  [ "$(cat "$BATS_TEST_TMPDIR/rw/out")" = made ]
}

@test "an empty environment (the API key stays out), no network, no capabilities" {
  [ "$("$SB" --check)" != "sandbox: neither a mount nor a network namespace here: candidate programs run unconfined, and what they start can outlive them" ] \
    || skip "no namespaces on this machine"
  OPENAI_API_KEY=sk-secret AI_OPT_API_KEY=sk-secret run "$SB" --env KEEP=1 -- env
  [[ "$output" != *sk-secret* ]]
  [[ "$output" == *"KEEP=1"* ]]
  # a network namespace of its own: only the loopback device
  run "$SB" -- sh -c "awk -F: 'NR > 2 {gsub(/ /, \"\", \$1); print \$1}' /proc/net/dev"
  [ "$output" = lo ]
  run "$SB" -- sh -c 'grep CapEff /proc/self/status'
  [[ "$output" == *"0000000000000000" ]]
}

@test "paths reached through a symbolic link (a build dir on node-local scratch) work under the caller's names" {
  [ "$("$SB" --check)" = "sandbox: candidate programs run in a private mount and PID namespace (tree and scratch only; nothing they start outlives them), no network, no capabilities" ] \
    || skip "no mount namespace on this machine"
  mkdir -p "$BATS_TEST_TMPDIR/scratch/build" "$BATS_TEST_TMPDIR/scratch/db" "$BATS_TEST_TMPDIR/project"
  ln -s "$BATS_TEST_TMPDIR/scratch/build" "$BATS_TEST_TMPDIR/project/build"
  ln -s "$BATS_TEST_TMPDIR/scratch/db" "$BATS_TEST_TMPDIR/project/db"
  printf '#!/bin/sh\necho "ran with $1"; echo data > "$1/out"\n' > "$BATS_TEST_TMPDIR/scratch/build/prog"
  chmod +x "$BATS_TEST_TMPDIR/scratch/build/prog"
  p="$BATS_TEST_TMPDIR/project"
  run "$SB" --ro "$p/build/prog" --rw "$p/db" -- "$p/build/prog" "$p/db"
  [ "$status" -eq 0 ]
  [ "$output" = "ran with $p/db" ]
  [ "$(cat "$BATS_TEST_TMPDIR/scratch/db/out")" = data ]
}

@test "--program: a benchmark and a test run under one neutral name, path and /proc/self/exe" {
  [ "$("$SB" --check)" = "sandbox: candidate programs run in a private mount and PID namespace (tree and scratch only; nothing they start outlives them), no network, no capabilities" ] \
    || skip "no mount namespace on this machine"
  cp /bin/cat "$BATS_TEST_TMPDIR/db_bench"
  run "$SB" --program "$BATS_TEST_TMPDIR/db_bench" -- "$BATS_TEST_TMPDIR/db_bench" /proc/self/comm
  [ "$output" = program ]
  [ "$("$SB" --program "$BATS_TEST_TMPDIR/db_bench" -- "$BATS_TEST_TMPDIR/db_bench" /proc/self/cmdline | tr '\0' ' ')" = "/aiopt/program /proc/self/cmdline " ]
  cp /bin/readlink "$BATS_TEST_TMPDIR/db_test"
  run "$SB" --program "$BATS_TEST_TMPDIR/db_test" -- "$BATS_TEST_TMPDIR/db_test" /proc/self/exe
  [ "$output" = /aiopt/program ]
}

@test "--kernel-count: the kernel's count of syncs and write bytes, written where the program cannot reach, its exit status kept" {
  mkdir -p "$BATS_TEST_TMPDIR/db"
  for level in "" none; do
    AIOPT_SANDBOX_LEVEL=$level run "$SB" --rw "$BATS_TEST_TMPDIR/db" --kernel-count "$BATS_TEST_TMPDIR/k" -- \
      sh -c "dd if=/dev/zero of='$BATS_TEST_TMPDIR/db/f' bs=1024 count=3 conv=fdatasync 2>/dev/null; exit 3"
    [ "$status" -eq 3 ]
    [ "$(awk -F, '$3 == "syscalls:sys_enter_fdatasync" {print $1}' "$BATS_TEST_TMPDIR/k.perf")" = 1 ]
    [ "$(awk '$1 == "wchar:" {print ($2 >= 3072)}' "$BATS_TEST_TMPDIR/k.io")" = 1 ]
  done
  # k.time: the run's wall, user and system seconds by the harness's clock, outside
  run "$SB" --rw "$BATS_TEST_TMPDIR/db" --kernel-count "$BATS_TEST_TMPDIR/k" -- \
    sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; sleep 0.5'
  [ "$status" -eq 0 ]
  [ "$(awk 'NF == 3 { print ($1 >= 0.5 && $1 < 30 && $2 + $3 > 0.05) }' "$BATS_TEST_TMPDIR/k.time")" = 1 ]
  # --check-count says whether the syncs are counted, and how to make them so
  run "$SB" --check-count
  [ "$status" -eq 0 ]
  [ "$output" = "sandbox: the kernel counts candidate programs' sync calls (perf stat, syscalls tracepoints)" ]
  perf() { return 1; }; export -f perf
  run "$SB" --check-count
  unset -f perf
  [ "$status" -eq 1 ]
  [[ "$output" == "sandbox: perf cannot count system calls here (perf stat -e syscalls:sys_enter_fdatasync failed: run as root, or set kernel.perf_event_paranoid=-1): the WAL-sync workload's rules need the sync counts" ]]
  # the counts live outside the sandbox: the program cannot see them
  run "$SB" --rw "$BATS_TEST_TMPDIR/db" --kernel-count "$BATS_TEST_TMPDIR/k" -- sh -c "ls '$BATS_TEST_TMPDIR/k.io' '$BATS_TEST_TMPDIR/k.perf' '$BATS_TEST_TMPDIR/k.time'"
  [ "$status" -ne 0 ] || [ "$("$SB" --check)" != "sandbox: candidate programs run in a private mount and PID namespace (tree and scratch only; nothing they start outlives them), no network, no capabilities" ]
}

@test "nothing a program starts outlives it: a child in a session of its own is killed when the program ends, its writes counted" {
  [[ "$("$SB" --check)" == *"nothing they start outlives them"* ]] || skip "no PID namespace on this machine"
  mkdir -p "$BATS_TEST_TMPDIR/db"
  # the child writes 2 MB at once, then would write again after its parent is gone
  run "$SB" --rw "$BATS_TEST_TMPDIR/db" --kernel-count "$BATS_TEST_TMPDIR/k" -- sh -c "
    setsid sh -c 'dd if=/dev/zero of=$BATS_TEST_TMPDIR/db/early bs=1M count=2 2>/dev/null; sleep 2; : > $BATS_TEST_TMPDIR/db/late; sleep 600' \
      < /dev/null > /dev/null 2>&1 &
    sleep 1; exit 5"
  [ "$status" -eq 5 ]
  [ -s "$BATS_TEST_TMPDIR/db/early" ]
  sleep 3
  [ ! -e "$BATS_TEST_TMPDIR/db/late" ]
  ! pgrep -f "sleep 600" > /dev/null
  [ "$(awk '$1 == "wchar:" {print ($2 >= 2097152)}' "$BATS_TEST_TMPDIR/k.io")" = 1 ]
}

# bin/stage/crash.sh — test.json → crash.json: does the candidate keep RocksDB's
# promise for its WAL?  Every write acknowledged with sync=true is in the database
# after the power is lost at any moment; every write acknowledged with the WAL on
# is there after the process is killed at any moment.  The kernel's counts of
# syncs (the bench stage's rules) cannot tell which file a sync made durable, nor
# when an appended group reached the WAL; a power cut can.  Before the pairs, so
# a candidate that breaks the promise costs no benchmark time.
# shellcheck shell=bash

# The workload's db_bench flags for one promise: the benchmark's, in its order, so
# the writer opens the database as the benchmark does and its command line reads
# like the benchmark's; then what the promise needs, last, where gflags' reading
# (ack-writer's too: src/lib/dbflags.c) lets it win: --sync as the promise has it,
# the WAL on (the promise is the WAL's), and at least 4 writer threads (write groups
# of several writers are where the edits that lose writes act).
crash_args() {   # SYNC(0|1)
  local threads; threads=$(workload_flag threads)
  [ "$threads" -ge 4 ] || threads=4
  echo "$(bench_args) --sync=$1 --disable_wal=0 --threads=$threads"
}

# One promise checked: WRITER (an ack-writer) writes in the sandbox as every
# candidate program runs, but for the kernel's count (no figure of this check is
# the kernel's, and perf's start costs 1.5 s a cut); READER (pristine's
# ack-writer) reads back after each cut.  Prints crash-check's object, with the
# flags it wrote with.
crash_check() {   # MODE(power|crash) WRITER READER WORK SEED SECONDS
  local mode=$1 writer=$2 reader=$3 work=$4 seed=$5 seconds=$6 args sync=0
  [ "$mode" = power ] && sync=1
  args=$(crash_args "$sync")
  rm -rf "$work"; mkdir -p "$work"
  # candidate_program and what it calls, for the bash that crash-check starts.
  export -f candidate_program sandboxed
  export TOP
  # shellcheck disable=SC2016,SC2086  # expanded by that bash; args is a list of flags
  "$BIN/crash-check" --mode "$mode" --seed "$seed" \
      --seconds "$seconds" --work "$work" --reader "$reader" --layer "$BIN/powercut" --flags "$args" -- \
      bash -c 'candidate_program "$@"' writer "$(run_limit "$AIOPT_BENCH_DURATION")" '{db}' '' \
      "$writer" '--db={db}' $args \
    | jq -c --arg args "$args" '. + {flags: $args}'
}

# The writer's output of both promises, kept in DIR (crash-power.log, crash-crash.log).
keep_writer_logs() {   # WORK DIR
  local m
  for m in power crash; do cp "$1/$m/writer.log" "$2/crash-$m.log" 2>/dev/null || true; done
}

# Both promises for WRITER, as {power, crash}; the time split between them.
crash_promises() {   # WRITER READER WORK SEED
  local half=$(( (AIOPT_CRASH_SECONDS + 1) / 2 )) power crash
  power=$(crash_check power "$1" "$2" "$3/power" "$4" "$half")
  crash=$(crash_check crash "$1" "$2" "$3/crash" "$4" "$half")
  jq -cn --argjson p "$power" --argjson c "$crash" '{power: $p, crash: $c}'
}

# Why the check cannot run here, in one line, or nothing: the user's own build
# (no librocksdb.a for the writer), or no power-cut layer mounts under DIR (asked
# once powercut is built; DIR empty: not asked).  A run that cannot check the promise refuses to start
# rather than pass every candidate unchecked: the runner's preflight asks, and
# pristine's stage again (on a Slurm node, the node's own answer).
crash_cannot_run() {   # DIR
  [ "${AIOPT_CRASH_CUTS}" != 0 ] || return 0
  local off="set AIOPT_CRASH_CUTS=0 to run without the check (then an edit that loses acknowledged writes can pass)"
  if [ -n "${AIOPT_BUILD_CMD:-}" ]; then
    echo "AIOPT_BUILD_CMD builds db_bench its own way, but the crash check links its writer with CMake's librocksdb.a: build with CMake, or $off"
  elif [ -n "$1" ] && [ -x "$BIN/powercut" ] && ! "$BIN/powercut" --check "$1" > /dev/null 2>&1; then
    echo "$("$BIN/powercut" --check "$1" 2>&1 | tail -n 1): the crash check cuts the power under a FUSE layer; run where /dev/fuse is usable, or $off"
  fi
}
crash_preflight() {   # DIR
  local why; why=$(crash_cannot_run "$1")
  [ -z "$why" ] || usage_error "$why"
}

stage_crash() {
  local cand=$1 in=$1/test.json out=$1/crash.json pristine=${PRISTINE:?PRISTINE is not set}
  if has_error "$in" || [ "${AIOPT_CRASH_CUTS}" = 0 ]; then
    rm -f "$cand/ack-writer"
    cp "$in" "$out"
    has_error "$in" || update "$out" '.crash = null'
    return
  fi
  [ -x "$pristine/ack-writer" ] || input_error "$pristine/ack-writer: pristine's reader is not built (bin/stage.sh pristine builds it)"
  [ -x "$cand/ack-writer" ] || input_error "$cand/ack-writer: the candidate's writer is not built (the build stage builds it)"
  local work seed result
  work=$(scratch_for "$cand")/crash
  mkdir -p "$work"; require_disk "$work"
  seed=$(printf '%s' "$(basename "$cand")" | cksum | cut -d' ' -f1)
  log "crash: $AIOPT_CRASH_CUTS power cuts and $AIOPT_CRASH_CUTS kills of the candidate's writes"
  result=$(machine_lock exclusive crash_promises "$cand/ack-writer" "$pristine/ack-writer" "$work" "$seed")
  keep_writer_logs "$work" "$cand"
  rm -rf "$work" "$cand/ack-writer"
  cp "$in" "$out"
  update "$out" --argjson r "$result" '
    .crash = ($r + {logs: ["crash-power.log", "crash-crash.log"]}) |
    ([$r.power.violation, $r.crash.violation] | map(select(. != null)) | first) as $v |
    if $v then .error = {stage: "contract", message: $v} else . end'
  log "crash: $(jq -r '.crash | "power: \(.power.cuts_done) cuts, \(.power.keys_found) of \(.power.keys_acknowledged) found; kill -9: \(.crash.cuts_done) kills, \(.crash.keys_found) of \(.crash.keys_acknowledged) found"' "$out")"
}

# Pristine against itself, once a run: its writer and its reader.  A cut pristine
# does not survive is the check's fault (the workload's options, the layer), not
# a candidate's: the run stops, saying so.
pristine_crash() {   # PRISTINE_DIR
  local dir=$1 work result
  [ "${AIOPT_CRASH_CUTS}" != 0 ] || { echo null > "$dir/crash.json"; return; }
  work=$(scratch_for "$dir")/crash
  mkdir -p "$work"; require_disk "$work"
  log "pristine: the crash check ($AIOPT_CRASH_CUTS power cuts, $AIOPT_CRASH_CUTS kills)"
  result=$(machine_lock exclusive crash_promises "$dir/ack-writer" "$dir/ack-writer" "$work" 1)
  keep_writer_logs "$work" "$dir"
  rm -rf "$work"
  echo "$result" > "$dir/crash.json"
  local v; v=$(jq -r '[.power.violation, .crash.violation] | map(select(. != null)) | first // empty' <<<"$result")
  [ -z "$v" ] || input_error "pristine fails the crash check, so the check is wrong, not the candidates: $v (the workload's flags: $(jq -r .power.flags <<<"$result"))"
}

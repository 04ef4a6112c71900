# bin/stage/bench.sh — crash.json → bench.json: pristine and candidate db_bench runs in
# interleaved pairs until score --more says enough; each side's saturation, read and
# fixed-load runs.  bench_run is pristine's too (bin/stage/pristine.sh).
# shellcheck shell=bash

# RocksDB's write-stall limits as the database itself recorded them (its OPTIONS
# file), for score's contract check.  The pristine side of a pair gives the limits;
# a candidate that changes them at run time (SetOptions) shows up as a difference.
db_options() {   # DBDIR
  local f; f=$(ls -t "$1"/OPTIONS-* 2>/dev/null | head -n 1)
  [ -n "$f" ] || { echo null; return; }
  awk -F= '/^\[/ { in_cf = ($0 ~ /^\[CFOptions "default"\]/) }
           in_cf { gsub(/^[ \t]+/, "", $1) }
           in_cf && ($1 == "level0_slowdown_writes_trigger" || $1 == "level0_stop_writes_trigger" ||
                     $1 == "max_write_buffer_number" || $1 == "level0_file_num_compaction_trigger") { printf "%s\t%s\n", $1, $2 }' "$f" \
    | jq -Rn '[inputs | split("\t") | {(.[0]): (.[1] | tonumber)}] | add // null'
}

# One db_bench invocation in the sandbox, as every candidate program runs
# (candidate_program): LOG gets its output, LOG's base .kernel.{perf,io,time} the
# kernel's account of it and the harness's clock.  Prints "EXIT CPU-SECONDS
# WALL-SECONDS" by that clock (null when unknown).
db_bench_once() {   # BINARY DBDIR LOG ARGS...
  local bin=$1 db=$2 logfile=$3 status=0 clock; shift 3
  candidate_program "$(run_limit "$AIOPT_BENCH_DURATION")" "$db" "${logfile%.log}.kernel" "$bin" --db="$db" "$@" \
    > "$logfile" 2>&1 || status=$?
  clock=${logfile%.log}.kernel.time
  if [ -s "$clock" ]; then awk -v st="$status" 'NF == 3 { print st, $2 + $3, $1 }' "$clock"; else echo "$status null null"; fi
}

# The kernel's account of a run (sandbox.sh --kernel-count BASE) as the run's
# "kernel" object: each sync system call's count (null where perf could not count
# them), durable_sync_calls (fsync, fdatasync, sync, syncfs: the calls after which
# written data survives a power loss; sync_file_range and msync are not counted
# there), and from /proc/PID/io the write calls (syscw), the bytes passed to them
# (wchar) and the bytes sent to storage (write_bytes); from perf record's sync
# entries and exits, paired per thread, the seconds its threads spent in fsync and
# fdatasync (sync_seconds: the device's share) and the calls seen whole
# (traced_sync_calls; a mean latency is the one over the other); null where perf
# could not record.  The recording is removed once summed.  null when there is none.
kernel_account() {   # BASE
  [ -s "$1.io" ] || { echo null; return; }
  local calls='{}' traced=null
  [ ! -s "$1.perf" ] || calls=$(awk -F, '$3 ~ /^syscalls:sys_enter_/ { sub(/^syscalls:sys_enter_/, "", $3); print $3 "\t" $1 }' "$1.perf" \
    | jq -Rn '[inputs | split("\t") | {(.[0] + "_calls"): (.[1] | tonumber? // null)}] | add // {}')
  # "  14579 26566.730571: syscalls:sys_enter_fdatasync:" … "syscalls:sys_exit_fdatasync:"
  if [ -s "$1.syncs" ]; then
    traced=$(perf script -i "$1.syncs" -F tid,time,event 2>/dev/null | awk '
      $3 ~ /^syscalls:sys_enter_f(data)?sync:$/ { t0[$1] = $2 + 0 }
      $3 ~ /^syscalls:sys_exit_f(data)?sync:$/ && ($1 in t0) { s += $2 - t0[$1]; n++; delete t0[$1] }
      END { printf "{\"traced_sync_calls\": %d, \"sync_seconds\": %.6f}\n", n, s }')
    rm -f "$1.syncs"
  fi
  jq -Rn --argjson c "$calls" --argjson t "$traced" '
    [inputs | capture("^(?<k>[a-z_]+): +(?<v>[0-9]+)$") | {(.k): (.v | tonumber)}] | add as $io |
    ["fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "msync"] as $all |
    ($all | map({(. + "_calls"): ($c[. + "_calls"] // null)}) | add) +
    {source: ((if $c == {} then "/proc/PID/io (perf could not count system calls)" else "perf stat syscalls:sys_enter_*, /proc/PID/io" end)
              + (if $t == null then "" else ", perf record syscalls:sys_{enter,exit}_{fsync,fdatasync}" end)),
     durable_sync_calls: ([$c.fsync_calls, $c.fdatasync_calls, $c.sync_calls, $c.syncfs_calls] | if any(. == null) then null else add end),
     write_calls: $io.syscw, write_bytes: $io.wchar, storage_write_bytes: $io.write_bytes,
     sync_seconds: ($t.sync_seconds // null), traced_sync_calls: ($t.traced_sync_calls // null)}' "$1.io"
}

# A parsed run as JSON with its exit status, the harness's CPU and wall seconds and
# its log name; its figures
# at top level are BENCHMARK's (none: the first benchmark with a result, for a
# user's own benchmark).  Each run names the benchmark it ran: the read-back's log
# holds readseq, not the workload's.
parsed_run() {   # LOGFILE EXIT CPU WALL [BENCHMARK]
  { "$BIN/parse-dbbench" ${5:+--benchmark "$5"} "$1" 2>/dev/null || true; } | jq -c --argjson st "$2" --argjson cpu "$3" \
    --argjson wall "$4" --arg log "$(basename "$1")" '. + {exit_status: $st, cpu_seconds: $cpu, harness_seconds: $wall, log: $log}'
}

# The cpu channel: the instructions of one fixed-work run (AIOPT_COST_ARGS: one
# writer, no flush, no compaction, no statistics) under Callgrind, which counts
# instructions instead of timing them, so two runs of the same code agree to
# 0.03 % (tests/bench/README.md) where wall-clock pairs need 3-6 %.  The total is
# every thread's, from start to exit: work moved to another thread of the run is
# still counted.  It comes from valgrind's own log, on a descriptor valgrind takes
# out of the program's reach (the program could write its profile file, not that);
# the per-function figures (AIOPT_FUNCTIONS, inclusive) come from the profile and
# are profile information, for the prompt only.  An edit that names Valgrind (to
# tell the counted run from the benchmark) gets no count: null, unknown, so the
# channel cannot decide for it.  Prints the run object; null for a user's own
# benchmark (not db_bench) or with AIOPT_COST_ARGS empty (the channel off).
cost_run() {   # BINARY LOGBASE SCRATCH [DIFF]
  local bin=$1 logbase=$2 scratch=$3 diff=${4:-} db st=0 ops total
  if [ -n "${AIOPT_BENCH_CMD:-}" ] || [ -z "${AIOPT_COST_ARGS// /}" ]; then echo null; return; fi
  if [ -s "$diff" ] && grep -qiE '^\+.*valgrind' "$diff"; then
    jq -cn '{counter: "callgrind", instructions_per_op: null,
      error: {stage: "bench", message: "the edit names Valgrind: the counted run could tell itself from the benchmark, so its instruction count is not used"}}'
    return
  fi
  db=$(mktemp -d "$scratch/cost.XXXXXX")
  # shellcheck disable=SC2086  # AIOPT_COST_ARGS is a list of db_bench flags
  candidate_program "$(run_limit 30)" "$db" "$logbase.kernel" \
    --under valgrind --tool=callgrind --log-fd=3 --callgrind-out-file="$db/.callgrind" -- \
    "$bin" --db="$db/db" $AIOPT_COST_ARGS 3> "$logbase.valgrind" > "$logbase.log" 2>&1 || st=$?
  # The operations are the command line's (--num writes on each of --threads), not
  # the log's: the log is written inside the process counted.  The log must agree.
  local logged
  # shellcheck disable=SC2086
  ops=$("$BIN/read-flags" -- $AIOPT_COST_ARGS | jq '.num * .threads')
  logged=$({ "$BIN/parse-dbbench" "$logbase.log" 2>/dev/null || true; } | jq '[.benchmarks[]? | select(.name == "fillrandom") | .operations][0] // empty')
  total=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$logbase.valgrind" | tail -n 1)
  if [ "$st" != 0 ] || [ "$logged" != "$ops" ] || [ -z "$total" ] || [ ! -s "$db/.callgrind" ]; then
    jq -cn --argjson st "$st" --arg log "$(basename "$logbase").log" --arg logged "${logged:-no}" --argjson ops "$ops" \
      '{counter: "callgrind", instructions_per_op: null, exit_status: $st, log: $log,
        error: {stage: "bench", message: "the counted run (\($log)) exited \($st) reporting \($logged) operations of the \($ops) its command line asks for, or without a count of its instructions"}}'
  else
    "$BIN/parse-callgrind" --operations "$ops" "$db/.callgrind" | jq -c --argjson st "$st" --argjson total "$total" \
      --arg log "$(basename "$logbase").log" --argjson ops "$ops" \
      '{counter: "callgrind", instructions: $total, operations: $ops, instructions_per_op: ($total / $ops),
        functions: (.functions // null), exit_status: $st, log: $log} + (if .error then {error} else {} end)'
  fi
  rm -rf "$db" "$logbase.kernel".*
}

# Both sides' counted runs, one after the other, holding the machine: a count does
# not depend on the load, but the pairs of other runs would (two cores).
cost_pair() {   # BASELINE-BIN CANDIDATE-BIN BASELINE-LOGBASE CANDIDATE-LOGBASE SCRATCH DIFF
  local b c
  b=$(cost_run "$1" "$3" "$5")
  c=$(cost_run "$2" "$4" "$5" "$6")
  jq -cn --argjson b "$b" --argjson c "$c" --arg args "${AIOPT_COST_ARGS}" '{args: $args, baseline: $b, candidate: $c}'
}

# The user's own benchmark (AIOPT_BENCH_CMD; $1 the binary, $2 the database
# directory; AIOPT_BENCH_DURATION the seconds to run, AIOPT_BENCH_WORKLOAD the
# workload, in its environment): the saturation run only.  Its figures come from db_bench's output, or,
# when AIOPT_METRICS_JSON is set, from the JSON file the benchmark writes there
# ({"ops_per_sec": N, "p99_latency_us": N}; a relative path is inside the database
# directory): the way to bring YCSB or a custom harness.  Prints the run object.
user_bench_run() {   # BINARY DBDIR LOGBASE
  local bin=$1 db=$2 logbase=$3 status=0 metrics='' box=()
  # The run length and the workload are the benchmark's to honour: confirmation's
  # runs are longer, and the held-out stage asks for the other workloads.
  box=(--env "AIOPT_BENCH_DURATION=$AIOPT_BENCH_DURATION" --env "AIOPT_BENCH_WORKLOAD=$AIOPT_BENCH_WORKLOAD")
  if [ -n "${AIOPT_METRICS_JSON:-}" ]; then
    case $AIOPT_METRICS_JSON in /*) metrics=$AIOPT_METRICS_JSON ;; *) metrics=$db/$AIOPT_METRICS_JSON ;; esac
    mkdir -p "$(dirname "$metrics")"; rm -f "$metrics"
    box+=(--rw "$(dirname "$metrics")" --env "AIOPT_METRICS_JSON=$metrics")
  fi
  sandboxed "$(run_limit "$AIOPT_BENCH_DURATION")" --ro "$bin" --rw "$db" "${box[@]}" -- \
    bash -c "$AIOPT_BENCH_CMD" _ "$bin" "$db" > "$logbase.log" 2>&1 || status=$?
  if [ -z "$metrics" ]; then
    parsed_run "$logbase.log" "$status" null null
    return
  fi
  local kept; kept="$(basename "$logbase").metrics.json"
  [ ! -f "$metrics" ] || cp "$metrics" "$(dirname "$logbase")/$kept"
  metrics_run "$metrics" "$status" "$(basename "$logbase").log" "$kept"
}

# A run's figures from a benchmark's metrics file, checked: both figures there,
# numbers, above zero; else the run carries an error naming the file and the figure.
metrics_run() {   # FILE EXIT LOG KEPT
  local file=$1 problem=
  if [ ! -s "$file" ]; then
    problem="the benchmark wrote no metrics file $file (AIOPT_METRICS_JSON)"
  else
    problem=$(jq -r 'if type != "object" then "is not a JSON object"
      else [("ops_per_sec", "p99_latency_us") as $k | select((.[$k] | type) != "number" or .[$k] <= 0)
            | "has no \($k) (a number above 0)"] | first // empty end' "$file" 2>/dev/null) || problem="is not JSON"
    [ -z "$problem" ] || problem="$file $problem (AIOPT_METRICS_JSON)"
  fi
  if [ -n "$problem" ]; then
    jq -cn --arg m "$problem" --argjson st "$2" --arg log "$3" \
      '{ops_per_sec: null, p99_us: null, exit_status: $st, cpu_seconds: null, log: $log, error: {stage: "bench", message: $m}}'
  else
    jq -c --argjson st "$2" --arg log "$3" --arg kept "$4" \
      '{ops_per_sec, p99_us: .p99_latency_us, exit_status: $st, cpu_seconds: null, log: $log, metrics: $kept}' "$file"
  fi
}

# One side of a pair, as a JSON object: the saturation run (throughput, stalls,
# L0: the parse-dbbench object) with the kernel's account of it ("kernel"); then,
# read by READER (pristine's db_bench: the candidate's code cannot hide a loss or
# slow its rival's reads), "readback": every key of the database it left, counted
# after a clean reopen, and "read": readrandom for AIOPT_BENCH_READ_SECONDS (what
# the writes cost the reads); then — given an offered load in bytes/s —
# "fixed_load": the same workload on a fresh database at that rate, where p99
# means something (at saturation a slower write path lowers p99).
bench_run() {   # BINARY READER LOGBASE SCRATCH [OFFERED-BYTES-PER-SEC]
  local bin=$1 reader=$2 logbase=$3 scratch=$4 offered=${5:-} db st cpu wall
  mkdir -p "$scratch"; require_disk "$scratch"
  db=$(mktemp -d "$scratch/db.XXXXXX")
  if [ -n "${AIOPT_BENCH_CMD:-}" ]; then
    user_bench_run "$bin" "$db" "$logbase"
    rm -rf "$db"
    return
  fi
  # shellcheck disable=SC2046
  read -r st cpu wall < <(db_bench_once "$bin" "$db" "$logbase.log" $(bench_args))
  local sat options kernel readback=null read_run=null fixed=null
  options=$(db_options "$db")
  kernel=$(kernel_account "$logbase.kernel")
  sat=$(parsed_run "$logbase.log" "$st" "$cpu" "$wall" "$(measured_benchmark)")
  if [ "$st" = 0 ]; then
    # One thread: readseq's count is then the database's keys, not a multiple.
    # shellcheck disable=SC2046
    read -r st cpu wall < <(db_bench_once "$reader" "$db" "$logbase-readback.log" $(bench_args) \
      --use_existing_db=1 --benchmarks=readseq --threads=1)
    readback=$(parsed_run "$logbase-readback.log" "$st" "$cpu" "$wall" readseq | jq -c '{keys_found: ([.benchmarks[]? | select(.name == "readseq") | .operations][0] // null),
      exit_status, log, error}')
  fi
  if [ "$st" = 0 ] && [ "${AIOPT_BENCH_READ_SECONDS}" != 0 ]; then
    # shellcheck disable=SC2046
    read -r st cpu wall < <(db_bench_once "$reader" "$db" "$logbase-read.log" $(bench_args) \
      --use_existing_db=1 --benchmarks=readrandom --duration="${AIOPT_BENCH_READ_SECONDS}")
    read_run=$(parsed_run "$logbase-read.log" "$st" "$cpu" "$wall" readrandom | jq -c '{ops_per_sec, p99_us, exit_status, log, error}')
  fi
  rm -rf "$db"
  if [ -n "$offered" ]; then
    db=$(mktemp -d "$scratch/db.XXXXXX")
    # shellcheck disable=SC2046
    read -r st cpu wall < <(db_bench_once "$bin" "$db" "$logbase-fixed.log" $(bench_args) --benchmark_write_rate_limit="$offered")
    fixed=$(parsed_run "$logbase-fixed.log" "$st" "$cpu" "$wall" "$(measured_benchmark)" | jq -c --argjson o "$offered" \
      '{offered_bytes_per_sec: $o, ops_per_sec, p50_us, p99_us, p99_9_us, stall_pct: .db_stats.stall_pct,
        l0_files: .compaction.l0_files, exit_status, log, error}')
    rm -rf "$db"
  fi
  # The read-back, read and fixed-load runs' sync recordings are not summed: gone.
  rm -f "$logbase"-*.kernel.syncs
  jq -c --argjson opt "$options" --argjson k "$kernel" --argjson rb "$readback" --argjson r "$read_run" --argjson f "$fixed" \
    '. + {options: $opt, kernel: $k, readback: $rb, read: $r, fixed_load: $f}' <<<"$sat"
}

# The offered load of the fixed-load runs, bytes/s: AIOPT_BENCH_OFFERED_LOAD of
# pristine's saturation throughput (baseline.json), times the bytes db_bench
# writes per operation (its "Keys:" and "Values:" lines).  The same for both sides.
offered_load() {   # PRISTINE_DIR
  jq -r '.offered_bytes_per_sec // empty' "$1/baseline.json"
}

# Pair I of two binaries, as {baseline, candidate}.  Who runs first alternates
# (ABBA): a drift or an order effect of the machine (page cache, device state)
# then cancels instead of favouring one side.
# The pair holds the machine (machine_lock): both sides measured alike.
bench_pair() { machine_lock exclusive bench_pair_alone "$@"; }
# Both sides' databases are read back by the baseline's binary (pristine's).
bench_pair_alone() {   # I BASELINE-BIN CANDIDATE-BIN BASELINE-LOGBASE CANDIDATE-LOGBASE SCRATCH OFFERED
  local b c
  if [ $(($1 % 2)) -eq 1 ]; then
    b=$(bench_run "$2" "$2" "$4" "$6" "$7")
    c=$(bench_run "$3" "$2" "$5" "$6" "$7")
  else
    c=$(bench_run "$3" "$2" "$5" "$6" "$7")
    b=$(bench_run "$2" "$2" "$4" "$6" "$7")
  fi
  jq -cn --argjson b "$b" --argjson c "$c" '{baseline: $b, candidate: $c}'
}

stage_bench() {
  local cand=$1 in=$1/crash.json out=$1/bench.json pristine=${PRISTINE:?PRISTINE is not set}
  if has_error "$in"; then cp "$in" "$out"; return; fi
  [ -x "$pristine/db_bench" ] || input_error "$pristine/db_bench: pristine is not built (make baseline or the runner builds it)"
  [ -f "$pristine/baseline.json" ] || input_error "$pristine/baseline.json: pristine was not measured (bin/stage.sh pristine writes it)"
  local pairs="$cand/pairs.jsonl" i=0 more=3 scratch offered
  scratch=$(scratch_for "$cand")/bench
  mkdir -p "$scratch"; require_disk "$scratch"
  offered=$(offered_load "$pristine")
  # The run's own noise (its latest A/A calibration) widens the first pair's screen;
  # the candidate keeps the one it was screened with.
  local noise=()
  if [ -s "$pristine/calibration.jsonl" ]; then
    tail -n 1 "$pristine/calibration.jsonl" > "$cand/calibration.json"
    noise=(--calibration "$cand/calibration.json")
  fi
  : > "$pairs"
  # The machine the pairs run on (bin/node.sh), in the record: the report groups by its kind.
  "$TOP/bin/node.sh" "$scratch" > "$cand/node.json"
  log "bench: instructions counted (Callgrind), pristine and candidate"
  machine_lock exclusive cost_pair "$pristine/db_bench" "$cand/db_bench" "$cand/cost-pristine" "$cand/cost-candidate" \
    "$scratch" "$cand/cumulative.diff" > "$cand/cost.json"
  while [ "$more" -eq 3 ]; do
    i=$((i + 1))
    log "bench pair $i ($([ $((i % 2)) -eq 1 ] && echo "pristine first" || echo "candidate first"))"
    bench_pair "$i" "$pristine/db_bench" "$cand/db_bench" "$cand/bench-$i-pristine" "$cand/bench-$i-candidate" \
      "$scratch" "$offered" >> "$pairs"
    cp "$in" "$out.tmp"
    # The pairs only: score makes every statistic of them (score.medians, the terms).
    update "$out.tmp" --slurpfile p "$pairs" --slurpfile cost "$cand/cost.json" --arg args "$(bench_args)" \
      --slurpfile node "$cand/node.json" '.bench = {workload: $args, node: $node[0], pairs: $p, cost: $cost[0]}'
    more=0
    "$BIN/score" --more ${noise[@]+"${noise[@]}"} < "$out.tmp" 2> "$cand/bench-$i.decision" || more=$?
    log "bench: $(cat "$cand/bench-$i.decision")"
    # 1: the pairs cannot be scored (the score stage records why): no more pairs.
    # Anything else is not the candidate's doing and must not pass for a decision.
    case $more in
      0|3) ;;
      1) more=0 ;;
      *) system_error "score --more failed (exit $more): $(cat "$cand/bench-$i.decision")" ;;
    esac
  done
  rm -rf "$scratch"
  mv "$out.tmp" "$out"
}


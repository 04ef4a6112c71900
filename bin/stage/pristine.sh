# bin/stage/pristine.sh — PRISTINE_DIR: pristine's db_bench, built as candidates are,
# k bench runs and the profiles → baseline.json, what every candidate is scored against.
# shellcheck shell=bash
# shellcheck source=bin/stage/build.sh
. "$TOP/bin/stage/build.sh"
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"
# shellcheck source=bin/stage/profile.sh
. "$TOP/bin/stage/profile.sh"
# shellcheck source=bin/stage/crash.sh
. "$TOP/bin/stage/crash.sh"

# Pristine for a run: the db_bench binary, k bench runs, a Coz profile.
stage_pristine() {
  local dir=$1
  # Before any build: the durability rules of the WAL-sync workload (screened on, or
  # held out) need the kernel's count of sync calls; a user's own benchmark has none.
  if [ -z "${AIOPT_BENCH_CMD:-}" ]; then
    "$TOP/bin/sandbox.sh" --check-count > /dev/null || usage_error "$("$TOP/bin/sandbox.sh" --check-count)"
  fi
  mkdir -p "$dir"
  mkdir -p "$(scratch_for "$dir")"
  crash_preflight "$(scratch_for "$dir")"
  with_lock
  tree_reset
  rm -f "$SRC/.git/aiopt-holds"
  log "pristine: building db_bench"
  build_db_bench "$dir/build.log" || system_error "pristine does not build (exit $?): see $dir/build.log"
  keep_binary "$(built_db_bench)" "$dir/db_bench"
  if [ "${AIOPT_CRASH_CUTS}" != 0 ]; then
    build_ack_writer "$dir/ack-writer" "$dir/build.log" || system_error "the crash check's reader does not build against pristine's library: see $dir/build.log"
  fi
  exec 9>&-
  pristine_crash "$dir"
  local runs=${AIOPT_BASELINE_RUNS} scratch
  scratch=$(scratch_for "$dir")/bench
  mkdir -p "$scratch"; require_disk "$scratch"
  : > "$dir/runs.jsonl"
  for i in $(seq "$runs"); do
    log "pristine: bench run $i of $runs"
    machine_lock exclusive bench_run "$dir/db_bench" "$dir/db_bench" "$dir/bench-$i" "$scratch" >> "$dir/runs.jsonl"
  done
  # The device's own sync rate, where the databases live: the bound of a sync
  # workload (writer threads × syncs/s without group commit), in the report.
  log "pristine: the device's sync rate (sync-probe, ${AIOPT_SYNC_PROBE_SECONDS} s)"
  machine_lock exclusive "$BIN/sync-probe" --dir "$scratch" --seconds "${AIOPT_SYNC_PROBE_SECONDS}" > "$dir/device.json"
  "$TOP/bin/node.sh" "$scratch" > "$dir/node.json"   # the machine it was measured on: a run resumed elsewhere measures again
  log "pristine: instructions counted (Callgrind)"
  machine_lock exclusive cost_run "$dir/db_bench" "$dir/cost" "$scratch" > "$dir/cost.json"
  rm -rf "$scratch"
  jq -e -s 'all(.exit_status == 0 and .ops_per_sec != null)' "$dir/runs.jsonl" > /dev/null \
    || system_error "pristine's bench runs failed: $(jq -rs 'map(.error.message // empty) | first // empty' "$dir/runs.jsonl") (see $dir/bench-*.log)"
  # The fixed-load runs' offered load: a share of pristine's saturation throughput,
  # in the bytes db_bench's rate limiter counts (key + value per write).
  local bytes_per_op
  bytes_per_op=$(awk '/^Keys: +[0-9]+ bytes each/ {k = $2} /^Values: +[0-9]+ bytes each/ {v = $2}
                      END { if (k != "" && v != "") print k + v }' "$dir/bench-1.log")
  local coz='null' bperf='null'
  if [ "${AIOPT_RUN_BCOZ:-0}" = 1 ]; then
    coz_profile "$dir/db_bench" "$dir" > "$dir/coz.json"
    coz=$(cat "$dir/coz.json")
  fi
  if [ "${AIOPT_RUN_BPERF:-0}" = 1 ]; then
    exec 9>"$LOCK"; flock 9; tree_reset; rm -f "$SRC/.git/aiopt-holds"
    offcpu_profile "$dir/db_bench" "$dir" > "$dir/bperf.json"
    exec 9>&-
    bperf=$(cat "$dir/bperf.json")
  fi
  # The headroom the report states: a sync workload's W writers each wait for their
  # write's sync, so one sync covers at most W writes and the WAL's syncs come one
  # after another: at most W × the device's syncs/s.  The L0 workload's no-stall
  # throughput is pristine's over the time it did not stall.
  local threads syncs=false
  threads=$(workload_flag threads)
  workload_syncs && syncs=true
  # The medians are score's (score --summarize); the offered load is derived from them.
  "$BIN/score" --summarize < "$dir/runs.jsonl" | jq -c --argjson coz "$coz" --argjson bperf "$bperf" \
      --argjson threads "$threads" --argjson syncs "$syncs" --arg args "$(bench_args)" \
      --argjson share "${AIOPT_BENCH_OFFERED_LOAD}" --argjson bytes "${bytes_per_op:-null}" --slurpfile runs "$dir/runs.jsonl" \
      --slurpfile cost "$dir/cost.json" --slurpfile device "$dir/device.json" --slurpfile node "$dir/node.json" --slurpfile crash "$dir/crash.json" '
      . + {offered_load_share: $share,
           offered_bytes_per_sec: (if $bytes == null or $share == 0 or .ops_per_sec == null then null
                                   else (.ops_per_sec * $bytes * $share | floor) end),
           coz: $coz, bperf: $bperf, cost: $cost[0], crash: $crash[0], device: $device[0], node: $node[0], bench: $runs} |
      .limits = {workload: $args, writer_threads: $threads, syncs_every_write: $syncs,
                 device_syncs_per_sec: .device.syncs_per_sec,
                 sync_bound_ops_per_sec: (if $syncs and .device.syncs_per_sec != null then $threads * .device.syncs_per_sec else null end),
                 no_stall_ops_per_sec: (if .ops_per_sec == null or .stall_pct == null or .stall_pct >= 100 then null
                                        else .ops_per_sec / (1 - .stall_pct / 100) end)}' > "$dir/baseline.json.tmp"
  mv "$dir/baseline.json.tmp" "$dir/baseline.json"
  log "pristine: $(jq -c '{ops_per_sec, p99_us, stall_pct, l0_files, read_ops_per_sec, offered_bytes_per_sec, coz_max_speedup_pct: .coz.max_speedup_pct, instructions_per_op: .cost.instructions_per_op, device_syncs_per_sec: .device.syncs_per_sec}' "$dir/baseline.json")"
}


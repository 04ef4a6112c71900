# bin/stage/profile.sh — the profiling stages of the profiler tracks: bench.json →
# coz.json (Coz, or BCOZ, over db_bench; parse-coz) → bperf.json (off-CPU: bperf, else
# mainline perf; parse-offcpu).  coz_profile and offcpu_profile profile pristine too.
# shellcheck shell=bash

# Coz over db_bench; parse-coz on the profile.  Prints the parse-coz object.
coz_profile() {   # BINARY DIR
  local bin=$1 dir=$2 duration=${AIOPT_BCOZ_DURATION} db status=0
  log "coz: profiling for $duration s"
  local coz=coz
  if [ "${AIOPT_COZ:-}" = bcoz ] || command -v bcoz > /dev/null; then coz=bcoz; fi
  local scratch; scratch=$(scratch_for "$dir")/coz
  mkdir -p "$scratch"; require_disk "$scratch"
  db=$(mktemp -d "$scratch/db.XXXXXX")
  rm -f "$dir/profile.coz"
  local progress=()
  [ "$coz" = bcoz ] && [ -n "${AIOPT_BCOZ_PROGRESS_POINTS:-}" ] && progress=(-p "$AIOPT_BCOZ_PROGRESS_POINTS")
  # shellcheck disable=SC2046
  # Coz samples with perf events: it keeps the capabilities (--keep-caps).
  machine_lock exclusive sandboxed "$(run_limit "$duration")" --keep-caps --ro "$bin" --ro "$SRC" --rw "$dir" --rw "$db" -- \
    "$coz" run -o "$dir/profile.coz" -s "${AIOPT_BCOZ_SCOPE}" \
    ${progress[@]+"${progress[@]}"} --- "$bin" --db="$db" $(AIOPT_BENCH_DURATION=$duration bench_args) \
    > "$dir/coz-run.log" 2>&1 || status=$?
  rm -rf "$scratch"
  if [ ! -s "$dir/profile.coz" ]; then
    jq -cn --arg m "$coz produced no profile (exit $status; see coz-run.log)" '{error: {stage: "coz", message: $m}}'
    return
  fi
  "$BIN/parse-coz" --top "${AIOPT_COZ_TOP}" --context "$SRC:3" "$dir/profile.coz" | jq -c --arg p "$coz" '. + {profiler: $p}'
}

# Where db_bench's writer threads wait: bperf when installed, else mainline perf
# (task-clock + sched_switch with DWARF stacks).  Prints the parse-offcpu object.
offcpu_profile() {   # BINARY DIR
  local bin=$1 dir=$2 duration=${AIOPT_BPERF_DURATION} db status=0
  log "off-CPU profile for $duration s"
  local bperf=${AIOPT_BPERF:-$(command -v bperf || true)}
  local scratch; scratch=$(scratch_for "$dir")/offcpu
  mkdir -p "$scratch"; require_disk "$scratch"
  db=$(mktemp -d "$scratch/db.XXXXXX")
  # The profilers trace the kernel's scheduler: they keep the capabilities.
  local box=(--keep-caps --ro "$bin" --rw "$dir" --rw "$db")
  # shellcheck disable=SC2046
  if [ -n "$bperf" ]; then
    machine_lock exclusive sandboxed "$(run_limit "$duration")" "${box[@]}" --ro "$bperf" -- "$bperf" record -g -e task-clock -c 1000000 --weight -o "$dir/bperf.data" \
      -- "$bin" --db="$db" $(AIOPT_BENCH_DURATION=$duration bench_args) > "$dir/offcpu-run.log" 2>&1 || status=$?
    "$bperf" report -i "$dir/bperf.data" --stdio > "$dir/offcpu.txt" 2>> "$dir/offcpu-run.log" || status=$?
    rm -f "$dir/bperf.data"
  else
    machine_lock exclusive sandboxed "$(run_limit "$duration")" "${box[@]}" -- perf record -q -e task-clock -c 1000000 -e sched:sched_switch \
      --call-graph "dwarf,${AIOPT_OFFCPU_STACK_BYTES}" -o "$dir/perf.data" \
      -- "$bin" --db="$db" $(AIOPT_BENCH_DURATION=$duration bench_args) > "$dir/offcpu-run.log" 2>&1 || status=$?
    perf script -i "$dir/perf.data" > "$dir/offcpu.txt" 2>> "$dir/offcpu-run.log" || status=$?
    rm -f "$dir/perf.data"   # hundreds of MB; the parsed profile is what is kept
  fi
  rm -rf "$scratch"
  if [ ! -s "$dir/offcpu.txt" ]; then
    rm -f "$dir/offcpu.txt"
    jq -cn --arg m "the off-CPU profile failed (exit $status; see offcpu-run.log)" '{error: {stage: "bperf", message: $m}}'
    return
  fi
  "$BIN/parse-offcpu" --top "${AIOPT_PROFILE_TOP}" --context "$SRC:3" \
    --thread-with "${AIOPT_OFFCPU_THREAD_WITH}" "$dir/offcpu.txt" 2>/dev/null \
    || jq -cn '{error: {stage: "bperf", message: "parse-offcpu could not read the profile"}}'
  gzip -f "$dir/offcpu.txt"
}

# A profiling stage: passed through off its track, skipped for a candidate screened
# out on its first pair; else FUNC's profile of the candidate under KEY, with
# pristine's headline figure beside it (a failed profile does not fail the candidate),
# the workload it profiled (the screening workload, AIOPT_BENCH_WORKLOAD: a held-out
# workload is never profiled, so never reaches a prompt) and the stage's seconds
# (the report counts them against the track that pays for them).
profiled_stage() {   # CAND IN OUT KEY ENABLED PRISTINE-FILE PRISTINE-SUMMARY-JQ FUNC
  local cand=$1 in=$2 out=$3 key=$4 enabled=$5 pfile=$6 summary=$7 func=$8
  if has_error "$in" || [ "$enabled" != 1 ]; then cp "$in" "$out"; return; fi
  if jq -e '(.bench.pairs | length) == 1' "$in" > /dev/null; then
    cp "$in" "$out"; update "$out" --arg k "$key" '.[$k] = {skipped: "screened out on the first bench pair"}'; return
  fi
  [ -f "$pfile" ] || input_error "$pfile: pristine was not profiled"
  with_lock
  tree_put "$cand"   # --context quotes the candidate's source
  local p t0=$SECONDS
  p=$("$func" "$cand/db_bench" "$cand")
  p=$(jq -c --arg w "$AIOPT_BENCH_WORKLOAD" --argjson s "$((SECONDS - t0))" '. + {workload: $w, seconds: $s}' <<<"$p")
  cp "$in" "$out"
  if jq -e '.error' <<<"$p" > /dev/null; then
    update "$out" --arg k "$key" --argjson p "$p" '.[$k] = $p'
  else
    update "$out" --arg k "$key" --argjson p "$p" --slurpfile b "$pfile" ".[\$k] = \$p | .baseline[\$k] = (\$b[0] | $summary)"
  fi
}

stage_coz() {
  profiled_stage "$1" "$1/bench.json" "$1/coz.json" coz "${AIOPT_RUN_BCOZ:-0}" "${PRISTINE:?}/coz.json" \
    '{max_speedup_pct, max_speedup_pct_ci}' coz_profile
}

stage_bperf() {
  profiled_stage "$1" "$1/coz.json" "$1/bperf.json" bperf "${AIOPT_RUN_BPERF:-0}" "${PRISTINE:?}/bperf.json" \
    '{off_cpu_ratio, off_cpu_ratio_ci}' offcpu_profile
}


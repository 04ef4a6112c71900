#!/usr/bin/env bash
# stage.sh STAGE CAND — one stage of one candidate, as mk/candidate.mk runs it.
#
#   apply   record.json → apply.json (+ patch.diff, cumulative.diff): tree reset to
#           pristine, the parent's cumulative patch, then the new edit (apply-diff)
#   build   apply.json → build.json (+ build.log, db_bench): incremental db_bench build
#   test    build.json → test.json (+ test.log): RocksDB's own tests, Debug build
#   bench   test.json  → bench.json: pristine/candidate pairs until score --more says enough
#   coz     bench.json → coz.json: a Coz profile (profiler tracks), parse-coz on it
#   bperf   coz.json   → bperf.json: off-CPU profile (bperf, else mainline perf), parse-offcpu
#   score   bperf.json → score.json
#   pristine PRISTINE_DIR: pristine db_bench, k bench runs and a profile → baseline.json
#   checkout CAND|pristine: put a candidate's code (its cumulative.diff) in the tree
#
# Every stage writes its record even when it fails (with "error"); a record that
# already failed is passed on untouched.  Stages that use the tree hold its lock
# and first put the candidate's code there, so any stage can be rerun alone.
# Settings come from the environment (mk/candidate.mk exports the experiment's).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=stage
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
# The experiment's settings: from make (mk/candidate.mk exports them), or, run by
# hand, from make too: their one home is the experiment's .mk.
if [ -z "${EXP:-}" ]; then eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"; fi

BIN=${AIOPT_BIN:-$TOP/bin}
SRC=${ROCKSDB_SRC:-$TOP/build/rocksdb-src}
RELEASE=${ROCKSDB_RELEASE:-$TOP/build/rocksdb-release}
TSAN=${ROCKSDB_TSAN:-$TOP/build/rocksdb-tsan}
GATE=$AIOPT_GATE
LOCK=${AIOPT_TREE_LOCK:-$TOP/build/tree.lock}
TARGETS=$AIOPT_TARGET_FILES
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# The untrusted candidate's programs run in bin/sandbox.sh (its own root holding the
# tree, the binary and the scratch dir; no network; an empty environment) under a
# time limit:  sandboxed SECONDS [sandbox.sh options] -- CMD...
sandboxed() { local seconds=$1; shift; timeout --kill-after=10 "$seconds" "$TOP/bin/sandbox.sh" "$@"; }

# Databases live on the run's own filesystem, never /tmp by default: on tmpfs
# (Debian 13 mounts /tmp so) fsync returns at once and the WAL-sync workload
# would measure nothing.
scratch_for() { echo "${AIOPT_SCRATCH:-$1/scratch}"; }

workload_syncs() { [[ " $(bench_args) " =~ [[:space:]]--sync=(1|true)[[:space:]] ]]; }

require_disk() {   # DIR
  local fs; fs=$(stat -f -c %T "$1")
  if [ "$fs" = tmpfs ] || [ "$fs" = ramfs ]; then
    if workload_syncs; then
      usage_error "$1 is on $fs, where fsync returns at once: this workload syncs every write (--sync=1), so it would measure nothing. Put the run on a disk (AIOPT_SCRATCH=DIR names another scratch directory)."
    fi
  fi
}

# jq over a record file, replacing it atomically.
update() {   # FILE JQ-ARGS...
  local f=$1; shift
  jq -c "$@" "$f" > "$f.tmp" && mv "$f.tmp" "$f"
}

has_error() { jq -e '.error != null' "$1" > /dev/null; }

# ---- the tree --------------------------------------------------------------------

tree_reset() {
  git -C "$SRC" checkout -q -f pristine
  git -C "$SRC" clean -fdq
}

# Puts CAND's cumulative patch on pristine, unless the tree already holds it.
tree_put() {   # CAND
  local cand=$1 want
  want="$cand $(md5sum < "$cand/cumulative.diff" | cut -d' ' -f1)"
  [ "$(cat "$SRC/.git/aiopt-holds" 2>/dev/null)" = "$want" ] && return 0
  tree_reset
  [ -s "$cand/cumulative.diff" ] && git -C "$SRC" apply --whitespace=nowarn "$cand/cumulative.diff"
  echo "$want" > "$SRC/.git/aiopt-holds"
}

with_lock() { exec 9>"$LOCK"; flock 9; }

# ---- stages ------------------------------------------------------------------------

stage_apply() {
  local cand=$1 in=$1/record.json out=$1/apply.json
  [ -f "$in" ] || input_error "$in: no record (llm-mutate writes it)"
  if has_error "$in"; then cp "$in" "$out"; return; fi
  with_lock
  tree_reset
  rm -f "$SRC/.git/aiopt-holds"
  local parent parent_dir
  parent=$(jq -r '.parent // "pristine"' "$in")
  parent_dir=$(dirname "$cand")/$parent
  if [ "$parent" != pristine ]; then
    [ -f "$parent_dir/cumulative.diff" ] || input_error "$parent_dir/cumulative.diff: the parent's patch is missing"
    [ -s "$parent_dir/cumulative.diff" ] && git -C "$SRC" apply --whitespace=nowarn "$parent_dir/cumulative.diff"
  fi
  # shellcheck disable=SC2086
  "$BIN/apply-diff" --tree "$SRC" $(printf -- '--allow %s ' $TARGETS) --out "$cand" < "$in" > "$out.tmp"
  mv "$out.tmp" "$out"
  if ! has_error "$out"; then
    git -C "$SRC" add -A
    git -C "$SRC" diff --cached --binary > "$cand/cumulative.diff"
    git -C "$SRC" reset -q
    echo "$cand $(md5sum < "$cand/cumulative.diff" | cut -d' ' -f1)" > "$SRC/.git/aiopt-holds"
  fi
}

# The first compiler errors of a build log, short enough for the next prompt, and
# only those about the tree's own files: an edit that #includes /etc/shadow or a
# key file must not get the compiler to quote it back to the model.
compiler_errors() {
  local src; src=$(cd "$SRC" && pwd)
  grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (fatal )?error: ' "$1" | while IFS= read -r line; do
    local file=${line%%:*}
    case $file in /*) ;; *) file=$src/$file ;; esac
    file=$(realpath -m "$file")
    case $file in "$src"/*) printf '%s\n' "${line#"$src"/}" ;; esac
  done | head -n 8 | cut -c1-400 || true
}

stage_build() {
  local cand=$1 in=$1/apply.json out=$1/build.json
  if has_error "$in"; then cp "$in" "$out"; return; fi
  with_lock
  tree_put "$cand"
  local t0=$SECONDS status=0
  if [ -n "${AIOPT_BUILD_CMD:-}" ]; then
    (cd "$SRC" && timeout "${AIOPT_BUILD_TIMEOUT}" bash -c "$AIOPT_BUILD_CMD") > "$cand/build.log" 2>&1 || status=$?
  else
    timeout "${AIOPT_BUILD_TIMEOUT}" cmake --build "$RELEASE" --target db_bench -j "$(nproc)" > "$cand/build.log" 2>&1 || status=$?
  fi
  local seconds=$((SECONDS - t0))
  if [ "$status" -eq 0 ]; then
    # A hard link survives the next build (the linker replaces the file).
    ln -f "${AIOPT_BENCH_BIN:-$RELEASE/db_bench}" "$cand/db_bench"
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" '.build = {ok: true, seconds: $s, log: "build.log"}'
  else
    local why; why=$(compiler_errors "$cand/build.log")
    [ "$status" -eq 124 ] && why="the build took longer than ${AIOPT_BUILD_TIMEOUT} s"
    [ -n "$why" ] || why=$(grep -o "undefined reference to .*" "$cand/build.log" | sort -u | head -n 4 | cut -c1-200 || true)
    [ -n "$why" ] || why="the build failed with no compiler error in the tree's own files (see build.log)"
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" --arg m "$why" \
      '.build = {ok: false, seconds: $s, log: "build.log", errors: $m} | .error = {stage: "build", message: $m}'
  fi
}

# The gate's lines: PROGRAM<TAB>ARGS ({scratch} is the program's scratch directory).
gate_lines() { awk -F'\t' '!/^#/ && NF >= 1' "$GATE"; }
# Where CMake puts a gate program: the build root, or a tool's subdirectory.
gate_binary() { local b; for b in "$TSAN/$1" "$TSAN/db_stress_tool/$1" "$TSAN/tools/$1"; do [ -x "$b" ] && { echo "$b"; return; }; done; echo "$TSAN/$1"; }

stage_test() {
  local cand=$1 in=$1/build.json out=$1/test.json
  if has_error "$in"; then cp "$in" "$out"; return; fi
  [ -f "$GATE" ] || usage_error "$GATE: no test gate (AIOPT_GATE names it)"
  with_lock
  tree_put "$cand"
  local programs t0=$SECONDS status=0
  programs=$(gate_lines | cut -f1 | sort -u | paste -sd' ' -)
  # shellcheck disable=SC2086
  timeout "${AIOPT_BUILD_TIMEOUT}" cmake --build "$TSAN" --target $programs -j "$(nproc)" > "$cand/test-build.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    local why; why=$(compiler_errors "$cand/test-build.log")
    cp "$in" "$out"
    update "$out" --arg m "the tests did not build: ${why:-see test-build.log}" \
      '.test = {ok: false, log: "test-build.log"} | .error = {stage: "test", message: $m}'
    return
  fi
  local build_seconds=$((SECONDS - t0)) scratch n=0 prog args
  scratch=$(scratch_for "$cand")/test
  : > "$cand/test.log"
  # halt_on_error: the first race ends the program (exit 66), which fails the gate.
  local tsan="halt_on_error=1 exitcode=66 history_size=3 second_deadlock_stack=1"
  while IFS=$'\t' read -r prog args; do
    n=$((n + 1))
    rm -rf "$scratch"; mkdir -p "$scratch"
    args=${args//\{scratch\}/$scratch}
    echo "=== $prog#$n $args" >> "$cand/test.log"
    local t1=$SECONDS rc=0
    # shellcheck disable=SC2086
    local bin; bin=$(gate_binary "$prog")
    sandboxed "${AIOPT_TEST_TIMEOUT}" --ro "$bin" --rw "$scratch" \
      --env "TEST_TMPDIR=$scratch" --env "TSAN_OPTIONS=$tsan" -- \
      "$bin" $args >> "$cand/test.log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      echo "=== $prog#$n exited $rc: timed out after ${AIOPT_TEST_TIMEOUT} s" >> "$cand/test.log"
    elif [ "$rc" -ne 0 ]; then
      echo "=== $prog#$n exited $rc" >> "$cand/test.log"
    fi
    echo "=== $prog#$n took $((SECONDS - t1)) s" >> "$cand/test.log"
  done < <(gate_lines)
  rm -rf "$scratch"
  local seconds=$((SECONDS - t0)) verdict
  verdict=$("$BIN/parse-gtest" --source-root "$(cd "$SRC" && pwd)" "$cand/test.log")
  cp "$in" "$out"
  update "$out" --argjson v "$verdict" --argjson s "$seconds" --argjson b "$build_seconds" '
    ($v.failed == 0 and ($v.exits | length) == 0 and $v.passed > 0) as $ok |
    .test = ($v + {ok: $ok, seconds: $s, build_seconds: $b, log: "test.log"}) |
    if $ok then . else .error = {stage: "test", message: ("RocksDB tests: " + (
      [ (if $v.failed > 0 then "\($v.failed) failed: \($v.failed_tests[0:10] | join(","))" else empty end),
        (if ($v.exits | length) > 0 then ($v.exits | join(",")) else empty end),
        (if ($v.races | length) > 0 then ($v.races | join("; ")) else empty end) ]
      | if length == 0 then ["no test passed (see test.log)"] else . end | join("; ")))} end'
}

bench_args() {
  local args
  if [ "${AIOPT_BENCH_WORKLOAD}" = sync ]; then args=${AIOPT_BENCH_ARGS_SYNC}; else args=${AIOPT_BENCH_ARGS}; fi
  echo "$args --duration=${AIOPT_BENCH_DURATION}"
}

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

# One db_bench invocation in the sandbox: LOG gets its output; prints
# "EXIT CPU-SECONDS" (CPU null when unknown).
db_bench_once() {   # BINARY DBDIR LOG ARGS...
  local bin=$1 db=$2 logfile=$3 status=0; shift 3
  sandboxed $((${AIOPT_BENCH_DURATION} * 3 + 60)) --ro "$bin" --rw "$db" -- \
    /usr/bin/time -f '%e %U %S' -o "$db/.time" "$bin" --db="$db" "$@" > "$logfile" 2>&1 || status=$?
  local cpu=null
  [ -s "$db/.time" ] && cpu=$(awk 'NF == 3 { v = $2 + $3 } END { print (v == "" ? "null" : v) }' "$db/.time")
  echo "$status ${cpu:-null}"
}

# A parsed run as JSON with its exit status, CPU seconds and log name.
parsed_run() {   # LOGFILE EXIT CPU
  { "$BIN/parse-dbbench" "$1" 2>/dev/null || true; } | jq -c --argjson st "$2" --argjson cpu "$3" \
    --arg log "$(basename "$1")" '. + {exit_status: $st, cpu_seconds: $cpu, log: $log}'
}

# The user's own benchmark (AIOPT_BENCH_CMD; $1 the binary, $2 the database
# directory): the saturation run only.  Its figures come from db_bench's output, or,
# when AIOPT_METRICS_JSON is set, from the JSON file the benchmark writes there
# ({"ops_per_sec": N, "p99_latency_us": N}; a relative path is inside the database
# directory): the way to bring YCSB or a custom harness.  Prints the run object.
user_bench_run() {   # BINARY DBDIR LOGBASE
  local bin=$1 db=$2 logbase=$3 status=0 metrics= box=()
  if [ -n "${AIOPT_METRICS_JSON:-}" ]; then
    case $AIOPT_METRICS_JSON in /*) metrics=$AIOPT_METRICS_JSON ;; *) metrics=$db/$AIOPT_METRICS_JSON ;; esac
    mkdir -p "$(dirname "$metrics")"; rm -f "$metrics"
    box=(--rw "$(dirname "$metrics")" --env "AIOPT_METRICS_JSON=$metrics")
  fi
  sandboxed $((AIOPT_BENCH_DURATION * 3 + 60)) --ro "$bin" --rw "$db" ${box[@]+"${box[@]}"} -- \
    bash -c "$AIOPT_BENCH_CMD" _ "$bin" "$db" > "$logbase.log" 2>&1 || status=$?
  if [ -z "$metrics" ]; then
    parsed_run "$logbase.log" "$status" null
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
# L0: the parse-dbbench object), then "read": readrandom for AIOPT_BENCH_READ_SECONDS
# on the database it left (what the writes cost the reads), then — given an offered
# load in bytes/s — "fixed_load": the same workload on a fresh database at that
# rate, where p99 means something (at saturation a slower write path lowers p99).
bench_run() {   # BINARY LOGBASE SCRATCH [OFFERED-BYTES-PER-SEC]
  local bin=$1 logbase=$2 scratch=$3 offered=${4:-} db st cpu
  mkdir -p "$scratch"; require_disk "$scratch"
  db=$(mktemp -d "$scratch/db.XXXXXX")
  if [ -n "${AIOPT_BENCH_CMD:-}" ]; then
    user_bench_run "$bin" "$db" "$logbase"
    rm -rf "$db"
    return
  fi
  # shellcheck disable=SC2046
  read -r st cpu < <(db_bench_once "$bin" "$db" "$logbase.log" $(bench_args))
  local sat options read_run=null fixed=null
  options=$(db_options "$db")
  sat=$(parsed_run "$logbase.log" "$st" "$cpu")
  if [ "$st" = 0 ] && [ "${AIOPT_BENCH_READ_SECONDS}" != 0 ]; then
    # shellcheck disable=SC2046
    read -r st cpu < <(db_bench_once "$bin" "$db" "$logbase-read.log" $(bench_args) \
      --use_existing_db=1 --benchmarks=readrandom --duration="${AIOPT_BENCH_READ_SECONDS}")
    read_run=$(parsed_run "$logbase-read.log" "$st" "$cpu" | jq -c '{ops_per_sec, p99_us, exit_status, log, error}')
  fi
  rm -rf "$db"
  if [ -n "$offered" ]; then
    db=$(mktemp -d "$scratch/db.XXXXXX")
    # shellcheck disable=SC2046
    read -r st cpu < <(db_bench_once "$bin" "$db" "$logbase-fixed.log" $(bench_args) --benchmark_write_rate_limit="$offered")
    fixed=$(parsed_run "$logbase-fixed.log" "$st" "$cpu" | jq -c --argjson o "$offered" \
      '{offered_bytes_per_sec: $o, ops_per_sec, p50_us, p99_us, p99_9_us, stall_pct: .db_stats.stall_pct,
        l0_files: .compaction.l0_files, exit_status, log, error}')
    rm -rf "$db"
  fi
  jq -c --argjson opt "$options" --argjson r "$read_run" --argjson f "$fixed" \
    '. + {options: $opt, read: $r, fixed_load: $f}' <<<"$sat"
}

# The offered load of the fixed-load runs, bytes/s: AIOPT_BENCH_OFFERED_LOAD of
# pristine's saturation throughput (baseline.json), times the bytes db_bench
# writes per operation (its "Keys:" and "Values:" lines).  The same for both sides.
offered_load() {   # PRISTINE_DIR
  jq -r '.offered_bytes_per_sec // empty' "$1/baseline.json"
}

stage_bench() {
  local cand=$1 in=$1/test.json out=$1/bench.json pristine=${PRISTINE:?PRISTINE is not set}
  if has_error "$in"; then cp "$in" "$out"; return; fi
  [ -x "$pristine/db_bench" ] || input_error "$pristine/db_bench: pristine is not built (make baseline or the runner builds it)"
  [ -f "$pristine/baseline.json" ] || input_error "$pristine/baseline.json: pristine was not measured (stage.sh pristine writes it)"
  local pairs="$cand/pairs.jsonl" i=0 more=3 scratch offered
  scratch=$(scratch_for "$cand")/bench
  mkdir -p "$scratch"; require_disk "$scratch"
  offered=$(offered_load "$pristine")
  : > "$pairs"
  while [ "$more" -eq 3 ]; do
    i=$((i + 1))
    local b c
    # Alternate who runs first (ABBA): a drift or an order effect of the machine
    # (page cache, device state) then cancels instead of favouring one side.
    if [ $((i % 2)) -eq 1 ]; then
      log "bench pair $i: pristine, then candidate"
      b=$(bench_run "$pristine/db_bench" "$cand/bench-$i-pristine" "$scratch" "$offered")
      c=$(bench_run "$cand/db_bench" "$cand/bench-$i-candidate" "$scratch" "$offered")
    else
      log "bench pair $i: candidate, then pristine"
      c=$(bench_run "$cand/db_bench" "$cand/bench-$i-candidate" "$scratch" "$offered")
      b=$(bench_run "$pristine/db_bench" "$cand/bench-$i-pristine" "$scratch" "$offered")
    fi
    jq -cn --argjson b "$b" --argjson c "$c" '{baseline: $b, candidate: $c}' >> "$pairs"
    cp "$in" "$out.tmp"
    # The pairs only: score makes every statistic of them (score.medians, the terms).
    update "$out.tmp" --slurpfile p "$pairs" --arg args "$(bench_args)" '.bench = {workload: $args, pairs: $p}'
    more=0
    "$BIN/score" --more < "$out.tmp" 2> "$cand/bench-$i.decision" || more=$?
    log "bench: $(cat "$cand/bench-$i.decision")"
    [ "$more" -eq 3 ] || [ "$more" -eq 0 ] || { more=0; }
  done
  rm -rf "$scratch"
  mv "$out.tmp" "$out"
}

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
  sandboxed $((duration * 2 + 120)) --keep-caps --ro "$bin" --ro "$SRC" --rw "$dir" --rw "$db" -- \
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
    sandboxed $((duration * 2 + 120)) "${box[@]}" --ro "$bperf" -- "$bperf" record -g -e task-clock -c 1000000 --weight -o "$dir/bperf.data" \
      -- "$bin" --db="$db" $(AIOPT_BENCH_DURATION=$duration bench_args) > "$dir/offcpu-run.log" 2>&1 || status=$?
    "$bperf" report -i "$dir/bperf.data" --stdio > "$dir/offcpu.txt" 2>> "$dir/offcpu-run.log" || status=$?
    rm -f "$dir/bperf.data"
  else
    sandboxed $((duration * 2 + 120)) "${box[@]}" -- perf record -q -e task-clock -c 1000000 -e sched:sched_switch \
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
# pristine's headline figure beside it (a failed profile does not fail the candidate).
profiled_stage() {   # CAND IN OUT KEY ENABLED PRISTINE-FILE PRISTINE-SUMMARY-JQ FUNC
  local cand=$1 in=$2 out=$3 key=$4 enabled=$5 pfile=$6 summary=$7 func=$8
  if has_error "$in" || [ "$enabled" != 1 ]; then cp "$in" "$out"; return; fi
  if jq -e '(.bench.pairs | length) == 1' "$in" > /dev/null; then
    cp "$in" "$out"; update "$out" --arg k "$key" '.[$k] = {skipped: "screened out on the first bench pair"}'; return
  fi
  [ -f "$pfile" ] || input_error "$pfile: pristine was not profiled"
  with_lock
  tree_put "$cand"   # --context quotes the candidate's source
  local p; p=$("$func" "$cand/db_bench" "$cand")
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

stage_score() {
  local cand=$1 in=$1/bperf.json out=$1/score.json pristine=${PRISTINE:-}
  local args=() parent
  [ -n "$pristine" ] && [ -f "$pristine/baseline.json" ] && args=(--baseline "$pristine/baseline.json")
  # The parent's scored record: score decides "better than the parent" too.
  parent=$(jq -r '.parent // "pristine"' "$in")
  if [ "$parent" != pristine ] && [ -f "$(dirname "$cand")/$parent/score.json" ]; then
    args+=(--parent "$(dirname "$cand")/$parent/score.json")
  fi
  # Exit 1: a record score cannot read; it carries the error and is archived as such.
  local status=0
  "$BIN/score" ${args[@]+"${args[@]}"} < "$in" > "$out.tmp" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || system_error "score failed (exit $status) on $in"
  mv "$out.tmp" "$out"
}

# Pristine for a run: the db_bench binary, k bench runs, a Coz profile.
stage_pristine() {
  local dir=$1
  mkdir -p "$dir"
  with_lock
  tree_reset
  rm -f "$SRC/.git/aiopt-holds"
  log "pristine: building db_bench"
  cmake --build "$RELEASE" --target db_bench -j "$(nproc)" > "$dir/build.log" 2>&1 || system_error "pristine does not build: see $dir/build.log"
  ln -f "$RELEASE/db_bench" "$dir/db_bench"
  exec 9>&-
  local runs=${AIOPT_BASELINE_RUNS} scratch
  scratch=$(scratch_for "$dir")/bench
  mkdir -p "$scratch"; require_disk "$scratch"
  : > "$dir/runs.jsonl"
  for i in $(seq "$runs"); do
    log "pristine: bench run $i of $runs"
    bench_run "$dir/db_bench" "$dir/bench-$i" "$scratch" >> "$dir/runs.jsonl"
  done
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
  # The medians are score's (score --summarize); the offered load is derived from them.
  "$BIN/score" --summarize < "$dir/runs.jsonl" | jq -c --argjson coz "$coz" --argjson bperf "$bperf" \
      --argjson share "${AIOPT_BENCH_OFFERED_LOAD}" --argjson bytes "${bytes_per_op:-null}" --slurpfile runs "$dir/runs.jsonl" '
      . + {offered_load_share: $share,
           offered_bytes_per_sec: (if $bytes == null or $share == 0 or .ops_per_sec == null then null
                                   else (.ops_per_sec * $bytes * $share | floor) end),
           coz: $coz, bperf: $bperf, bench: $runs}' > "$dir/baseline.json.tmp"
  mv "$dir/baseline.json.tmp" "$dir/baseline.json"
  log "pristine: $(jq -c '{ops_per_sec, p99_us, stall_pct, l0_files, read_ops_per_sec, offered_bytes_per_sec, coz_max_speedup_pct: .coz.max_speedup_pct}' "$dir/baseline.json")"
}

[ $# -eq 2 ] || usage_error "usage: stage.sh apply|build|test|bench|coz|bperf|score|pristine|checkout DIR (--help)"
[ "$1" = pristine ] && mkdir -p "$2"
if [ "$1" = checkout ]; then
  with_lock
  if [ "$2" = pristine ]; then tree_reset; rm -f "$SRC/.git/aiopt-holds"; else tree_put "$(cd "$2" && pwd)"; fi
  exit 0
fi
case $1 in
  apply|build|test|bench|coz|bperf|score|pristine) "stage_$1" "$(cd "$2" && pwd)" ;;
  *) usage_error "unknown stage $1 (--help)" ;;
esac

# bin/stage/lib.sh — what every stage shares: where things are, the sandbox, the
# record helpers and the tree.  Sourced by bin/stage.sh after the settings are read.
# shellcheck shell=bash
# shellcheck disable=SC2034  # SRC, TSAN, GATE, TARGETS are for the stage files

BIN=${AIOPT_BIN:-$TOP/bin}
# The tree and its builds: where mk/rocksdb.mk puts them (experiment-env says).
SRC=$ROCKSDB_SRC RELEASE=$ROCKSDB_RELEASE TSAN=$ROCKSDB_TSAN
GATE=$AIOPT_GATE
LOCK=${AIOPT_TREE_LOCK:-$(dirname "$SRC")/tree.lock}
TARGETS=$AIOPT_TARGET_FILES
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# The untrusted candidate's programs run in bin/sandbox.sh (its own root holding the
# tree, the binary and the scratch dir; no network; an empty environment) under a
# time limit:  sandboxed SECONDS [sandbox.sh options] -- CMD...
sandboxed() { local seconds=$1; shift; timeout --kill-after=10 "$seconds" "$TOP/bin/sandbox.sh" "$@"; }

# Every candidate program — a benchmark run, a gate test, db_stress — runs alike: in
# the sandbox under one neutral name (sandbox.sh --program), with the same
# environment, under the same parent processes (timeout, the kernel's count), so
# that code under evolution cannot tell the benchmark from the tests by any of them.
# KERNEL.{perf,io,time} get the kernel's account of the run and its wall and CPU
# seconds, taken outside the sandbox (sandbox.sh --kernel-count; KERNEL empty: not
# counted).  halt_on_error: the first race
# ends a TSan program (exit 66), which fails the gate.  --under CMD... --: the
# program runs under a tool (the cpu channel's Callgrind), still by its neutral name.
candidate_program() {   # SECONDS SCRATCH KERNEL [--under CMD... --] PROGRAM ARGS...
  local seconds=$1 scratch=$2 kernel=$3 under=(); shift 3
  if [ "$1" = --under ]; then
    shift
    while [ "$1" != -- ]; do under+=("$1"); shift; done
    shift
  fi
  sandboxed "$seconds" --program "$1" --rw "$scratch" --kernel-count "$kernel" \
    --env "TEST_TMPDIR=$scratch" --env "TSAN_OPTIONS=halt_on_error=1 exitcode=66 history_size=3 second_deadlock_stack=1" -- \
    ${under[@]+"${under[@]}"} "$@"
}

# Databases live on the run's own filesystem, never /tmp by default: on tmpfs
# (Debian 13 mounts /tmp so) fsync returns at once and the WAL-sync workload
# would measure nothing.
scratch_for() { echo "${AIOPT_SCRATCH:-$1/scratch}"; }

# The experiment's workloads (AIOPT_BENCH_WORKLOAD names one): L0 pressure, WAL
# sync, and a read-heavy mix after the write phase.
WORKLOADS="l0 sync readheavy"
[[ " $WORKLOADS " == *" ${AIOPT_BENCH_WORKLOAD} "* ]] || usage_error "AIOPT_BENCH_WORKLOAD=${AIOPT_BENCH_WORKLOAD}: use one of: $WORKLOADS"
# db_bench's arguments for the workload AIOPT_BENCH_WORKLOAD, run for
# AIOPT_BENCH_DURATION seconds.  db_bench looks at the clock every 1,000th write, so
# its summary's seconds overshoot the duration by up to that many writes' time (the
# most a forged summary claiming exactly the duration gains: tests/bench/README.md,
# make bench-duration, which measures a check every write beside it).
bench_args() {
  local args
  case ${AIOPT_BENCH_WORKLOAD} in
    l0) args=${AIOPT_BENCH_ARGS} ;;
    sync) args=${AIOPT_BENCH_ARGS_SYNC} ;;
    readheavy) args=${AIOPT_BENCH_ARGS_READHEAVY} ;;
  esac
  echo "$args --duration=${AIOPT_BENCH_DURATION}"
}

# The benchmark whose result a workload's run reports: the last one its
# --benchmarks list names before "stats" (readheavy's mix, not its fill).
measured_benchmark() {
  bench_args | tr ' ' '\n' | sed -n 's/^--benchmarks=//p' | tail -n 1 | tr , '\n' | grep -vx stats | tail -n 1
}

# The workload's flag NAME as db_bench reads it (bin/read-flags: gflags' spellings,
# db_bench's default when absent); a workload db_bench would read otherwise is the
# user's input error, named.
workload_flag() {   # NAME
  local flags
  # shellcheck disable=SC2046  # the workload's words, as db_bench gets them
  flags=$("$BIN/read-flags" -- $(bench_args) 2>&1) || usage_error "the ${AIOPT_BENCH_WORKLOAD} workload's flags: ${flags#read-flags: }"
  jq -r --arg n "$1" '.[$n]' <<<"$flags"
}
workload_syncs() { [ "$(workload_flag sync)" = true ]; }

require_disk() {   # DIR
  local fs; fs=$(stat -f -c %T "$1")
  if [ "$fs" = tmpfs ] || [ "$fs" = ramfs ]; then
    if workload_syncs; then
      usage_error "$1 is on $fs, where fsync returns at once: this workload syncs every write (--sync=1), so it would measure nothing. Put the run on a disk (AIOPT_SCRATCH=DIR names another scratch directory)."
    fi
  fi
}

has_error() { jq -e '.error != null' "$1" > /dev/null; }

# The time limit of one run of SECONDS: three times as long (a slow candidate, a
# profiler's overhead) and two minutes for start, flush and teardown.
run_limit() { echo $(($1 * 3 + 120)); }   # SECONDS

# The directory of CAND's parent (candidates of a run are siblings), or "pristine".
parent_dir() {   # CAND RECORD
  local parent; parent=$(jq -r '.parent // "pristine"' "$2")
  if [ "$parent" = pristine ]; then echo pristine; else echo "$(dirname "$1")/$parent"; fi
}

# What a failed build's LOG says, for the record and the next prompt: parse-build
# quotes only errors about the tree's own files (an edit that #includes /etc/shadow
# or a key file must not get the compiler to quote it back to the model).  Prints
# the errors, else the linker's undefined references, else FALLBACK.
build_errors() {   # LOG COMPILER-CWD FALLBACK
  "$BIN/parse-build" --source-root "$SRC" --cwd "$2" "$1" | jq -r --arg none "$3" '
    (if (.errors | length) > 0 then .errors else .undefined_references end)
    | if length > 0 then join("\n") else $none end'
}

# ---- the tree: one RocksDB checkout, held by one stage at a time -----------------

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

# A built binary kept at DEST: a hard link survives the next build (the linker
# replaces the file); across filesystems (a run's own tree in node-local scratch,
# its archive on the shared one) a copy, put in place whole.
keep_binary() {   # BINARY DEST
  ln -f "$1" "$2" 2>/dev/null || { cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2"; }
}


# bin/common.sh — sourced by every aiopt script: the exit codes of the C tools
# (src/lib/util.h; tests/conventions.bats checks the two agree), messages in the
# tools' form ("script: what, where"), and --help printed from the script's own
# header comment, so the usage a user reads is the one beside the code.
# The caller sets SCRIPT (its name in messages) before sourcing.
# shellcheck disable=SC2034  # the codes are for the scripts that source this
EXIT_INPUT=1 EXIT_USAGE=2 EXIT_MORE=3 EXIT_SYSTEM=4

usage_error()  { echo "$SCRIPT: $*" >&2; exit "$EXIT_USAGE"; }
input_error()  { echo "$SCRIPT: $*" >&2; exit "$EXIT_INPUT"; }
system_error() { echo "$SCRIPT: $*" >&2; exit "$EXIT_SYSTEM"; }

# The header comment of FILE, from its second line to the first line that is not
# a comment, without the "# ".
print_help() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

# Exits 0 after printing the help when the first argument asks for it.
help_requested() {   # FILE "$@"
  local file=$1; shift
  case ${1:-} in -h|--help) print_help "$file"; exit 0 ;; esac
}

# ---- the machine: one benchmark at a time, and no build or test beside it --------
# Runs that share a machine (JOBS=2, Slurm jobs on one node) take turns at
# measuring: a benchmark pair or a profile holds AIOPT_BENCH_LOCK (a path on the
# machine itself: /run/lock/aiopt-bench.lock, else /tmp/aiopt-bench.lock)
# exclusively, a build or a test run of the gate holds it shared.  A readers-writer
# lock over two files: a benchmark first takes the gate (LOCK.gate), so that no new
# build starts while it waits for those running to finish, then the lock itself.
# Builds are waited for, not paused: a stopped test's timeout keeps counting, and a
# paused TSan run killed by it would fail a sound candidate.  Always taken after the
# tree's lock, never before it (no cycle between two runs on one tree).
machine_lock() {   # exclusive|shared CMD...
  local mode=$1; shift
  local lock=${AIOPT_BENCH_LOCK:-}
  if [ -z "$lock" ]; then   # the machine's lock directory; /tmp where it has none (a container)
    lock=/tmp/aiopt-bench.lock
    [ ! -w /run/lock ] || lock=/run/lock/aiopt-bench.lock
  fi
  [ -d "$(dirname "$lock")" ] && [ -w "$(dirname "$lock")" ] \
    || usage_error "AIOPT_BENCH_LOCK=$lock: its directory is not writable (a path every run of this machine can lock)"
  (
    exec 5>"$lock.gate" 6>"$lock"
    if [ "$mode" = exclusive ]; then
      flock -x 5; flock -x 6
      # What a build just wrote (objects, a 200 MB binary) is written back now, not
      # during the measurement, where its I/O would compete with the WAL's.
      sync
    else
      flock -s 5; flock -s 6
    fi
    exec 5>&-
    "$@"
  )
}

# jq over a record file, replacing it atomically (the stages and the runner).
update() {   # FILE JQ-ARGS...
  local f=$1; shift
  jq -c "$@" "$f" > "$f.tmp" && mv "$f.tmp" "$f"
}

# The views (status, report, explore) exit with the table's codes only: a command
# that fails where none was expected is said with its line and exits 1 (the runs
# directory it read did it), never with jq's 5 or awk's 2.
# The views' arguments, one way for the three: [--json] (status only) [EXPERIMENT]
# [RUNS]; sets json, exp, runs and dir.  RUNS is made absolute, so runs/demo typed
# as a path is the demo's directory wherever a view goes.
view_args() {   # TAKES-JSON ARGS...
  local takes_json=$1; shift
  json=0
  if [ "$takes_json" = 1 ] && [ "${1:-}" = --json ]; then json=1; shift; fi
  case ${1:-} in -*) usage_error "unknown option $1 (--help)" ;; esac
  [ $# -le 2 ] || usage_error "usage: $SCRIPT.sh$([ "$takes_json" = 0 ] || echo ' [--json]') [EXPERIMENT] [RUNS]"
  exp=${1:-experiment_a}
  runs=$(realpath -m -- "${2:-$TOP/runs}")
  dir=$runs/$exp
}

# "No runs here", one wording for the three views, naming where the demo's are when
# those are what there is (make demo writes runs/demo, not runs/).
no_runs() {
  local hint="make $exp or make demo starts one"
  [ ! -d "$TOP/runs/demo/$exp" ] || [ "$runs" = "$TOP/runs/demo" ] \
    || hint="the demo's are in $TOP/runs/demo: make $([ "$SCRIPT" = status ] && echo status || echo report) RUNS=runs/demo"
  input_error "$dir: no runs of $exp ($hint)"
}

view_exit_codes() {
  set -E
  trap 'status=$?; cmd=${BASH_COMMAND%%$'"'"'\n'"'"'*}; echo "$SCRIPT: line $LINENO: reading the runs failed (exit $status): ${cmd:0:120}" >&2; exit "$EXIT_INPUT"' ERR
}

# A run directory of the runner's naming (TRACK/seed-N: bin/records.jq's track_ok and
# seed_ok) returns 0; any other is skipped by the views: 1, its name added to FILE.
run_named_ok() {   # RUN-DIR FILE
  local track seed
  track=$(basename "$(dirname "$1")") seed=${1##*/seed-}
  jq -en -L "$TOP/bin" --arg t "$track" --arg s "$seed" 'include "records"; ($t | track_ok) and ($s | seed_ok)' > /dev/null && return 0
  printf '%s: not a run of the runner'"'"'s naming (TRACK/seed-N): skipped\n' "$(printf '%q' "$1")" >> "$2"
  return 1
}

# What a view could not read (FILE, a line each), said last, control bytes taken
# out, and exit 1; nothing when there was none.
say_unreadable() {   # FILE
  [ -s "$1" ] || return 0
  sed "s/^/$SCRIPT: unreadable: /" "$1" | tr -d '\000-\010\013-\037\177' >&2
  exit "$EXIT_INPUT"
}

#!/usr/bin/env bash
# build-progress.sh LOG CMD... — runs a long build (CMD) with all its output in LOG
# and shows one progress line instead: CMake's last percentage, the time elapsed and
# where the log is.  On a terminal the line is redrawn in place; elsewhere (CI, a
# log file) a line is printed at each further 10 %.  When CMD fails, the log's last
# 30 lines (the compiler's errors) are shown.  Exits with CMD's status.
#   bin/build-progress.sh build/build-release.log cmake --build build/rocksdb-release --target db_bench
set -euo pipefail
SCRIPT=build-progress
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
[ $# -ge 2 ] || usage_error "usage: build-progress.sh LOG CMD... (--help)"
log=$1; shift
: > "$log" || system_error "$log: cannot write the build's log"
t0=$SECONDS
"$@" > "$log" 2>&1 &
pid=$!
tty=0; [ -t 2 ] && tty=1
name=$(basename "$log" .log)
# The last "[ NN%]" CMake printed, or nothing yet.
percent() { grep -o '^\[ *[0-9]*%\]' "$log" 2>/dev/null | tail -n 1 | tr -dc '0-9' || true; }
show() {   # PERCENT
  local line
  line=$(printf '%s: %3s %%, %dm%02ds elapsed (log: %s)' "$name" "$1" $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$log")
  if [ "$tty" = 1 ]; then printf '\r%s' "$line" >&2; else echo "$line" >&2; fi
}
show 0
shown=0
# Elsewhere, no line at 100 % before the end: with several targets CMake counts each
# to 100 % in turn, and the line at the end says when the build really ended.
while kill -0 "$pid" 2>/dev/null; do
  p=$(percent)
  if [ -n "$p" ] && { [ "$tty" = 1 ] || { [ $((p / 10)) -gt $((shown / 10)) ] && [ "$p" -lt 100 ]; }; }; then show "$p"; shown=$p; fi
  sleep 1
done
status=0
wait "$pid" || status=$?
p=$(percent)
show "${p:-0}"
[ "$tty" = 0 ] || echo >&2
if [ "$status" -ne 0 ]; then
  tail -n 30 "$log" >&2
  echo "$SCRIPT: $* failed (exit $status); the whole output: $log" >&2
fi
exit "$status"

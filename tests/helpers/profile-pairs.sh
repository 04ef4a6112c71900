#!/usr/bin/env bash
# profile-pairs.sh BASELINE.json...: every ordered pair of profiles of the same
# program scored as pristine against candidate (a unit pair of bench runs, so only
# the profile terms can differ).  Prints one line: comparisons, and how many times
# bcoz and bperf were significant (called a difference) and counted.
set -euo pipefail
bin=${AIOPT_BIN:-$(dirname "$0")/../../bin}
run='{ops_per_sec: 1000, p99_us: 10, exit_status: 0}'
n=0 coz=0 off=0 coz_known=0 off_known=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for a in "$@"; do
  for b in "$@"; do
    [ "$a" != "$b" ] || continue
    jq -c "{id: \"pair\", apply: {ok: true}, build: {ok: true}, test: {ok: true},
            bench: {pairs: [{baseline: $run, candidate: $run}]}, coz: .coz, bperf: .bperf}" "$b" > "$tmp/rec.json"
    read -r c o ck ok < <("$bin/score" --baseline "$a" < "$tmp/rec.json" \
      | jq -r '.score.terms | [(.bcoz.counted // false), (.bperf.counted // false), (.bcoz != null), (.bperf != null)] | map(if . then 1 else 0 end) | @tsv')
    n=$((n + 1)) coz=$((coz + c)) off=$((off + o)) coz_known=$((coz_known + ck)) off_known=$((off_known + ok))
  done
done
echo "profile-pairs: $n comparisons of identical code: bcoz called a difference $coz times (of $coz_known with intervals), bperf $off times (of $off_known with intervals)"

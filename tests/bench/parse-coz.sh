#!/usr/bin/env bash
# parse-coz on a 2 MB and an 8 MB profile: real db_bench runs appended, as
# repeated `coz run` into one file leaves them.  Goal (issue 3): 2 MB in < 50 ms,
# memory bounded by distinct (line, point, speedup) keys, not by file size.
set -euo pipefail
bin=${AIOPT_BIN:-$(dirname "$0")/../../bin}
one=$(dirname "$0")/../fixtures/coz/rocksdb-7.8.3-db_bench-fillrandom-l0-stall.coz
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for size_mb in 2 8; do
  : > "$tmp/big.coz"
  while [ "$(stat -c %s "$tmp/big.coz")" -lt $((size_mb * 1048576)) ]; do cat "$one" >> "$tmp/big.coz"; done
  bytes=$(stat -c %s "$tmp/big.coz")
  best=
  for _ in 1 2 3 4 5; do   # best of 5: the figure is parsing cost, not scheduler noise
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$tmp/time" "$bin/parse-coz" "$tmp/big.coz" > /dev/null
    t1=$EPOCHREALTIME
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    read -r rss < "$tmp/time"
    if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; best_rss=$rss; fi
  done
  awk -v b="$bytes" -v s="$best" -v r="$best_rss" 'BEGIN {
    printf "parse-coz: %.1f MB profile in %.0f ms (best of 5), max RSS %.1f MB\n", b/1048576, s*1000, r/1024 }'
done

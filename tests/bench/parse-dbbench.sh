#!/usr/bin/env bash
# parse-dbbench throughput and memory on real logs.
# Goal (issue 2): >= 100 MB/s, memory independent of input size.
# The input is what a long db_bench run with --stats_interval_seconds leaves: one
# benchmark and its stats dump printed again and again (taken from a real log).
set -euo pipefail
bin=${AIOPT_BIN:-$(dirname "$0")/../../bin}
fixtures=$(dirname "$0")/../fixtures/dbbench
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

log="$fixtures/rocksdb-7.8.3-fillrandom-l0-stall.log"
split_at=$(grep -n -m1 '^\*\* Compaction Stats' "$log" | cut -d: -f1)
head -n $((split_at - 1)) "$log" > "$tmp/head.log"
tail -n +"$split_at" "$log" > "$tmp/one.log"
for size_mb in 100 400; do
  cp "$tmp/head.log" "$tmp/big.log"
  while [ "$(stat -c %s "$tmp/big.log")" -lt $((size_mb * 1048576)) ]; do
    cat "$tmp/one.log" "$tmp/one.log" "$tmp/one.log" "$tmp/one.log" >> "$tmp/big.log"
  done
  bytes=$(stat -c %s "$tmp/big.log")
  cat "$tmp/big.log" > /dev/null   # warm the page cache: measure parsing, not the disk
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin/parse-dbbench" "$tmp/big.log" > /dev/null
  read -r seconds max_rss_kb < "$tmp/time"
  awk -v b="$bytes" -v s="$seconds" -v r="$max_rss_kb" 'BEGIN {
    printf "parse-dbbench: %.0f MB in %.2f s = %.0f MB/s, max RSS %.1f MB\n", b/1048576, s, (s > 0 ? b/1048576/s : 0), r/1024 }'
done

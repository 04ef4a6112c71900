#!/usr/bin/env bash
# The record reader on a record with many keys in one object: archive-append and
# score, 20,000 and 80,000 keys (a db_bench log with that many statistic lines, or
# a hostile archive, makes such a record).  The duplicate-key check sorts each
# object's keys: the time should grow about linearly with the keys.
set -euo pipefail
bin=${AIOPT_BIN:-$(dirname "$0")/../../bin}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for keys in 20000 80000; do
  jq -cn --argjson n "$keys" '[range($n) | {key: "rocksdb.ticker.\(.)", value: .}] | from_entries
    | {id: "c0001-abcdef", iteration: 1, statistics: ., error: {stage: "bench", message: "m"}}' > "$tmp/rec.jsonl"
  rm -f "$tmp/archive.jsonl"
  /usr/bin/time -f '%e' -o "$tmp/t1" "$bin/archive-append" "$tmp/archive.jsonl" < "$tmp/rec.jsonl"
  /usr/bin/time -f '%e' -o "$tmp/t2" "$bin/score" < "$tmp/rec.jsonl" > /dev/null
  printf 'records: %d keys in one object (%d kB): archive-append %s s, score %s s\n' \
    "$keys" $(($(stat -c %s "$tmp/rec.jsonl") / 1024)) "$(cat "$tmp/t1")" "$(cat "$tmp/t2")"
done

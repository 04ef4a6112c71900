#!/usr/bin/env bash
# Cuts the seed corpus of every fuzz target from the real fixtures (AFL++ wants
# small inputs: each seed is at most 16 kB, the head of a real file).  Rerun when
# fixtures change; the corpus is committed.
set -euo pipefail
T=$(cd "$(dirname "$0")/.." && pwd)
C=$T/fuzz/corpus
rm -rf "$C"; mkdir -p "$C"/{parse-dbbench,parse-coz,parse-offcpu,parse-callgrind,parse-gtest,parse-build,records,records-jq,apply-diff,pick-parent,mann-whitney,canon-patch}
for f in "$T"/fixtures/dbbench/*.log; do head -c 16384 "$f" > "$C/parse-dbbench/$(basename "$f")"; done
for f in "$T"/fixtures/coz/*.coz; do head -c 16384 "$f" > "$C/parse-coz/$(basename "$f")"; done
for f in "$T"/fixtures/gate/*.log; do head -c 16384 "$f" > "$C/parse-gtest/$(basename "$f")"; done
for f in "$T"/fixtures/build/*.log; do head -c 16384 "$f" > "$C/parse-build/$(basename "$f")"; done
for f in "$T"/fixtures/callgrind/*.callgrind.gz; do gzip -dc "$f" | head -c 16384 > "$C/parse-callgrind/$(basename "$f" .gz)" || true; done
for f in "$T"/fixtures/offcpu/*.perf-script.gz; do gzip -dc "$f" | head -c 16384 > "$C/parse-offcpu/$(basename "$f" .gz)" || true; done
# records: the demo archive's real records, less their statistics tickers (small)
jq -c 'del(.bench.pairs[]?[]?.statistics) | del(.bench.pairs[2:]?)' \
  "$T/fixtures/archives/demo/experiment_a/profiler/seed-1/archive.jsonl" | split -l 1 - "$C/records/demo-"
cp "$C"/records/* "$C/pick-parent/"
cp "$C"/records/* "$C/records-jq/"
for f in "$T"/../experiments/experiment_a/scripted/*.md "$T"/fixtures/edits/*-*.md; do cp "$f" "$C/apply-diff/"; done
printf '{"a":[1,2,3],"b":[4,5,6]}\n' > "$C/mann-whitney/separated.jsonl"
printf '{"a":[1.5,2,2,7],"b":[2,3,9]}\n' > "$C/mann-whitney/ties.jsonl"
# canon-patch: the patches the edits make against the fixture's file, as git writes them
tree=$(mktemp -d); trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/db/db_impl"; cp "$T/fixtures/rocksdb-7.8.3/db/db_impl/db_impl_write.cc" "$tree/db/db_impl/"
git -C "$tree" init -q && git -C "$tree" add -A && git -C "$tree" -c user.name=s -c user.email=s@s commit -qm pristine
for f in "$C"/apply-diff/*.md; do
  "$T/../bin/apply-diff" --tree "$tree" --allow db/db_impl/db_impl_write.cc --raw < "$f" > /dev/null 2>&1 || continue
  git -C "$tree" diff | head -c 16384 > "$C/canon-patch/$(basename "$f" .md).diff"
  git -C "$tree" checkout -q -- .
done

#!/usr/bin/env bash
# apply-diff: 20 SEARCH/REPLACE blocks into RocksDB's db_impl_write.cc (92 KB),
# the blocks cut from the file itself, 5 lines each, spread over it.
# Goal (issue 4): under 50 ms.
set -euo pipefail
bin=${AIOPT_BIN:-$(dirname "$0")/../../bin}
src=$(dirname "$0")/../fixtures/rocksdb-7.8.3/db/db_impl/db_impl_write.cc
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tree/db/db_impl"
for j in $(seq 0 19); do
  k=$((j * 110 + 40))
  echo "<<<<<<< SEARCH"; sed -n "${k},$((k + 4))p" "$src"
  echo "======="; echo "// aiopt bench block $j"; sed -n "${k},$((k + 4))p" "$src"
  echo ">>>>>>> REPLACE"; echo
done > "$tmp/edit"
best=
for _ in 1 2 3 4 5; do
  cp "$src" "$tmp/tree/db/db_impl/db_impl_write.cc"
  t0=$EPOCHREALTIME
  "$bin/apply-diff" --tree "$tmp/tree" --allow db/db_impl/db_impl_write.cc --raw --out "$tmp" < "$tmp/edit" > "$tmp/out"
  t1=$EPOCHREALTIME
  ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
  if [ -z "$best" ] || awk -v a="$ms" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$ms; fi
done
jq -e '.ok and .blocks == 20' "$tmp/out" > /dev/null || { echo "apply-diff bench: the edit did not apply: $(cat "$tmp/out")"; exit 1; }
echo "apply-diff: 20 blocks into a $(($(stat -c %s "$src") / 1024)) KB file in $best ms (best of 5, including patch.diff)"

#!/usr/bin/env bash
# bin/explore.sh on a long run: the demo's real archive (5 candidates) repeated into
# one run of EXPLORE_CANDIDATES (500) candidates, each chained to the copy before, each
# with a candidate directory as a run leaves it: the best candidate's patch made by
# apply-diff from its record's edit (real tool output), used as every candidate's
# patch and cumulative patch, and a 30 kB prompt (constructed: the start of the
# target file, a prompt's size) and a one-line answer.  The figure: explore.sh's
# wall time, every page written.
#
#   tests/bench/explore.sh      (make bench-explore)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="explore-bench"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
n=${EXPLORE_CANDIDATES:-500}
[[ $n =~ ^[1-9][0-9]*$ ]] && [ $((n % 5)) -eq 0 ] && [ "$n" -le 9995 ] \
  || usage_error "EXPLORE_CANDIDATES=$n: a multiple of 5, at most 9995"
fix=$TOP/tests/fixtures/archives/demo/experiment_a/profiler/seed-1/archive.jsonl
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run=$tmp/runs/experiment_a/profiler/seed-1
mkdir -p "$run" "$tmp/template"
cp -r "$TOP/tests/fixtures/rocksdb-7.8.3" "$tmp/tree"
jq -c 'select(.id == "c0001-885e86")' "$fix" \
  | "${AIOPT_BIN:-$TOP/bin}/apply-diff" --tree "$tmp/tree" --allow db/db_impl/db_impl_write.cc --out "$tmp/template" > /dev/null
cp "$tmp/template/patch.diff" "$tmp/template/cumulative.diff"
head -c 30000 "$TOP/tests/fixtures/rocksdb-7.8.3/db/db_impl/db_impl_write.cc" > "$tmp/template/prompt.md"
echo "An answer." > "$tmp/template/response.md"
# Copy k of the five: ids and iterations moved on by 5k; a first-generation
# candidate's parent is the copy before's first one.
jq -c --argjson copies $((n / 5)) -s '
  def nid($id; $k): "c\(("000" + (($id[1:5] | tonumber) + $k * 5 | tostring))[-4:])\($id[5:])";
  . as $recs | range(0; $copies) as $k | $recs[]
  | .iteration += $k * 5
  | .parent = (if .parent != "pristine" then nid(.parent; $k) elif $k > 0 then nid($recs[0].id; $k - 1) else "pristine" end)
  | .id = nid(.id; $k)' "$fix" > "$run/archive.jsonl"
jq -r .id "$run/archive.jsonl" | while read -r id; do cp -r "$tmp/template" "$run/$id"; done
t0=$EPOCHREALTIME
"$TOP/bin/explore.sh" experiment_a "$tmp/runs" > /dev/null
t1=$EPOCHREALTIME
awk -v a="$t0" -v b="$t1" -v n="$n" -v pages="$(find "$tmp/runs/experiment_a/html" -name '*.html' | wc -l)" \
  'BEGIN { printf "explore-bench: a run of %d candidates: %d pages in %.1f s\n", n, pages, b - a }'

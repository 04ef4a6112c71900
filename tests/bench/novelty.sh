#!/usr/bin/env bash
# The novelty threshold (AIOPT_NOVELTY_THRESHOLD), measured on the edits at hand:
# every edit of tests/fixtures/edits/ and of the demo's scripted edits that applies
# to the fixture's db_impl_write.cc, its patch against pristine, and canon-patch's
# token distance (src/lib/canon.c) between every two distinct edits: a threshold
# must stay below the nearest such pair, or it merges edits that differ.  Beside
# them, each edit's repeats as a model writes them: reformatted (the same form), and
# with a name it introduces renamed (the nearest a repeat with other names is):
# a threshold must stay above those.  Prints both, and the pairs each threshold of
# NOVELTY_THRESHOLDS would merge.  Seconds; nothing but the built tools.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=bench-novelty
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
BIN=${AIOPT_BIN:-$TOP/bin}
W=db/db_impl/db_impl_write.cc
work=$(mktemp -d "${TMPDIR:-/tmp}/aiopt-novelty.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree/db/db_impl"
cp "$TOP/tests/fixtures/rocksdb-7.8.3/$W" "$work/tree/$W"
git -C "$work/tree" init -q && git -C "$work/tree" add -A && git -C "$work/tree" -c user.name=b -c user.email=b@b commit -qm pristine
patch_of() {   # NAME < EDIT: 0 and NAME.diff when it applies
  "$BIN/apply-diff" --tree "$work/tree" --allow "$W" --raw > /dev/null 2>&1 || { git -C "$work/tree" checkout -q -- .; return 1; }
  git -C "$work/tree" diff > "$work/$1.diff"
  git -C "$work/tree" checkout -q -- .
}
distance() { printf 'x\t%s\n' "$2" | "$BIN/canon-patch" --nearest "$1" | jq .distance; }
names=()
for e in "$TOP"/tests/fixtures/edits/*-*.md "$TOP"/experiments/experiment_a/scripted/*.md; do
  n=$(basename "$e" .md)
  patch_of "$n" < "$e" || continue
  [ "$("$BIN/canon-patch" "$work/$n.diff" | jq .changed_statements)" -gt 0 ] || continue   # comments only: no form
  names+=("$n")
  # a name the edit introduces (on a line it adds, not in pristine), renamed everywhere in it
  new=$("$BIN/canon-patch" --form "$work/$n.diff" | sed -n 's/^+ //p' | grep -oE '\b[a-z_][a-z0-9_]{3,}\b' | sort -u |
        while read -r w; do grep -qw "$w" "$work/tree/$W" || echo "$w"; done | head -n 1 || true)
  if [ -n "$new" ] && sed "s/\\b$new\\b/${new}_v2/g" "$e" | patch_of "$n-renamed"; then
    echo "repeat  $(distance "$work/$n.diff" "$work/$n-renamed.diff")  $n with $new renamed"
  fi
done > "$work/repeats"
for ((i = 0; i < ${#names[@]}; i++)); do for ((j = i + 1; j < ${#names[@]}; j++)); do
  echo "distinct  $(distance "$work/${names[i]}.diff" "$work/${names[j]}.diff")  ${names[i]} ${names[j]}"
done; done | sort -k2 -n > "$work/distinct"
echo "bench-novelty: ${#names[@]} edits that change code, $(wc -l < "$work/distinct") pairs; repeats with a name renamed: $(wc -l < "$work/repeats")"
echo "the nearest distinct pairs:"; head -n 5 "$work/distinct"
echo "the farthest repeats:"; sort -k2 -n -r "$work/repeats" | head -n 5
for t in ${NOVELTY_THRESHOLDS:-0.05 0.1 0.15 0.2 0.25}; do
  awk -v t="$t" '$2 <= t' "$work/distinct" | wc -l | xargs printf "threshold %s: merges %s distinct pair(s), " "$t"
  awk -v t="$t" '$2 <= t' "$work/repeats" | wc -l | xargs printf "catches %s of $(wc -l < "$work/repeats") renamed repeats\n"
done

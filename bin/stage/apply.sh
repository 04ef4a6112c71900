# bin/stage/apply.sh — record.json → apply.json (+ patch.diff, cumulative.diff): the
# tree reset to pristine, the parent's cumulative patch, then the new edit (apply-diff).
# shellcheck shell=bash

stage_apply() {
  local cand=$1 in=$1/record.json out=$1/apply.json
  [ -f "$in" ] || input_error "$in: no record (llm-mutate writes it)"
  if has_error "$in"; then cp "$in" "$out"; return; fi
  with_lock
  tree_reset
  rm -f "$SRC/.git/aiopt-holds"
  local parent_dir; parent_dir=$(parent_dir "$cand" "$in")
  if [ "$parent_dir" != pristine ]; then
    [ -f "$parent_dir/cumulative.diff" ] || input_error "$parent_dir/cumulative.diff: the parent's patch is missing"
    [ -s "$parent_dir/cumulative.diff" ] && git -C "$SRC" apply --whitespace=nowarn "$parent_dir/cumulative.diff"
  fi
  # shellcheck disable=SC2086
  "$BIN/apply-diff" --tree "$SRC" $(printf -- '--allow %s ' $TARGETS) --out "$cand" < "$in" > "$out.tmp"
  mv "$out.tmp" "$out"
  if ! has_error "$out"; then
    git -C "$SRC" add -A
    git -C "$SRC" diff --cached --binary > "$cand/cumulative.diff"
    git -C "$SRC" reset -q
    echo "$cand $(md5sum < "$cand/cumulative.diff" | cut -d' ' -f1)" > "$SRC/.git/aiopt-holds"
    profile_hits "$out" "$cand/patch.diff"
    # What the candidate changes, whitespace and comments aside (canon-patch, src/lib/
    # canon.c): apply.canonical_hash of its patch against pristine, the same for any
    # two edits that differ only there; changed_lines 0 for one that changes no code.
    update "$out" --argjson c "$("$BIN/canon-patch" "$cand/cumulative.diff")" \
      '.apply += {canonical_hash: $c.canonical_hash, changed_lines: $c.changed_lines}'
  fi
}

# Which places the prompt's profile named (llm-mutate's prompt_profile: real, or the
# sham's drawn places) the edit touches, for the report's attribution.  In the
# parent's lines, where the profile was taken: a Coz line or an off-CPU site lies
# inside a hunk of patch.diff (the lines it changes and the 3 of context diff(1)
# keeps either side: code written just before a flagged line acts on it), a
# function's definition overlaps a hunk.  profile_hits: {mode, shown, touched: the
# items hit, places_touched: Coz lines and off-CPU sites hit (the line-level
# places; every edit of the write path touches some function), predicted_speedup_pct:
# Coz's largest max_speedup_pct among the lines hit, null when none}.
profile_hits() {   # RECORD PATCH
  jq -e '.prompt_profile.items | type == "array"' "$1" > /dev/null || return 0
  local hunks='[]'
  if [ -s "$2" ]; then
    hunks=$("$BIN/split-edit" "$2" | jq -sc 'map({file, from: .old_line, to: (.old_line + .old_lines - 1)})')
  fi
  jq --argjson hunks "$hunks" '
    def overlaps($f; $lo; $hi): any($hunks[]; .file == $f and .from <= $hi and .to >= $lo);
    def hit: .file as $f | if $f == null then false
      elif .kind == "function" then any(.ranges[]?; overlaps($f; .[0]; .[1]))
      else .line as $l | $l != null and overlaps($f; $l; $l) end;
    .profile_hits = (.prompt_profile | (.items | map(select(hit))) as $t | {
      mode, shown: (.items | length), touched: $t,
      places_touched: ($t | map(select(.kind != "function")) | length),
      predicted_speedup_pct: ($t | map(select(.kind == "coz") | .max_speedup_pct // empty) | max)})' "$1" > "$1.tmp"
  mv "$1.tmp" "$1"
}


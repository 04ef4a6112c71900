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
    # two edits that differ only there; changed_statements 0 for one that changes no code.
    update "$out" --argjson c "$("$BIN/canon-patch" "$cand/cumulative.diff")" \
      '.apply += {canonical_hash: $c.canonical_hash, changed_statements: $c.changed_statements}'
    repeat_check "$cand" "$out"
  fi
}

# A repeat of what the run evaluated is not measured again (AIOPT_DEDUP=1).  The
# run's evaluated candidates: its archived ones (a run's candidates are siblings
# of its archive.jsonl) that applied and were not repeats themselves.
# - The same change as one (apply.canonical_hash): a duplicate.  error.stage
#   "duplicate", duplicate_of {id, outcome} of the first such, in seconds: no build,
#   no gate, no bench, and no second screening for the original.
# - Within AIOPT_NOVELTY_THRESHOLD of one that is not its ancestor (canon-patch
#   --nearest: token edit distance): error.stage "novelty"; the runner asks the
#   model once more, and archives the second answer so if it is too near as well.
#   Ancestors are left out of the near check: a refinement of its parent is near it
#   by construction (a constant changed in a 300-token patch is 0.003 away), and
#   that is how a run evolves; an exact repeat of an ancestor is a duplicate.
# apply.nearest {id, distance, outcome}: the nearest evaluated one not an ancestor.
# The archive is data (runs are copied between machines): an id becomes a path only
# if it is one llm-mutate makes (records.jq id_ok), and a patch that is a link is
# not read.
repeat_check() {   # CAND RECORD
  [ "${AIOPT_DEDUP}" = 1 ] || return 0
  local run archive seen original near
  run=$(dirname "$1") archive=$(dirname "$1")/archive.jsonl
  [ -f "$archive" ] || return 0
  seen=$(jq -L "$TOP/bin" -R -c --slurpfile me "$2" 'include "records";
      fromjson? | objects | select((.id | id_ok) and .id != $me[0].id and (.apply.canonical_hash | type) == "string" and repeat == null
                                   and (.parent | type) == "string")
      | {id, iteration, parent, hash: .apply.canonical_hash, outcome: (try outcome catch "unknown")}' "$archive" | jq -s -c .)
  # A line whose parent is no id (a hand-edited or foreign archive) cannot be walked:
  # skipped above, and named here.
  jq -R -r --arg f "$archive" 'input_line_number as $n | fromjson? | objects
      | select((.parent | type) != "string" and .parent != null) | "\($f):\($n): parent \(.parent | tojson | .[0:40]) is not an id: not compared"' \
    "$archive" | while read -r line; do log "apply: $line"; done
  original=$(jq -c --slurpfile me "$2" '$me[0].apply.canonical_hash as $h | map(select(.hash == $h)) | min_by(.iteration) // empty' <<<"$seen")
  if [ -n "$original" ]; then
    update "$2" --argjson o "$original" '.duplicate_of = {id: $o.id, outcome: $o.outcome}
      | .error = {stage: "duplicate", message: "the same change as \($o.id), whitespace and comments aside: not measured again (\($o.id): \($o.outcome))"}'
    return 0
  fi
  # The candidate's ancestors, its parent's parent and so on (a chain of at most the
  # archive's length: a cycle in a copied archive ends there).
  near=$(jq -r --slurpfile me "$2" --arg run "$run" '
      (map({(.id): .parent}) | add // {}) as $up
      | ([$me[0].parent, length] | [recurse(if .[1] > 0 and $up[.[0]] != null then [$up[.[0]], .[1] - 1] else empty end) | .[0]]) as $anc
      | .[] | select(.id as $i | $anc | index($i) | not) | "\(.id)\t\($run)/\(.id)/cumulative.diff"' <<<"$seen" \
    | while IFS=$'\t' read -r id diff; do if [ -f "$diff" ] && [ ! -L "$diff" ]; then printf '%s\t%s\n' "$id" "$diff"; fi; done \
    | "$BIN/canon-patch" --nearest "$1/cumulative.diff")
  update "$2" --argjson n "$near" --argjson seen "$seen" --argjson t "${AIOPT_NOVELTY_THRESHOLD}" '
      if $n.nearest == null then . else
        ($seen | map(select(.id == $n.nearest))[0].outcome) as $o
        | .apply.nearest = {id: $n.nearest, distance: ($n.distance * 10000 | round / 10000), outcome: $o}
        | if $n.distance < $t then
            .error = {stage: "novelty", message: "too near \($n.nearest) (token distance \(.apply.nearest.distance) < AIOPT_NOVELTY_THRESHOLD \($t); \($n.nearest): \($o))"}
          else . end end'
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


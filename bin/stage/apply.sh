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
  fi
}


# bin/stage/score.sh — bperf.json → score.json: score, given pristine's baseline and
# the parent's score.json, makes every statistic the runner and the report read.
# shellcheck shell=bash

stage_score() {
  local cand=$1 in=$1/bperf.json out=$1/score.json pristine=${PRISTINE:-}
  local args=() parent
  [ -n "$pristine" ] && [ -f "$pristine/baseline.json" ] && args=(--baseline "$pristine/baseline.json")
  # The parent's scored record: score decides "better than the parent" too.
  parent=$(parent_dir "$cand" "$in")
  if [ "$parent" != pristine ] && [ -f "$parent/score.json" ]; then
    args+=(--parent "$parent/score.json")
  fi
  # Exit 1: a record score cannot read; it carries the error and is archived as such.
  local status=0
  "$BIN/score" ${args[@]+"${args[@]}"} < "$in" > "$out.tmp" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || system_error "score failed (exit $status) on $in"
  mv "$out.tmp" "$out"
}


# bin/stage/minimize.sh — confirm.json → minimize.json: the smallest subset of a
# confirmed candidate's hunks that keeps its gain, and which hunks carry it.
#
# The hunks are those of the candidate's cumulative.diff against pristine, as
# split-edit cuts them.  The search is delta debugging (Zeller's ddmin) over
# hunks: try each of g chunks alone, then each complement; keep the first that
# keeps the gain and start again from it; else split finer, until every hunk
# stands alone.  When it ends so, no single hunk can be taken out (1-minimal).
#
# Each subset is a candidate of its own, CAND/minimize/hunks-1-3/: its record's
# edit is those hunks, its parent pristine, and it goes through the same stages
# as every candidate (mk/candidate.mk, to score.json: applied, built, tested,
# benched, profiled as the track profiles, scored).  It keeps the gain when score
# finds it better than pristine.  A subset measured once is never measured again:
# a rerun or a resumed run finds its score.json.  At most AIOPT_MINIMIZE_SUBSETS
# subsets are consulted.  A smaller patch than the whole is then confirmed as the
# whole was (stage confirm, fresh pairs): screening passes a few subsets by chance.
# The record gets "minimize".
# shellcheck shell=bash

stage_minimize() {
  local cand=$1 in=$1/confirm.json out=$1/minimize.json dir=$1/minimize
  jq -L "$TOP/bin" -e 'include "records"; confirmed_better' "$in" > /dev/null \
    || input_error "$in: not confirmed better than pristine: there is no gain to keep"
  local budget=${AIOPT_MINIMIZE_SUBSETS}
  [[ $budget =~ ^[0-9]+$ ]] || usage_error "AIOPT_MINIMIZE_SUBSETS=$budget: a number of subsets (0 or more)"
  mkdir -p "$dir"
  "$BIN/split-edit" "$cand/cumulative.diff" > "$dir/hunks.jsonl" \
    || input_error "$cand/cumulative.diff: its hunks cannot be read (split-edit says why above)"
  local n; n=$(wc -l < "$dir/hunks.jsonl")
  log "minimize: $(basename "$cand") has $n hunks; at most $budget subsets measured"

  # The subsets consulted, each once, in order (the budget counts them), and the
  # verdict of the last: kept, lost or budget (not measured: the budget is spent).
  local consulted=() verdict
  judge() {   # HUNK...
    local key sub
    key=$(IFS=-; echo "$*")
    sub=$dir/hunks-$key
    if [[ " ${consulted[*]} " != *" $key "* ]]; then
      if [ "${#consulted[@]}" -ge "$budget" ]; then verdict=budget; return; fi
      consulted+=("$key")
    fi
    if [ ! -f "$sub/score.json" ]; then
      log "minimize: hunks $* of $n"
      rm -rf "$sub"; mkdir -p "$sub"
      jq -c -s --argjson want "[$(IFS=,; echo "$*")]" --slurpfile rec "$in" --arg dir "$sub" --arg id "$(basename "$cand")-h$key" \
        '{id: $id, iteration: $rec[0].iteration, parent: "pristine", dir: $dir, minimize_of: $rec[0].id, hunks: $want,
          diff: (map(select(.block as $b | $want | index($b))) | map(.edit) | join(""))}' "$dir/hunks.jsonl" > "$sub/record.json"
      make -s --no-print-directory -f "$TOP/mk/candidate.mk" EXP="$EXP" CAND="$sub" PRISTINE="$PRISTINE" score.json \
        > "$sub/stages.log" 2>&1 || system_error "the stages of subset $key failed to run (see $sub/stages.log)"
    fi
    if jq -L "$TOP/bin" -e 'include "records"; passed_screening' "$sub/score.json" > /dev/null; then verdict=kept; else verdict=lost; fi
    [ "$verdict" = kept ] || rm -f "$sub/db_bench"   # 200+ MB; a kept one may be confirmed
    log "minimize: hunks $*: $verdict ($(jq -r '.error.stage // (.score.comparable_score // "-" | tostring | .[0:5])' "$sub/score.json"))"
  }

  # ddmin over the hunk numbers in c, with g chunks.
  local c g=2 spent=0 found k len chunk rest
  mapfile -t c < <(seq "$n")
  while [ "${#c[@]}" -ge 2 ] && [ "$spent" = 0 ]; do
    len=${#c[@]} found=0
    local chunks=()
    for ((k = 0; k < g; k++)); do
      chunks+=("${c[*]:$((k * len / g)):$(((k + 1) * len / g - k * len / g))}")
    done
    for chunk in "${chunks[@]}"; do
      # shellcheck disable=SC2086  # a chunk is its hunk numbers
      judge $chunk
      case $verdict in kept) read -ra c <<< "$chunk"; g=2; found=1; break ;; budget) spent=1; break ;; esac
    done
    # With two chunks, each one's complement is the other: already judged.
    if [ "$found" = 0 ] && [ "$spent" = 0 ] && [ "$g" -gt 2 ]; then
      for chunk in "${chunks[@]}"; do
        rest=$(printf '%s\n' "${c[@]}" | grep -vxF -f <(tr ' ' '\n' <<< "$chunk") | paste -sd' ' -)
        # shellcheck disable=SC2086
        judge $rest
        case $verdict in kept) read -ra c <<< "$rest"; g=$((g > 3 ? g - 1 : 2)); found=1; break ;; budget) spent=1; break ;; esac
      done
    fi
    if [ "$found" = 0 ] && [ "$spent" = 0 ]; then
      [ "$g" -lt "$len" ] || break   # every hunk stood alone: 1-minimal
      g=$((2 * g < len ? 2 * g : len))
    fi
  done

  # A smaller patch is confirmed as its whole was; the whole's confirmation stands for itself.
  local minimal_key smaller=0 confirm=null key
  minimal_key=$(IFS=-; echo "${c[*]}")
  for key in ${consulted[@]+"${consulted[@]}"}; do
    [ "$key" = "$minimal_key" ] || rm -f "$dir/hunks-$key/db_bench"
  done
  [ "${#c[@]}" -lt "$n" ] && smaller=1
  if [ "$smaller" = 1 ]; then
    local sub=$dir/hunks-$minimal_key
    log "minimize: confirming hunks ${c[*]}"
    make -s --no-print-directory -f "$TOP/mk/candidate.mk" EXP="$EXP" CAND="$sub" PRISTINE="$PRISTINE" confirm.json \
      > "$sub/confirm.log" 2>&1 || system_error "the confirmation of subset $minimal_key failed to run (see $sub/confirm.log)"
    rm -f "$sub/db_bench"
    confirm=$(jq -c '.confirm' "$sub/confirm.json")
  fi
  local tested='[]'
  for key in ${consulted[@]+"${consulted[@]}"}; do
    tested=$(jq -L "$TOP/bin" -c --argjson t "$tested" --arg key "$key" 'include "records"; $t + [{hunks: ($key | split("-") | map(tonumber)), id,
        outcome: (if .error != null then "failed: \(.error.stage)" elif passed_screening then "kept the gain" else "lost the gain" end),
        comparable_score: (.score.comparable_score // null), throughput: (.score.terms.throughput // null)}]' "$dir/hunks-$key/score.json")
  done
  jq -c --slurpfile hunks "$dir/hunks.jsonl" --argjson minimal "[$(IFS=,; echo "${c[*]}")]" --argjson tested "$tested" \
     --argjson confirm "$confirm" --argjson spent "$spent" --argjson budget "$budget" --argjson smaller "$smaller" --arg key "$minimal_key" \
    '.minimize = {hunks: ($hunks | map(del(.edit) + {needed: (.block as $b | $minimal | index($b) != null)})),
                  minimal: $minimal, one_minimal: ($spent == 0), subsets_budget: $budget, subsets: $tested,
                  patch: (if $smaller == 1 then "minimize/hunks-\($key)/cumulative.diff" else "cumulative.diff" end),
                  confirm: $confirm}' "$in" > "$out.tmp"
  mv "$out.tmp" "$out"
  log "minimize: $(jq -r '.minimize | "hunks \(.minimal | map(tostring) | join(", ")) of \(.hunks | length) keep the gain\(if .one_minimal then "" else " (the subset budget ran out first: maybe not the smallest)" end)\(if .confirm == null then "" elif .confirm.score.better_than_pristine then ", confirmed" else ", not confirmed by fresh pairs" end)"' "$out")"
}

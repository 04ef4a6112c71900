# bin/stage/confirm.sh — score.json → confirm.json: a candidate that passed
# screening, measured again.  Screening keeps the best of ~50 noisy estimates, so
# its figure is biased upward (the winner's curse) and a few candidates a run pass
# it by chance; only fresh measurement says whether a gain is real.  Here:
# AIOPT_CONFIRM_PAIRS fresh interleaved pairs of AIOPT_CONFIRM_DURATION-second runs
# against pristine run the same way, every pair run (no racing, no screen), scored
# by the same rule.  The record gets "confirm": those pairs' own score.
# shellcheck shell=bash
# shellcheck source=bin/stage/build.sh
. "$TOP/bin/stage/build.sh"
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"

stage_confirm() {
  local cand=$1 in=$1/score.json out=$1/confirm.json dir=$1/confirm pristine=${PRISTINE:?PRISTINE is not set}
  jq -e '.score.valid == true' "$in" > /dev/null || input_error "$in: not a valid candidate: nothing to confirm"
  rm -rf "$dir"; mkdir -p "$dir"
  candidate_binary "$cand" "$dir/build.log"
  keep_binary "$cand/db_bench" "$dir/db_bench"
  jq -c 'del(.bench, .coz, .bperf, .score)' "$in" > "$dir/crash.json"
  ( export AIOPT_BENCH_DURATION=$AIOPT_CONFIRM_DURATION AIOPT_BENCH_SCREEN=1 \
           AIOPT_BENCH_MIN_PAIRS=$AIOPT_CONFIRM_PAIRS AIOPT_BENCH_MAX_PAIRS=$AIOPT_CONFIRM_PAIRS
    stage_bench "$dir" )
  rm -f "$dir/db_bench"
  local status=0
  "$BIN/score" --baseline "$pristine/baseline.json" < "$dir/bench.json" > "$dir/score.json" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || system_error "score failed (exit $status) on $dir/bench.json"
  jq -c --slurpfile c "$dir/score.json" --argjson s "$AIOPT_CONFIRM_DURATION" \
    '.confirm = {duration_seconds: $s, dir: "confirm", workload: $c[0].bench.workload,
                 score: $c[0].score, error: ($c[0].error // null)}' "$in" > "$out.tmp"
  mv "$out.tmp" "$out"
  log "confirm: $(jq -r '.confirm.score | if .better_than_pristine then "confirmed: better than pristine (comparable \(.comparable_score * 1000 | round / 1000))"
                       else "not confirmed: \(.reason // "no throughput or latency gain outside noise in fresh pairs (comparable \(.comparable_score // "-" | tostring | .[0:5]))")" end' "$out")"
}

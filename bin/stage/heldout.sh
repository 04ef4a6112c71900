# bin/stage/heldout.sh — confirm.json → heldout.json: a confirmed candidate on the
# workloads it was not chosen on (those of l0, sync and readheavy other than
# AIOPT_BENCH_WORKLOAD): does its gain carry over, or was it tuned to one db_bench
# mix?  AIOPT_CONFIRM_PAIRS interleaved pairs each against pristine, at the
# confirmation's run length, scored by the same rule.  Throughput and the
# contract only: the fixed-load and read runs take their offered load from
# pristine's screening workload.  The record gets "heldout": {WORKLOAD: {workload,
# score}}.
# shellcheck shell=bash
# shellcheck source=bin/stage/build.sh
. "$TOP/bin/stage/build.sh"
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"

stage_heldout() {
  local cand=$1 in=$1/confirm.json out=$1/heldout.json pristine=${PRISTINE:?PRISTINE is not set}
  jq -L "$TOP/bin" -e 'include "records"; confirmed_better' "$in" > /dev/null \
    || input_error "$in: not confirmed better than pristine: nothing to hold out"
  candidate_binary "$cand" "$cand/heldout-build.log"
  local results='{}' w
  for w in $WORKLOADS; do
    [ "$w" != "$AIOPT_BENCH_WORKLOAD" ] || continue
    local dir=$cand/heldout-$w scratch i
    rm -rf "$dir"; mkdir -p "$dir"
    scratch=$(scratch_for "$dir")/bench
    results=$(
      export AIOPT_BENCH_WORKLOAD=$w AIOPT_BENCH_DURATION=$AIOPT_CONFIRM_DURATION AIOPT_BENCH_READ_SECONDS=0
      mkdir -p "$scratch"; require_disk "$scratch"
      for i in $(seq "$AIOPT_CONFIRM_PAIRS"); do
        log "held out: $w, pair $i of $AIOPT_CONFIRM_PAIRS"
        bench_pair "$i" "$pristine/db_bench" "$cand/db_bench" "$dir/bench-$i-pristine" "$dir/bench-$i-candidate" "$scratch" "" \
          >> "$dir/pairs.jsonl"
      done
      rm -rf "$scratch"
      local status=0
      jq -c --slurpfile p "$dir/pairs.jsonl" --arg args "$(bench_args)" 'del(.bench, .coz, .bperf, .score, .confirm)
          | .bench = {workload: $args, pairs: $p}' "$in" | "$BIN/score" > "$dir/score.json" || status=$?
      [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || system_error "score failed (exit $status) on $dir/pairs.jsonl"
      jq -c --argjson r "$results" --arg w "$w" '$r + {($w): {workload: .bench.workload, benchmark: (.bench.pairs[0].baseline.benchmark // null),
          dir: "heldout-\($w)", score: .score, error: (if .score == null then .error else null end)}}' "$dir/score.json")
  done
  jq -c --argjson h "$results" '.heldout = $h' "$in" > "$out.tmp"
  mv "$out.tmp" "$out"
  log "held out: $(jq -r '.heldout | to_entries | map("\(.key) \(.value.score.terms.throughput.value // "-" | tostring | .[0:5])\(if .value.score.better_than_pristine then " (better)" else "" end)") | join(", ")' "$out")"
}

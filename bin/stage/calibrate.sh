# bin/stage/calibrate.sh — PRISTINE_DIR → calibration.jsonl: the noise where the run
# runs.  AIOPT_CALIBRATION_PAIRS A/A pairs, pristine's db_bench against a copy of
# itself, run and interleaved as the bench stage runs a candidate's pairs, read by
# score --calibrate: the spread of one pair, and the smallest change the bench
# stage's pair budget can detect.  One line per calibration, with the host it ran
# on: the noise is the machine's, so a run resumed on another host calibrates again.
# shellcheck shell=bash
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"

stage_calibrate() {
  local dir=$1 aa=$1/calibration n=${AIOPT_CALIBRATION_PAIRS}
  [ -x "$dir/db_bench" ] || input_error "$dir/db_bench: pristine is not built (bin/stage.sh pristine builds it)"
  [ -f "$dir/baseline.json" ] || input_error "$dir/baseline.json: pristine was not measured (bin/stage.sh pristine writes it)"
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || usage_error "AIOPT_CALIBRATION_PAIRS=$n: a spread needs at least 2 pairs"
  rm -rf "$aa"; mkdir -p "$aa"
  # A copy, not a link: two files, as pristine's and a candidate's binaries are.
  cp "$dir/db_bench" "$aa/db_bench"
  local scratch offered i
  scratch=$(scratch_for "$aa")/bench
  mkdir -p "$scratch"; require_disk "$scratch"
  offered=$(offered_load "$dir")
  : > "$aa/pairs.jsonl"
  for i in $(seq "$n"); do
    log "calibration: A/A pair $i of $n"
    bench_pair "$i" "$dir/db_bench" "$aa/db_bench" "$aa/pair-$i-a" "$aa/pair-$i-b" "$scratch" "$offered" >> "$aa/pairs.jsonl"
  done
  rm -rf "$scratch" "$aa/db_bench"
  local noise
  noise=$(jq -sc '{bench: {pairs: .}}' "$aa/pairs.jsonl" | "$BIN/score" --calibrate 2> "$aa/score.err") \
    || system_error "calibration: pristine's A/A pairs cannot be read: $(cat "$aa/score.err") (see $aa/)"
  jq -c --arg host "$(hostname)" --argjson at "$(date +%s)" --argjson pairs "$n" --argjson s "$AIOPT_BENCH_DURATION" \
    '{host: $host, at: $at, pairs: $pairs, duration_seconds: $s} + .' <<<"$noise" | "$BIN/archive-append" "$dir/calibration.jsonl"
  log "calibration: $(tail -n 1 "$dir/calibration.jsonl" | jq -r '"A/A throughput \(.throughput.value * 1000 | round / 1000) [\(.throughput.ci_low * 1000 | round / 1000), \(.throughput.ci_high * 1000 | round / 1000)]; \(.detectable_change.pairs) pairs detect a \(.detectable_change.pct * 10 | round / 10) % change (80 % power)"')"
}

# tests/bench/aa.bash — A/A pairs for the noise benchmarks (noise-levers.sh,
# shared-machine.sh): pristine's db_bench against a copy of itself, run by the bench
# stage's own bench_pair (ABBA order, the sandbox, parse-dbbench) and read by score
# --calibrate.  Sourced after bin/common.sh, with TOP set.  Saturation runs only
# (AIOPT_BENCH_READ_SECONDS=0, no fixed-load runs): the throughput term.
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
export AIOPT_BENCH_READ_SECONDS=0 AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0
# shellcheck source=bin/stage/lib.sh
. "$TOP/bin/stage/lib.sh"
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"

aa_pairs() {   # NAME VALUE: VALUE checked as a number of pairs (2 or more: a spread), printed
  if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 2 ]; then usage_error "$1=$2: a spread needs at least 2 pairs"; fi
  echo "$2"
}

aa_setup() {   # WORK: WORK emptied, pristine measured once in WORK/pristine, its copy WORK/copy
  aa_work=$1
  rm -rf "$aa_work"; mkdir -p "$aa_work"
  make -s -C "$TOP" baseline BASELINE_DIR="$aa_work/pristine" AIOPT_BASELINE_RUNS=1 > "$aa_work/pristine.log" 2>&1 \
    || { tail -n 20 "$aa_work/pristine.log"; exit 1; }
  cp "$aa_work/pristine/db_bench" "$aa_work/copy"   # a copy, not a link: two files, as a candidate's are
}

aa_pair() {   # I DIR: A/A pair I, appended to DIR/pairs.jsonl
  mkdir -p "$2"
  bench_pair "$1" "$aa_work/pristine/db_bench" "$aa_work/copy" "$2/pair-$1-a" "$2/pair-$1-b" "$aa_work/scratch" "" >> "$2/pairs.jsonl"
}

aa_summary() {   # LABEL DIR: DIR's pairs scored (DIR/noise.json) and summed up on a line
  jq -sc '{bench: {pairs: .}}' "$2/pairs.jsonl" | "$BIN/score" --calibrate > "$2/noise.json" \
    || input_error "$2/pairs.jsonl: the A/A pairs cannot be scored (see $2/)"
  jq -r --arg what "$1" --slurpfile p "$2/pairs.jsonl" 'def r3: . * 1000 | round / 1000;
    "\($what): \($p | map(.baseline.ops_per_sec) | add / length | round) ops/s; A/A \(.throughput.value | r3) [\(.throughput.ci_low | r3), \(.throughput.ci_high | r3)] (half-width \((.throughput.ci_high - .throughput.ci_low) / 2 * 1000 | round / 10) %); per-pair log sd \(.log_ratio_sd * 10000 | round / 10000); \(.detectable_change.pairs) pairs detect \(.detectable_change.pct * 10 | round / 10) % (80 % power)"' "$2/noise.json"
}

aa_cleanup() { rm -rf "$aa_work/scratch" "$aa_work/copy"; }

#!/usr/bin/env bash
# The smallest throughput change the loop detects with 80 % power, measured.
#
# Candidates carry a known slowdown: the busy-wait of tests/fixtures/edits/spin-2us.md
# (at the start of every DBImpl::Write), set to POWER_SPIN_NS nanoseconds, swept
# across sizes; 0 is pristine's own binary copied (an A/A candidate: its "power"
# is the false-positive rate).  Each is applied and built through the real stages
# and benched through the real bench stage, POWER_PAIRS interleaved pairs at the
# experiment's run length.  Then the bench stage's decisions are replayed on
# POWER_TRIALS resamples of those pairs (drawn with replacement, in order): score
# --more adds pairs until it says enough (AIOPT_BENCH_MIN_PAIRS..MAX_PAIRS,
# AIOPT_BENCH_CI_TARGET), and score's throughput interval decides.  A trial
# detects the change when that interval excludes 1.  The size of a change is its
# ratio over all POWER_PAIRS pairs.  The first-pair screen is off (--screen 1):
# a slowdown stands in for a gain of the same size, and a gain never trips it.
#
# Throughput only: no read or fixed-load runs (AIOPT_BENCH_READ_SECONDS=0,
# AIOPT_BENCH_OFFERED_LOAD=0); they do not enter the throughput term.  Needs
# RocksDB built (make rocksdb-release) and the tree free.  Slow: sizes x
# POWER_PAIRS x 2 x (AIOPT_BENCH_DURATION + ~2) s, and one incremental build per size.
# Prints one line per size and keeps the pairs in POWER_DIR (default
# build/power: rerunning with the same settings reuses what was measured).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/bin
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
sizes=${POWER_SPIN_NS:-0 100 200 400}
pairs=${POWER_PAIRS:-12}
trials=${POWER_TRIALS:-200}
export AIOPT_BENCH_DURATION=${POWER_BENCH_DURATION:-$AIOPT_BENCH_DURATION}
export AIOPT_BENCH_READ_SECONDS=0 AIOPT_BENCH_OFFERED_LOAD=0 AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0
work=${POWER_DIR:-$TOP/build/power}/d${AIOPT_BENCH_DURATION}-p$pairs
mkdir -p "$work"
export PRISTINE=$work/pristine
[ -f "$PRISTINE/baseline.json" ] || make -s -C "$TOP" baseline BASELINE_DIR="$PRISTINE" AIOPT_BASELINE_RUNS=1 > "$work/pristine.log" 2>&1 \
  || { tail -n 20 "$work/pristine.log"; exit 1; }
echo "power: ${AIOPT_BENCH_DURATION} s runs, $pairs pairs per size, $trials resampled trials each, racing $AIOPT_BENCH_MIN_PAIRS..$AIOPT_BENCH_MAX_PAIRS pairs (CI target $AIOPT_BENCH_CI_TARGET); $(nproc) cores, $(hostname)"

# The spin edit at NS nanoseconds: spin-2us.md's block, its length changed.
spin_edit() { sed -n '/^db\/db_impl\/db_impl_write.cc$/,$p' "$TOP/tests/fixtures/edits/spin-2us.md" | sed "s/std::chrono::microseconds(2)/std::chrono::nanoseconds($1)/"; }

for ns in $sizes; do
  cand=$work/spin-$ns
  if [ ! -f "$cand/bench.json" ]; then
    rm -rf "$cand"; mkdir -p "$cand"
    if [ "$ns" = 0 ]; then
      cp "$PRISTINE/db_bench" "$cand/db_bench"
      echo '{"id":"spin-0","parent":"pristine","apply":{"ok":true},"build":{"ok":true}}' > "$cand/build.json"
    else
      jq -cn --arg d "$cand" --arg e "$(spin_edit "$ns")" --arg id "spin-$ns" '{id: $id, parent: "pristine", dir: $d, diff: $e}' > "$cand/record.json"
      "$BIN/stage.sh" apply "$cand" 2> "$cand/stages.log"
      "$BIN/stage.sh" build "$cand" 2>> "$cand/stages.log"
      jq -e '.build.ok == true' "$cand/build.json" > /dev/null || { echo "power: spin-$ns did not build (see $cand/)"; exit 1; }
    fi
    # The gate is not what is measured here.
    jq -c '.test = {ok: true}' "$cand/build.json" > "$cand/test.json"
    AIOPT_BENCH_MIN_PAIRS=$pairs AIOPT_BENCH_MAX_PAIRS=$pairs AIOPT_BENCH_SCREEN=1 "$BIN/stage.sh" bench "$cand" 2>> "$cand/stages.log"
    rm -f "$cand/db_bench" "$cand"/bench-*.log
  fi
  # The replay: score --more and score on resampled pairs, as the bench stage runs
  # them.  Beside throughput, the CPU seconds per operation (score's unweighted
  # signal) on the same trials: a steadier signal, if it is one, shows here.
  RANDOM=$ns
  detected=0 detected_cpu=0 used=0
  for ((t = 0; t < trials; t++)); do
    draws=()
    while :; do
      draws+=($((RANDOM % pairs)))
      jq -c --argjson d "[$(IFS=,; echo "${draws[*]}")]" '.bench.pairs = [.bench.pairs[$d[]]]' "$cand/bench.json" > "$work/trial.json"
      more=0
      "$BIN/score" --more --screen 1 < "$work/trial.json" 2> /dev/null || more=$?
      [ "$more" -eq 3 ] || break
    done
    used=$((used + ${#draws[@]}))
    read -r thr cpu < <("$BIN/score" < "$work/trial.json" | jq -r '[.score.terms.throughput, .score.signals.cpu_per_op]
      | map(if . != null and (.ci_low > 1 or .ci_high < 1) then 1 else 0 end) | @tsv')
    detected=$((detected + thr)) detected_cpu=$((detected_cpu + cpu))
  done
  noise=$(jq -c '{bench: {pairs: .bench.pairs}}' "$cand/bench.json" | "$BIN/score" --calibrate)
  "$BIN/score" < "$cand/bench.json" | jq -r --arg ns "$ns" --argjson det "$detected" --argjson detc "$detected_cpu" --argjson n "$trials" \
      --argjson used "$used" --argjson noise "$noise" '
    def r3: . * 1000 | round / 1000;
    .score.terms.throughput as $t | .score.signals.cpu_per_op as $c |
    "power: spin \($ns) ns: throughput \($t.value | r3) [\($t.ci_low | r3), \($t.ci_high | r3)] over \($t.pairs) pairs " +
    "(change \((1 - $t.value) * 1000 | round / 10) %, per-pair log sd \($noise.log_ratio_sd | r3)): " +
    "detected in \($det) of \($n) trials (\($det / $n * 100 | round) %), \($used / $n * 10 | round / 10) pairs a trial; " +
    "CPU per op \($c.value // null | if . == null then "-" else r3 end): detected in \($detc) of \($n) (\($detc / $n * 100 | round) %)"'
done

#!/usr/bin/env bash
# The smallest change the loop detects with 80 % power, measured on this machine.
#
# 1. Known slowdowns, measured.  Candidates carry the busy-wait of
#    tests/fixtures/edits/spin-2us.md (at the start of every DBImpl::Write) set to
#    POWER_SPIN_NS nanoseconds; 0 is pristine's binary copied (an A/A candidate).
#    Each is applied and built through the real stages and benched through the real
#    bench stage: POWER_PAIRS interleaved pairs at the experiment's run length.  Its
#    change is its throughput ratio over those pairs, with the interval.
# 2. The noise, from those pairs: each pair's log ratio less the mean of its size
#    (the residuals: how far one pair swings from the truth on this machine).
# 3. The power.  For each change in POWER_CHANGES_PCT, POWER_TRIALS replays of the
#    bench stage's decisions on pairs drawn from the measured ones, each with its
#    residual and the change put on the candidate's figures: score --more adds
#    pairs until it says enough (AIOPT_BENCH_MIN_PAIRS..MAX_PAIRS, CI target), and
#    score's interval decides.  The share of trials whose interval excludes 1 is the
#    power; at 0 %, the false-positive rate.  Beside throughput, the CPU seconds per
#    operation (score's unweighted signal) on the same trials.  Why residuals: a
#    resample of one size's own pairs is centred on their own mean, and an A/A set
#    that read 0.98 by chance "detects" its 2 % in 40 % of trials.
#
# The first-pair screen is off (--screen 1): a slowdown stands in for a gain of the
# same size, and a gain never trips it.  Throughput only: no read or fixed-load runs
# (AIOPT_BENCH_READ_SECONDS=0, AIOPT_BENCH_OFFERED_LOAD=0); they do not enter the
# throughput term.  Needs RocksDB built (make rocksdb-release), the tree free and
# the machine otherwise idle: other work on it is noise measured as the loop's.
# Slow: sizes x POWER_PAIRS x 2 x (AIOPT_BENCH_DURATION + ~1) s, one incremental
# build per size, a few minutes of replays.  The pairs stay in POWER_DIR (default
# build/power): a rerun with the same settings reuses what was measured.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/bin
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
sizes=${POWER_SPIN_NS:-0 100 200 400 1000}
pairs=${POWER_PAIRS:-10}
trials=${POWER_TRIALS:-200}
changes=${POWER_CHANGES_PCT:-0 1 2 3 4 5 6 8}
export AIOPT_BENCH_DURATION=${POWER_BENCH_DURATION:-$AIOPT_BENCH_DURATION}
export AIOPT_BENCH_READ_SECONDS=0 AIOPT_BENCH_OFFERED_LOAD=0 AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0
work=${POWER_DIR:-$TOP/build/power}/${AIOPT_BENCH_WORKLOAD}-d${AIOPT_BENCH_DURATION}-p$pairs
mkdir -p "$work"
export PRISTINE=$work/pristine
[ -f "$PRISTINE/baseline.json" ] || make -s -C "$TOP" baseline BASELINE_DIR="$PRISTINE" AIOPT_BASELINE_RUNS=1 > "$work/pristine.log" 2>&1 \
  || { tail -n 20 "$work/pristine.log"; exit 1; }
echo "power: workload ${AIOPT_BENCH_WORKLOAD}, ${AIOPT_BENCH_DURATION} s runs, $pairs pairs per size, $trials trials per change, racing $AIOPT_BENCH_MIN_PAIRS..$AIOPT_BENCH_MAX_PAIRS pairs (CI target $AIOPT_BENCH_CI_TARGET); $(nproc) cores, $(hostname)"

# ---- 1. known slowdowns ------------------------------------------------------------
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
  "$BIN/score" < "$cand/bench.json" | jq -r --arg ns "$ns" 'def r3: . * 1000 | round / 1000;
    .score | .terms.throughput as $t | .signals.cpu_per_op as $c |
    "power: spin \($ns) ns: throughput \($t.value | r3) [\($t.ci_low | r3), \($t.ci_high | r3)] over \($t.pairs) pairs; CPU per op \($c.value | r3) [\($c.ci_low | r3), \($c.ci_high | r3)]"'
done

# ---- 2. the noise: every pair, its size's mean effect taken out ---------------------
size_files=()
for size in $sizes; do size_files+=("$work/spin-$size/bench.json"); done
jq -c -s 'def cpo: . as $r | ([$r.benchmarks[]? | select(.name == $r.benchmark) | .operations] | first) as $ops
            | if $r.cpu_seconds != null and $ops != null and $ops > 0 then $r.cpu_seconds / $ops else null end;
  map(.bench.pairs | map(select(.candidate.cpu_seconds != null and .baseline.cpu_seconds != null))
      | (map(.candidate.ops_per_sec / .baseline.ops_per_sec | log) | add / length) as $mt
      | (map((.candidate | cpo) / (.baseline | cpo) | log) | add / length) as $mc
      | map(.candidate.ops_per_sec *= (-$mt | exp) | .candidate.cpu_seconds *= (-$mc | exp))) | add' \
  "${size_files[@]}" > "$work/residuals.json"
echo "power: the noise, $(jq length "$work/residuals.json") pairs less their size's mean: $(jq -c '{bench: {pairs: .}}' "$work/residuals.json" | "$BIN/score" --calibrate \
  | jq -r '"per-pair log sd \(.log_ratio_sd * 10000 | round / 10000); a paired t test over \(.detectable_change.pairs) pairs detects \(.detectable_change.pct * 10 | round / 10) % with 80 % power (analytic)"')"

# ---- 3. the power: the bench stage's decisions replayed ------------------------------
n=$(jq length "$work/residuals.json")
RANDOM=1
for pct in $changes; do
  detected=0 detected_cpu=0 used=0
  for ((t = 0; t < trials; t++)); do
    draws=()
    for ((k = 0; k < AIOPT_BENCH_MAX_PAIRS; k++)); do draws+=($((RANDOM % n))); done
    for ((k = 1; k <= AIOPT_BENCH_MAX_PAIRS; k++)); do
      jq -c --argjson d "[$(IFS=,; echo "${draws[*]:0:k}")]" --argjson f "$pct" \
        '{apply: {ok: true}, build: {ok: true}, test: {ok: true},
          bench: {pairs: [.[$d[]] | .candidate.ops_per_sec *= (1 - $f / 100) | .candidate.cpu_seconds *= (1 + $f / 100)]}}' \
        "$work/residuals.json" > "$work/trial.json"
      more=0
      "$BIN/score" --more --screen 1 < "$work/trial.json" 2> "$work/trial.err" || more=$?
      case $more in 0) break ;; 3) ;; *) echo "power: score --more failed (exit $more): $(cat "$work/trial.err")" >&2; exit 1 ;; esac
    done
    used=$((used + (k > AIOPT_BENCH_MAX_PAIRS ? AIOPT_BENCH_MAX_PAIRS : k)))
    "$BIN/score" < "$work/trial.json" > "$work/trial.score.json" || { echo "power: score failed on $work/trial.json" >&2; exit 1; }
    read -r thr cpu < <(jq -r '[.score.terms.throughput, .score.signals.cpu_per_op]
      | map(if . != null and (.ci_low > 1 or .ci_high < 1) then 1 else 0 end) | @tsv' "$work/trial.score.json")
    detected=$((detected + thr)) detected_cpu=$((detected_cpu + cpu))
  done
  echo "power: change $pct %: throughput detected in $detected of $trials trials ($((detected * 100 / trials)) %), CPU per op in $detected_cpu ($((detected_cpu * 100 / trials)) %); $(awk -v u="$used" -v n="$trials" 'BEGIN { printf "%.1f", u / n }') pairs a trial"
done

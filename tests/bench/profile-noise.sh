#!/usr/bin/env bash
# The profile terms' false-difference rate: PROFILE_REPS Coz and off-CPU profiles of
# the same pristine db_bench (each through the real pristine stage), then every
# ordered pair of them scored as pristine against "candidate" — identical code.
# Prints how often the bcoz and bperf terms called a difference (goal: <= 5 %), and
# with PROFILE_FIXTURES=DIR keeps the profiles there (tests/fixtures/profile-noise
# holds the ones tests/score.bats replays).  Needs RocksDB built.  Slow: each
# repetition is one bench run, AIOPT_BCOZ_DURATION (20) s of Coz and
# AIOPT_BPERF_DURATION (3) s of perf.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
reps=${PROFILE_REPS:-10}
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
export AIOPT_BENCH_DURATION=3 AIOPT_BCOZ_DURATION=${AIOPT_BCOZ_DURATION_NOISE:-20} AIOPT_BPERF_DURATION=3 \
       AIOPT_COZ_MIN_POINTS=3 AIOPT_BASELINE_RUNS=1 AIOPT_RUN_BCOZ=1 AIOPT_RUN_BPERF=1
tmp=$(mktemp -d "$TOP/build/aiopt-profile-noise.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
echo "profile-noise: $reps profiles of pristine db_bench, Coz ${AIOPT_BCOZ_DURATION} s, perf ${AIOPT_BPERF_DURATION} s each"
for r in $(seq "$reps"); do
  make -s -C "$TOP" baseline BASELINE_DIR="$tmp/p$r" > "$tmp/p$r.log" 2>&1 || { cat "$tmp/p$r.log"; exit 1; }
  jq -c --arg r "$r" '{rep: $r, coz: .coz.max_speedup_pct, coz_ci: .coz.max_speedup_pct_ci, offcpu: .bperf.off_cpu_ratio, offcpu_ci: .bperf.off_cpu_ratio_ci}' "$tmp/p$r/baseline.json"
  if [ -n "${PROFILE_FIXTURES:-}" ]; then
    mkdir -p "$PROFILE_FIXTURES"
    cp "$tmp/p$r/profile.coz" "$PROFILE_FIXTURES/pristine-$r.coz"
    jq -c '.bperf | del(.top, .warnings)' "$tmp/p$r/baseline.json" > "$PROFILE_FIXTURES/pristine-$r.offcpu.json"
  fi
done
bash "$TOP/tests/helpers/profile-pairs.sh" "$tmp"/p*/baseline.json

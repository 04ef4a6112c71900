#!/usr/bin/env bash
# The wall time of a 2 x 2 matrix — tracks baseline and best_of_n x seeds 1-2,
# MATRIX_ITERATIONS (1) iterations each of the scripted edits, on the demo's short
# workload with 2 pairs a candidate and 2 of calibration, and one quick test in the
# gate (what is measured is the launchers, not the candidates) — launched
# three ways, each from scratch: JOBS=1 (one run after the other, the project's
# tree), JOBS=2 (two at a time, each run a tree of its own: its builds from the
# shared ccache are part of the time) and LAUNCHER=slurm on a single-node cluster
# started here (tests/helpers/slurm.bash; one CPU a job, so two at a time; each job
# a tree of its own in its node-local $TMPDIR).  And the disk an extra tree takes.
#
#   tests/bench/matrix.sh      (make bench-matrix)
#
# Runs in build/matrix-bench/.  Needs make rocksdb-release rocksdb-tests, Debian's
# slurm-wlm and munge (make deps), root (slurmd), the machine otherwise idle.  Slow:
# about 35 minutes here.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="matrix-bench"
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
# shellcheck source=tests/helpers/slurm.bash
. "$TOP/tests/helpers/slurm.bash"
work=$TOP/build/matrix-bench
rm -rf "$work" "$TOP/build/trees/experiment_a"; mkdir -p "$work"
iterations=${MATRIX_ITERATIONS:-1}
[[ $iterations =~ ^[1-9][0-9]*$ ]] || usage_error "MATRIX_ITERATIONS=$iterations: 1 or more"
printf 'db_write_test\t--gtest_filter=*SyncAndDisableWAL*\n' > "$work/gate.tsv"
export AIOPT_SCRIPTED=$TOP/experiments/experiment_a/scripted AIOPT_GATE=$work/gate.tsv \
       AIOPT_BENCH_DURATION=3 AIOPT_BENCH_READ_SECONDS=1 AIOPT_BASELINE_RUNS=2 AIOPT_CALIBRATION_PAIRS=2 \
       AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=2 AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=3 AIOPT_MINIMIZE_SUBSETS=2
matrix() {   # RUNS VAR=VALUE: the matrix, timed
  local runs=$1 t0=$SECONDS
  AIOPT_RUNS=$runs make -s -C "$TOP" experiment_a TRACKS="baseline best_of_n" SEEDS=1-2 ITERATIONS="$iterations" "$2" \
    > "$runs.log" 2>&1 || { tail -n 20 "$runs.log"; system_error "the matrix ($2) failed (see $runs.log)"; }
  echo "matrix: $2: $((SECONDS - t0)) s"
}
echo "matrix: 2 tracks x 2 seeds x $iterations iteration(s), 3 s bench runs; $(nproc) cores, $(hostname)"
matrix "$work/jobs-1" JOBS=1
matrix "$work/jobs-2" JOBS=2
du -sh "$TOP/build/trees/experiment_a/baseline/seed-1" | awk '{ print "matrix: an extra tree (source and both builds): " $1 }'

start_slurm "$work/slurm"
trap 'stop_slurm "$work/slurm"' EXIT
mkdir -p "$work/node-local"
t0=$SECONDS
TMPDIR=$work/node-local AIOPT_SLURM_CPUS=1 AIOPT_RUNS=$work/slurm-runs \
  make -s -C "$TOP" experiment_a LAUNCHER=slurm TRACKS="baseline best_of_n" SEEDS=1-2 ITERATIONS="$iterations" > "$work/slurm-runs.log" 2>&1 \
  || { cat "$work/slurm-runs.log"; system_error "sbatch failed"; }
for _ in $(seq 7200); do [ -z "$(squeue -h -r -o %i)" ] && break; sleep 0.5; done
[ -z "$(squeue -h -r -o %i)" ] || system_error "the Slurm jobs did not end within an hour"
"$TOP/bin/status.sh" experiment_a "$work/slurm-runs" | tee -a "$work/slurm-runs.log" | grep -c ' finished ' | grep -qx 4 \
  || system_error "not every Slurm run finished (see $work/slurm-runs.log, $work/slurm-runs/experiment_a/slurm/)"
echo "matrix: LAUNCHER=slurm: $((SECONDS - t0)) s"

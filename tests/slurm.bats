#!/usr/bin/env bats
# make experiment_a LAUNCHER=slurm on a real single-node Slurm cluster the test
# starts itself (tests/helpers/slurm.bash): 2 tracks x 2 seeds x 2 iterations of the
# scripted edits, one job each (sbatch --array), the user's sbatch flags read back
# from scontrol, make status while the jobs run, a cancelled job resumed by
# submitting again (in a RocksDB tree of its own, in the job's node-local $TMPDIR),
# make report over what the jobs wrote, and every daemon stopped by its pid.

load helpers/common
load helpers/slurm

settings() {
  export AIOPT_COST_ARGS= AIOPT_SYNC_PROBE_SECONDS=0.2 AIOPT_BENCH_DURATION=2 AIOPT_BENCH_READ_SECONDS=1 AIOPT_BASELINE_RUNS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=2 \
         AIOPT_CALIBRATION_PAIRS=2 AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=2 AIOPT_MINIMIZE_SUBSETS=2 \
         AIOPT_SCRIPTED="$TOP/experiments/experiment_a/scripted" AIOPT_RUNS="$BATS_FILE_TMPDIR/runs" \
         AIOPT_GATE="$BATS_FILE_TMPDIR/gate.tsv" SLURM_CONF="$BATS_FILE_TMPDIR/slurm/slurm.conf"
  # The user's sbatch settings, each read back from the submitted job.
  export AIOPT_SLURM_PARTITION=aiopt AIOPT_SLURM_ACCOUNT=lab42 AIOPT_SLURM_TIME=00:30:00 AIOPT_SLURM_CPUS=1 \
         AIOPT_SLURM_FLAGS="--comment=aiopt-test --nice=10"
}

setup_file() {
  settings
  # One quick test of the write path: the gate's full set is tests/rocksdb.bats's.
  printf 'db_write_test\t--gtest_filter=*SyncAndDisableWAL*\n' > "$AIOPT_GATE"
  start_slurm "$BATS_FILE_TMPDIR/slurm"
}

teardown_file() {
  stop_slurm "$BATS_FILE_TMPDIR/slurm"
  local daemon
  for daemon in munged slurmctld slurmd; do
    ! kill -0 "$(cat "$BATS_FILE_TMPDIR/slurm/$daemon.pid")" 2>/dev/null || { echo "$daemon is still running" >&2; return 1; }
  done
}

setup() { settings; }

submit() {   # the matrix, as a user submits it
  make -s -C "$TOP" experiment_a LAUNCHER=slurm TRACKS="baseline best_of_n" SEEDS=1-2 ITERATIONS=2
}

wait_for() {   # SECONDS CONDITION...
  local limit=$1; shift
  for _ in $(seq $((limit * 2))); do "$@" && return 0; sleep 0.5; done
  return 1
}
queue_has() { squeue -h -r -o %i | grep -qx "$1"; }
queue_empty() { [ -z "$(squeue -h -r -o %i)" ]; }
run_is() {   # TRACK SEED STATE
  [ "$(jq -r .state "$AIOPT_RUNS/experiment_a/$1/seed-$2/state.json" 2>/dev/null)" = "$3" ]
}
status_of() {   # TRACK SEED: the run's line of make status --json
  "$TOP/bin/status.sh" --json experiment_a "$AIOPT_RUNS" | jq -c --arg t "$1" --argjson s "$2" 'select(.track == $t and .seed == $s)'
}

@test "LAUNCHER=slurm: one job per track x seed with the user's flags; status while they run; a cancelled job resumed by submitting again; report" {
  # On one node the runs share the project's tree, as on a workstation; the resumed
  # run below gets a tree of its own, as every job does by default.
  AIOPT_OWN_TREE=0 run submit
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"submitted 4 runs as job array "* ]]
  job=$(sed -n 's/.*submitted 4 runs as job array \([0-9]*\) .*/\1/p' <<<"$output")
  [ "$(jq -r .job_id "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/slurm.json")" = "${job}_3" ]

  # The user's partition, account, time limit, CPUs and extra flags reached sbatch.
  run scontrol show job "${job}_0"
  [[ "$output" == *"Partition=aiopt "* ]]
  [[ "$output" == *"Account=lab42 "* ]]
  [[ "$output" == *"TimeLimit=00:30:00 "* ]]
  [[ "$output" == *"CPUs/Task=1 "* ]]
  [[ "$output" == *"Comment=aiopt-test"* ]]
  [[ "$output" == *"Nice=10 "* ]]

  # make status while they run: every run with its job; two run at a time (one CPU
  # each on two), the others wait.
  wait_for 120 run_is baseline 1 running
  run make -s -C "$TOP" status RUNS="$AIOPT_RUNS"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"running [job ${job}_0 RUNNING]"* ]]
  [[ "$output" == *"queued [job ${job}_3 PENDING]"* ]]
  status_of baseline 1 | jq -e '.state == "running" and .slurm == {job_id: "'"${job}_0"'", state: "RUNNING"}' > /dev/null
  status_of best_of_n 2 | jq -e '.state == "queued" and .slurm.job_id == "'"${job}_3"'"' > /dev/null

  # The last run's job, cancelled once its run has started: the runner stops cleanly.
  wait_for 900 run_is best_of_n 2 running
  scancel "${job}_3"
  wait_for 120 run_is best_of_n 2 stopped || { cat "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/state.json" "$AIOPT_RUNS/experiment_a/slurm/${job}_3.out"; false; }
  [ "$(jq -r .reason "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/state.json")" = signal ]
  wait_for 900 queue_empty
  for cell in "baseline 1" "baseline 2" "best_of_n 1"; do
    status_of $cell | jq -e '.state == "finished" and .iterations_done == 2' > /dev/null
  done

  # Submitted again: only the cancelled run, resumed in a tree of its own in the
  # job's node-local scratch ($TMPDIR), to the end.
  export TMPDIR="$BATS_FILE_TMPDIR/node-local"
  mkdir -p "$TMPDIR"
  run submit
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"baseline seed 1 finished: not submitted"*"best_of_n seed 1 finished: not submitted"* ]]
  [[ "$output" == *"submitted 1 runs as job array "* ]]
  job=$(sed -n 's/.*submitted 1 runs as job array \([0-9]*\) .*/\1/p' <<<"$output")
  wait_for 900 queue_empty
  grep -q "making the run's own RocksDB tree in $TMPDIR/aiopt/experiment_a/best_of_n/seed-2/tree" "$AIOPT_RUNS/experiment_a/slurm/${job}_0.out"
  status_of best_of_n 2 | jq -e '.state == "finished" and .iterations_done == 2' > /dev/null
  [ -d "$TMPDIR/aiopt/experiment_a/best_of_n/seed-2/tree/rocksdb-src/.git" ]
  [ -x "$TMPDIR/aiopt/experiment_a/best_of_n/seed-2/tree/rocksdb-release/db_bench" ]
  # Every iteration archived once: the cancelled one neither lost nor repeated.
  [ "$(jq -r .iteration "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/archive.jsonl" | sort -n | paste -sd' ')" = "1 2" ]

  # Nothing left to do: nothing submitted.
  run submit
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to submit"* ]]

  # make report over what the jobs wrote.
  run make -s -C "$TOP" report RUNS="$AIOPT_RUNS"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q best_of_n "$AIOPT_RUNS/experiment_a/report.md"
  grep -q baseline "$AIOPT_RUNS/experiment_a/report.md"
}

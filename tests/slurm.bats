#!/usr/bin/env bats
# make experiment_a LAUNCHER=slurm on a real single-node Slurm cluster the test
# starts itself (tests/helpers/slurm.bash): 2 tracks x 2 seeds x 2 iterations of the
# scripted edits, a job per seed (sbatch --array, blocked: the seed's tracks in
# turn), the user's sbatch flags read back from scontrol, make status while the jobs
# run, a cancelled block resumed by submitting again (in RocksDB trees of their own,
# in the job's node-local $TMPDIR), pristine measured again where a run's was
# measured on another machine, the machine's fingerprint in every record, a job per
# run unblocked, make report over what the jobs wrote, and every daemon stopped by
# its pid.

load helpers/common
load helpers/slurm

settings() {
  export AIOPT_COST_ARGS= AIOPT_SYNC_PROBE_SECONDS=0.2 AIOPT_BENCH_DURATION=2 AIOPT_BENCH_READ_SECONDS=1 AIOPT_BASELINE_RUNS=2 AIOPT_BENCH_MIN_PAIRS=2 AIOPT_BENCH_MAX_PAIRS=2 \
         AIOPT_CALIBRATION_PAIRS=2 AIOPT_CONFIRM_PAIRS=2 AIOPT_CONFIRM_DURATION=2 AIOPT_MINIMIZE_SUBSETS=2 AIOPT_CRASH_CUTS=2 AIOPT_CRASH_WRITE_MS=200 \
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
queue_lacks() { ! squeue -h -r -o %i | grep -qx "$1"; }
run_is() {   # TRACK SEED STATE
  [ "$(jq -r .state "$AIOPT_RUNS/experiment_a/$1/seed-$2/state.json" 2>/dev/null)" = "$3" ]
}
status_of() {   # TRACK SEED: the run's line of make status --json
  "$TOP/bin/status.sh" --json experiment_a "$AIOPT_RUNS" | jq -c --arg t "$1" --argjson s "$2" 'select(.track == $t and .seed == $s)'
}

@test "LAUNCHER=slurm: a job per seed (blocked), its tracks in rotated turns on one node, with the user's flags; status; a cancelled block resumed; pristine measured again on another machine; report" {
  # On one node the runs share the project's tree, as on a workstation; the resumed
  # runs below get a tree of their own, as every job does by default.
  AIOPT_OWN_TREE=0 run submit
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"submitted 4 runs as job array "*" of 2 job(s), blocked by seed"* ]]
  job=$(sed -n 's/.*submitted 4 runs as job array \([0-9]*\) .*/\1/p' <<<"$output")
  # The blocks: seed 1's tracks in the order given, seed 2's rotated once.
  slurm_of() { jq -c '[.job_id, .order, .position]' "$AIOPT_RUNS/experiment_a/$1/seed-$2/slurm.json"; }
  [ "$(slurm_of baseline 1)" = "[\"${job}_0\",[\"baseline\",\"best_of_n\"],1]" ]
  [ "$(slurm_of best_of_n 1)" = "[\"${job}_0\",[\"baseline\",\"best_of_n\"],2]" ]
  [ "$(slurm_of best_of_n 2)" = "[\"${job}_1\",[\"best_of_n\",\"baseline\"],1]" ]
  [ "$(slurm_of baseline 2)" = "[\"${job}_1\",[\"best_of_n\",\"baseline\"],2]" ]

  # The user's partition, account, time limit, CPUs and extra flags reached sbatch.
  run scontrol show job "${job}_0"
  [[ "$output" == *"Partition=aiopt "* ]]
  [[ "$output" == *"Account=lab42 "* ]]
  [[ "$output" == *"TimeLimit=00:30:00 "* ]]
  [[ "$output" == *"CPUs/Task=1 "* ]]
  [[ "$output" == *"Comment=aiopt-test"* ]]
  [[ "$output" == *"Nice=10 "* ]]
  node=$(sed -n 's/.* NodeList=\([^ ]*\).*/\1/p' <<<"$output" | grep -v '^(null)' | head -n 1)

  # make status while they run: each block's first run running, its second queued in it.
  wait_for 120 run_is baseline 1 running
  run make -s -C "$TOP" status RUNS="$AIOPT_RUNS"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"running [job ${job}_0 RUNNING]"* ]]
  [[ "$output" == *"queued in its block, after baseline [job ${job}_0 RUNNING]"* ]]
  status_of baseline 1 | jq -e '.state == "running" and .slurm.job_id == "'"${job}_0"'" and .slurm.block.position == 1' > /dev/null

  # Seed 2's job, cancelled once its first run has measured pristine: the runner stops
  # cleanly, and the block's second run never starts.
  wait_for 900 test -s "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/pristine/baseline.json"
  scancel "${job}_1"
  wait_for 120 run_is best_of_n 2 stopped || { cat "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/state.json" "$AIOPT_RUNS/experiment_a/slurm/${job}_1.out"; false; }
  [ "$(jq -r .reason "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/state.json")" = signal ]
  wait_for 60 queue_lacks "${job}_1"
  [ ! -f "$AIOPT_RUNS/experiment_a/baseline/seed-2/state.json" ]
  # The run's pristine, as if measured on another machine (a run copied over, a node
  # of another kind): resumed here, it measures pristine again.
  b=$AIOPT_RUNS/experiment_a/best_of_n/seed-2/pristine/baseline.json
  jq -c '.node.host = "node-gone"' "$b" > "$b.tmp" && mv "$b.tmp" "$b"

  # Submitted again while seed 1's block runs: only seed 2's runs, in the same order,
  # each in a tree of its own in the job's node-local scratch ($TMPDIR).
  export TMPDIR="$BATS_FILE_TMPDIR/node-local"
  mkdir -p "$TMPDIR"
  run submit
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"baseline seed 1 "*"not submitted"*"best_of_n seed 1 "*"not submitted"* ]]
  [[ "$output" == *"seed 2: best_of_n, then baseline: Slurm job "* ]]
  [[ "$output" == *"submitted 2 runs as job array "*" of 1 job(s)"* ]]
  job2=$(sed -n 's/.*submitted 2 runs as job array \([0-9]*\) .*/\1/p' <<<"$output")
  wait_for 1200 queue_empty
  for cell in "baseline 1" "best_of_n 1" "baseline 2" "best_of_n 2"; do
    status_of $cell | jq -e '.state == "finished" and .iterations_done == 2' > /dev/null
  done
  out=$AIOPT_RUNS/experiment_a/slurm/${job2}_0.out
  grep -q "making the run's own RocksDB tree in $TMPDIR/aiopt/experiment_a/best_of_n/seed-2/tree" "$out"
  grep -q "making the run's own RocksDB tree in $TMPDIR/aiopt/experiment_a/baseline/seed-2/tree" "$out"
  [ -x "$TMPDIR/aiopt/experiment_a/best_of_n/seed-2/tree/rocksdb-release/db_bench" ]
  # Every iteration archived once: the cancelled one neither lost nor repeated.
  [ "$(jq -r .iteration "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/archive.jsonl" | sort -n | paste -sd' ')" = "1 2" ]
  # Pristine measured again on this machine, the other machine's figures kept.
  grep -q "pristine was measured on node-gone (kind [0-9a-f]*), this is $(hostname) (kind [0-9a-f]*): measuring it again here" "$out"
  [ "$(jq -r .node.host "$b")" = "$(hostname)" ]
  [ "$(jq -r .node.host "$(dirname "$b")"/earlier/*/baseline.json)" = node-gone ]

  # The machine in the record: each start of each run (nodes.jsonl), its settings and
  # every bench record, all of the one kind this node is; and the placement the blocks
  # promise: a block's runs one after another, in its order, on the job's node.
  kind=$("$TOP/bin/node.sh" "$AIOPT_RUNS" | jq -r .kind)
  for cell in "baseline 1" "best_of_n 1" "baseline 2" "best_of_n 2"; do
    read -r t s <<< "$cell"
    d=$AIOPT_RUNS/experiment_a/$t/seed-$s
    [ "$(jq -r .kind "$d/nodes.jsonl" | sort -u)" = "$kind" ]
    [ -z "$node" ] || [ "$(jq -r .host "$d/nodes.jsonl" | sort -u | cut -d. -f1)" = "$node" ]
    grep -q "^# measured on $(hostname), kind $kind " "$d/settings.env"
    [ "$(jq -r 'select(.bench) | .bench.node.kind' "$d/archive.jsonl" | sort -u)" = "$kind" ]
  done
  first_start() { jq -s '.[0].at' "$AIOPT_RUNS/experiment_a/$1/seed-$2/nodes.jsonl"; }
  ended() { jq .at "$AIOPT_RUNS/experiment_a/$1/seed-$2/state.json"; }
  [ "$(ended baseline 1)" -le "$(first_start best_of_n 1)" ]
  [ "$(ended best_of_n 2)" -le "$(first_start baseline 2)" ]
  [ "$(jq -s length "$AIOPT_RUNS/experiment_a/best_of_n/seed-2/nodes.jsonl")" -eq 2 ]   # started, resumed

  # Nothing left to do: nothing submitted.
  run submit
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to submit"* ]]

  # Unblocked (AIOPT_SLURM_BLOCK=0): a job per run, held in the queue, shown queued.
  AIOPT_RUNS=$BATS_FILE_TMPDIR/unblocked AIOPT_SLURM_BLOCK=0 AIOPT_SLURM_FLAGS="--hold" run submit
  [ "$status" -eq 0 ]
  [[ "$output" == *"submitted 4 runs as job array "*" of 4 job(s) (script"* ]]
  job3=$(sed -n 's/.*submitted 4 runs as job array \([0-9]*\) .*/\1/p' <<<"$output")
  [ "$(jq -c '[.job_id, .position]' "$BATS_FILE_TMPDIR/unblocked/experiment_a/best_of_n/seed-2/slurm.json")" = "[\"${job3}_3\",1]" ]
  run "$TOP/bin/status.sh" experiment_a "$BATS_FILE_TMPDIR/unblocked"
  [[ "$output" == *"queued [job ${job3}_3 PENDING]"* ]]
  scancel "$job3"

  # make report over what the jobs wrote.
  run make -s -C "$TOP" report RUNS="$AIOPT_RUNS"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q best_of_n "$AIOPT_RUNS/experiment_a/report.md"
  grep -q baseline "$AIOPT_RUNS/experiment_a/report.md"
}

#!/usr/bin/env bash
# matrix.sh EXPERIMENT RUNS ITERATIONS "TRACK..." "SEED..." [RUN-TRACK-OPTION...] —
# (run by bin/run_track.sh, which checks the lists and settings first)
# every track x seed of an experiment, each a run of its own of ITERATIONS
# iterations (bin/run_track.sh, given the options after the lists), where
# AIOPT_LAUNCHER says.  run_track.sh --tracks/--seeds (which resolves ITERATIONS) and
# make experiment_a TRACKS=… SEEDS=… LAUNCHER=… JOBS=… come here.
#
#   local (the default)  on this machine, AIOPT_JOBS runs at a time (1).  With more
#                        than one, each run gets a RocksDB tree of its own
#                        (AIOPT_OWN_TREE=1) and its output goes to its run.log, each
#                        line also shown prefixed with its track and seed.
#   slurm                one Slurm job per run, all in one sbatch --array, with
#                        AIOPT_SLURM_PARTITION, AIOPT_SLURM_ACCOUNT, AIOPT_SLURM_TIME,
#                        AIOPT_SLURM_CPUS (per run) and AIOPT_SLURM_FLAGS (more
#                        sbatch options, as words) passed to sbatch.  Each job keeps
#                        its tree, builds and databases in node-local scratch:
#                        AIOPT_SCRATCH (default the job's $TMPDIR)/aiopt/EXP/TRACK/seed-N;
#                        its archive in RUNS, on the shared filesystem.  Submitting
#                        again resumes the runs that did not finish and skips those
#                        that did or are still queued or running.  The job script
#                        and the jobs' output: RUNS/EXP/slurm/.
#
# Every run measures its own pristine and noise where it runs, and every ratio is a
# pair measured on one machine, so nodes of different speeds give comparable scores.
# A run that fails does not stop the others (exit 4 names them); a signal stops them
# all.  make status shows the matrix.
set -euo pipefail
# The whole script is one block, read before any of it runs: a signal trapped while
# bash was still reading the file (scancel right after the start) broke its parser
# ("trap: line 2: unexpected EOF"), and a checkout updated under a running run
# would change the lines it had yet to read.
{
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=matrix
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
[ $# -ge 5 ] || usage_error "usage: matrix.sh EXPERIMENT RUNS ITERATIONS \"TRACK...\" \"SEED...\" [RUN-TRACK-OPTION...] (--help)"
exp=$1 runs=$2 iterations=$3 tracks=$4 seeds=$5; shift 5
[[ $iterations =~ ^[0-9]+$ ]] || usage_error "ITERATIONS=$iterations is not a number"
# Each run is told it is one (--in-matrix): its model server, asked when it starts,
# stops it resumably if it does not answer, rather than refusing it.
cell_args=(--iterations "$iterations" --in-matrix "$@")
# run_track.sh checked the lists and these settings, all at once, before any launch.
launcher=${AIOPT_LAUNCHER:-local}
jobs=${AIOPT_JOBS:-1}

cells=()
read -ra track_list <<< "$tracks"; read -ra seed_list <<< "$seeds"   # words, never globbed
for t in "${track_list[@]}"; do for s in "${seed_list[@]}"; do cells+=("$t $s"); done; done
run_dir() { echo "$runs/$exp/$1/seed-$2"; }   # TRACK SEED


# ---- slurm ----------------------------------------------------------------------------
if [ "$launcher" = slurm ]; then
  command -v sbatch > /dev/null || system_error "AIOPT_LAUNCHER=slurm: no sbatch on PATH (Debian's slurm-client)"
  # A run finished with as many iterations as asked, or whose job is still in the
  # queue, is not submitted again.
  queued=$(squeue -h -r -o '%i' 2>/dev/null || true)
  todo=()
  for c in "${cells[@]}"; do
    read -r t s <<< "$c"
    dir=$(run_dir "$t" "$s")
    if [ -f "$dir/state.json" ] && jq -e --argjson n "$iterations" '.state == "finished" and .iterations >= $n' "$dir/state.json" > /dev/null 2>&1; then
      echo "matrix: $t seed $s finished: not submitted" >&2; continue
    fi
    if [ -f "$dir/slurm.json" ] && grep -qxF "$(jq -r .job_id "$dir/slurm.json")" <<< "$queued"; then
      echo "matrix: $t seed $s is Slurm job $(jq -r .job_id "$dir/slurm.json"), still queued or running: not submitted" >&2; continue
    fi
    todo+=("$c")
  done
  [ ${#todo[@]} -gt 0 ] || { echo "matrix: nothing to submit" >&2; exit 0; }
  slurm_dir="$runs/$exp/slurm"
  mkdir -p "$slurm_dir"
  slurm_dir=$(cd "$slurm_dir" && pwd) runs=$(cd "$runs" && pwd)
  script="$slurm_dir/submit-$(date +%Y%m%d-%H%M%S)-$$.sh"
  # The job script: array task k is the k-th run.  The submitter's environment goes
  # with the jobs (sbatch's default), so they read the settings this command read;
  # make's own variables do not (a job is not a sub-make).
  {
    echo '#!/usr/bin/env bash'
    echo "# Written by bin/matrix.sh: one array task a run of $exp."
    echo 'set -euo pipefail'
    printf 'cells=('; printf ' %q' "${todo[@]}"; echo ' )'
    echo 'read -r track seed <<< "${cells[$SLURM_ARRAY_TASK_ID]}"'
    echo 'unset MAKEFLAGS MFLAGS MAKELEVEL'
    printf 'export AIOPT_LAUNCHER=local AIOPT_SCRATCH="${AIOPT_SCRATCH:-${TMPDIR:-/tmp}}/aiopt/%s/$track/seed-$seed"\n' "$exp"
    echo 'export AIOPT_OWN_TREE=${AIOPT_OWN_TREE:-1}'
    printf 'exec %q %q --runs %q --track "$track" --seed "$seed" --tracks "$track" --seeds "$seed"' "$TOP/bin/run_track.sh" "$exp" "$runs"
    printf ' %q' ${cell_args[@]+"${cell_args[@]}"}
    echo
  } > "$script"
  chmod +x "$script"
  sbatch_args=(--parsable --array="0-$((${#todo[@]} - 1))" --job-name="aiopt-$exp"
               --output="$slurm_dir/%A_%a.out" --chdir="$TOP")
  [ -z "${AIOPT_SLURM_PARTITION:-}" ] || sbatch_args+=(--partition="$AIOPT_SLURM_PARTITION")
  [ -z "${AIOPT_SLURM_ACCOUNT:-}" ] || sbatch_args+=(--account="$AIOPT_SLURM_ACCOUNT")
  [ -z "${AIOPT_SLURM_TIME:-}" ] || sbatch_args+=(--time="$AIOPT_SLURM_TIME")
  [ -z "${AIOPT_SLURM_CPUS:-}" ] || sbatch_args+=(--cpus-per-task="$AIOPT_SLURM_CPUS")
  read -ra extra <<< "${AIOPT_SLURM_FLAGS:-}"
  sbatch_args+=(${extra[@]+"${extra[@]}"})
  job=$(sbatch "${sbatch_args[@]}" "$script") || system_error "sbatch ${sbatch_args[*]} $script failed"
  job=${job%%;*}   # --parsable: JOBID[;CLUSTER]
  [[ $job =~ ^[0-9]+$ ]] || system_error "sbatch answered \"$job\", not a job id"
  # Where make status finds each run's job.
  for ((k = 0; k < ${#todo[@]}; k++)); do
    read -r t s <<< "${todo[k]}"
    dir=$(run_dir "$t" "$s")
    mkdir -p "$dir"
    jq -cn --arg id "${job}_$k" --arg script "$script" --argjson at "$(date +%s)" --argjson n "$iterations" \
      '{job_id: $id, script: $script, submitted_at: $at, iterations: $n}' > "$dir/slurm.json"
    echo "matrix: $t seed $s: Slurm job ${job}_$k" >&2
  done
  echo "matrix: submitted ${#todo[@]} runs as job array $job (script $script); make status shows them" >&2
  exit 0
fi

# ---- local -------------------------------------------------------------------------------
# A run of the matrix: the cell's own track and seed, as a matrix of one.
run_cell() {   # TRACK SEED
  "$TOP/bin/run_track.sh" "$exp" --runs "$runs" --track "$1" --seed "$2" --tracks "$1" --seeds "$2" ${cell_args[@]+"${cell_args[@]}"}
}
failed=() n=${#cells[@]}
if [ "$jobs" -eq 1 ]; then
  cell=0
  for c in "${cells[@]}"; do
    read -r t s <<< "$c"
    cell=$((cell + 1))
    echo "matrix: run $cell of $n: $exp, track $t, seed $s" >&2
    status=0
    run_cell "$t" "$s" || status=$?
    [ "$status" -ne 130 ] || { echo "matrix: stopped by a signal at run $cell of $n" >&2; exit 130; }
    [ "$status" -eq 0 ] || failed+=("$t seed $s (exit $status)")
  done
else
  # Runs at once on one machine: each its own tree (the shared one would be rebuilt
  # at every turn), its own scratch when one is named.  Each run's exit status goes
  # to a file: `wait -n` does not say which child ended.
  export AIOPT_OWN_TREE=${AIOPT_OWN_TREE:-1}
  status_dir=$(mktemp -d)
  pids=()
  stop_all() {
    echo "matrix: stopping every run" >&2
    for p in ${pids[@]+"${pids[@]}"}; do kill -TERM -- "-$p" 2>/dev/null || true; done
    wait || true
    rm -rf "$status_dir"
    exit 130
  }
  trap stop_all INT TERM
  cell=0
  for c in "${cells[@]}"; do
    read -r t s <<< "$c"
    cell=$((cell + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    echo "matrix: run $cell of $n: $exp, track $t, seed $s (log: $(run_dir "$t" "$s")/run.log)" >&2
    mkdir -p "$(run_dir "$t" "$s")"
    # In a process group of its own, so that stop_all reaches the runner itself.
    set -m
    (
      [ -z "${AIOPT_SCRATCH:-}" ] || export AIOPT_SCRATCH="$AIOPT_SCRATCH/aiopt/$exp/$t/seed-$s"
      status=0
      run_cell "$t" "$s" > >(tee -a "$(run_dir "$t" "$s")/run.log" | sed -u "s|^|$t/seed-$s: |" >&2) 2>&1 || status=$?
      echo "$status" > "$status_dir/$t-$s"
    ) &
    pids+=($!)
    set +m
  done
  wait || true
  trap - INT TERM
  for c in "${cells[@]}"; do
    read -r t s <<< "$c"
    status=$(cat "$status_dir/$t-$s" 2>/dev/null || echo unknown)
    [ "$status" = 0 ] || failed+=("$t seed $s (exit $status)")
  done
  rm -rf "$status_dir"
fi
"$TOP/bin/status.sh" "$exp" "$runs" >&2 || true
[ ${#failed[@]} -eq 0 ] || system_error "${#failed[@]} of $n runs failed: $(IFS=,; echo "${failed[*]}")"

exit
}

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
#   slurm                Slurm jobs, all in one sbatch --array, with
#                        AIOPT_SLURM_PARTITION, AIOPT_SLURM_ACCOUNT, AIOPT_SLURM_TIME,
#                        AIOPT_SLURM_CPUS (per job) and AIOPT_SLURM_FLAGS (more
#                        sbatch options, as words) passed to sbatch.  Blocked
#                        (AIOPT_SLURM_BLOCK=1, the default): one job per seed, running
#                        that seed's run of every track one after another on the node
#                        it lands on, the k-th seed's tracks in the order rotated k
#                        times, so each track comes first, second, … as often as the
#                        others: whatever a node does to its runs, every track's seed
#                        k had it too, and the comparison between tracks is made
#                        within nodes.  It costs wall time: a block takes its tracks'
#                        time one after another.  AIOPT_SLURM_BLOCK=0: one job per run,
#                        on whatever node is free (a track may land on faster nodes:
#                        the report names the kinds each track ran on).  Each job keeps
#                        its tree, builds and databases in node-local scratch:
#                        AIOPT_SCRATCH (default the job's $TMPDIR)/aiopt/EXP/TRACK/seed-N;
#                        its archive in RUNS, on the shared filesystem.  Submitting
#                        again resumes the runs that did not finish and skips those
#                        that did or are still queued or running.  The job script
#                        and the jobs' output: RUNS/EXP/slurm/.
#
# Every run measures its own pristine and noise where it runs (again when resumed on
# another node), and every ratio is a pair measured on one machine: nodes of
# different speeds give comparable ratios, though not always equal gains.
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
  # The array's tasks: a block (a seed, its tracks in their rotated order) each, or
  # a run each.  "TRACK... SEED" a task; the position of a track in its block.
  tasks=()
  declare -A position=() in_todo=()
  for c in "${todo[@]}"; do in_todo[$c]=1; done
  if [ "${AIOPT_SLURM_BLOCK:-1}" = 1 ]; then
    for ((k = 0; k < ${#seed_list[@]}; k++)); do
      s=${seed_list[k]} order=()
      for ((j = 0; j < ${#track_list[@]}; j++)); do
        t=${track_list[(j + k) % ${#track_list[@]}]}
        [ -z "${in_todo["$t $s"]:-}" ] || order+=("$t")
      done
      [ ${#order[@]} -gt 0 ] || continue
      for ((j = 0; j < ${#order[@]}; j++)); do position["${order[j]} $s"]=$((j + 1)); done
      tasks+=("${order[*]} $s")
    done
  else
    for c in "${todo[@]}"; do tasks+=("$c"); position[$c]=1; done
  fi
  slurm_dir="$runs/$exp/slurm"
  mkdir -p "$slurm_dir"
  slurm_dir=$(cd "$slurm_dir" && pwd) runs=$(cd "$runs" && pwd)
  script="$slurm_dir/submit-$(date +%Y%m%d-%H%M%S)-$$.sh"
  # The job script: array task k runs the k-th task's runs, one after another (a
  # block's tracks in their order); a run that fails does not stop the next, a signal
  # (scancel, the time limit) stops the task.  The submitter's environment goes with
  # the jobs (sbatch's default), so they read the settings this command read; make's
  # own variables do not (a job is not a sub-make).
  {
    echo '#!/usr/bin/env bash'
    echo "# Written by bin/matrix.sh: one array task a block of runs (or a run) of $exp."
    echo 'set -uo pipefail'
    printf 'tasks=('; printf ' %q' "${tasks[@]}"; echo ' )'
    echo 'read -ra words <<< "${tasks[$SLURM_ARRAY_TASK_ID]}"'
    echo 'seed=${words[-1]} stopped=0 failed=0'
    echo 'trap "stopped=1" TERM INT'
    echo 'unset MAKEFLAGS MFLAGS MAKELEVEL'
    echo 'export AIOPT_LAUNCHER=local AIOPT_OWN_TREE=${AIOPT_OWN_TREE:-1}'
    echo 'scratch=${AIOPT_SCRATCH:-${TMPDIR:-/tmp}}'
    echo 'for track in "${words[@]:0:${#words[@]}-1}"; do'
    echo '  [ "$stopped" = 0 ] || exit 130'
    printf '  AIOPT_SCRATCH="$scratch/aiopt/%s/$track/seed-$seed" %q %q --runs %q --track "$track" --seed "$seed" --tracks "$track" --seeds "$seed"' \
      "$exp" "$TOP/bin/run_track.sh" "$exp" "$runs"
    printf ' %q' ${cell_args[@]+"${cell_args[@]}"}
    echo ' || failed=$?'
    echo 'done'
    echo '[ "$stopped" = 0 ] || exit 130'
    echo 'exit "$failed"'
  } > "$script"
  chmod +x "$script"
  sbatch_args=(--parsable --array="0-$((${#tasks[@]} - 1))" --job-name="aiopt-$exp"
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
  # Where make status finds each run's job, and where the run stands in its task.
  for ((k = 0; k < ${#tasks[@]}; k++)); do
    read -ra words <<< "${tasks[k]}"
    s=${words[-1]}
    for t in "${words[@]:0:${#words[@]}-1}"; do
      dir=$(run_dir "$t" "$s")
      mkdir -p "$dir"
      jq -cn --arg id "${job}_$k" --arg script "$script" --argjson at "$(date +%s)" --argjson n "$iterations" \
        --argjson pos "${position["$t $s"]}" --arg order "${words[*]:0:${#words[@]}-1}" \
        '{job_id: $id, script: $script, submitted_at: $at, iterations: $n,
          order: ($order | split(" ")), position: $pos}' > "$dir/slurm.json"
    done
    echo "matrix: seed $s: $(sed 's/ /, then /g' <<< "${words[*]:0:${#words[@]}-1}"): Slurm job ${job}_$k" >&2
  done
  echo "matrix: submitted ${#todo[@]} runs as job array $job of ${#tasks[@]} job(s)$([ "${AIOPT_SLURM_BLOCK:-1}" = 1 ] && echo ", blocked by seed (a seed's tracks one after another on one node)") (script $script); make status shows them" >&2
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

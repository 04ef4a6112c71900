#!/usr/bin/env bash
# run_track.sh [EXPERIMENT] [--track T] [--iterations N] [--seed N]
#              [--primary-model M] [--api-base URL] [--scripted DIR] [--runs DIR]
#              [--tracks "T T..."] [--seeds N-M[,N...]] [--check | --check=settings]
#
# First, in seconds, the preflight: every setting, the track and seed lists, each
# track's model, endpoint and key, each endpoint asked once (llm-mutate --probe);
# every problem said, then exit 2.  --check stops there (make experiment_a CHECK=1);
# --check=settings stops before the endpoints (make's first step: nothing built yet).
# (--in-matrix: a run bin/matrix.sh launched; an endpoint that does not answer when
# it starts stops it resumably, rather than refusing it.)
#
# --tracks and --seeds (TRACKS="baseline gpt5 profiler" SEEDS=1-5) make a matrix:
# each track x seed a run of its own, launched by bin/matrix.sh (AIOPT_LAUNCHER=local,
# AIOPT_JOBS at a time, or slurm: see its --help); make status shows them.
# The loop of one track: pick-parent → llm-mutate → apply → build → test →
# bench → profile (profiler tracks) → score → archive, ITERATIONS times, in
# runs/<experiment>/<track>/seed-<n>/.  Before it, pristine is measured and the
# run's noise calibrated (A/A pairs, pristine/calibration.jsonl).  A candidate that
# passes screening as the run's best so far, and the run's AIOPT_CONFIRM_TOP best
# at its end, are measured again (confirm.jsonl); the confirmed best on the
# workloads the run did not screen on (heldout.jsonl), and its smallest subset of
# hunks that keeps the gain (minimize.jsonl).  Running it again resumes from
# the archive; a run killed at any moment loses at most the candidate in flight.
# The same run as `make experiment_a TRACK=…`.
#
# Settings: the experiment's (mk/experiment.mk, which also maps the scaffold's
# AI_OPT_* names and make's TRACK=, SEED=, TRACKS=, SEEDS=, ITERATIONS=, MODEL=, API_BASE=,
# LAUNCHER=, JOBS=), read
# through `make experiment-env` so that this script and make agree: AIOPT_TRACK,
# AIOPT_ITERATIONS (50), AIOPT_SEED (1), AIOPT_MODEL_{BASELINE,GPT5,PROFILER},
# AIOPT_API_BASE_{BASELINE,GPT5,PROFILER}, AIOPT_RUN_BCOZ, AIOPT_RUN_BPERF,
# AIOPT_PROPOSALS_IN_FLIGHT (2: the next proposal asked for while a candidate is
# evaluated), AIOPT_OWN_TREE (0: the project's tree; 1: one of the run's own);
# AIOPT_MODEL and AIOPT_API_BASE set the local tracks' model (refused with a GPT-5
# track unless AIOPT_MODEL_OVERRIDES_GPT5=1); AIOPT_LLM_MAX_FAILURES (3) calls in a
# row without an answer stop the run, resumably; AIOPT_BUDGET=tokens:N,hours:N
# bounds a run besides its iterations, and AIOPT_MAX_COST_USD its spending (the
# calls' llm.cost_usd, priced by AIOPT_PRICES: USD per million tokens a model).  Keys: OPENAI_API_KEY or AI_OPT_API_KEY, from
# the environment only.
#
# The tracks differ in one thing each (this table is where that is said):
#   track          model        profile in prompt / in fitness   parents
#   baseline       local        0 / 0                            evolved
#   gpt5           GPT-5        0 / 0                            evolved
#   profiler       local        1 / 1                            evolved
#   gpt5_profiler  GPT-5        1 / 1                            evolved
#   profiler_sham  local        sham / 1                         evolved
#   best_of_n      local        0 / 0                            pristine, always
# profiler_sham is the profiler track with the prompt's profile a sham: the real
# section's form, length and figures, its places drawn at random (llm-mutate), so
# what profiler gains over it is the profile's content, not a longer prompt naming
# lines.  Its fitness is profiler's, so that the two differ in that one thing.
# AIOPT_PROFILE_IN_PROMPT (0, 1 or sham) and AIOPT_PROFILE_IN_FITNESS (0 or 1)
# override the track's two profile routes, for the ablation; the profilers run
# when either is on.
set -euo pipefail
# The whole script is one block, read before any of it runs: a signal trapped while
# bash was still reading the file (scancel right after the start) broke its parser
# ("trap: line 2: unexpected EOF"), and a checkout updated under a running run
# would change the lines it had yet to read.
{

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${AIOPT_BIN:-$TOP/bin}
SCRIPT=run_track
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"

exp='' track='' iterations='' seed='' model='' api_base='' scripted='' runs='' tracks='' seeds=''
check=0 in_matrix=0 ask_endpoints=1
cell_args=()   # the options a run of the matrix gets besides its track, seed and iterations
problems=()    # the preflight's findings: every one is said, then the run refuses (exit 2)
problem() { problems+=("$*"); }
while [ $# -gt 0 ]; do
  case $1 in
    --track|--tracks|--seeds|--iterations|--seed|--primary-model|--api-base|--scripted|--runs)
      [ $# -ge 2 ] || usage_error "$1 needs a value (--help)" ;;&
    --track) track=$2; shift 2 ;;
    --tracks) tracks=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --primary-model) model=$2; cell_args+=("$1" "$2"); shift 2 ;;
    --api-base) api_base=$2; cell_args+=("$1" "$2"); shift 2 ;;
    --scripted) scripted=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --check) check=1; shift ;;
    --check=settings) check=1 ask_endpoints=0; shift ;;
    --in-matrix) in_matrix=1; shift ;;
    -h|--help) print_help "$0"; exit 0 ;;
    -*) usage_error "unknown option $1 (--help)" ;;
    *) exp=$1; shift ;;
  esac
done
exp=${exp:-${EXP:-experiment_a}}
# The experiment's settings, as make computes them for every stage.
settings=$(make -s --no-print-directory -C "$TOP" experiment-env EXP="$exp") || usage_error "no experiment $exp"
eval "$settings"

# ---- the preflight: every setting, track and endpoint, before any work ----------------
# In seconds, with nothing but bash and make (make's road runs it with --check before
# it installs or builds anything), then the endpoints asked once with the client the
# run uses.  Every problem is said, then the run refuses with exit 2.
track=${track:-${AIOPT_TRACK:-profiler}}
iterations=${iterations:-${AIOPT_ITERATIONS:-50}}
seed=${seed:-${AIOPT_SEED:-1}}
model=${model:-${AIOPT_MODEL:-}}
api_base=${api_base:-${AIOPT_API_BASE:-}}
scripted=${scripted:-${AIOPT_SCRIPTED:-}}
runs=${runs:-${AIOPT_RUNS:-$TOP/runs}}
if [ -n "$scripted" ]; then
  if [ -d "$scripted" ]; then scripted=$(cd "$scripted" && pwd); cell_args+=(--scripted "$scripted")
  else problem "--scripted $scripted: no such directory"; fi
fi
# Numbers are decimal, whatever zeros lead them (bash would read 010 as octal 8).
decimal() {   # VAR NAME MAX: VAR's value as a number, or the problem said
  local v=${!1}
  if [[ $v =~ ^[0-9]{1,18}$ ]] && [ $((10#$v)) -le "$3" ]; then printf -v "$1" '%d' $((10#$v))
  else problem "$2=$v: a whole number from 0 to $3"; fi
}
decimal iterations ITERATIONS 1000000
decimal seed SEED 999999999

# The tracks, and what each is (the table above says it in words; this says it to
# the code).  TRACK: its model's variable, that model's default, its endpoint's
# default, whether the model is the large one, and the profile routes.
KNOWN_TRACKS=(baseline gpt5 profiler gpt5_profiler profiler_sham best_of_n)
LOCAL_API=http://127.0.0.1:8000/v1 OPENAI_API=https://api.openai.com/v1
track_is() {   # TRACK: sets t_model t_mvar t_api t_avar t_large t_profiled t_prompt t_strategy; 1 if no such track
  t_strategy= t_prompt=
  case $1 in
    baseline)      t_mvar=AIOPT_MODEL_BASELINE t_avar=AIOPT_API_BASE_BASELINE t_large=0 t_profiled=0 ;;
    gpt5)          t_mvar=AIOPT_MODEL_GPT5     t_avar=AIOPT_API_BASE_GPT5     t_large=1 t_profiled=0 ;;
    profiler)      t_mvar=AIOPT_MODEL_PROFILER t_avar=AIOPT_API_BASE_PROFILER t_large=0 t_profiled=1 ;;
    gpt5_profiler) t_mvar=AIOPT_MODEL_GPT5     t_avar=AIOPT_API_BASE_GPT5     t_large=1 t_profiled=1 ;;
    profiler_sham) t_mvar=AIOPT_MODEL_PROFILER t_avar=AIOPT_API_BASE_PROFILER t_large=0 t_profiled=1 t_prompt=sham ;;
    # Best-of-N: baseline's model and reward, but no evolution (pick-parent --strategy pristine).
    best_of_n)     t_mvar=AIOPT_MODEL_BASELINE t_avar=AIOPT_API_BASE_BASELINE t_large=0 t_profiled=0 t_strategy=pristine ;;
    *) return 1 ;;
  esac
  t_prompt=${t_prompt:-$t_profiled}
  if [ "$t_large" = 1 ]; then t_model=${!t_mvar:-gpt-5} t_api=${!t_avar:-$OPENAI_API}
  else t_model=${!t_mvar:-} t_api=${!t_avar:-$LOCAL_API}; fi
}
# The known track nearest to a typo (edit distance at most 3), or nothing.
nearest_track() {
  printf '%s\n' "${KNOWN_TRACKS[@]}" | awk -v w="$1" '
    function dist(a, b,   i, j, m, n, d, c) {
      m = length(a); n = length(b)
      for (i = 0; i <= m; i++) d[i, 0] = i
      for (j = 0; j <= n; j++) d[0, j] = j
      for (i = 1; i <= m; i++) for (j = 1; j <= n; j++) {
        c = d[i-1, j-1] + (substr(a, i, 1) != substr(b, j, 1))
        if (d[i-1, j] + 1 < c) c = d[i-1, j] + 1
        if (d[i, j-1] + 1 < c) c = d[i, j-1] + 1
        d[i, j] = c }
      return d[m, n] }
    { k = dist(w, $0); if (best == "" || k < bestk) { best = $0; bestk = k } }
    END { if (bestk <= 3) print best }'
}

# ---- the matrix: TRACKS x SEEDS, each a run of its own ------------------------------
# TRACKS="baseline gpt5 profiler" (spaces or commas), SEEDS=1-5 (ranges and commas:
# 1-3,7); each defaults to the one TRACK and SEED.  The runs go one after the other,
# each as if started alone (its own directory, pristine, calibration and resume);
# one that fails does not stop the others, a signal stops them all.  A name twice
# is run once (said); a seed list is at most MAX_SEEDS long: each seed is a run of
# hours, and the list travels as one argument (the kernel's limit: 128 KiB).
MAX_SEEDS=10000
tracks=${tracks:-${AIOPT_TRACKS:-$track}} seeds=${seeds:-${AIOPT_SEEDS:-$seed}}
track_list=() seed_list=()
declare -A seen_track=() seen_seed=()
read -ra track_items <<< "${tracks//,/ }"   # read splits without globbing: '*' stays '*'
for t in ${track_items[@]+"${track_items[@]}"}; do
  if ! track_is "$t"; then
    near=$(nearest_track "$t")
    problem "TRACKS: \"$t\" is not a track${near:+ (did you mean $near?)}; the tracks: ${KNOWN_TRACKS[*]}"
  elif [ -n "${seen_track[$t]:-}" ]; then
    echo "run_track: TRACKS=$tracks names $t twice: it runs once" >&2
  else
    seen_track[$t]=1; track_list+=("$t")
  fi
done
IFS=, read -ra seed_items <<< "$seeds"
dup_seeds=()
for item in ${seed_items[@]+"${seed_items[@]}"}; do
  if [[ $item =~ ^([0-9]{1,9})-([0-9]{1,9})$ ]] && [ $((10#${BASH_REMATCH[1]})) -le $((10#${BASH_REMATCH[2]})) ]; then
    lo=$((10#${BASH_REMATCH[1]})) hi=$((10#${BASH_REMATCH[2]}))
  elif [[ $item =~ ^[0-9]{1,9}$ ]]; then
    lo=$((10#$item)) hi=$lo
  else
    problem "SEEDS=$seeds: \"$item\" is not a seed (a number) or a range (1-5)"; continue
  fi
  if [ $((${#seed_list[@]} + hi - lo + 1)) -gt $MAX_SEEDS ]; then
    problem "SEEDS=$seeds: more than $MAX_SEEDS seeds (each a run of hours)"; break
  fi
  for ((n = lo; n <= hi; n++)); do
    if [ -n "${seen_seed[$n]:-}" ]; then dup_seeds+=("$n"); else seen_seed[$n]=1; seed_list+=("$n"); fi
  done
done
[ ${#dup_seeds[@]} -eq 0 ] || echo "run_track: SEEDS=$seeds names seed ${dup_seeds[*]:0:10} twice: each runs once" >&2
[ ${#track_items[@]} -gt 0 ] || problem "TRACKS is empty"
[ ${#seed_items[@]} -gt 0 ] || problem "SEEDS is empty"

# Equal budgets for the tracks: besides ITERATIONS, AIOPT_BUDGET=tokens:2e6,hours:12
# stops the run before the next model call once the archive's tokens (prompt +
# completion, every call's) or its candidates' wall time (timing.seconds: time the
# run worked, not time it lay stopped; repeats, never built or measured, left out)
# reach the limit.
budget_tokens='' budget_hours=''
IFS=, read -ra budget_items <<< "${AIOPT_BUDGET:-}"
for item in ${budget_items[@]+"${budget_items[@]}"}; do
  if ! [[ $item =~ ^(tokens|hours):([0-9]+(\.[0-9]+)?([eE][0-9]+)?)$ ]]; then
    problem "AIOPT_BUDGET=$AIOPT_BUDGET: \"$item\" is not tokens:N or hours:N (N a positive number; iterations are ITERATIONS)"
  elif ! awk -v n="${BASH_REMATCH[2]}" 'BEGIN { exit !(n > 0) }'; then
    problem "AIOPT_BUDGET=$AIOPT_BUDGET: \"$item\" is not positive"
  else
    printf -v "budget_${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  fi
done
# A spending cap: AIOPT_MAX_COST_USD stops the run before a model call that would
# pass it (the calls' llm.cost_usd, priced by AIOPT_PRICES).
max_cost=${AIOPT_MAX_COST_USD:-}
if [ -n "$max_cost" ]; then
  [[ $max_cost =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v n="$max_cost" 'BEGIN { exit !(n > 0) }' \
    || problem "AIOPT_MAX_COST_USD=$max_cost: a positive number of US dollars"
fi
# The proposals asked for at once (see "proposals" below), and the calls in a row
# without an answer that stop the run (a model server gone: see the loop).
in_flight=${AIOPT_PROPOSALS_IN_FLIGHT:-}
[[ $in_flight =~ ^[1-9][0-9]{0,2}$ ]] || problem "AIOPT_PROPOSALS_IN_FLIGHT=$in_flight: the proposals asked for at once (1 to 999)"
max_unanswered=${AIOPT_LLM_MAX_FAILURES:-}
[[ $max_unanswered =~ ^[1-9][0-9]{0,3}$ ]] \
  || problem "AIOPT_LLM_MAX_FAILURES=$max_unanswered: the model calls in a row without an answer that stop the run (1 to 9999)"
[[ ${AIOPT_PROFILE_IN_PROMPT:-0} =~ ^(0|1|sham)$ ]] \
  || problem "AIOPT_PROFILE_IN_PROMPT=$AIOPT_PROFILE_IN_PROMPT: use 0, 1 or sham (the profile's section with its places drawn at random)"
[[ ${AIOPT_PROFILE_IN_FITNESS:-0} =~ ^[01]$ ]] || problem "AIOPT_PROFILE_IN_FITNESS=$AIOPT_PROFILE_IN_FITNESS: use 0 or 1"
[[ ${AIOPT_DEDUP:-} =~ ^[01]$ ]] || problem "AIOPT_DEDUP=${AIOPT_DEDUP:-}: use 1 (a repeat of an evaluated candidate is not measured again) or 0 (every proposal measured)"
[[ ${AIOPT_NOVELTY_THRESHOLD:-} =~ ^(0(\.[0-9]+)?|1(\.0*)?)$ ]] \
  || problem "AIOPT_NOVELTY_THRESHOLD=${AIOPT_NOVELTY_THRESHOLD:-}: the token distance below which a proposal is too near an evaluated one (0 to 1; 0: only exact repeats)"
[[ ${AIOPT_OWN_TREE:-0} =~ ^[01]$ ]] || problem "AIOPT_OWN_TREE=$AIOPT_OWN_TREE: use 0 (the shared tree) or 1 (a tree of the run's own)"
case ${AIOPT_LAUNCHER:-local} in local|slurm) ;; *) problem "AIOPT_LAUNCHER=$AIOPT_LAUNCHER: use local or slurm" ;; esac
[[ ${AIOPT_SLURM_BLOCK:-1} =~ ^[01]$ ]] || problem "AIOPT_SLURM_BLOCK=$AIOPT_SLURM_BLOCK: use 1 (a Slurm job a seed, its tracks in turn on one node) or 0 (a job a run)"
[[ ${AIOPT_JOBS:-1} =~ ^[1-9][0-9]{0,3}$ ]] || problem "AIOPT_JOBS=$AIOPT_JOBS: the number of runs at a time (1 or more)"
# Read by tools that first run after RocksDB's builds (score, sync-probe): checked here.
[[ ${AIOPT_CPU_TOLERANCE:-} =~ ^(0(\.[0-9]+)?|1(\.0*)?)$ ]] \
  || problem "AIOPT_CPU_TOLERANCE=${AIOPT_CPU_TOLERANCE:-}: the share by which instruction counts must differ to count (0 to 1, e.g. 0.001)"
{ [[ ${AIOPT_SYNC_PROBE_SECONDS:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v n="$AIOPT_SYNC_PROBE_SECONDS" 'BEGIN { exit !(n >= 0.1 && n <= 60) }'; } \
  || problem "AIOPT_SYNC_PROBE_SECONDS=${AIOPT_SYNC_PROBE_SECONDS:-}: seconds of the device's sync probe (0.1 to 60)"
# The crash check: its numbers, and whether it can run at all.  A run that could
# not check the promise refuses to start (AIOPT_CRASH_CUTS=0 is the way to go
# without it); the layer's own check comes once the tools are built.
[[ ${AIOPT_CRASH_CUTS:-} =~ ^[0-9]{1,4}$ ]] || problem "AIOPT_CRASH_CUTS=${AIOPT_CRASH_CUTS:-}: cuts of each kind in the crash check (0 to 9999; 0: no check)"
[[ ${AIOPT_CRASH_WRITE_MS:-} =~ ^[0-9]{1,6}$ ]] || problem "AIOPT_CRASH_WRITE_MS=${AIOPT_CRASH_WRITE_MS:-}: the longest ms of writing before a cut (0 to 600000)"
[[ ${AIOPT_CRASH_SECONDS:-} =~ ^[1-9][0-9]{0,4}$ ]] || problem "AIOPT_CRASH_SECONDS=${AIOPT_CRASH_SECONDS:-}: seconds the crash check of a candidate may take (1 or more)"
if [[ ${AIOPT_CRASH_CUTS:-} =~ ^[0-9]+$ ]]; then
  # shellcheck source=bin/stage/crash.sh
  . "$TOP/bin/stage/crash.sh"
  # Under Slurm the nodes answer for the layer themselves (pristine's stage asks there).
  fuse_dir=
  if [ "${AIOPT_LAUNCHER:-local}" = local ]; then fuse_dir=$runs; while [ ! -d "$fuse_dir" ]; do fuse_dir=$(dirname "$fuse_dir"); done; fi
  why=$(crash_cannot_run "$fuse_dir")
  [ -z "$why" ] || problem "$why"
fi
# The workloads' flags, as db_bench reads them (bin/read-flags, once the tools are
# built): a word it would read otherwise than the rules do stops the run here.
if [ -x "$BIN/read-flags" ]; then
  for v in AIOPT_BENCH_ARGS AIOPT_BENCH_ARGS_SYNC AIOPT_BENCH_ARGS_READHEAVY; do
    # shellcheck disable=SC2086  # the workload's words, as db_bench gets them
    out=$("$BIN/read-flags" -- ${!v:-} 2>&1 > /dev/null) || problem "$v: ${out#read-flags: }"
  done
fi

# ---- each track's model and endpoint ------------------------------------------------
# A track's model comes from its own settings (AIOPT_MODEL_<TRACK>, AIOPT_API_BASE_<TRACK>).
# MODEL= (AIOPT_MODEL, --primary-model) and API_BASE= are the local model's: a run or
# matrix with a GPT-5 track refuses them, for they would make "small vs large" a
# model against itself, unless AIOPT_MODEL_OVERRIDES_GPT5=1 says that is meant.
overrides_gpt5=${AIOPT_MODEL_OVERRIDES_GPT5:-0}
[[ $overrides_gpt5 =~ ^[01]$ ]] || problem "AIOPT_MODEL_OVERRIDES_GPT5=$overrides_gpt5: use 0 or 1"
declare -A track_model=() track_api=() endpoints=()
track_lines=()
for t in ${track_list[@]+"${track_list[@]}"}; do
  track_is "$t"
  if [ "$t_large" = 1 ] && [ -n "$model$api_base" ] && [ "$overrides_gpt5" != 1 ]; then
    problem "MODEL=${model:-} API_BASE=${api_base:-} (AIOPT_MODEL, AIOPT_API_BASE, --primary-model, --api-base) would replace track $t's own model ($t_model at $t_api): the tracks differ in one thing each.  Set each track's model instead (AIOPT_MODEL_BASELINE, AIOPT_MODEL_PROFILER and their AIOPT_API_BASE_*; AIOPT_MODEL_GPT5), or AIOPT_MODEL_OVERRIDES_GPT5=1 to run $t on it anyway"
    continue
  fi
  t_model=${model:-$t_model} t_api=${api_base:-$t_api}
  track_model[$t]=$t_model track_api[$t]=$t_api
  profile="profile in prompt ${AIOPT_PROFILE_IN_PROMPT:-$t_prompt} / fitness ${AIOPT_PROFILE_IN_FITNESS:-$t_profiled}"
  if [ -n "$scripted" ]; then
    track_lines+=("$t: scripted edits from $scripted, $profile"); continue
  fi
  if [ -z "$t_model" ]; then
    problem "track $t has no model: set $t_mvar (or MODEL=, --primary-model) and its endpoint (default $t_api); to see the whole loop without a model, run: make demo"
    continue
  fi
  case $t_api in
    https://api.openai.com*) [ -n "${OPENAI_API_KEY:-${AI_OPT_API_KEY:-}}" ] || \
      problem "track $t talks to OpenAI: set OPENAI_API_KEY (or AI_OPT_API_KEY); without a model, run: make demo" ;;
  esac
  track_lines+=("$t: $t_model at $t_api, $profile")
  endpoints["$t_model $t_api"]=1
done
# Tracks that should share a model and do not, or should differ and do not: said.
for t in ${track_list[@]+"${track_list[@]}"}; do
  for u in ${track_list[@]+"${track_list[@]}"}; do
    [[ $t < $u ]] && [ -n "${track_model[$t]:-}" ] && [ -n "${track_model[$u]:-}" ] || continue
    track_is "$t"; large_t=$t_large; track_is "$u"
    if [ "$large_t" = "$t_large" ] && [ "${track_model[$t]}" != "${track_model[$u]}" ]; then
      echo "run_track: warning: $t and $u use different models (${track_model[$t]}, ${track_model[$u]}): they then differ in more than the profile" >&2
    elif [ "$large_t" != "$t_large" ] && [ "${track_model[$t]}" = "${track_model[$u]}" ]; then
      echo "run_track: warning: $t and $u use the same model (${track_model[$t]}): small against large compares it with itself" >&2
    fi
  done
done
for line in ${track_lines[@]+"${track_lines[@]}"}; do echo "run_track: $line" >&2; done
refuse_problems() {
  [ ${#problems[@]} -gt 0 ] || return 0
  local p
  for p in "${problems[@]}"; do echo "run_track: $p" >&2; done
  exit "$EXIT_USAGE"
}
refuse_problems
# Each endpoint asked once (GET /models) with the client the run uses: a server that
# is down or does not serve the model is found now, not after the builds.  A run of
# a matrix asks again when it starts (hours later, on another node, perhaps); there
# a server that does not answer stops the run, resumably, rather than refuse it.
probe_failed=
if [ -z "$scripted" ] && [ ${#endpoints[@]} -gt 0 ] && [ "$ask_endpoints" = 1 ]; then
  if [ ! -x "$BIN/llm-mutate" ]; then
    [ "$check" = 1 ] || system_error "no $BIN/llm-mutate: build the tools first (make all)"
    echo "run_track: the endpoints are asked once the tools are built (make all)" >&2
  else
    for e in "${!endpoints[@]}"; do
      out=$("$BIN/llm-mutate" --probe --model "${e%% *}" --api-base "${e#* }" 2>&1) && echo "run_track: $out" >&2 \
        || { problem "$out"; probe_failed=${probe_failed:-$out}; }
    done
  fi
fi
[ "$in_matrix" = 1 ] && [ -n "$probe_failed" ] || refuse_problems
if [ "$check" = 1 ]; then
  shown="${seed_list[*]:0:20}"; [ ${#seed_list[@]} -le 20 ] || shown="$shown …"
  echo "run_track: checked: ${#track_list[@]} track(s) x ${#seed_list[@]} seed(s) ($shown), $iterations iterations each; nothing was run" >&2
  exit 0
fi

# A matrix, or any run for Slurm: bin/matrix.sh launches each run (this script again).
if [ $((${#track_list[@]} * ${#seed_list[@]})) -gt 1 ] || [ "${AIOPT_LAUNCHER:-local}" != local ]; then
  exec "$TOP/bin/matrix.sh" "$exp" "$runs" "$iterations" "${track_list[*]}" "${seed_list[*]}" ${cell_args[@]+"${cell_args[@]}"}
fi
track=${track_list[0]} seed=${seed_list[0]}
model=${track_model[$track]} api_base=${track_api[$track]}
track_is "$track"
profiled=$t_profiled
[ -z "$t_strategy" ] || export AIOPT_STRATEGY=$t_strategy
# The profile's two routes follow the track unless set; the profilers run when
# either route is on (on by default then; off otherwise).
export AIOPT_PROFILE_IN_PROMPT=${AIOPT_PROFILE_IN_PROMPT:-$t_prompt} AIOPT_PROFILE_IN_FITNESS=${AIOPT_PROFILE_IN_FITNESS:-$profiled}
if [ "$AIOPT_PROFILE_IN_PROMPT$AIOPT_PROFILE_IN_FITNESS" != 00 ]; then
  export AIOPT_RUN_BCOZ=${AIOPT_RUN_BCOZ:-1} AIOPT_RUN_BPERF=${AIOPT_RUN_BPERF:-1}
else
  export AIOPT_RUN_BCOZ=0 AIOPT_RUN_BPERF=0
fi
export AIOPT_TRACK=$track AIOPT_SEED=$seed
export AIOPT_OWN_TREE=${AIOPT_OWN_TREE:-0}

run="$runs/$exp/$track/seed-$seed"
archive="$run/archive.jsonl"
mkdir -p "$run"
run=$(cd "$run" && pwd)
archive="$run/archive.jsonl"
# One runner per run directory.  A pid file, not an flock: a lock fd would be
# inherited by the builds a killed runner leaves behind and outlive it.
if [ -f "$run/.run.pid" ]; then
  other=$(cat "$run/.run.pid")
  if [ "$other" != $$ ] && kill -0 "$other" 2>/dev/null && grep -q run_track "/proc/$other/cmdline" 2>/dev/null; then
    usage_error "$run is in use by run_track.sh (pid $other)"
  fi
fi
echo $$ > "$run/.run.pid"
# What the run is doing, for make status (bin/status.sh): "running", with its pid and
# host; then how it ended: "finished" (every iteration), "stopped" (a signal or a
# budget: resumable) or "failed" (the exit status).  A "running" whose pid is gone
# was killed outright (kill -9, a node lost): status says so.
stop_reason= outage=
write_state() {   # STATE [EXIT-STATUS]
  jq -cn --arg state "$1" --argjson exit "${2:-null}" --argjson pid $$ --arg host "$(hostname)" \
      --argjson at "$(date +%s)" --argjson n "$iterations" --arg why "$stop_reason" \
      '{state: $state, pid: $pid, host: $host, at: $at, iterations: $n, exit_status: $exit,
        reason: (if $why == "" then null else $why end)}' > "$run/state.json.tmp" && mv "$run/state.json.tmp" "$run/state.json"
}
on_exit() {
  local status=$? p
  # Proposals still asking (a budget's stop, a failure) would write candidates later.
  for p in ${proposer[@]+"${proposer[@]}"}; do kill -TERM -- "-$p" 2>/dev/null || true; done
  # A signal stops the run, whatever the command it cut short returned: a scheduler
  # (scancel, a time limit) signals every process of the job, the runner's too.
  [ "$stopping" = 0 ] && [ "$status" -ne 143 ] || stop_reason=signal
  if [ "$status" -eq 0 ] && [ -z "$stop_reason" ]; then write_state finished 0
  elif [ "$status" -eq 0 ] || [ "$stop_reason" = signal ] || [ -n "$outage" ]; then write_state stopped "$status"
  else write_state failed "$status"; fi
}
# ---- stop cleanly on SIGINT/SIGTERM ----------------------------------------------
child=
stopping=0
declare -A proposer=()   # iteration → the process group asking the model for it
exec 7>&2   # the trap may run inside a redirected stage call: speak on the real stderr
on_signal() {
  stopping=1
  echo "run_track: stopping: the candidates in flight are dropped, the tree restored" >&7
  local p
  for p in "$child" ${proposer[@]+"${proposer[@]}"}; do
    [ -z "$p" ] || kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  done
}
trap on_signal INT TERM
write_state running
trap on_exit EXIT
# A run of a matrix whose model server did not answer the preflight: stopped before
# any work, resumable, its reason in make status (the matrix goes on with the others).
if [ -n "$probe_failed" ]; then
  outage=1 stop_reason="the model server does not answer: $probe_failed"
  echo "run_track: $stop_reason; stopping before any work (running it again resumes)" >&2
  exit "$EXIT_SYSTEM"
fi
# What confines the candidate's programs on this machine, said once per run.
"$TOP/bin/sandbox.sh" --check >&2
"$TOP/bin/sandbox.sh" --check-count >&2 || true   # the pristine stage refuses to go on without it

mk=(make -s -f "$TOP/mk/candidate.mk" EXP="$exp" PRISTINE="$run/pristine")
# The archive's records that parse, one a line: a torn last line (archive-append
# moves it aside on the next append) must not fail the progress line, the resume,
# the budget or the summary.  Nothing before the first record.
records() { [ ! -f "$archive" ] || jq -c -R 'fromjson? // empty' "$archive"; }
# jq that knows score's decisions by name (bin/records.jq: passed_screening, confirmed_better, confirmed_best).
JQ_RECORDS=(-L "$TOP/bin")
# Confirmations (bin/stage/confirm.sh), one a line: {id, iteration, confirm}.  Their
# own file, so the archive stays one finished record per candidate.
confirmations="$run/confirm.jsonl"
confirmed() { [ ! -f "$confirmations" ] || jq -c -R 'fromjson? // empty' "$confirmations"; }
t_start=$SECONDS
progress() {   # ITER ID STAGE
  local best funnel
  read -r best funnel < <(records | jq "${JQ_RECORDS[@]}" -rs --slurpfile conf <(confirmed) 'include "records"; [screening_best, funnel($conf)]
      | "\(if .[0] == null then "-" else (.[0] * 10000 | round / 10000 | tostring) end) \(.[1])"')
  printf '[%s] iteration %s/%s  %s  %-8s  %5ds  best %s  %s\n' "$(date +%H:%M:%S)" "$1" "$iterations" "$2" "$3" \
    $((SECONDS - t_start)) "$best" "$funnel" >&2
}

# Runs a command in its own process group, so a signal stops all of it; none after
# a signal that came between two.
run_child() {
  [ "$stopping" = 0 ] || finish_on_signal
  set -m
  "$@" &
  child=$!
  set +m
  local status=0
  wait "$child" || status=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
  child=
  signalled "$status"
  return "$status"
}
# A child ended by SIGTERM or SIGINT (exit 143, 130) was stopped with the runner: a
# scheduler (scancel, a time limit) signals every process of the job at once.  That
# is the runner's stop even when its own trap did not run: the Slurm test once saw
# on_signal fail to run ("trap: line 2: unexpected EOF while looking for matching
# `)'") and the run end as failed at the stage the signal cut short.
signalled() {   # STATUS
  [ "$1" -ne 143 ] && [ "$1" -ne 130 ] || stopping=1
}
finish_on_signal() {
  stop_reason=signal
  # Said before the checkout, which waits for the tree's lock: on a shared tree
  # another run may hold it longer than a scheduler waits before its SIGKILL.
  write_state stopped 130
  "$BIN/stage.sh" checkout pristine || true
  exit 130
}

# ---- the run's RocksDB tree ------------------------------------------------------------
# AIOPT_OWN_TREE=0 (a run alone, and a matrix one run at a time): the project's tree
# and builds (build/), which the runs of this machine take turns at under its lock.
# 1 (runs at once; Slurm): a tree and builds of the run's own, in AIOPT_SCRATCH/tree
# when that is set (node-local scratch under Slurm), else build/trees/EXP/TRACK/seed-N:
# a clone of the project's pristine tree, built with the shared ccache.  Its paths
# relative to BUILD_DIR (ccache's base) are the project's, so it compiles from the
# cache: db_bench in 40 s here, not 17 min.
if [ "$AIOPT_OWN_TREE" = 1 ]; then
  tree=${AIOPT_SCRATCH:+$AIOPT_SCRATCH/tree}
  tree=${tree:-$(dirname "$ROCKSDB_SRC")/trees/$exp/$track/seed-$seed}
  if [ ! -d "$tree/rocksdb-src/.git" ]; then
    echo "run_track: making the run's own RocksDB tree in $tree" >&2
    make -s --no-print-directory -C "$TOP" rocksdb-src EXP="$exp" >&2
    rm -rf "$tree/rocksdb-src.partial"; mkdir -p "$tree"
    git clone -q -b pristine "$ROCKSDB_SRC" "$tree/rocksdb-src.partial"
    # With the files its .gitignore hides from git (RocksDB 7.x ignores its own
    # cmake/modules): copied under the tree's lock, while the tree is pristine or
    # holds a candidate's tracked edits only.
    ( exec 9>"${AIOPT_TREE_LOCK:-$(dirname "$ROCKSDB_SRC")/tree.lock}"; flock 9
      cd "$ROCKSDB_SRC" && git ls-files -z -o -i --exclude-standard | tar -c --null -T - ) | tar -x -C "$tree/rocksdb-src.partial"
    mv "$tree/rocksdb-src.partial" "$tree/rocksdb-src"
  fi
  export BUILD_DIR=$tree
  settings=$(env -u ROCKSDB_SRC -u ROCKSDB_RELEASE -u ROCKSDB_TSAN make -s --no-print-directory -C "$TOP" experiment-env EXP="$exp")
  eval "$settings"
  echo "run_track: building the run's own db_bench and test programs (log: $tree/build.log)" >&2
  run_child machine_lock shared make -s --no-print-directory -C "$TOP" rocksdb-release rocksdb-tests EXP="$exp" > "$tree/build.log" 2>&1 || {
    [ "$stopping" = 1 ] && finish_on_signal; tail -n 20 "$tree/build.log" >&2; system_error "the run's own RocksDB builds failed (see $tree/build.log)"; }
fi
# The machine this start of the run measures on (the section on pristine below).
node_now=$("$TOP/bin/node.sh" "${AIOPT_SCRATCH:-$run}")
jq -c --argjson at "$(date +%s)" '. + {at: $at}' <<<"$node_now" >> "$run/nodes.jsonl"
# The settings this run works with, beside its archive, so that its numbers can be
# checked against what made them; a resumed run writes them again (same, or changed).
{ printf '%s\n' "$settings"; printf 'export AIOPT_TRACK=%q AIOPT_SEED=%q AIOPT_MODEL=%q AIOPT_API_BASE=%q AIOPT_RUN_BCOZ=%q AIOPT_RUN_BPERF=%q AIOPT_PROFILE_IN_PROMPT=%q AIOPT_PROFILE_IN_FITNESS=%q AIOPT_STRATEGY=%q\n' \
    "$track" "$seed" "$model" "$api_base" "$AIOPT_RUN_BCOZ" "$AIOPT_RUN_BPERF" "$AIOPT_PROFILE_IN_PROMPT" "$AIOPT_PROFILE_IN_FITNESS" \
    "${AIOPT_STRATEGY:-}"; echo "# measured on $(jq -r '"\(.host), kind \(.kind)"' <<<"$node_now") (nodes.jsonl)"; } > "$run/settings.env"
# What the track is in this run, as data for the report (never sourced): its model
# and endpoint (without a URL's user:password), whether the model is the large one,
# the profile's two routes and the parents.
jq -n --arg track "$track" --arg model "${scripted:+scripted}${scripted:-$model}" \
  --arg api_base "$(sed -E 's#(://)[^/@]*@#\1***@#' <<< "${scripted:+}${scripted:-$api_base}")" \
  --arg class "$([ "$t_large" = 1 ] && echo large || echo small)" --arg prompt "$AIOPT_PROFILE_IN_PROMPT" \
  --argjson fitness "$AIOPT_PROFILE_IN_FITNESS" --arg strategy "${AIOPT_STRATEGY:-}" \
  '{track: $track, model: $model, api_base: (if $api_base == "" then null else $api_base end), model_class: $class,
    profile_in_prompt: (if $prompt == "sham" then $prompt else ($prompt | tonumber) end), profile_in_fitness: $fitness,
    parents: (if $strategy == "" then "evolved" elif $strategy == "pristine" then "pristine (best-of-N)" else $strategy end)}' \
  > "$run/track.json"
# ---- the machine: what the run measures on ---------------------------------------------
# Its fingerprint (bin/node.sh) each time the run starts, a line each in nodes.jsonl:
# make status and the report group runs by its kind.  Pristine's figures belong to
# the machine that measured them: a run resumed on another host, or on its own
# host changed (another kernel, governor, filesystem), measures pristine again
# there and keeps the earlier figures in pristine/earlier/.  Its candidates' ratios
# are pairs measured on one machine each: they stay comparable.
if [ -f "$run/pristine/baseline.json" ]; then
  node_then=$(jq -c '.node // {} | if type == "object" then . else {} end' "$run/pristine/baseline.json" 2>/dev/null || echo '{}')
  if ! jq -e --argjson now "$node_now" '.host == $now.host and .kind == $now.kind' <<<"$node_then" > /dev/null; then
    earlier="$run/pristine/earlier/$(date +%Y%m%d-%H%M%S)"
    echo "run_track: pristine was measured on $(jq -r '"\(.host // "a machine not recorded") (kind \(.kind // "unknown"))"' <<<"$node_then"), this is $(jq -r '"\(.host) (kind \(.kind))"' <<<"$node_now"): measuring it again here (the earlier figures: $earlier)" >&2
    mkdir -p "$earlier"
    mv "$run/pristine/baseline.json" "$earlier/"
    [ ! -f "$run/pristine/node.json" ] || mv "$run/pristine/node.json" "$earlier/"
  fi
fi

# ---- pristine, once per run (and again on another machine) -----------------------------
if [ ! -f "$run/pristine/baseline.json" ]; then
  progress 0 pristine baseline
  run_child make -s -C "$TOP" baseline EXP="$exp" BASELINE_DIR="$run/pristine" || {
    [ "$stopping" = 1 ] && finish_on_signal; system_error "pristine baseline failed (see $run/pristine/)"; }
fi

# ---- the run's noise, measured here: on its first start, and again on another host ----
if ! { [ -f "$run/pristine/calibration.jsonl" ] && jq -e -R --arg h "$(hostname)" 'fromjson? | select(.host == $h)' \
         "$run/pristine/calibration.jsonl" > /dev/null; }; then
  progress 0 pristine calibrate
  run_child "$BIN/stage.sh" calibrate "$run/pristine" || {
    [ "$stopping" = 1 ] && finish_on_signal; system_error "calibration failed (see $run/pristine/calibration/)"; }
fi

# ---- resume: drop what a killed run left in flight ----------------------------------
# The iterations archived, by their number, not by a count of lines: a torn line
# (archive-append moves it aside) must not shift every later iteration by one.
archived=$(records | jq '.iteration // empty' | sort -n -u | paste -sd' ' -)
is_archived() { [[ " $archived " == *" $1 "* ]]; }
first_missing=1
while is_archived "$first_missing"; do first_missing=$((first_missing + 1)); done
# Proposals a runner killed outright left asking (their process groups, in
# .proposers): stopped before anything else, so none writes a candidate later.
if [ -f "$run/.proposers" ]; then
  while read -r p; do
    ! grep -q run_track "/proc/$p/cmdline" 2>/dev/null || kill -TERM -- "-$p" 2>/dev/null || true
  done < "$run/.proposers"
fi
: > "$run/.proposers"
rm -f "$run"/.proposal-*.json "$run"/.proposal-*.json.tmp "$run"/.parent-*.json
rm -rf "$run"/.code-* "$run"/.refused-*
for d in "$run"/c[0-9]*; do
  [ -d "$d" ] || continue
  id=$(basename "$d")
  if ! { [ -f "$archive" ] && grep -q "\"id\":\"$id\"" "$archive"; }; then
    echo "run_track: dropping $id, left unfinished by an earlier run" >&2
    rm -rf "$d"
  fi
done
[ -z "$archived" ] || echo "run_track: resuming $run at iteration $first_missing of $iterations" >&2

# Prints why the run's budget is spent (and returns 0), or returns 1.  A tokens
# budget needs the model to report its tokens: a run that cannot count them stops
# rather than running unbounded.
budget_spent() {
  [ -n "$budget_tokens$budget_hours" ] && [ -f "$archive" ] || return 1
  local spent
  spent=$(records | jq "${JQ_RECORDS[@]}" -rs 'include "records"; [(map(select(.llm.prompt_tokens != null or .llm.completion_tokens != null)) | length),
      length, (map((.llm.prompt_tokens // 0) + (.llm.completion_tokens // 0)) | add // 0),
      (map(select(repeat == null) | .timing.seconds // 0) | add // 0)] | @tsv')
  awk -F'\t' -v t="$budget_tokens" -v h="$budget_hours" -v budget="$AIOPT_BUDGET" '{
      if (t != "" && $2 > 0 && $1 < $2) { printf "budget %s: the model reported no tokens for %d of %d records, so the run cannot count them\n", budget, $2 - $1, $2; exit 0 }
      if (t != "" && $3 >= t + 0) { printf "budget %s spent: %d tokens\n", budget, $3; exit 0 }
      if (h != "" && $4 >= h * 3600) { printf "budget %s spent: %.2f hours of candidates\n", budget, $4 / 3600; exit 0 }
      exit 1 }' <<< "$spent"
}

# Prints why CALLS more model calls would pass AIOPT_MAX_COST_USD (and returns 0), or
# returns 1.  The archived calls' cost plus CALLS at their mean (the calls in flight,
# not yet archived, among them); the first call is made unpriced (nothing to go by).
# A call whose cost is unknown (null: an unpriced remote model) cannot be counted, so
# a capped run stops rather than spend without a bound.
cost_cap_reached() {   # CALLS
  [ -n "$max_cost" ] && [ -f "$archive" ] || return 1
  records | jq "${JQ_RECORDS[@]}" -rs --argjson cap "$max_cost" --argjson calls "$1" 'include "records";
    def usd: . * 10000 | round / 10000;
    if length == 0 then empty
    elif cost_usd == null then
      "cost cap $\($cap): \(map(select(.llm.cost_usd == null)) | length) of \(length) calls have no known cost (price the model: AIOPT_PRICES), so the run cannot keep to it"
    else cost_usd as $spent | ($spent / length) as $mean
      | if $spent + $calls * $mean > $cap then
          "cost cap $\($cap): $\($spent | usd) spent on \(length) calls; \($calls) more at $\($mean | usd) each would pass it"
        else empty end end' | grep . 
}

# ---- confirmation --------------------------------------------------------------------
# The best screening figure among the archived candidates that passed screening (0: none).
best_screened() { records | jq "${JQ_RECORDS[@]}" -s 'include "records"; map(select(passed_screening) | .score.comparable_score) | max // 0'; }
confirm() {   # ITER ID
  progress "$1" "$2" confirm
  run_child "${mk[@]}" CAND="$run/$2" confirm.json > "$run/$2/confirm.log" 2>&1 || {
    [ "$stopping" = 1 ] && finish_on_signal
    tail -n 20 "$run/$2/confirm.log" >&2
    system_error "confirmation of $2 failed to run (see $run/$2/confirm.log)"; }
  [ "$stopping" = 0 ] || finish_on_signal
}
# The confirmed best through STAGE (heldout, minimize) once: its line {id, iteration,
# STAGE} in STAGE.jsonl.  The stage's log lines that say how far it got are shown.
finish_best() {   # STAGE ID
  local stage=$1 id=$2 file=$run/$1.jsonl log=$run/$2/$1.log
  ! { [ -f "$file" ] && jq -e -R --arg id "$id" 'fromjson? | select(.id == $id)' "$file" > /dev/null; } || return 0
  progress end "$id" "$stage"
  : > "$log"
  run_child "${mk[@]}" CAND="$run/$id" "$stage.json" >> "$log" \
      2> >(tee -a "$log" | grep --line-buffered -E '^\[[0-9:]+\] (held out|minimize):' >&2) || {
    [ "$stopping" = 1 ] && finish_on_signal
    tail -n 20 "$log" >&2
    system_error "stage $stage of $id failed to run (see $log)"; }
  [ "$stopping" = 0 ] || finish_on_signal
  jq -c --arg s "$stage" '{id, iteration, ($s): .[$s]}' "$run/$id/$stage.json" | "$BIN/archive-append" "$file"
  rm -f "$run/$id/db_bench"
}
record_confirmation() {   # CAND
  jq -c '{id, iteration, confirm}' "$1/confirm.json" | "$BIN/archive-append" "$confirmations"
}

# ---- proposals: the model's wait overlaps the evaluation ---------------------------------
# AIOPT_PROPOSALS_IN_FLIGHT (2): the model is asked for the next proposals while the
# current candidate is built, tested and measured.  Each picks its parent from the
# archive as it stands when it is asked (without the candidates still in flight) and
# reads the parent's code from a copy of its target files (the tree belongs to the
# candidate being built).  1: each proposal after the candidate before it is archived.
# A run stopped or killed with proposals in flight drops them, as it drops the
# candidate in flight, and asks again for the same iteration numbers.
# The parent's target files as its code has them: pristine's, and its cumulative patch.
parent_code() {   # PARENT-ID DIR
  local f
  for f in ${AIOPT_TARGET_FILES//,/ }; do
    mkdir -p "$2/$(dirname "$f")"
    git -C "$ROCKSDB_SRC" show "pristine:$f" > "$2/$f"
  done
  [ "$1" = pristine ] || [ ! -s "$run/$1/cumulative.diff" ] || patch -s -p1 -d "$2" < "$run/$1/cumulative.diff"
}
# Iteration ITER's proposal: its record in .proposal-ITER.json once the model answered.
# With NOTE, the iteration asked again (see "repeats" below): the same parent, NOTE
# after the task.  The parent picked is kept in .parent-ITER.json for that.
propose() {   # ITER [NOTE]
  local i=$1 note=${2:-} parent parent_id code=$run/.code-$1
  if [ -n "$note" ]; then
    parent=$(cat "$run/.parent-$i.json")
  else
    parent=$( { cat "$archive" 2>/dev/null || true; } | "$BIN/pick-parent" --seed "$seed")
    printf '%s\n' "$parent" > "$run/.parent-$i.json"
  fi
  parent_id=$(jq -r .id <<<"$parent")
  progress "$i" "$parent_id" propose
  rm -rf "$code"
  parent_code "$parent_id" "$code"
  local mutate=("$BIN/llm-mutate" --experiment "$EXPERIMENTS/$exp" --track "$track" --tree "$code"
                --archive "$archive" --run-dir "$run" --iteration "$i" --seed "$seed")
  if [ -n "$scripted" ]; then mutate+=(--scripted "$scripted"); else mutate+=(--model "$model" --api-base "$api_base"); fi
  [ -z "${AIOPT_LLM_RECORD:-}" ] || mutate+=(--record "$AIOPT_LLM_RECORD")
  [ -z "${AIOPT_LLM_REPLAY:-}" ] || mutate+=(--replay "$AIOPT_LLM_REPLAY")
  [ -z "$note" ] || mutate+=(--note "$note")
  "${mutate[@]}" <<<"$parent" > "$run/.proposal-$i.json.tmp"
  mv "$run/.proposal-$i.json.tmp" "$run/.proposal-$i.json"
  rm -rf "$code"
}
# Asks for ITER's proposal in the background, in a process group of its own.
start_proposal() {   # ITER [NOTE]
  [ "$stopping" = 0 ] || finish_on_signal
  set -m
  propose "$@" &
  proposer[$1]=$!
  set +m
  echo "${proposer[$1]}" >> "$run/.proposers"
}
# Waits for ITER's proposal; its exit status.
wait_proposal() {   # ITER
  local pid=${proposer[$1]} status=0
  wait "$pid" || status=$?
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
  unset "proposer[$1]"
  signalled "$status"
  return "$status"
}

# ---- a candidate's stages ----------------------------------------------------------------
run_stage() {   # STAGE (of the loop's candidate: $i, $id, $cand)
  progress "$i" "$id" "$1"
  run_child "${mk[@]}" CAND="$cand" "$1.json" > "$cand/stages.log" 2>&1 || {
    [ "$stopping" = 1 ] && finish_on_signal
    tail -n 20 "$cand/stages.log" >&2
    system_error "stage $1 of $id failed to run (see $cand/stages.log)"; }
  [ "$stopping" = 0 ] || finish_on_signal
}

# ---- repeats ------------------------------------------------------------------------------
# The apply stage finds a proposal that repeats an evaluated candidate of the run
# (bin/stage/apply.sh): an exact duplicate is archived as one, with the original's
# verdict; one too near (AIOPT_NOVELTY_THRESHOLD) is sent back to the model once,
# from the same parent, with a note after the task naming the candidate it is near,
# that one's outcome, and the refused edit.  The prompt's history shows the latest
# attempts from the parent, the note the one this proposal repeats, which may be
# from another parent or older than the history reaches.  The second answer is
# applied and checked as the first was, and archived as "novelty" if it is too near
# as well.  The refused proposal is kept in the candidate's refused/; llm's tokens,
# cost and seconds are the two calls' sums (calls: 2), so budgets count both.  A
# re-ask without an answer, or one the spending cap forbids, archives the refused
# proposal as "novelty".
ask_again() {   # (the loop's candidate: $i, $id, $cand)
  local note refused=$run/.refused-$i status=0 why
  # No re-ask that would pass the spending cap: archived as too near, said why.
  if why=$(cost_cap_reached $((${#proposer[@]} + 1))); then
    update "$cand/apply.json" --arg why "$why" '.asked_again = {answered: false, message: $why}'
    return
  fi
  note=$(jq -r '"## Your proposal was not measured\n\nWhat it changes, whitespace and comments aside, is nearly what candidate \(.apply.nearest.id) changed (token distance \(.apply.nearest.distance); below \(env.AIOPT_NOVELTY_THRESHOLD) counts as the same change), and \(.apply.nearest.id) was measured: \(.apply.nearest.outcome). Propose a change that does something else, not the same change with other names, layout or comments.\n\nThe proposal not measured:\n\n```\n\(.diff // "" | .[0:4000])\n```"' "$cand/apply.json")
  rm -rf "$refused"
  mv "$cand" "$refused"
  progress "$i" "$id" "too near $(jq -r .apply.nearest.id "$refused/apply.json"): asking again"
  start_proposal "$i" "$note"
  wait_proposal "$i" || status=$?
  [ "$stopping" = 0 ] || finish_on_signal
  [ "$status" -eq 0 ] || system_error "llm-mutate failed (iteration $i, asked again, exit $status)"
  if jq -e '.llm.answered == false' "$run/.proposal-$i.json" > /dev/null; then
    rm -rf "$cand"
    mv "$refused" "$cand"
    update "$cand/apply.json" --slurpfile p "$run/.proposal-$i.json" '.asked_again = {answered: false, message: ($p[0].error.message // "no reply")}'
    rm -f "$run/.proposal-$i.json"
    return
  fi
  mv "$run/.proposal-$i.json" "$cand/record.json"
  mv "$refused" "$cand/refused"
  update "$cand/record.json" --slurpfile r "$cand/refused/apply.json" '
    def sum(a; b): if a == null or b == null then null else a + b end;
    $r[0] as $first
    | .asked_again = {answered: true, refused: "refused/", nearest: $first.apply.nearest, canonical_hash: $first.apply.canonical_hash, llm: $first.llm}
    | .llm.calls = 2
    | .llm.prompt_tokens = sum(.llm.prompt_tokens; $first.llm.prompt_tokens)
    | .llm.completion_tokens = sum(.llm.completion_tokens; $first.llm.completion_tokens)
    | .llm.cost_usd = sum(.llm.cost_usd; $first.llm.cost_usd)
    | .llm.seconds = sum(.llm.seconds; $first.llm.seconds)'
  run_stage apply
}

# ---- the loop -------------------------------------------------------------------------
t_last=$(date +%s)
unanswered=0
for ((i = first_missing; i <= iterations; i++)); do
  is_archived "$i" && continue
  # The budget, before each iteration: a proposal already asked for (in flight) is
  # dropped with the run's stop, so a budget is passed by those calls at most.
  if why=$(budget_spent); then
    echo "run_track: $why; stopping before iteration $i (a larger AIOPT_BUDGET resumes it)" >&2
    stop_reason=$why
    break
  fi
  # This iteration's proposal and the next ones', up to in_flight, asked for now
  # unless they are already.
  asked=0
  for ((j = i; j <= iterations && asked < in_flight; j++)); do
    is_archived "$j" && continue
    asked=$((asked + 1))
    [ -z "${proposer[$j]:-}" ] || continue
    # No call that would pass the spending cap, counting those in flight.
    if why=$(cost_cap_reached $((${#proposer[@]} + 1))); then
      [ "$j" -eq "$i" ] || break
      echo "run_track: $why; stopping before iteration $i (a higher AIOPT_MAX_COST_USD resumes it)" >&2
      stop_reason=$why
      break 2
    fi
    start_proposal "$j"
  done
  # The iteration's time: from when the last one ended (the runner's time is the
  # candidates' sum, whatever overlapped).
  t_iter=$t_last
  status=0
  wait_proposal "$i" || status=$?
  [ "$stopping" = 0 ] || finish_on_signal
  [ "$status" -eq 0 ] || system_error "llm-mutate failed (iteration $i, exit $status)"
  cand=$(jq -r .dir "$run/.proposal-$i.json")
  id=$(jq -r .id "$run/.proposal-$i.json")
  # A call that got no completion (the server down, a timeout, an HTTP error after
  # the retries) is no candidate: the model said nothing.  It is not archived, and the
  # iteration is asked for again; AIOPT_LLM_MAX_FAILURES such calls in a row stop the
  # run (a model server gone, a cluster job preempted), and running it again resumes
  # from this iteration.  A reply of the model's own (no edit in it) is a candidate.
  if jq -e '.llm.answered == false' "$run/.proposal-$i.json" > /dev/null; then
    unanswered=$((unanswered + 1))
    why=$(jq -r '.error.message // "no reply"' "$run/.proposal-$i.json")
    rm -rf "$run/.proposal-$i.json" "$cand"
    echo "run_track: iteration $i: no answer from the model ($unanswered in a row): $why" >&2
    if [ "$unanswered" -ge "$max_unanswered" ]; then
      outage=1 stop_reason="the model server at $api_base has not answered $unanswered calls in a row: $why"
      echo "run_track: $stop_reason; stopping before iteration $i (running it again resumes here)" >&2
      break
    fi
    i=$((i - 1))
    continue
  fi
  unanswered=0
  mv "$run/.proposal-$i.json" "$cand/record.json"
  run_stage apply
  if jq -e '.error.stage == "novelty" and .asked_again == null' "$cand/apply.json" > /dev/null; then ask_again; fi
  for stage in build test crash bench coz bperf score; do run_stage "$stage"; done
  # A candidate that passes screening as the run's best so far is measured again
  # before anything calls it better.
  if jq "${JQ_RECORDS[@]}" -e --argjson best "$(best_screened)" 'include "records"; passed_screening and .score.comparable_score > $best' \
       "$cand/score.json" > /dev/null; then
    confirm "$i" "$id"
  fi
  # Archived with its confirmation when it had one: pick-parent and llm-mutate rank
  # a candidate measured again by that figure, not by screening's (archive_fitness).
  finished=$cand/score.json
  [ ! -f "$cand/confirm.json" ] || finished=$cand/confirm.json
  t_last=$(date +%s)   # this iteration's end, the next one's start
  jq -c --argjson t0 "$t_iter" --argjson t1 "$t_last" '.timing = {started_at: $t0, finished_at: $t1, seconds: ($t1 - $t0)}' \
    "$finished" | "$BIN/archive-append" "$archive"
  [ ! -f "$cand/confirm.json" ] || record_confirmation "$cand"
  rm -f "$cand/db_bench" "$run/.parent-$i.json"   # db_bench: 200+ MB each; the patch rebuilds it
  progress "$i" "$id" "$(jq "${JQ_RECORDS[@]}" -r 'include "records";
      if .duplicate_of != null then "duplicate of \(.duplicate_of.id) (\(.duplicate_of.outcome))" else outcome end' "$cand/score.json")"
done

# The run's AIOPT_CONFIRM_TOP best by screening, confirmed if they were not (and a
# confirmation a killed run measured but did not record).  Not after a budget stop
# or a signal: a resumed run does it when it ends.
if [ "$i" -gt "$iterations" ]; then
  recorded() { confirmed | jq -e --arg id "$1" 'select(.id == $id)' > /dev/null; }
  for f in "$run"/c[0-9]*/confirm.json; do
    [ -f "$f" ] || continue
    id=$(basename "$(dirname "$f")")
    recorded "$id" || ! grep -q "\"id\":\"$id\"" "$archive" || record_confirmation "$run/$id"
  done
  for id in $(records | jq "${JQ_RECORDS[@]}" -rs --argjson n "${AIOPT_CONFIRM_TOP}" \
      'include "records"; map(select(passed_screening)) | sort_by(-.score.comparable_score) | .[0:$n][] | .id'); do
    recorded "$id" && continue
    confirm end "$id"
    record_confirmation "$run/$id"
    rm -f "$run/$id/db_bench"
  done
  # The confirmed best on the workloads it was not chosen on (bin/stage/heldout.sh),
  # and the smallest part of it that keeps its gain (bin/stage/minimize.sh).
  best=$(confirmed | jq "${JQ_RECORDS[@]}" -rs 'include "records"; confirmed_best(.) | .id // empty')
  if [ -n "$best" ]; then
    finish_best heldout "$best"
    finish_best minimize "$best"
  fi
fi
"$BIN/stage.sh" checkout pristine
echo >&2
echo "run_track: $run: $(records | wc -l) candidates in $archive" >&2
records | jq -rs --slurpfile conf <(confirmed) '($conf | map({(.id): .confirm}) | add // {}) as $c |
  (["iter", "id", "parent", "outcome", "comparable", "throughput", "p99"] | @tsv),
  (.[] | [.iteration, .id, .parent,
          (if $c[.id] != null then (if $c[.id].score.better_than_pristine then "confirmed better" else "passed screening, not confirmed" end)
           elif .score.better_than_pristine then "passed screening" elif .score.valid then "valid"
           else "\(.error.stage // "invalid")" end),
          (.score.comparable_score // "-" | tostring | .[0:6]),
          (.score.terms.throughput.value // "-" | tostring | .[0:6]),
          (.score.terms.latency.value // "-" | tostring | .[0:6])] | @tsv)' | column -t -s $'\t'
if [ "$runs" = "$TOP/runs" ]; then
  echo "Next: make report  (tables and plots of every track in runs/$exp/)"
else
  echo "Next: make report RUNS=$runs  (tables and plots of every track in $runs/$exp/)"
fi
# Stopped for want of a model: not finished, and a scheduler or script must see it.
[ -z "$outage" ] || exit "$EXIT_SYSTEM"

exit
}

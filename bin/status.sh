#!/usr/bin/env bash
# status.sh [--json] [EXPERIMENT] [RUNS] — every run of an experiment, one line each
# (make status): track, seed, state, iterations archived of the run's total, the
# best confirmed and the best screening figure, the funnel, its repeats (proposals
# that were an evaluated candidate's change, not measured again: duplicates, and
# those too near one, asked again), the time the run has worked and an estimate of
# the time left.
#
# The state is the runner's (state.json, written by bin/run_track.sh): running,
# finished, stopped (a signal or a budget: rerunning resumes it) or failed (its exit
# status); "died" is a run that says running on this host but whose runner is gone
# (kill -9, a crash: rerunning resumes it); "not started" is a run directory with no
# runner yet; "unknown", records without a state.json (an archive copied here).  A
# run submitted to Slurm (bin/matrix.sh, slurm.json) is "queued" while squeue says
# its job is pending, and "died" when its job has left the queue with the runner
# still said to be running (a node lost, a job killed outright; sacct's state with
# it, where the cluster keeps accounting); a run of a blocked job (one job a seed, its
# tracks in turn) is "queued in its block" until the runs before it end.  Time worked: the archived candidates'
# timing.seconds; left: their mean times the iterations still to run; cost: the
# model calls' llm.cost_usd (bin/records.jq's cost_usd: "?" when a call's cost is
# unknown), and per track over its seeds, below the table; the machine of the run's
# latest start (nodes.jsonl), and the runs grouped by machine kind below the
# table.  Reads only; safe while
# runs write.
# --json: one JSON object a run instead of the table.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=status
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
view_exit_codes
view_args 1 "$@"
[ -d "$dir" ] || no_runs

# Slurm's view of every job, once: "JOBID_TASK STATE" a line (none without squeue).
queue='' queried=false
if command -v squeue > /dev/null && ls "$dir"/*/seed-*/slurm.json > /dev/null 2>&1; then
  queue=$(squeue -h -r -o '%i %T' 2>/dev/null) && queried=true || queue=''
fi
# A run whose directory, state.json or records cannot be read is shown as far as it
# can be, with the reason, and makes the exit status 1 once every run is shown.
unreadable=$(mktemp); trap 'rm -f "$unreadable"' EXIT
lines=$(
  for run in "$dir"/*/seed-*/; do
    [ -d "$run" ] || continue
    run=${run%/}
    track=$(basename "$(dirname "$run")") seed=${run##*/seed-}
    run_named_ok "$run" "$unreadable" || continue
    # state.json: its fields of the types the runner writes, else none.
    state='{}' why=null
    if [ -s "$run/state.json" ]; then
      # (slurped: a file of two objects is as unreadable as one of none)
      state=$(jq -sc 'if length == 1 and (.[0] | type) == "object" then .[0] | {state: ((.state | strings) // null), reason: ((.reason | strings) // null),
                       host: ((.host | strings) // null), pid: ((.pid | numbers) // null),
                       iterations: ((.iterations | numbers) // null), exit_status: ((.exit_status | numbers) // null)}
                     else error("not a JSON object") end' "$run/state.json" 2>/dev/null) \
        || { state='{}' why='"state.json is not a JSON object"'; echo "$run/state.json: not a JSON object" >> "$unreadable"; }
    fi
    # A runner said to be running here, whose process is gone, died.
    alive=null
    if [ "$(jq -r '.state // ""' <<<"$state")" = running ] && [ "$(jq -r .host <<<"$state")" = "$(hostname)" ]; then
      pid=$(jq -r .pid <<<"$state")
      if kill -0 "$pid" 2>/dev/null && grep -q run_track "/proc/$pid/cmdline" 2>/dev/null; then alive=true; else alive=false; fi
    fi
    job='' job_state='' block=null
    if [ -s "$run/slurm.json" ]; then
      job=$(jq -sr 'if length == 1 and (.[0].job_id | type) == "string" then .[0].job_id else "" end' "$run/slurm.json" 2>/dev/null) || job=''
      # A blocked job's runs go one after another: where this one stands in it.
      block=$(jq -sc '.[0] as $s | if length == 1 and ($s.order | type) == "array" and ($s.position | type) == "number" and ($s.order | length) > 1
                     then {order: [$s.order[] | strings], position: $s.position} else null end' "$run/slurm.json" 2>/dev/null) || block=null
      # The iterations asked for, until the runner says (a queued run has not).
      [ "$state" != '{}' ] || state=$(jq -sc 'if length == 1 and (.[0] | type) == "object" then {iterations: ((.[0].iterations | numbers) // null)} else {} end' "$run/slurm.json" 2>/dev/null) || state='{}'
      job_state=$(awk -v j="$job" '$1 == j { print $2 }' <<<"$queue")
      if [ -z "$job_state" ] && command -v sacct > /dev/null; then
        job_state=$(sacct -n -X -P -o State -j "$job" 2>/dev/null | head -n 1 | awk '{ print $1 }') || job_state=''
      fi
    fi
    # The machine of the run's latest start (nodes.jsonl, bin/node.sh): its kind and
    # host as records.jq's node_checked reads them, else unknown.
    node=null
    if [ -s "$run/nodes.jsonl" ]; then
      node=$(tail -n 1 "$run/nodes.jsonl" | jq -sc -L "$TOP/bin" 'include "records"; if length == 1 then .[0] | node_checked | if . then {kind, host} else null end else null end' 2>/dev/null) || node=null
    fi
    # Records and confirmations that parse (a torn line is skipped, as the runner does);
    # records a view cannot read are named, and shown as the run's reason.
    checked=$([ ! -f "$run/archive.jsonl" ] || jq -cR -L "$TOP/bin" --arg f "$run/archive.jsonl" 'include "records"; checked_line($f)' "$run/archive.jsonl")
    jq -r '.unreadable // empty' <<<"$checked" >> "$unreadable"
    jq -n -c -L "$TOP/bin" --arg track "$track" --arg seed "$seed" --argjson state "$state" --argjson alive "$alive" --argjson why "$why" \
        --arg host "$(hostname)" --arg job "$job" --arg job_state "$job_state" --argjson queried "$queried" --argjson block "$block" \
        --argjson node "$node" \
        --slurpfile all <(jq -c . <<<"$checked") \
        --slurpfile conf <(for f in confirm heldout; do [ ! -f "$run/$f.jsonl" ] || cat "$run/$f.jsonl"; done | jq -cR -L "$TOP/bin" 'include "records"; fromjson? // empty | stage_line') '
      include "records";
      ($conf | stage_join) as $conf |
      ($all | map(select(has("unreadable") | not))) as $recs
      | ($all | map(.unreadable // empty)) as $bad
      | ($recs | map(.iteration) | unique | length) as $done
      | ($recs | map(.timing.seconds // empty)) as $secs
      | ($secs | add // 0) as $worked
      # A job the queue answered for, that is not pending or running there, has ended.
      | ($job != "" and $queried and ($job_state | IN("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED") | not)) as $job_ended
      | {track: $track, seed: ($seed | tonumber),
         state: (if $job_state == "PENDING" then "queued"
                 elif $state.state == null then
                   (if $job != "" and ($job_ended | not) then
                      (if $block != null and $block.position > 1 then "queued in its block, after \($block.order[0:$block.position - 1] | join(", "))" else "starting" end)
                    elif $done > 0 then "unknown" else "not started" end)
                 elif $state.state == "running" and $alive == false then "died"
                 elif $state.state == "running" and $state.host != $host then
                   (if $job_ended then "died" else "running on \($state.host)" end)
                 else $state.state end),
         reason: ([$why // empty, (if ($bad | length) > 0 then "\($bad | length) unreadable record(s), the first \($bad[0])" else empty end),
                   ($state.reason // (if $state.state == "failed" then "exit \($state.exit_status)" else empty end))] | if length == 0 then null else join("; ") end),
         slurm: (if $job == "" then null else {job_id: $job, state: (if $job_state == "" then null else $job_state end)}
                 + (if $block == null then {} else {block: $block} end) end),
         node: $node,
         iterations_done: $done, iterations: ($state.iterations // null),
         best_confirmed: ($conf | confirmed_best(.) | .confirm.score.comparable_score // null),
         best_screening: ($recs | screening_best),
         funnel: ($recs | funnel($conf)),
         # repeats of what the run evaluated (bin/stage/apply.sh): not measured again
         repeats: ($recs | repeats),
         seconds_worked: $worked,
         cost_usd: ($recs | cost_usd),
         seconds_left: (if $state.iterations == null or ($secs | length) == 0 or $state.state == "finished" then null
                        else ([$state.iterations - $done, 0] | max) * $worked / ($secs | length) | round end)}'
  done
)
[ -n "$lines" ] || [ -s "$unreadable" ] || no_runs
# Said after the table, and the exit status 1: what could not be read.
if [ "$json" = 1 ]; then [ -z "$lines" ] || printf '%s\n' "$lines"; say_unreadable "$unreadable"; exit 0; fi
[ -n "$lines" ] || say_unreadable "$unreadable"
jq -rs 'def f4: if . == null then "–" else . * 10000 | round / 10000 | tostring end;
        def usd: if . == null then "?" else "$\(. * 100 | round / 100)" end;
        def hms: if . == null then "–" else "\(. / 3600 | floor)h\(. % 3600 / 60 | floor | tostring | if length < 2 then "0" + . else . end)m" end;
  (["track", "seed", "state", "iteration", "best confirmed", "best screening", "funnel", "repeats", "worked", "left", "cost", "machine"] | @tsv),
  (.[] | [.track, .seed, (.state + (if .reason == null then "" else " (\(.reason))" end)
                           + (if .slurm == null then "" else " [job \(.slurm.job_id)\(if .slurm.state == null then "" else " \(.slurm.state)" end)]" end)),
          "\(.iterations_done)/\(.iterations // "?")", (.best_confirmed | f4), (.best_screening | f4), .funnel,
          "\(.repeats.duplicates) dup, \(.repeats.too_near) near",
          (.seconds_worked | hms), (.seconds_left | hms), (.cost_usd | usd),
          (if .node == null then "–" else "\(.node.host // "?") (\(.node.kind[0:6]))" end)] | @tsv)' <<<"$lines" | column -t -s $'\t'
# The machines, by kind (bin/node.sh): tracks compared should have run on the same kinds.
jq -rs 'map(select(.node != null)) | select(length > 0) | group_by(.node.kind)
  | "machines: " + (map("kind \(.[0].node.kind[0:6]) (\(map(.node.host // "?") | unique | join(", "))): \(map("\(.track)/\(.seed)") | join(" "))") | join("; "))' <<<"$lines"
# What each track's runs cost, all seeds together.
jq -rs 'def usd: if . == null then "?" else "$\(. * 100 | round / 100)" end;
  "cost per track: " + (group_by(.track) | map("\(.[0].track) \(if any(.[]; .cost_usd == null) then null else map(.cost_usd) | add end | usd) (\(length) seed\(if length > 1 then "s" else "" end))") | join(", "))' <<<"$lines"
say_unreadable "$unreadable"

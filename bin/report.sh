#!/usr/bin/env bash
# report.sh [EXPERIMENT] [RUNS] — the tracks side by side, from the archives only.
#
# Reads RUNS/EXPERIMENT/<track>/seed-<n>/archive.jsonl (a run in progress, or one
# with failed records only, is fine) and writes into RUNS/EXPERIMENT/:
#   report.md      tables and plots, renders on GitHub
#   report.json    the same numbers, for scripts
#   best-vs-iteration.png, best-vs-time.png, best-vs-tokens.png, calibration.png
# No measurement is repeated: every number comes from the archived records.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${AIOPT_BIN:-$TOP/bin}
SCRIPT=report
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
view_exit_codes
view_args 0 "$@"
[ -d "$dir" ] || no_runs

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Every readable record, tagged with its track and seed; torn lines skipped.  What
# cannot be read (a directory not of the runner's naming, a record of the wrong
# shape) is skipped, named, and makes the exit status 1 once the report is written.
found=0
: > "$tmp/unreadable"
for archive in "$dir"/*/seed-*/archive.jsonl; do
  [ -f "$archive" ] || continue
  seed_dir=$(dirname "$archive")
  track=$(basename "$(dirname "$seed_dir")")
  seed=${seed_dir##*/seed-}
  run_named_ok "$seed_dir" "$tmp/unreadable" || continue
  found=1
  # Each record with what the run measured of it after screening, each stage in
  # its own file of {id, iteration, STAGE} lines: confirm.jsonl, heldout.jsonl,
  # minimize.jsonl.  Torn lines skipped.
  jq -cR -L "$TOP/bin" --arg f "$archive" 'include "records"; checked_line($f)' "$archive" > "$tmp/checked"
  jq -r '.unreadable // empty' "$tmp/checked" >> "$tmp/unreadable"
  jq -c --arg track "$track" --arg seed "$seed" --arg dir "$seed_dir" \
    --slurpfile after <(for stage in confirm heldout minimize; do
                          [ ! -f "$seed_dir/$stage.jsonl" ] || jq -cR -L "$TOP/bin" 'include "records"; fromjson? // empty | stage_line' "$seed_dir/$stage.jsonl"; done) \
    '(reduce $after[] as $l ({}; .[$l.id] += ($l | del(.id, .iteration)))) as $later
     | select(has("unreadable") | not) | {track: $track, seed: $seed, run_dir: $dir, r: (. + ($later[.id] // {}))}' "$tmp/checked"
  # The run's noise: its latest A/A calibration (pristine/calibration.jsonl).
  if [ -f "$seed_dir/pristine/calibration.jsonl" ]; then
    jq -cR --arg track "$track" --arg seed "$seed" 'fromjson? // empty | objects | {noise: ({track: $track, seed: $seed} + .)}' \
      "$seed_dir/pristine/calibration.jsonl" | tail -n 1 >&6
  fi
  # The run's headroom: its device and the physical limit of its workload, as the
  # pristine stage recorded them (baseline.json's limits; numbers only, as data).
  if [ -f "$seed_dir/pristine/baseline.json" ]; then
    jq -c --arg track "$track" --arg seed "$seed" 'objects | .limits as $l | .device as $d | select($l | type == "object")
      | def num: if type == "number" then . else null end;
      {limits: {track: $track, seed: $seed, ops_per_sec: (.ops_per_sec | num),
                writer_threads: ($l.writer_threads | num), syncs_every_write: ($l.syncs_every_write == true),
                device_syncs_per_sec: ($l.device_syncs_per_sec | num), sync_bound_ops_per_sec: ($l.sync_bound_ops_per_sec | num),
                no_stall_ops_per_sec: ($l.no_stall_ops_per_sec | num),
                filesystem: (if $d | type == "object" then [$d.filesystem | strings | select(test("^[A-Za-z0-9._-]{1,32}$"))][0] else null end),
                sync_p50_us: (if $d | type == "object" then $d.sync_us.p50 | num else null end)}}' \
      "$seed_dir/pristine/baseline.json" 2>/dev/null >&6 || echo "report: $seed_dir/pristine/baseline.json: not JSON, ignored" >&2
  fi
  # What the track meant in this run (run_track.sh's track.json, read as data): the
  # model class, the ablation's switches and the parent strategy, printed beside the
  # results.  The models the calls really used come from the records.
  if [ -f "$seed_dir/track.json" ]; then
    jq -c --arg track "$track" --arg seed "$seed" \
      'if type == "object" then {settings: ({track: $track, seed: $seed} + {model, model_class, profile_in_prompt, profile_in_fitness, parents}
         | map_values(if type == "string" or type == "number" or . == null then . else tostring end))} else empty end' \
      "$seed_dir/track.json" 2>/dev/null >&5 || echo "report: $seed_dir/track.json: not JSON, ignored" >&2
  fi
done > "$tmp/records.jsonl" 5> "$tmp/settings.jsonl" 6> "$tmp/noise.jsonl"
[ "$found" = 1 ] || { cat "$tmp/unreadable" >&2; input_error "$dir: no archive.jsonl under <track>/seed-<n>/"; }

# ---- the numbers ------------------------------------------------------------------
jq -L "$TOP/bin" -s --slurpfile settings "$tmp/settings.jsonl" --slurpfile noise "$tmp/noise.jsonl" -f /dev/stdin "$tmp/records.jsonl" > "$tmp/report.json" <<'JQ'
# score's decisions by name: passed_screening, confirmed_better, confirmed_best.
include "records";
def comparable: if .score.valid == true then .score.comparable_score else null end;
# A claim the run stands behind: a figure from confirmation's fresh pairs, of a
# candidate they found better than pristine.  Screening's figure of the best of
# many noisy estimates is biased upward; it is shown, never claimed.
def confirmed: if confirmed_better then .confirm.score.comparable_score else null end;
def tokens: ((.llm.prompt_tokens // 0) + (.llm.completion_tokens // 0));
def known_tokens: (.llm.prompt_tokens != null or .llm.completion_tokens != null);
# Normalised failure messages: numbers and paths vary, the kind of failure does not.
def kind: .error.message // "" | gsub("[0-9]+"; "N") | .[0:110];

# A file a record names inside its own directory: a relative path whose parts do
# not start with a dot (so never ..), or null.
def inner_path: if type == "string" and test("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}){0,7}$") then . else null end;
# The candidate's directory: the run's, and the id if it is a candidate's; never the
# record's own "dir" (a record copied from elsewhere could point anywhere).
def candidate: .seed as $seed | .run_dir as $run_dir | .r | {
    id, seed: $seed, iteration, dir: (if .id | id_ok then "\($run_dir)/\(.id)" else null end), patch: (.apply.patch | inner_path),
    comparable_score: .score.comparable_score, combined_score: .score.combined_score,
    throughput: .score.terms.throughput, latency: .score.terms.latency, stall: .score.terms.stall,
    confirm: (if .confirm == null then null else .confirm | {pairs: .score.pairs, duration_seconds, better_than_pristine: .score.better_than_pristine,
              comparable_score: .score.comparable_score, throughput: .score.terms.throughput, latency: .score.terms.latency,
              cpu: .score.terms.cpu, decided_by: ([.score.decided_by | strings][0]), reason: .score.reason} end),
    heldout: (if .heldout == null then null else .heldout | map_values({benchmark, better_than_pristine: .score.better_than_pristine,
              valid: .score.valid, reason: .score.reason, input_error: (.error.message // null), pairs: .score.pairs,
              throughput: .score.terms.throughput}) end),
    minimize: (if .minimize == null then null else .minimize | {hunks, minimal, one_minimal, subsets_budget, patch: (.patch | inner_path),
              subsets: (.subsets | length),
              confirm: (if .confirm == null then null else .confirm | {pairs: .score.pairs, duration_seconds,
                        better_than_pristine: .score.better_than_pristine, comparable_score: .score.comparable_score,
                        throughput: .score.terms.throughput} end)} end),
    coz_max_speedup_pct_pristine: (.baseline.coz.max_speedup_pct // null),
    coz_max_speedup_pct: (.coz.max_speedup_pct // null)};

group_by(.track) | map(
  . as $all | .[0].track as $track |
  ($all | group_by(.seed) | map(
     sort_by(.r.iteration // 0) | . as $rs | .[0].seed as $seed |
     (map(.r.timing.started_at // empty) | min) as $t0 |
     # The best so far is the best confirmed so far, placed at the candidate's
     # iteration; pristine (1) until a candidate is confirmed better.
     (reduce range(0; length) as $i ({best: 1, tokens: 0, points: []};
        ($rs[$i].r) as $r |
        .tokens += ($r | tokens) |
        .best = ([.best, ($r | confirmed)] | map(select(. != null)) | max) |
        .points += [{iteration: ($r.iteration // ($i + 1)), best: .best, tokens: .tokens,
                     elapsed_s: (if $t0 != null and $r.timing.finished_at != null then $r.timing.finished_at - $t0 else null end)}])) as $series |
     ($rs | map(.r | known_tokens) | any) as $has_tokens |
     ($series | .points |= map(if $has_tokens then . else .tokens = null end)) as $series |
     ($noise | map(.noise | select(.track == $track and .seed == $seed)) | last // null) as $noise_of_run |
     ($noise | map(.limits | select(.track == $track and .seed == $seed)) | last // null) as $limits_of_run |
     {seed: $seed, records: length, final_best: $series.best, series: $series.points,
      screening_best: ($rs | map(.r | comparable) | map(select(. != null)) | max),
      screened: ($rs | map(select(.r.score.valid == true)) | length),
      passed_screening: ($rs | map(select(.r | passed_screening)) | length),
      confirmations: ($rs | map(select(.r.confirm != null)) | length),
      confirmed: ($rs | map(select(.r | confirmed_better)) | length),
      noise: (if $noise_of_run == null then null else $noise_of_run | {host, pairs, duration_seconds, throughput, log_ratio_sd, detectable_change} end),
      # the limit of the workload, and where pristine and the run's best confirmed throughput stand against it
      limits: (if $limits_of_run == null then null else $limits_of_run | del(.track, .seed) |
        (if .syncs_every_write then .sync_bound_ops_per_sec else .no_stall_ops_per_sec end) as $bound |
        . + {bound_ops_per_sec: $bound, bound_kind: (if .syncs_every_write then "writers × device syncs/s" else "no-stall throughput" end),
             pristine_share: (if $bound == null or .ops_per_sec == null then null else .ops_per_sec / $bound end),
             best_confirmed_share: (($rs | map(.r | select(confirmed_better) | .confirm.score.terms.throughput.value | numbers) | max) as $ratio |
               if $bound == null or .ops_per_sec == null or $ratio == null then null else .ops_per_sec * $ratio / $bound end)} end),
      tokens: (if ($rs | map(.r | known_tokens) | any) then $series.tokens else null end),
      cost_usd: ($rs | map(.r) | cost_usd),
      run_dir: .[0].run_dir})) as $seeds |
  [$all[].r] as $recs |
  ($all | confirmed_best(.r)) as $best_entry |
  ($all | map(select(.r.score.valid == true)) | max_by(.r.score.comparable_score)) as $screening_entry |
  {
    track: $track,
    settings: ($settings | map(.settings | select(.track == $track) | del(.track, .seed, .model)) | unique),
    # The models the track's calls used (llm.model of its records), not what was set.
    models_used: ($recs | map(.llm.model | strings) | unique),
    model_class: ($settings | map(.settings | select(.track == $track) | .model_class | strings) | unique | if length == 1 then .[0] else null end),
    seeds: $seeds,
    final_best: ($seeds | map(.final_best)),
    by_iteration: ($seeds | map(.series[]) | group_by(.iteration) | map({
        iteration: .[0].iteration,
        mean: (map(.best | select(. != null)) | if length > 0 then add / length else null end),
        min: (map(.best | select(. != null)) | min),
        max: (map(.best | select(. != null)) | max),
        seeds: length})),
    funnel: {
      proposed: ($recs | length),
      applied: ($recs | map(select(.apply.ok == true)) | length),
      # Repeats (bin/stage/apply.sh): the same change as an evaluated candidate of the
      # run (not measured again), proposals too near one (asked again once), and those
      # archived as too near twice; and, measured since each run stays independent,
      # changes another seed of the track evaluated too (by apply.canonical_hash).
      duplicates: ($recs | repeats.duplicates), too_near: ($recs | repeats.too_near), novelty: ($recs | repeats.novelty),
      across_seeds: ($all | map(select(.r | repeat == null) | {seed, hash: (.r.apply.canonical_hash | strings)})
                     | group_by(.hash) | map(select((map(.seed) | unique | length) > 1)) | length),
      built: ($recs | map(select(.build.ok == true)) | length),
      tested: ($recs | map(select(.test.ok == true)) | length),
      better_than_parent: ($recs | map(select(.score.better_than_parent == true)) | length),
      passed_screening: ($recs | map(select(passed_screening)) | length),
      confirmed: ($recs | map(select(confirmed_better)) | length)
    },
    # Attribution (the apply stage's profile_hits, on the tracks whose prompts showed a
    # profile, real or sham): the edits that touched a place the profile named (a Coz
    # line or an off-CPU site), how those and the others fared at confirmation, and
    # Coz's prediction for the lines a confirmed winner touched against its gain.
    attribution: ($recs | map(select(.profile_hits | type == "object")) as $p |
      ($p | map(select((.profile_hits.places_touched | numbers) > 0))) as $hit |
      ($p | map(select((.profile_hits.places_touched | numbers // 0) == 0))) as $miss |
      def gain: map(confirmed | numbers) | if length > 0 then add / length else null end;
      if ($p | length) == 0 then null else
        {mode: ($p | map(.profile_hits.mode | strings) | unique | join(", ")), edits: ($p | length), touched: ($hit | length),
         touched_confirmed: ($hit | map(select(confirmed_better)) | length), touched_gain: ($hit | gain),
         untouched_confirmed: ($miss | map(select(confirmed_better)) | length), untouched_gain: ($miss | gain),
         calibration: ($p | map(select(confirmed_better and (.profile_hits.predicted_speedup_pct | type) == "number"
                                       and (.confirm.score.terms.throughput.value | type) == "number")
                              | {id, predicted_pct: .profile_hits.predicted_speedup_pct,
                                 confirmed_pct: ((.confirm.score.terms.throughput.value - 1) * 100)}))} end),
    # The machines the track's candidates were measured on (the bench stage's
    # bench.node, bin/node.sh), as records.jq's node_checked reads them.
    nodes: ($recs | map(.bench.node | node_checked | objects)
             | group_by(.kind) | map(.[0] + {hosts: (map(.host | strings) | unique), records: length} | del(.host))),
    # The time the track worked (its candidates' timing.seconds) and the profilers' part
    # of it (the coz and bperf stages' seconds): the profile's cost is the track's.
    worked_seconds: ($recs | map(.timing.seconds | numbers) | add // 0),
    profiling_seconds: ($recs | map((.coz.seconds | numbers), (.bperf.seconds | numbers)) | add // 0),
    tokens_total: (if ($recs | map(known_tokens) | any) then ($recs | map(tokens) | add) else null end),
    # What the track's model calls cost (null: a call's cost unknown), and that over
    # the candidates confirmed better than pristine (null: none).
    cost_usd: ($recs | cost_usd),
    cost_per_confirmed_usd: (($recs | cost_usd) as $c | ($recs | map(select(confirmed_better)) | length) as $n
                             | if $c == null or $n == 0 then null else $c / $n end),
    failures: ($recs | map(select(.error != null and repeat == null)) | group_by(.error.stage) | map({
        stage: .[0].error.stage, count: length,
        top: (group_by(kind) | map({message: .[0].error.message[0:200], count: length}) | sort_by(-.count) | .[0:3])})),
    # The confirmed best, with its screening figures beside; else the best by
    # screening, which the report shows as not confirmed.
    best: (if $best_entry == null then null else ($best_entry | candidate) end),
    screening_best: (if $best_entry != null or $screening_entry == null then null else ($screening_entry | candidate) end),
    # better on confirmation's fresh pairs, but invalid on a held-out workload: not confirmed, and why
    invalid_held_out: ($recs | map(select(.confirm.score.better_than_pristine == true and (heldout_invalid | length) > 0)
                       | {id, why: (heldout_invalid | join("; "))}))
  } |
  # time and tokens spent until the best was found, in its seed
  .best as $b | .seeds as $s |
  if $b == null then . else
    .best.found_after = ($s | map(select(.seed == $b.seed))[0].series | map(select(.iteration == $b.iteration))[0] |
                         {elapsed_s, tokens})
  end
) | {tracks: .} |
# The tracks differ in one thing each: tracks of one model class (run_track.sh's
# track.json: small or large) whose calls used different models, or of two classes
# whose calls used the same one, are said (a run with MODEL= over every track).
.model_warnings = [.tracks as $t | range(0; $t | length) as $i | range($i + 1; $t | length) as $j |
  $t[$i] as $a | $t[$j] as $b |
  select($a.model_class != null and $b.model_class != null and ($a.models_used | length) > 0 and ($b.models_used | length) > 0) |
  if $a.model_class != $b.model_class and ([$a.models_used[] | select(. as $m | $b.models_used | index($m))] | length) > 0 then
    "\($a.track) (\($a.model_class) model) and \($b.track) (\($b.model_class) model) both used \([$a.models_used[] | select(. as $m | $b.models_used | index($m))] | join(", ")): the comparison of small and large models compares a model with itself"
  elif $a.model_class == $b.model_class and $a.models_used != $b.models_used then
    "\($a.track) and \($b.track) used different models (\($a.models_used | join(", ")); \($b.models_used | join(", "))): they differ in more than one thing"
  else empty end] |
# The tracks' machines: compared across different kinds, the comparison measures the
# machines too (AIOPT_SLURM_BLOCK=1 runs every track's seed k on one node).
.node_warning = (.tracks | map(select((.nodes | length) > 0) | {track, kinds: (.nodes | map(.kind))})
  | if (map(.kinds) | unique | length) > 1 then map("\(.track) on \(.kinds | join(", "))") | join("; ") else null end) |
# Equal budgets: on each axis every run has (iterations, tokens, hours of wall time),
# the most that every run reached, and each seed's best confirmed by then.
.tracks as $tracks | ($tracks | map(.seeds[])) as $runs |
.equal_budget = [
  ({axis: "iterations", key: "iteration", per: 1}, {axis: "tokens", key: "tokens", per: 1}, {axis: "hours", key: "elapsed_s", per: 3600}) as $ax |
  ($runs | map(.series | map(.[$ax.key] | select(. != null)) | max)) as $reach |
  select(($reach | length) > 0 and ($reach | all(. != null))) |
  ($reach | min) as $budget |
  {axis: $ax.axis, budget: ($budget / $ax.per),
   tracks: ($tracks | map({track, best: (.seeds | map([.series[] | select(.[$ax.key] != null and .[$ax.key] <= $budget)] | last.best // 1))}))}]
JQ
# Every readable record is in a track's funnel: a figure that came out empty (jq drops
# an object with an empty field) must stop the report, not shrink it.
[ "$(jq '[.tracks[].funnel.proposed] | add // 0' "$tmp/report.json")" = "$(grep -c '' "$tmp/records.jsonl")" ] \
  || system_error "the report lost records: $(grep -c '' "$tmp/records.jsonl") read, $(jq '[.tracks[].funnel.proposed] | add // 0' "$tmp/report.json") in its tracks (a bug in bin/report.sh)"

# Between tracks: Mann-Whitney U on the best confirmed comparable_score of each seed,
# at the runs' ends and at each equal budget.
jq -c '[{axis: "final", budget: null, by: (.tracks | map({track, best: .final_best}))}] + (.equal_budget | map({axis, budget, by: .tracks}))
       | .[] | {axis, budget} + (.by as $t | range(0; $t | length) as $i | range($i + 1; $t | length) as $j |
         {a_track: $t[$i].track, b_track: $t[$j].track, a: ($t[$i].best | map(. // 0)), b: ($t[$j].best | map(. // 0))})' \
  "$tmp/report.json" > "$tmp/pairs.jsonl"
: > "$tmp/tests.jsonl"
while read -r pair; do
  res=$(jq -c '{a, b}' <<<"$pair" | "$BIN/mann-whitney")
  # What the test says, in words, here only: report.md and the explorer print it.
  jq -c --argjson r "$res" '{axis, budget, a: .a_track, b: .b_track, n_a: (.a | length), n_b: (.b | length)} + $r
    | .conclusion = (if .min_possible_p > 0.05 then "too few seeds to conclude anything: the smallest p these sizes allow is \(.min_possible_p * 1000 | round / 1000)"
                     elif .p_two_sided < 0.05 then "differ at the 5 % level" else "no significant difference" end)' <<<"$pair" >> "$tmp/tests.jsonl"
done < "$tmp/pairs.jsonl"
jq --slurpfile tests "$tmp/tests.jsonl" --arg exp "$exp" --arg generated "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  '{experiment: $exp, generated: $generated} + . + {comparisons: $tests}' "$tmp/report.json" > "$dir/report.json.tmp"
mv "$dir/report.json.tmp" "$dir/report.json"

# ---- the plots --------------------------------------------------------------------
plot() {   # FILE XLABEL DATA-KIND(iteration|elapsed_s|tokens)
  local png=$1 xlabel=$2 kind=$3 cmds=() n=0 colors=(1 2 3 4 6 7)
  for track in $(jq -r '.tracks[].track' "$dir/report.json"); do
    local color=${colors[$((n % 6))]}
    if [ "$kind" = iteration ]; then
      jq -r --arg t "$track" '.tracks[] | select(.track == $t) | .by_iteration[] | select(.mean != null)
        | "\(.iteration) \(.mean) \(.min) \(.max)"' "$dir/report.json" > "$tmp/plot-$n.dat"
      [ -s "$tmp/plot-$n.dat" ] || continue
      cmds+=("'$tmp/plot-$n.dat' using 1:3:4 with filledcurves lc $color fs transparent solid 0.2 notitle")
      cmds+=("'$tmp/plot-$n.dat' using 1:2 with steps lw 2 lc $color title '$track (mean over seeds, band: min-max)'")
    else
      jq -r --arg t "$track" --arg k "$kind" '.tracks[] | select(.track == $t) | .seeds[] |
        ([.series[] | select(.best != null and .[$k] != null) | "\(.[$k]) \(.best)"] | join("\n")), "", ""' \
        "$dir/report.json" > "$tmp/plot-$n-$kind.dat"
      grep -q . "$tmp/plot-$n-$kind.dat" || continue
      cmds+=("'$tmp/plot-$n-$kind.dat' using 1:2 with steps lw 2 lc $color title '$track (one line per seed)'")
    fi
    n=$((n + 1))
  done
  {
    echo "set terminal pngcairo size 900,520 font 'sans,10'"
    echo "set output '$png'"
    echo "set xlabel '$xlabel'; set ylabel 'best comparable\\_score so far (pristine = 1)'"
    echo "set grid; set key left top; set offsets 0, 0, graph 0.08, graph 0.08"
    [ "$kind" = iteration ] && [ "$(jq '[.tracks[].by_iteration[].iteration] | max // 0' "$dir/report.json")" -le 20 ] && echo "set xtics 1"
    if [ ${#cmds[@]} -eq 0 ]; then
      echo "set label 1 'nothing to plot yet: no valid candidate, or no $xlabel in the archive' at graph 0.5, 0.5 center"
      echo "plot [0:1] [0.9:1.1] 1 with lines lc 0 dt 2 title 'pristine'"
    else
      local joined; joined=$(printf '%s, ' "${cmds[@]}")
      echo "plot ${joined} 1 with lines lc 0 dt 2 title 'pristine'"
    fi
  } > "$tmp/plot.gp"
  gnuplot "$tmp/plot.gp" 2> "$tmp/gnuplot.err" || system_error "gnuplot failed: $(cat "$tmp/gnuplot.err")"
}
# Coz's calibration: for each confirmed winner whose edit touched a line Coz flagged
# in its prompt, the speedup Coz predicted for that line against the throughput gain
# confirmation measured, a point a track; the diagonal is a perfect prediction.
calibration_plot() {   # FILE
  local cmds=() n=0 colors=(1 2 3 4 6 7)
  for track in $(jq -r '.tracks[] | select(.attribution != null) | .track' "$dir/report.json"); do
    jq -r --arg t "$track" '.tracks[] | select(.track == $t) | .attribution.calibration[] | "\(.predicted_pct) \(.confirmed_pct)"' \
      "$dir/report.json" > "$tmp/calibration-$n.dat"
    [ -s "$tmp/calibration-$n.dat" ] && cmds+=("'$tmp/calibration-$n.dat' using 1:2 with points pt 7 ps 1.5 lc ${colors[$((n % 6))]} title '$track'")
    n=$((n + 1))
  done
  {
    echo "set terminal pngcairo size 600,520 font 'sans,10'"
    echo "set output '$1'"
    echo "set xlabel 'Coz: predicted program speedup of the lines touched (%)'; set ylabel 'confirmed throughput gain (%)'"
    echo "set grid; set key left top"
    if [ ${#cmds[@]} -eq 0 ]; then
      echo "set label 1 'no confirmed winner touched a line Coz flagged yet' at graph 0.5, 0.5 center"
      echo "plot [0:10] [0:10] x with lines lc 0 dt 2 title 'prediction = gain'"
    else
      echo "plot $(printf '%s, ' "${cmds[@]}") x with lines lc 0 dt 2 title 'prediction = gain'"
    fi
  } > "$tmp/calibration.gp"
  gnuplot "$tmp/calibration.gp" 2> "$tmp/gnuplot.err" || system_error "gnuplot failed: $(cat "$tmp/gnuplot.err")"
}
calibration_plot "$dir/calibration.png"
plot "$dir/best-vs-iteration.png" iteration iteration
plot "$dir/best-vs-time.png" 'wall time (s)' elapsed_s
plot "$dir/best-vs-tokens.png" 'tokens spent (prompt + completion)' tokens

# ---- report.md ---------------------------------------------------------------------
jq -r -f /dev/stdin "$dir/report.json" > "$dir/report.md.tmp" <<'JQ'
# A figure to $d places, or "–" for anything that is not a number (unknown, or a string
# where a number belongs in a copied archive: the report goes on).
def f($d): if type == "number" then (. * pow(10; $d) | round / pow(10; $d) | tostring) else "–" end;
# An equal budget as the tables name it: "iterations ≤ 2", "hours ≤ 0.03".
def budget: "\(.axis) ≤ \(.budget | if . == floor then tostring else f(2) end)";
def ci: if type != "object" then "–" else "\(.value | f(3)) [\(.ci_low | f(3)), \(.ci_high | f(3))]\(if .significant then " *" else "" end)" end;
"# \(.experiment): the tracks side by side",
"",
"Generated \(.generated) from the archives under this directory; no measurement was repeated.",
"Scores are `comparable_score` (throughput and latency against pristine RocksDB, identical on every track; pristine = 1).",
"The best so far, the final best, each track's best candidate and the test between tracks use **confirmed** figures: a candidate that passed screening was measured again with fresh, longer pairs (`bin/stage/confirm.sh`), and only a candidate those pairs found better than pristine counts; until one is, a run's best is pristine's 1. Screening's figures are shown beside them, never in their place.",
"",
"![best comparable_score against iteration](best-vs-iteration.png)",
"",
"![best comparable_score against wall time](best-vs-time.png) ![best comparable_score against tokens](best-vs-tokens.png)",
"",
"## Tracks",
"",
"| track | model (as the calls used it) | profile in prompt / fitness | parents | seeds | records | final best, confirmed (per seed) | screening's best (per seed) | tokens (per seed) |",
"|---|---|---|---|---|---|---|---|---|",
(.tracks[] | (.settings | if length == 0 then [{}] else . end) as $s |
  "| \(.track) | \(.models_used | if length == 0 then "–" else join(", ") end) | \($s | map("\(.profile_in_prompt // "–") / \(.profile_in_fitness // "–")") | unique | join(", ")) | \($s | map(.parents // "–") | unique | join(", ")) | \(.seeds | length) | \(.seeds | map(.records) | add) | \(.final_best | map(f(4)) | join(", ")) | \(.seeds | map(.screening_best | f(4)) | join(", ")) | \(.seeds | map(.tokens // "– (scripted or not reported)" | tostring) | join(", ")) |"),
(.model_warnings[] | "", "**Warning:** \(.)."),
"",
"## Machines",
"",
"The machines each track's candidates were measured on (`bench.node`, `bin/node.sh`: CPU, count, kernel, governor, memory, filesystem; the kind is a hash of all but the host). Ratios are pairs measured on one machine, but a gain can depend on the machine: tracks compared should have run on the same kinds.",
"",
"| track | kind | CPU | CPUs | hosts | candidates measured |",
"|---|---|---|---|---|---|",
(.tracks[] | .track as $t | .nodes[] | "| \($t) | \(.kind) | \(.cpu_model // "?") | \(.cpus // "?") | \(.hosts | join(", ")) | \(.records) |"),
(if .node_warning != null then "", "**Warning:** the tracks ran on different kinds of machine (\(.node_warning)): the comparison between them measures the machines too. Run the matrix blocked (`AIOPT_SLURM_BLOCK=1`: every track's seed k on one node) or on one kind." else empty end),
"",
"## Cost",
"",
"The model calls' `llm.cost_usd`, priced by `AIOPT_PRICES` (USD per million input and output tokens a model; a local model unpriced costs 0; a remote one unpriced is unknown, ?).",
"",
"| track | cost (per seed) | total | per candidate confirmed better | hours of candidates (of which profiling) | hours per confirmed | tokens per confirmed |",
"|---|---|---|---|---|---|---|",
(.tracks[] | def usd: if . == null then "?" else "$\(. * 100 | round / 100)" end; .funnel.confirmed as $n |
  "| \(.track) | \(.seeds | map(.cost_usd | usd) | join(", ")) | \(.cost_usd | usd) | \(if .cost_per_confirmed_usd == null then "– (none confirmed, or a cost unknown)" else (.cost_per_confirmed_usd | usd) end) | \(.worked_seconds / 3600 | f(2)) (\(.profiling_seconds / 3600 | f(2))) | \(if $n == 0 then "–" else (.worked_seconds / 3600 / $n | f(2)) end) | \(if $n == 0 or .tokens_total == null then "–" else (.tokens_total / $n | round) end) |"),
"",
"The profilers' time (the coz and bperf stages) is in their track's hours, and the profile's lines are in its prompt tokens: the cost of profiler feedback is counted against the track that gets it.",
"",
"## Each run: screened, passed, confirmed, and its noise",
"",
"Noise: the run's own A/A pairs (pristine against a copy of itself, on the host it ran on; `pristine/calibration.jsonl`): their throughput ratio, and the smallest change the bench stage's pair budget detects with 80 % power at the 5 % level. A gain below that figure is one this run could not see.",
"",
"| track | seed | screened (valid) | passed screening | confirmed (of measured again) | A/A throughput (95 % CI) | smallest detectable change |",
"|---|---|---|---|---|---|---|",
(.tracks[] | .track as $t | .seeds[] |
  "| \($t) | \(.seed) | \(.screened) | \(.passed_screening) | \(.confirmed) (of \(.confirmations)) | \(if .noise == null then "not calibrated" else "\(.noise.throughput | ci) (\(.noise.pairs) pairs of \(.noise.duration_seconds) s, \(.noise.host))" end) | \(if .noise.detectable_change.pct == null then "–" else "\(.noise.detectable_change.pct | f(1)) % (\(.noise.detectable_change.pairs) pairs)" end) |"),
"",
"## Headroom: each run's device and the physical limit",
"",
"Measured when each run started, on its databases' filesystem (`baseline.json`'s `device` and `limits`). With `--sync=1` each of W writer threads waits for its write's sync, so one sync covers at most W writes (all of them, grouped) and the WAL's syncs come one after another: at most W × the device's syncs per second (`sync-probe`: 512 B appended and fdatasync'd, one thread), reached only when every sync carries every writer; the L0 workload's limit is its no-stall throughput, pristine's writes over the time it did not stall (derived from the stall share, not measured without stalls). The best is the run's best confirmed candidate's throughput (pristine's times its confirmed ratio).",
"",
"| track | seed | device (filesystem, syncs/s, p50 sync) | limit | pristine ops/s (of limit) | best confirmed (of limit) |",
"|---|---|---|---|---|---|",
(.tracks[] | .track as $t | .seeds[] | .limits as $l |
  if $l == null then "| \($t) | \(.seed) | not measured | – | – | – |" else
  "| \($t) | \(.seed) | \($l.filesystem // "?"), \($l.device_syncs_per_sec | f(0)) syncs/s, \($l.sync_p50_us | f(0)) µs | \($l.bound_ops_per_sec | f(0)) ops/s (\($l.bound_kind)\(if $l.syncs_every_write then ", \($l.writer_threads) writers" else "" end)) | \($l.ops_per_sec | f(0)) (\(if $l.pristine_share == null then "–" else "\($l.pristine_share * 100 | f(0)) %" end)) | \(if $l.best_confirmed_share == null then "none confirmed" else "\($l.best_confirmed_share * 100 | f(0)) %" end) |" end),
"",
"## The funnel",
"",
"| track | proposed | applied | duplicates | too near (asked again) | too near twice | built | passed tests | better than parent | passed screening | confirmed better than pristine |",
"|---|---|---|---|---|---|---|---|---|---|---|",
(.tracks[] | .funnel as $f | "| \(.track) | \($f.proposed) | \($f.applied) | \($f.duplicates) | \($f.too_near) | \($f.novelty) | \($f.built) | \($f.tested) | \($f.better_than_parent) | \($f.passed_screening) | \($f.confirmed) |"),
"",
"Duplicates: proposals whose change, whitespace and comments aside, an evaluated candidate of the same run had made; archived with that candidate's verdict, not built or measured. Too near: within `AIOPT_NOVELTY_THRESHOLD` of one (token edit distance), sent back to the model once; twice too near, archived so. A track that repeats itself more spends fewer of its proposals on anything new. Changes evaluated in more than one seed of a track (each run stays independent, so measured in each): \(.tracks | map("\(.track) \(.funnel.across_seeds)") | join(", ")).",
"",
"\"Better than parent\", \"passed screening\" and \"confirmed\": as `score` decides them (`better_than_parent`: valid, no term significantly worse, and the throughput or latency CI's lower end above the parent's ratio; `better_than_pristine`: no measured term significantly worse, and a throughput or latency CI above 1), on the screening pairs, and for \"confirmed\" on the confirmation's fresh pairs.",
"",
"Most common failures at each gate:",
"",
(.tracks[] | .track as $t | .failures[] | "- **\($t)**, \(.stage) (\(.count)): " + (.top | map("\(.count)× `\(.message | gsub("[`\n]"; " ") | .[0:120])`") | join("; "))),
"",
"## The best candidate of each track",
"",
(.tracks[] | (
  if .best != null then
    .best as $b | "### \(.track): \($b.id) (seed \($b.seed), iteration \($b.iteration)), confirmed better than pristine\(
      if $b.confirm.decided_by == "instructions" then " by instructions only (the wall clock within noise; \($b.confirm.cpu.instructions_per_op_candidate | f(1)) instructions a write against pristine's \($b.confirm.cpu.instructions_per_op_baseline | f(1)))"
      elif $b.confirm.decided_by != null then " by \($b.confirm.decided_by)" else "" end)\n\n" +
    "| measured by | comparable | throughput (95 % CI) | p99 latency (95 % CI) |\n|---|---|---|---|\n" +
    "| confirmation (\($b.confirm.pairs) pairs of \($b.confirm.duration_seconds) s) | \($b.confirm.comparable_score | f(4)) | \($b.confirm.throughput | ci) | \($b.confirm.latency | ci) |\n" +
    "| screening | \($b.comparable_score | f(4)) | \($b.throughput | ci) | \($b.latency | ci) |\n\n" +
    "Stall (screening): \($b.stall | ci); Coz max speedup, pristine → candidate: \($b.coz_max_speedup_pct_pristine | f(1)) % → \($b.coz_max_speedup_pct | f(1)) %; found after \($b.found_after.elapsed_s // "–") s, \($b.found_after.tokens // "–") tokens.\n\n" +
    (if $b.heldout == null then "Held-out workloads: not measured yet (the run measures them when it ends).\n\n"
     else "Held-out workloads (not screened on; throughput against pristine, fresh pairs):\n\n| workload | result of | throughput (95 % CI) | verdict |\n|---|---|---|---|\n" +
       ($b.heldout | to_entries | map("| \(.key) | \(.value.benchmark // "–") | \(.value.throughput | ci) | \(if .value.better_than_pristine then "the gain carries over" elif .value.input_error != null then "not judged: pristine failed there (\(.value.input_error))" elif .value.valid != true then "invalid, so not confirmed: \(.value.reason // "–")" elif .value.throughput.significant and .value.throughput.value < 1 then "slower: tuned to the screening workload" else "no significant difference" end) |") | join("\n")) + "\n\n" end) +
    (if $b.minimize == null then "The smallest patch that keeps the gain: not searched yet (the run searches when it ends).\n\n"
     else $b.minimize as $m | ($m.hunks | length) as $n |
       "The smallest patch that keeps the gain: hunks \($m.minimal | map(tostring) | join(", ")) of \($n) " +
       "(delta debugging over its hunks against pristine: \($m.subsets) subsets applied, built, tested and measured as candidates; " +
       (if $m.one_minimal then "no hunk of it can be taken out" else "the budget of \($m.subsets_budget) subsets ran out first, so a smaller one may exist" end) + ").\n\n" +
       "| hunk | where (pristine's line) | lines | carries the gain |\n|---|---|---|---|\n" +
       ($m.hunks | map("| \(.block) | \(.file // "–"):\(.old_line // "–") | +\(.added) −\(.removed) | \(if .needed then "yes" else "no: not needed for the gain" end) |") | join("\n")) + "\n\n" +
       (if $m.confirm == null then (if ($m.minimal | length) == $n then "Every hunk is needed: the whole patch is the smallest.\n\n" else "" end)
        elif $m.confirm.better_than_pristine then "The smaller patch, measured again (\($m.confirm.pairs) pairs of \($m.confirm.duration_seconds) s): comparable \($m.confirm.comparable_score | f(4)), throughput \($m.confirm.throughput | ci): confirmed better than pristine.\n\n"
        else "The smaller patch, measured again (\($m.confirm.pairs) pairs of \($m.confirm.duration_seconds) s): throughput \($m.confirm.throughput | ci): **not confirmed**; the whole patch is the smallest confirmed.\n\n" end) +
       "Smallest patch: `\($b.dir)/\($m.patch)`\n\n" end) +
    "Patch: `\($b.dir)/\($b.patch // "patch.diff")`\n"
  elif .screening_best == null then "### \(.track)\n\nNo valid candidate.\n"
  else .screening_best as $b |
    "### \(.track): no candidate confirmed better than pristine\n\n" +
    "The best by screening, \($b.id) (seed \($b.seed), iteration \($b.iteration)), is not an improvement: " +
    (if $b.confirm == null then "it was not measured again (it did not pass screening, or the run has not ended)"
     else "measured again (\($b.confirm.pairs) pairs of \($b.confirm.duration_seconds) s) it scored \($b.confirm.comparable_score | f(4)), throughput \($b.confirm.throughput | ci)\(if $b.confirm.reason then " (\($b.confirm.reason))" else "" end)" end) +
    ". Screening: comparable \($b.comparable_score | f(4)), throughput \($b.throughput | ci), p99 latency \($b.latency | ci).\n\n" +
    "Patch: `\($b.dir)/\($b.patch // "patch.diff")`\n"
  end) + (.invalid_held_out | map("\n\(.id) was better than pristine on confirmation's fresh pairs but is not confirmed: invalid on a held-out workload (\(.why)).\n") | join(""))),
"## Did the profile's content matter?",
"",
"The question is whether profiler feedback lets the small model match the large one. The profiler track differs from baseline in its prompt's profile (and in fitness); profiler_sham differs from profiler only in that profile's content: the same sections, length and figures, its places drawn at random (`AIOPT_PROFILE_IN_PROMPT=sham`). So a gain of profiler over baseline is the profile's only if profiler also beats the sham; one the sham shares is the longer prompt's, its layout's or the fitness terms'.",
"",
"| track | model class | profile in prompt / fitness | seeds | final best, confirmed (mean over seeds) |",
"|---|---|---|---|---|",
(.tracks[] | select(.track | IN("baseline", "gpt5", "profiler", "profiler_sham", "gpt5_profiler")) | (.settings | if length == 0 then [{}] else . end) as $s |
  "| \(.track) | \(.model_class // "–") | \($s | map("\(.profile_in_prompt // "–") / \(.profile_in_fitness // "–")") | unique | join(", ")) | \(.final_best | length) | \(.final_best | map(. // 1) | add / length | f(4)) |"),
"",
(. as $rep |
 def mean_of($t): [$rep.tracks[] | select(.track == $t) | .final_best | map(. // 1) | add / length][0];
 def cmp($a; $b): [$rep.comparisons[] | select(.axis == "final" and ((.a == $a and .b == $b) or (.a == $b and .b == $a)))][0];
 def beats($a; $b): cmp($a; $b) as $c | $c != null and $c.p_two_sided < 0.05 and mean_of($a) > mean_of($b);
 def has($t): any($rep.tracks[]; .track == $t);
 def said($a; $b): cmp($a; $b) as $c | if $c == null then "not compared" else "\($c.conclusion), p = \($c.p_two_sided | f(4))" end;
 if (has("profiler") and has("baseline")) | not then "The comparison needs the profiler and baseline tracks, and profiler_sham to credit a difference to the profile's content."
 elif has("profiler_sham") | not then "profiler against baseline: \(said("profiler"; "baseline")). Without the profiler_sham track, a difference between them cannot be credited to the profile's content: the prompts also differ in length and layout."
 elif beats("profiler"; "baseline") and beats("profiler"; "profiler_sham") then "**Finding:** profiler beats baseline (\(said("profiler"; "baseline"))) and beats the sham (\(said("profiler"; "profiler_sham"))): the gain is the profile's content."
 elif beats("profiler"; "baseline") then "profiler beats baseline (\(said("profiler"; "baseline"))) but not the sham (\(said("profiler"; "profiler_sham"))): **not a finding about the profile** — the sham, with no information in its profile, does as well, so the gain is the prompt's length and layout, or the fitness terms."
 else "profiler does not beat baseline (\(said("profiler"; "baseline"))); against the sham: \(said("profiler"; "profiler_sham"))." end),
"",
"## Attribution: what the profile named, and what the edits touched",
"",
"For each edit on a track whose prompt showed a profile (real, or the sham's drawn places), the places the profile named that its hunks touch (`profile_hits`, the apply stage: a Coz line or an off-CPU site inside a hunk, the lines it changes and 3 either side, in the parent's lines). On the sham track the share touched is what chance and the model's own habits give; a real profile followed adds to it.",
"",
"| track | profile | edits | touched a named place | confirmed better, of those | mean confirmed score, of those | confirmed better, the others | mean confirmed score, the others |",
"|---|---|---|---|---|---|---|---|",
(.tracks[] | select(.attribution != null) | .attribution as $a |
  "| \(.track) | \($a.mode) | \($a.edits) | \($a.touched) (\($a.touched / $a.edits * 100 | f(0)) %) | \($a.touched_confirmed) | \($a.touched_gain | f(4)) | \($a.untouched_confirmed) | \($a.untouched_gain | f(4)) |"),
(if all(.tracks[]; .attribution == null) then "No track's prompt showed a profile." else empty end),
"",
"![Coz's predicted speedup against the confirmed gain](calibration.png)",
"",
"Coz's calibration: for each confirmed winner whose edit touched a line Coz flagged, the program speedup Coz predicted for that line (its max speedup) against the throughput gain confirmation measured.",
"",
(if any(.tracks[]; (.attribution.calibration // []) | length > 0) then "| track | candidate | Coz predicted (%) | confirmed gain (%) |\n|---|---|---|---|" else "No confirmed winner touched a line Coz flagged." end),
(.tracks[] | .track as $t | .attribution.calibration[]? | "| \($t) | \(.id) | \(.predicted_pct | f(1)) | \(.confirmed_pct | f(1)) |"),
"",
"## Between tracks",
"",
"Mann–Whitney U on the best confirmed comparable_score of each seed (two-sided; a seed with no candidate confirmed better than pristine counts as pristine, 1): at the runs' ends, and at equal budget on each axis the runs have — the most iterations, tokens or hours of wall time that every run reached, each seed's best confirmed by then.",
"",
(if (.equal_budget | length) > 0 then "| at equal budget | " + (.tracks | map("\(.track) (per seed)") | join(" | ")) + " |\n|---|" + (.tracks | map("---|") | join("")) else empty end),
(.equal_budget[] | "| \(budget) | " + (.tracks | map(.best | map(f(4)) | join(", ")) | join(" | ")) + " |"),
"",
(if (.comparisons | length) > 0 then "| tracks | at | seeds | U | p | method | conclusion |\n|---|---|---|---|---|---|---|" else empty end),
(.comparisons[] | "| \(.a) vs \(.b) | \(if .axis == "final" then "the runs' ends" else budget end) | \(.n_a) vs \(.n_b) | \(.u_a // "–") | \(.p_two_sided | f(4)) | \(.method // "–") | \(.conclusion) |"),
(if (.comparisons | length) == 0 then "Only one track so far: nothing to compare." else empty end),
"",
"### The comparison's power",
"",
"From the spread between seeds each pair of tracks showed (the pooled standard deviation of the seeds' final best), the seeds per track a difference in final best would need to be found (two-sample t, 5 % two-sided, 80 % power, over 0.955 for the Mann–Whitney test): fewer seeds than that can miss it. – where a track has one seed (no spread) or the figure passes 10,000.",
"",
(if any(.comparisons[]; .axis == "final" and .power != null) then "| tracks | seeds run | between-seed SD | to find 0.01 | 0.02 | 0.05 | 0.1 | the observed difference |\n|---|---|---|---|---|---|---|---|" else "Too few seeds for a spread: every track needs two or more." end),
(.comparisons[] | select(.axis == "final" and .power != null) | .power as $p |
  "| \(.a) vs \(.b) | \(.n_a) vs \(.n_b) | \($p.sd_pooled | f(4)) | " + ($p.seeds_per_sample | map(if .observed then "\(.difference | f(4)): \(.seeds // "–")" else "\(.seeds // "–")" end) | join(" | ")) + " |")
JQ
# Append each best patch, fenced, under its track.
{
  cat "$dir/report.md.tmp"
  for t in $(jq -r '.tracks[] | select(.best != null or .screening_best != null) | .track' "$dir/report.json"); do
    # (two lines, the path whole: a runs path may hold a space or a backslash)
    { read -r what; IFS= read -r patch; } < <(jq -r --arg t "$t" '.tracks[] | select(.track == $t)
      | if .best != null then "confirmed", (if .best.dir == null then "" else "\(.best.dir)/\(.best.patch // "patch.diff")" end)
        else "screening", (if .screening_best.dir == null then "" else "\(.screening_best.dir)/\(.screening_best.patch // "patch.diff")" end) end' "$dir/report.json")
    if [ -n "$patch" ] && [ -f "$patch" ]; then
      if [ "$what" = confirmed ]; then title="the best $t candidate (confirmed)"; else title="the best $t candidate by screening (not confirmed: not an improvement)"; fi
      printf '\n### Patch of %s\n\n```diff\n%s\n```\n' "$title" "$(head -c 6000 "$patch")"
    fi
    smallest=$(jq -r --arg t "$t" '.tracks[] | select(.track == $t) | .best.minimize // empty
      | select(.confirm.better_than_pristine == true) | .patch // empty' "$dir/report.json")
    if [ -n "$smallest" ] && [ -f "$(dirname "$patch")/$smallest" ]; then
      printf '\n### The smallest patch of the best %s candidate that keeps its gain (confirmed)\n\n```diff\n%s\n```\n' "$t" \
        "$(head -c 6000 "$(dirname "$patch")/$smallest")"
    fi
  done
} > "$dir/report.md"
rm -f "$dir/report.md.tmp"
# What was skipped, said last; the report holds everything else.
say_unreadable "$tmp/unreadable"
echo "report: $dir/report.md ($(jq '.tracks | length' "$dir/report.json") tracks, $(jq '[.tracks[].funnel.proposed] | add' "$dir/report.json") records)" >&2

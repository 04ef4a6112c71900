#!/usr/bin/env bash
# explore.sh [EXPERIMENT] [RUNS] — the runs as static HTML pages (make report writes
# them too): RUNS/EXPERIMENT/html/, opened from file:// in any browser, with no
# network and no server (no script, no font or style from elsewhere).
#
#   index.html              every track x seed: state, best confirmed, the funnel,
#                           time and cost (make status's figures); the tracks compared
#                           (report.json's Mann-Whitney figures, when make report ran)
#   TRACK-seed-N.html       the run's genealogy tree (a node per candidate, coloured by
#                           outcome: valid, better, apply, build, test, bench, …;
#                           labelled by score; a click opens it), best-so-far by
#                           iteration, wall time, tokens and cost
#   TRACK-seed-N/ID.html    a candidate: its patch against its parent and against
#                           pristine as a coloured diff, the prompt and the model's
#                           answer, the first errors (apply, compiler, tests), its
#                           benchmark pairs as a plot with the interval, its Coz and
#                           off-CPU figures beside pristine's, its parent and children
#
# From the archives and candidate directories only: nothing is measured again.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=explore
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
view_exit_codes
view_args 0 "$@"
[ -d "$dir" ] || no_runs
html=$dir/html
rm -rf "$html.partial"; mkdir -p "$html.partial"
JQ=(jq -L "$TOP/bin")

# The pages' frame: jq's own @html escapes every text that goes in.
page_defs='
def style: "<style>body{font:14px/1.4 sans-serif;margin:1.5em;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:40em}.add{background:#e6ffec}.del{background:#ffebe9}.hunk{color:#0550ae}.file{font-weight:bold}svg text{font:11px sans-serif}a{color:#0550ae}</style>";
def page($title; $body): "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\($title | @html)</title>\(style)</head><body><h1>\($title | @html)</h1>\($body)</body></html>";
# A figure to three places, or "–" for anything that is not a number (a copied archive
# can hold a string where a number belongs: shown as unknown, never the page lost).
def f3: if type == "number" then . * 1000 | round / 1000 | tostring else "–" end;
def category: if .score.better_than_pristine == true then "better" elif .score.valid == true then "valid" else (.error.stage // "invalid" | tostring) end;
def colour: {better: "#1a7f37", valid: "#54aeff", apply: "#bf8700", build: "#cf222e", test: "#8250df", bench: "#fb8500", contract: "#6e7781"}[.] // "#6e7781";
def diff_html: split("\n") | map(
    if startswith("+++") or startswith("---") or startswith("diff ") then "<span class=\"file\">\(@html)</span>"
    elif startswith("@@") then "<span class=\"hunk\">\(@html)</span>"
    elif startswith("+") then "<span class=\"add\">\(@html)</span>"
    elif startswith("-") then "<span class=\"del\">\(@html)</span>"
    else @html end) | "<pre>" + join("\n") + "</pre>";
'

# What cannot be shown (a directory not of the runner's naming, a record of the wrong
# shape or with an id that is no candidate's) is skipped, said, and exit 1 at the end.
unreadable=$(mktemp); trap 'rm -f "$unreadable"' EXIT
runs_found=0
for run in "$dir"/*/seed-*/; do
  run=${run%/}
  [ -f "$run/archive.jsonl" ] || continue
  track=$(basename "$(dirname "$run")") seed=${run##*/seed-}
  run_named_ok "$run" "$unreadable" || continue
  runs_found=$((runs_found + 1))
  name="$track-seed-$seed"
  mkdir -p "$html.partial/$name"
  "${JQ[@]}" -cR --arg f "$run/archive.jsonl" 'include "records"; checked_line($f)
      | if has("unreadable") or (.id | id_ok) then . else {unreadable: "\($f): id \(.id | tojson | .[0:60]) is not a candidate'"'"'s (c<iteration>-<6 hex digits>): no page"} end' \
    "$run/archive.jsonl" > "$html.partial/$name/.checked"
  jq -r '.unreadable // empty' "$html.partial/$name/.checked" >> "$unreadable"
  jq -c 'select(has("unreadable") | not)' "$html.partial/$name/.checked" > "$html.partial/$name/.records"
  for f in confirm heldout; do [ ! -f "$run/$f.jsonl" ] || cat "$run/$f.jsonl"; done | jq -cR -L "$TOP/bin" 'include "records"; fromjson? // empty | stage_line' \
    | jq -cs -L "$TOP/bin" 'include "records"; stage_join[]' > "$html.partial/$name/.confirm"

  # ---- the run: genealogy tree (layers by generation), best so far, time, tokens ----
  "${JQ[@]}" -rs --arg name "$name" --slurpfile conf "$html.partial/$name/.confirm" 'include "records";'"$page_defs"'
    (map({(.id): .}) | add // {}) as $by
    | (reduce .[] as $r ({}; .[$r.id] = (if $r.parent == "pristine" or $by[$r.parent] == null then 1 else .[$r.parent] + 1 end))) as $depth
    | (sort_by(.iteration)) as $recs
    | ([$recs[] | {id, d: $depth[.id]}] | group_by(.d) | map(to_entries | map({key: .value.id, value: {x: .key, y: .value.d}}) ) | add // [] | from_entries) as $pos
    | ([$pos[] | .x] | max // 0) as $w | ([$pos[] | .y] | max // 0) as $h
    | (($w + 1) * 110 + 60) as $W | (($h + 1) * 70 + 60) as $H
    | def px($id): if $id == "pristine" or $pos[$id] == null then {x: ($W / 2), y: 30} else {x: ($pos[$id].x * 110 + 60), y: ($pos[$id].y * 70 + 30)} end;
      ("<svg id=\"tree\" width=\"\($W)\" height=\"\($H)\" xmlns=\"http://www.w3.org/2000/svg\">"
      + ([$recs[] | px(.parent) as $p | px(.id) as $c | "<line x1=\"\($p.x)\" y1=\"\($p.y)\" x2=\"\($c.x)\" y2=\"\($c.y)\" stroke=\"#999\"/>"] | join(""))
      + "<circle cx=\"\($W / 2)\" cy=\"30\" r=\"12\" fill=\"#24292f\"/><text x=\"\($W / 2 + 16)\" y=\"34\">pristine</text>"
      + ([$recs[] | px(.id) as $c | category as $o
          | "<a href=\"\($name)/\(.id).html\"><g class=\"node\" data-id=\"\(.id)\" data-outcome=\"\($o | @html)\"><circle cx=\"\($c.x)\" cy=\"\($c.y)\" r=\"12\" fill=\"\($o | colour)\"><title>\(.id): \($o | @html)</title></circle>"
            + "<text x=\"\($c.x - 30)\" y=\"\($c.y + 26)\">\(.iteration): \(if .score.valid == true then (.score.comparable_score | f3) else ($o | @html) end)</text></g></a>"] | join(""))
      + "</svg>") as $tree
    | (reduce $recs[] as $r ([]; . + [[(if length > 0 then .[-1][1] else null end), (if $r.score.valid then $r.score.comparable_score else null end)]
                                      | [$r.iteration, (map(select(. != null)) | max)]])) as $best
    | ($best | map(.[1] // empty)) as $vals
    | (if ($vals | length) == 0 then "<p>No valid candidate yet.</p>" else
        ([$vals[], 1] | min) as $lo | ([$vals[], 1] | max) as $hi | (if $hi > $lo then $hi - $lo else 1 end) as $span
        | ([$best[] | .[0]] | max) as $n
        | "<svg id=\"best\" width=\"520\" height=\"220\" xmlns=\"http://www.w3.org/2000/svg\"><polyline fill=\"none\" stroke=\"#0550ae\" stroke-width=\"2\" points=\""
          + ([$best[] | select(.[1] != null) | "\(40 + (.[0] - 1) * 460 / ([$n - 1, 1] | max)),\(190 - (.[1] - $lo) * 160 / $span)"] | join(" "))
          + "\"/>" + ([$best[] | select(.[1] != null) | "<circle cx=\"\(40 + (.[0] - 1) * 460 / ([$n - 1, 1] | max))\" cy=\"\(190 - (.[1] - $lo) * 160 / $span)\" r=\"3\" fill=\"#0550ae\"/>"] | join(""))
          + "<line x1=\"40\" x2=\"500\" y1=\"\(190 - (1 - $lo) * 160 / $span)\" y2=\"\(190 - (1 - $lo) * 160 / $span)\" stroke=\"#999\" stroke-dasharray=\"4\"/>"
          + "<text x=\"2\" y=\"\(194 - (1 - $lo) * 160 / $span)\">1.0</text><text x=\"2\" y=\"34\">\($hi | f3)</text><text x=\"40\" y=\"210\">iteration 1</text><text x=\"440\" y=\"210\">iteration \($n)</text></svg>" end) as $plot
    | "<p><a href=\"index.html\">all runs</a></p><h2>Genealogy</h2><p>A node per candidate, under its parent; coloured by outcome (green: better than pristine, blue: valid, then the stage that ended it: apply, build, test, bench); labelled iteration: comparable score. Click one to open it.</p>"
      + $tree + "<h2>Best so far</h2>" + $plot
      + "<h2>Candidates</h2><table><tr><th>iteration</th><th>candidate</th><th>parent</th><th>outcome</th><th>comparable</th><th>confirmed</th><th>seconds</th><th>tokens</th></tr>"
      + ([$recs[] | . as $r | ($conf | map(select(.id == $r.id)) | last) as $c
          | "<tr><td>\(.iteration)</td><td><a href=\"\($name)/\(.id).html\">\(.id)</a></td><td>\(.parent // "–" | @html)</td><td>\(category | @html)</td><td>\(if .score.valid == true then (.score.comparable_score | f3) else "–" end)</td><td>\(if $c == null then "–" else ($c.confirm.score.comparable_score | f3) end)</td><td>\(.timing.seconds // "–")</td><td>\(if .llm.prompt_tokens == null then "–" else (.llm.prompt_tokens + (.llm.completion_tokens // 0)) end)</td></tr>"] | join(""))
      + "</table><p>Wall time \($recs | map(.timing.seconds // 0) | add) s; tokens \($recs | map((.llm.prompt_tokens // 0) + (.llm.completion_tokens // 0)) | add)\(if ($recs | map(select(.llm.prompt_tokens == null)) | length) > 0 then " (the model reported none for \($recs | map(select(.llm.prompt_tokens == null)) | length) of \($recs | length) candidates)" else "" end); cost \($recs | cost_usd | if . == null then "unknown (a call unpriced)" else "$\(. * 100 | round / 100)" end).</p>"
    | page("\($name)"; .)' "$html.partial/$name/.records" > "$html.partial/$name.html"

  # ---- each candidate: every page of the run from one jq --------------------------
  # A page per line (its newlines written &#10;, which HTML reads as a newline), split
  # into files by awk: one jq a run however long the run, not one a candidate.  The
  # candidates' texts go in as named arguments (ID/FILE); the failing tests' lines
  # are cut from every test.log by one awk.
  # Only the directories named as candidates are read (one jq for all the names).
  # Their files go to jq in batches (xargs keeps each under the system's limit on
  # arguments, whatever the run's length), a line at a time with the file's name,
  # and are put together again by name: {"ID/FILE": text}.  The failing tests' lines
  # are cut from every test.log the same way.
  cands=$html.partial/$name/.cands
  ( cd "$run" && for c in c[0-9]*/; do [ ! -d "$c" ] || printf '%s\n' "${c%/}"; done ) \
    | "${JQ[@]}" -rR 'include "records"; select(id_ok)' > "$cands"
  while read -r id; do
    for f in patch.diff cumulative.diff prompt.md response.md test.log; do
      [ ! -f "$run/$id/$f" ] || printf '%s\0' "$id/$f"
    done
  done < "$cands" > "$html.partial/$name/.files"
  ( cd "$run" && xargs -0 -r jq -cR '{f: input_filename, l: .}' < "$html.partial/$name/.files" ) \
    | jq -cn 'reduce inputs as $x ({}; .[$x.f] += [$x.l])
              | with_entries(if .key | endswith("/test.log")
                  then {key: (.key | sub("/test\\.log$"; "/.testlog")),
                        value: (.value | map(select(test("^\\[  FAILED  \\]|^WARNING: ThreadSanitizer|^=== .* exited"))) | .[0:30])}
                  else . end | .value |= join("\n"))' > "$html.partial/$name/.texts"
  "${JQ[@]}" -rs --arg name "$name" --slurpfile texts "$html.partial/$name/.texts" --slurpfile conf "$html.partial/$name/.confirm" 'include "records";'"$page_defs"'
      def text($id; $file): $texts[0]["\($id)/\($file)"] // "" | .[0:200000];   # at most 200 kB of each
      (reduce .[] as $x ({}; .[$x.parent] += [$x.id])) as $kids
      | .[] as $r | $r.id as $id
      | ($kids[$id] // []) as $children
      | ($conf | map(select(.id == $id)) | last) as $c
      | text($id; "patch.diff") as $patch | text($id; "cumulative.diff") as $cumulative
      | text($id; "prompt.md") as $prompt | text($id; "response.md") as $answer | text($id; ".testlog") as $testlog
      | ($r.bench.pairs | arrays // [] | map(objects | select((.baseline.ops_per_sec | numbers) > 0 and (.candidate.ops_per_sec | numbers) >= 0)
          | .candidate.ops_per_sec / .baseline.ops_per_sec)) as $ratios
      | ($r.score.terms.throughput | objects // {} | {value: ((.value | numbers) // null), ci_low: ((.ci_low | numbers) // null), ci_high: ((.ci_high | numbers) // null)}) as $t
      | (if ($ratios | length) == 0 then "<p>No benchmark pair.</p>" else
          ([$ratios[], ($t.ci_low // empty), ($t.ci_high // empty), 1] | min - 0.02) as $lo | ([$ratios[], ($t.ci_low // empty), ($t.ci_high // empty), 1] | max + 0.02) as $hi
          | def y($v): 170 - ($v - $lo) * 150 / ($hi - $lo);
          "<svg id=\"pairs\" width=\"420\" height=\"190\" xmlns=\"http://www.w3.org/2000/svg\">"
          + (if $t.ci_low != null then "<rect x=\"40\" width=\"360\" y=\"\(y($t.ci_high))\" height=\"\(y($t.ci_low) - y($t.ci_high))\" fill=\"#ddf4ff\"/><line x1=\"40\" x2=\"400\" y1=\"\(y($t.value))\" y2=\"\(y($t.value))\" stroke=\"#0550ae\"/>" else "" end)
          + "<line x1=\"40\" x2=\"400\" y1=\"\(y(1))\" y2=\"\(y(1))\" stroke=\"#999\" stroke-dasharray=\"4\"/><text x=\"2\" y=\"\(y(1) + 4)\">1.0</text>"
          + ([$ratios | to_entries[] | "<circle class=\"pair\" cx=\"\(60 + .key * 320 / ([($ratios | length) - 1, 1] | max))\" cy=\"\(y(.value))\" r=\"4\" fill=\"#24292f\"><title>pair \(.key + 1): \(.value | f3)</title></circle>"] | join(""))
          + "</svg><p>Throughput ratio (candidate / pristine) of each pair; the band is the 95 % interval of the throughput term (\($t.value | f3) [\($t.ci_low | f3), \($t.ci_high | f3)]).</p>" end) as $plot
      | "<p><a href=\"../\($name).html\">the run</a> · parent: \(if $r.parent | id_ok then "<a href=\"\($r.parent).html\">\($r.parent)</a>" else ($r.parent // "–" | @html) end) · children: \(if ($children | length) == 0 then "none" else ($children | map("<a href=\"\(.).html\">\(.)</a>") | join(", ")) end)</p>"
        + "<table><tr><th>iteration</th><td>\($r.iteration)</td></tr><tr><th>outcome</th><td>\($r | category | @html)</td></tr>"
        + "<tr><th>comparable score</th><td>\(if $r.score.valid == true then ($r.score.comparable_score | f3) else "–" end)</td></tr>"
        + "<tr><th>confirmed</th><td>\(if $c == null then "–" else "\($c.confirm.score.comparable_score | f3) (\(if $c.confirm.score.better_than_pristine then "better than pristine" else "not better" end))" end)</td></tr>"
        + @html "<tr><th>model</th><td>\($r.llm.model // "–"), \($r.llm.prompt_tokens // "–") + \($r.llm.completion_tokens // "–") tokens, \($r.llm.seconds // "–") s</td></tr></table>"
        + (if [$r.duplicate_of | objects | .id | id_ok] == [true] then "<p id=\"repeat\">The same change as <a href=\"\($r.duplicate_of.id).html\">\($r.duplicate_of.id)</a>, whitespace and comments aside: not measured again; its verdict: \($r.duplicate_of.outcome | tostring | @html).</p>" else "" end)
        + (if [$r.asked_again | objects | .nearest | objects | .id | id_ok] == [true] then "<p id=\"asked-again\">Its first proposal was too near <a href=\"\($r.asked_again.nearest.id).html\">\($r.asked_again.nearest.id)</a> (token distance \([$r.asked_again.nearest.distance | numbers | f3][0] // "?")): the model was asked again\(if $r.asked_again.answered == false then ", and did not answer" else "" end).</p>" else "" end)
        + (if $r.error != null then "<h2>Why it stopped: \($r.error.stage | @html)</h2><pre id=\"error\">\($r.error.message | @html)</pre>" else "" end)
        + (if $testlog != "" then "<h3>Failing tests</h3><pre>\($testlog | @html)</pre>" else "" end)
        + "<h2>Benchmark pairs</h2>" + $plot
        + (if ($r.score.terms | type) == "object" then "<table><tr><th>term</th><th>ratio</th><th>95 % interval</th><th>counted</th></tr>" + ([$r.score.terms | to_entries[] | select((.value | type) == "object" and .value.value != null) | @html "<tr><td>\(.key)</td><td>\(.value.value | f3)</td><td>[\(.value.ci_low | f3), \(.value.ci_high | f3)]</td><td>\(.value.counted // false)</td></tr>"] | join("")) + "</table>" else "" end)
        + (if ($r.coz.lines | type) == "array" then "<h2>Coz</h2><p>The lines Coz says would speed the write path up most (max speedup %), beside pristine'"'"'s largest: \($r.baseline.coz.max_speedup_pct | f3) %.</p><table id=\"coz\"><tr><th>line</th><th>max speedup %</th><th>impact %</th><th>experiments</th></tr>" + ([$r.coz.lines[0:10][] | objects | @html "<tr><td>\(.context.path? // .file):\(.line)</td><td>\(.max_speedup_pct | f3)</td><td>\(.impact_pct | f3)</td><td>\(.experiments)</td></tr>"] | join("")) + "</table>" else "" end)
        + (if ($r.bperf.classes | type) == "object" then "<h2>Off-CPU</h2><p>Where the writer threads waited: off-CPU ratio \($r.bperf.off_cpu_ratio | f3) [\($r.bperf.off_cpu_ratio_ci.low | f3), \($r.bperf.off_cpu_ratio_ci.high | f3)], pristine'"'"'s \($r.baseline.bperf.off_cpu_ratio | f3).</p><table id=\"offcpu\"><tr><th>class</th><th>seconds</th><th>share %</th></tr>" + ([$r.bperf.classes | to_entries[] | select(.value | type == "object") | @html "<tr><td>\(.key)</td><td>\(.value.seconds | f3)</td><td>\(.value.share_pct | f3)</td></tr>"] | join("")) + "</table>" else "" end)
        + (if ($r.profile_hits | type) == "object" then
             "<h2>What the prompt'"'"'s profile named, and what the patch touched</h2><p>The \($r.profile_hits.mode // "?" | @html) profile of the prompt named \($r.profile_hits.shown | numbers // 0) place(s); the patch below touches \($r.profile_hits.places_touched | numbers // 0) of its lines (a Coz line or an off-CPU site inside one of its hunks, in the parent'"'"'s lines)\(if ($r.profile_hits.predicted_speedup_pct | type) == "number" then ", for which Coz predicted up to \($r.profile_hits.predicted_speedup_pct | f3) %" else "" end).</p><table id=\"hits\"><tr><th>kind</th><th>place</th><th>figure</th></tr>"
             + ([$r.profile_hits.touched[]? | "<tr><td>\(.kind | tostring | @html)</td><td>\(if .kind == "function" then .name else "\(.file):\(.line)" end | tostring | @html)</td><td>\(if .kind == "coz" then "max speedup \(.max_speedup_pct | numbers // null | f3) %" elif .kind == "offcpu" then "\(.share_pct | numbers // null | f3) % \(.class | tostring | @html)" else "\(.instructions_per_op | numbers // null | f3) instructions a write" end)</td></tr>"] | join(""))
             + "</table>" else "" end)
        + "<h2>Patch against its parent</h2>" + (if $patch == "" then "<p>None.</p>" else ($patch | diff_html) end)
        + "<h2>Patch against pristine</h2>" + (if $cumulative == "" then "<p>None.</p>" else ($cumulative | diff_html) end)
        + "<h2>The model'"'"'s answer</h2><pre id=\"answer\">\($answer | @html)</pre>"
        + "<h2>The prompt</h2><pre id=\"prompt\">\($prompt | @html)</pre>"
      | "\($id)\t" + (page("\($name) \($id)"; .) | split("\n") | join("&#10;"))' "$html.partial/$name/.records" \
    | OUT="$html.partial/$name" awk -F '\t' '{ f = ENVIRON["OUT"] "/" $1 ".html"; sub(/^[^\t]*\t/, ""); print > f; close(f) }'
done
[ "$runs_found" -gt 0 ] || { cat "$unreadable" >&2; input_error "$dir: no archive.jsonl under <track>/seed-<n>/"; }

# ---- the index --------------------------------------------------------------------
# (status names what it cannot read, and exits 1: the runs it could read are kept)
"$TOP/bin/status.sh" --json "$exp" "$runs" > "$html.partial/.status" 2>/dev/null || true
"${JQ[@]}" -rs --slurpfile report <(if [ -f "$dir/report.json" ] && jq -e 'type == "object"' "$dir/report.json" > /dev/null 2>&1; then cat "$dir/report.json"; else echo null; fi) \
  --arg exp "$exp" 'include "records";'"$page_defs"'
  def pct: if . == null then "–" else . * 1000 | round / 10 | tostring end;
  "<table id=\"runs\"><tr><th>track</th><th>seed</th><th>state</th><th>iterations</th><th>best confirmed</th><th>best screening</th><th>funnel</th><th>worked (s)</th><th>cost (USD)</th></tr>"
  + (map("<tr><td>\(.track | @html)</td><td>\(if (.track | track_ok) and (.seed | tostring | seed_ok) then "<a href=\"\(.track)-seed-\(.seed).html\">\(.seed)</a>" else (.seed | tostring | @html) end)</td><td>\(.state | tostring | @html)\(if .reason then " (\(.reason | tostring | @html))" else "" end)</td><td>\(.iterations_done)/\(.iterations // "?" | tostring | @html)</td><td>\(.best_confirmed | f3)</td><td>\(.best_screening | f3)</td><td>\(.funnel)</td><td>\(.seconds_worked)</td><td>\(if .cost_usd == null then "?" else (.cost_usd * 100 | round / 100 | tostring) end)</td></tr>") | join(""))
  + "</table>"
  + (if $report[0] == null then "<p>No report.json yet: make report writes the tracks compared.</p>"
     elif ($report[0].comparisons | length) == 0 then "<p>Only one track so far: nothing to compare.</p>"
     else "<h2>The tracks compared</h2><p>Mann–Whitney U on the best confirmed comparable_score of each seed (make report).</p><table id=\"comparisons\"><tr><th>tracks</th><th>at</th><th>seeds</th><th>U</th><th>p</th><th>method</th><th>conclusion</th></tr>"
       + ($report[0].comparisons | map(map_values(if type == "string" then @html else . end)) | map("<tr><td>\(.a) vs \(.b)</td><td>\(if .axis == "final" then "the runs&#39; ends" else "\(.axis) \(.budget)" end)</td><td>\(.n_a) vs \(.n_b)</td><td>\(.u_a // "–" | tostring | @html)</td><td>\(.p_two_sided | numbers | f3)</td><td>\(.method // "–")</td><td>\(.conclusion)</td></tr>") | join("")) + "</table>" end)
  | page("\($exp): every run"; .)' "$html.partial/.status" > "$html.partial/index.html"
rm -f "$html.partial"/.status "$html.partial"/*/.records "$html.partial"/*/.confirm "$html.partial"/*/.checked \
  "$html.partial"/*/.cands "$html.partial"/*/.files "$html.partial"/*/.texts
rm -rf "$html"; mv "$html.partial" "$html"
echo "explore: $html/index.html ($(find "$html" -name '*.html' | wc -l) pages)"
# What was skipped, said last; the pages hold everything else.
say_unreadable "$unreadable"

#!/usr/bin/env bats
# A runs directory is untrusted: runs are copied between machines and colleagues.
# Each test builds a hostile one beside a good run (the demo's real archive) and
# shows that make status, make report and the explorer run nothing from it, write
# nothing outside it, put nothing live in a page (headless Chromium's DOM), and still
# show the good run with the bad one named, exit 1.  The hostile files are
# constructed here, each as a model or a colleague's copy could make it.

load helpers/common

FIX="$FIXTURES/archives/demo/experiment_a/profiler/seed-1"

setup() {
  # a path with a space and a backslash: the views must keep it whole
  ROOT="$BATS_TEST_TMPDIR/a b\\c"
  RUNS="$ROOT/runs"
  GOOD="$RUNS/experiment_a/profiler/seed-1"
  mkdir -p "$GOOD"
  cp "$FIX/archive.jsonl" "$GOOD/"
  cd "$BATS_TEST_TMPDIR"
}

# The DOM after headless Chromium loaded PAGE (its path as a file: URL: the space
# and the backslash of the runs path escaped).
dom() {
  local url
  url=$(printf '%s' "$1" | sed 's/%/%25/g; s/ /%20/g; s/\\/%5C/g')
  timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$url" 2>/dev/null
}

# Nothing live in PAGE...: no element a script could come from, no handler
# attribute, no javascript: link.  Attribute values (Chromium writes each in double
# quotes, a quote in it as &quot;) are taken out first: text in a value is inert.
pages_inert() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || { echo "no page $f"; return 1; }
    dom "$f" | sed -E 's/href="javascript:[^"]*"/href=JAVASCRIPT/gI; s/"[^"]*"/""/g' > "$BATS_TEST_TMPDIR/page.dom"
    ! grep -qiE '<(script|img|iframe|object|embed)[ >]' "$BATS_TEST_TMPDIR/page.dom" || { echo "element in $f"; return 1; }
    ! grep -qiE '<[^>]* on[a-z]+=' "$BATS_TEST_TMPDIR/page.dom" || { echo "handler in $f"; return 1; }
    ! grep -qi 'href=JAVASCRIPT' "$BATS_TEST_TMPDIR/page.dom" || { echo "javascript: link in $f"; return 1; }
  done
}

@test "settings.env and a track's name are data: nothing runs, not even through gnuplot" {
  # the good run's candidates' patches, where the runner keeps them
  for id in $(jq -r .id "$GOOD/archive.jsonl"); do mkdir -p "$GOOD/$id"; echo "+the patch of $id" > "$GOOD/$id/patch.diff"; done
  printf 'touch CANARY\nexport AIOPT_MODEL=$(touch CANARY2)\n' > "$GOOD/settings.env"
  run report.sh experiment_a "$RUNS"
  [ "$status" -eq 0 ]
  [ ! -e CANARY ] && [ ! -e CANARY2 ] && [ ! -e "$GOOD/CANARY" ]
  bad="$RUNS/experiment_a/baseline.dat';a=system('touch PWNED');'/seed-1"
  mkdir -p "$bad"
  jq -c '.track = "x"' "$FIX/archive.jsonl" > "$bad/archive.jsonl"
  run report.sh experiment_a "$RUNS"
  echo "$output"
  [ "$status" -eq 1 ]
  [ ! -e PWNED ] && [ ! -e CANARY ] && [ ! -e CANARY2 ] && [ ! -e "$GOOD/CANARY" ]
  [[ "$output" == *"report: unreadable: "*"baseline.dat"*"not a run of the runner's naming (TRACK/seed-N): skipped"* ]]
  # the good run is all there, its best patch too (found under a path with a space)
  grep -q '^| profiler |' "$RUNS/experiment_a/report.md"
  grep -q '^### Patch of the best profiler candidate' "$RUNS/experiment_a/report.md"
  grep -q '^+the patch of c0' "$RUNS/experiment_a/report.md"
  [ ! -e "$RUNS/experiment_a/report.md.tmp" ]
  run explore.sh experiment_a "$RUNS"
  [ "$status" -eq 1 ]
  [ ! -e PWNED ]
  [ ! -e "$RUNS/experiment_a/html/baseline.dat';a=system('touch PWNED');'-seed-1.html" ]
}

@test "ids, parents and names that would be paths or markup: no page outside html/, nothing live in any page" {
  # records as a colleague's copy could hold them: an id that climbs out, markup in
  # the stage, the parent, the track's state; a parent that is a javascript: link
  {
    cat "$FIX/archive.jsonl"
    jq -cn '{id: "../../../../../OUTSIDE", iteration: 90, parent: "pristine", error: {stage: "apply", message: "m"}}'
    jq -cn '{id: "c0091-aaaaaa", iteration: 91, parent: "javascript:alert(1)//", error: {stage: "<img src=x onerror=alert(1)>", message: "<script>alert(2)</script>"}}'
    jq -cn '{id: "c0092-bbbbbb", iteration: 92, parent: "c0091-aaaaaa\"><script>alert(3)</script>", score: {valid: false, comparable_score: null}}'
    # every string field the candidate page shows, hostile; and strings where numbers belong
    jq -cn '"<img src=x onerror=alert(11)>" as $x | {id: "c0093-cccccc", iteration: 93, parent: "pristine",
      llm: {model: $x, seconds: $x},
      score: {valid: true, comparable_score: 1.01, terms: {($x): {value: 1.02, ci_low: 1, ci_high: 1.04, counted: $x},
                                                             throughput: {value: "x", ci_low: "y", ci_high: 2}}},
      bench: {pairs: [{baseline: {ops_per_sec: "fast"}, candidate: {ops_per_sec: 1000}}, {baseline: {ops_per_sec: 1000}, candidate: {ops_per_sec: 1010}}]},
      coz: {lines: [{file: $x, line: $x, max_speedup_pct: "lots", impact_pct: 2, experiments: $x}, "not a line"]},
      bperf: {classes: {($x): {seconds: "x", share_pct: 50}, other: "x"}, off_cpu_ratio: "x"}}'
  } > "$GOOD/archive.jsonl.new" && mv "$GOOD/archive.jsonl.new" "$GOOD/archive.jsonl"
  mkdir -p "$GOOD/c0091-aaaaaa"
  echo '<svg onload=alert(4)>' > "$GOOD/c0091-aaaaaa/response.md"
  jq -cn '{state: "<img src=x onerror=alert(5)>", iterations: "<b onmouseover=alert(6)>", reason: "<script>alert(7)</script>", pid: 1, host: "h"}' > "$GOOD/state.json"
  jq -cn '{comparisons: [{axis: "final", a: "<img src=x onerror=alert(8)>", b: "x", method: "<script>alert(9)</script>", n_a: 1, n_b: 1, p_two_sided: 0.5, conclusion: "c"}]}' \
    > "$RUNS/experiment_a/report.json"
  run explore.sh experiment_a "$RUNS"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *'explore: unreadable: '*'archive.jsonl: id "../../../../../OUTSIDE" is not a candidate'*'no page'* ]]
  [ -z "$(find "$BATS_TEST_TMPDIR" -name 'OUTSIDE*')" ]
  # every page the hostile text reaches: the index, the run's, the candidates'
  html=$RUNS/experiment_a/html
  pages_inert "$html/index.html" "$html/profiler-seed-1.html" "$html/profiler-seed-1/c0091-aaaaaa.html" \
    "$html/profiler-seed-1/c0092-bbbbbb.html" "$html/profiler-seed-1/c0093-cccccc.html"
  # the hostile fields as text (six places), the strings in number's places as unknown, the rest shown
  [ "$(dom "$html/profiler-seed-1/c0093-cccccc.html" | grep -o '&lt;img src=x onerror=alert(11)&gt;' | wc -l)" -ge 6 ]
  dom "$html/profiler-seed-1/c0093-cccccc.html" | grep -q '<circle class="pair"'
  dom "$html/profiler-seed-1/c0093-cccccc.html" | grep -q '<td>[^<]*onerror=alert(11)&gt;</td><td>1.02</td>'
  # and the report, with the same record as its best: written, the figure unknown
  run report.sh experiment_a "$RUNS"
  [ -s "$RUNS/experiment_a/report.md" ]
  # the injected text is there, as text
  dom "$RUNS/experiment_a/html/profiler-seed-1/c0091-aaaaaa.html" | grep -q '&lt;img src=x onerror=alert(1)&gt;'
  dom "$RUNS/experiment_a/html/index.html" | grep -q '&lt;img src=x onerror=alert(5)&gt;'
  # and the good candidates still have their pages
  [ -f "$RUNS/experiment_a/html/profiler-seed-1/c0001-885e86.html" ]
}

@test "one malformed file does not blank a view: status, report and explorer show the rest, name it, exit 1" {
  other="$RUNS/experiment_a/baseline/seed-2"
  mkdir -p "$other"
  # a record each of the wrong shape, between good ones
  {
    head -n 2 "$FIX/archive.jsonl"
    jq -cn '{id: "c0010-cccccc", iteration: "10", parent: "pristine"}'
    jq -cn '{id: "c0011-dddddd", iteration: 11, timing: {seconds: "lots"}}'
    jq -cn '{id: "c0012-eeeeee", iteration: 12, llm: {cost_usd: "1"}}'
    jq -cn '{id: "c0013-ffffff", iteration: 13, error: {stage: "build", message: 5}}'
    jq -cn '{id: "c0014-abcdef", iteration: 14, timing: {seconds: -7200}}'
  } > "$other/archive.jsonl"
  echo '[1]' > "$other/state.json"
  # confirmations of the wrong shape: skipped, like a torn line
  printf '%s\n' '{"id":"c0001-885e86","confirm":{"score":{"comparable_score":"x"}}}' '{"id":"c0001-885e86","heldout":{"a":"x"},"minimize":{"hunks":"x"}}' \
    > "$other/confirm.jsonl"
  run status.sh experiment_a "$RUNS"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"profiler"*" 1 "* ]]
  [[ "$output" == *"baseline"*" 2 "*"state.json is not a JSON object; 5 unreadable record(s), the first "*"archive.jsonl:3: iteration \"10\" is not a number"* ]]
  [[ "$output" == *"status: unreadable: "*"archive.jsonl:4: timing.seconds is not a number of seconds (0 or more)"* ]]
  [[ "$output" == *"archive.jsonl:7: timing.seconds"* ]]
  [[ "$output" != *"-2h"* ]]
  run report.sh experiment_a "$RUNS"
  [ "$status" -eq 1 ]
  grep -q '^| profiler |' "$RUNS/experiment_a/report.md"
  grep -q '^| baseline |' "$RUNS/experiment_a/report.md"
  [[ "$output" == *"report: unreadable: "*"archive.jsonl:5: llm's cost or tokens are not numbers"* ]]
  # and a run with nothing readable at all: shown empty, not a failure of the view
  mkdir -p "$RUNS/experiment_a/best_of_n/seed-4"
  jq -cn '{id: "c0001-aaaaaa", iteration: "1"}' > "$RUNS/experiment_a/best_of_n/seed-4/archive.jsonl"
  run explore.sh experiment_a "$RUNS"
  [ "$status" -eq 1 ]
  [ "$(dom "$RUNS/experiment_a/html/index.html" | grep -o 'href="[a-z_]*-seed-[0-9]*.html"' | sort | paste -sd' ')" = \
    'href="baseline-seed-2.html" href="best_of_n-seed-4.html" href="profiler-seed-1.html"' ]
  [[ "$output" != *"reading the runs failed"* ]]
  [[ "$output" == *"explore: unreadable: "*"archive.jsonl:6: error is not {stage, message} as text"* ]]
  # a state.json of two objects, a nodes.jsonl whose last line holds two: that run is
  # named, every run still shown (the view once showed none)
  more="$RUNS/experiment_a/baseline/seed-5"
  mkdir -p "$more"
  head -n 1 "$FIX/archive.jsonl" > "$more/archive.jsonl"
  printf '{"state":"finished"}{"state":"running","host":"x","pid":1}\n' > "$more/state.json"
  printf '{"kind":"a","host":"h"} {"kind":"b","host":"h"}\n' > "$more/nodes.jsonl"
  run status.sh --json experiment_a "$RUNS"
  [ "$status" -eq 1 ]
  [ "$(jq -sc 'map(select(.seed == 5) | [.track, .reason, .node]) | .[0]' <<<"$(grep '^{' <<<"$output")")" = '["baseline","state.json is not a JSON object",null]' ]
  [ "$(grep -c '^{' <<<"$output")" -eq 4 ]
}

@test "a run of 4,000 candidates: the explorer renders it (no argument list grows with the run)" {
  big="$RUNS/experiment_a/baseline/seed-3"
  mkdir -p "$big"
  # (bash's builtins only: a fork per file would take longer than the explorer)
  dirs=()
  for ((i = 1; i <= 4000; i++)); do printf -v id 'c%04d-%06x' "$i" "$i"; dirs+=("$big/$id"); done
  mkdir -p "${dirs[@]}"
  for ((i = 1; i <= 4000; i++)); do
    printf -v id 'c%04d-%06x' "$i" "$i"
    printf 'prompt %d\n' "$i" > "$big/$id/prompt.md"
    printf 'answer %d\n' "$i" > "$big/$id/response.md"
    printf 'diff %d\n' "$i" > "$big/$id/patch.diff"
    printf '{"id":"%s","iteration":%d,"parent":"pristine","error":{"stage":"apply","message":"m"}}\n' "$id" "$i"
  done > "$big/archive.jsonl"
  run explore.sh experiment_a "$RUNS"
  echo "$output" | tail -n 3
  [ "$status" -eq 0 ]
  [ "$(ls "$RUNS/experiment_a/html/baseline-seed-3" | wc -l)" -eq 4000 ]
  grep -q 'answer 4000' "$RUNS/experiment_a/html/baseline-seed-3/c4000-000fa0.html"
}

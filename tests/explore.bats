#!/usr/bin/env bats
# explore.sh: the runs as static HTML, opened in a real browser (Debian's chromium,
# headless).  The run is the real demo archive in the fixtures; the best candidate's
# directory is made here by apply-diff from that record's own edit on the fixture
# RocksDB source (real tool output); its record is given the off-CPU profile
# parse-offcpu makes of the fixtures' real perf recording (a constructed pairing: the
# demo did not profile off-CPU), and its answer file is constructed to hold markup
# that must come out as text.

load helpers/common

FIX="$FIXTURES/archives/demo/experiment_a/profiler/seed-1"

setup() {
  RUNS="$BATS_TEST_TMPDIR/runs"
  RUN="$RUNS/experiment_a/profiler/seed-1"
  mkdir -p "$RUN"
  cp "$FIX/archive.jsonl" "$RUN/"
  cp -r "$FIXTURES/rocksdb-7.8.3" "$BATS_TEST_TMPDIR/tree"
  best=c0001-885e86
  mkdir -p "$RUN/$best"
  jq -c "select(.id == \"$best\")" "$RUN/archive.jsonl" \
    | apply-diff --tree "$BATS_TEST_TMPDIR/tree" --allow db/db_impl/db_impl_write.cc --out "$RUN/$best" > /dev/null
  cp "$RUN/$best/patch.diff" "$RUN/$best/cumulative.diff"
  # its off-CPU profile: parse-offcpu on the real perf recording in the fixtures
  zcat "$FIXTURES/offcpu/rocksdb-7.8.3-db_bench-sync-4threads.perf-script.gz" > "$BATS_TEST_TMPDIR/offcpu.txt"
  parse-offcpu --top 3 --thread-with DBImpl::WriteImpl "$BATS_TEST_TMPDIR/offcpu.txt" > "$BATS_TEST_TMPDIR/bperf.json"
  jq -c --slurpfile b "$BATS_TEST_TMPDIR/bperf.json" --arg id "$best" \
    'if .id == $id then .bperf = $b[0] | .baseline.bperf = {off_cpu_ratio: $b[0].off_cpu_ratio} else . end' \
    "$RUN/archive.jsonl" > "$RUN/archive.tmp" && mv "$RUN/archive.tmp" "$RUN/archive.jsonl"
  printf 'An answer with markup: <script>alert(1)</script> & <b>bold</b>\n' > "$RUN/$best/response.md"
  # what its prompt's profile named (constructed: its own Coz line, and an off-CPU site
  # beside the comment it adds), matched against its patch by the apply stage's profile_hits
  jq -c --arg id "$best" 'select(.id == $id) | .prompt_profile = {mode: "real", items: [
      {kind: "coz", file: "db/db_impl/db_impl_write.cc", line: .coz.lines[0].line, max_speedup_pct: .coz.lines[0].max_speedup_pct},
      {kind: "offcpu", file: "db/db_impl/db_impl_write.cc", line: 1234, class: "lock", share_pct: 18.7}]}' \
    "$RUN/archive.jsonl" > "$BATS_TEST_TMPDIR/best.json"
  bash -c 'BIN=$1; . "$2/bin/stage/apply.sh"; profile_hits "$3" "$4"' hits "$AIOPT_BIN" "$TOP" "$BATS_TEST_TMPDIR/best.json" "$RUN/$best/patch.diff"
  jq -c --slurpfile b "$BATS_TEST_TMPDIR/best.json" --arg id "$best" 'if .id == $id then $b[0] else . end' \
    "$RUN/archive.jsonl" > "$RUN/archive.tmp" && mv "$RUN/archive.tmp" "$RUN/archive.jsonl"
}

# The DOM after the browser has loaded PAGE (headless chromium, no network).
dom() { timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$1" 2>/dev/null; }

@test "make report's explorer: an index, a run page whose tree has a node per candidate, a page per candidate" {
  run explore.sh experiment_a "$RUNS"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "explore: $RUNS/experiment_a/html/index.html (7 pages)" ]]
  html="$RUNS/experiment_a/html"
  # the tree, as the browser sees it: five candidates, each coloured by its outcome
  dom "$html/profiler-seed-1.html" > "$BATS_TEST_TMPDIR/run.dom"
  [ "$(grep -o 'class="node"' "$BATS_TEST_TMPDIR/run.dom" | wc -l)" -eq 5 ]
  [ "$(grep -o 'data-outcome="[a-z]*"' "$BATS_TEST_TMPDIR/run.dom" | paste -sd' ')" = \
    'data-outcome="valid" data-outcome="build" data-outcome="test" data-outcome="apply" data-outcome="valid"' ]
  grep -q "href=\"profiler-seed-1/$best.html\"" "$BATS_TEST_TMPDIR/run.dom"
  # the best candidate's page: its diff coloured, its answer as text, its pairs plotted
  dom "$html/profiler-seed-1/$best.html" > "$BATS_TEST_TMPDIR/best.dom"
  grep -q '<span class="add">+// Merges the write group' "$BATS_TEST_TMPDIR/best.dom"
  grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' "$BATS_TEST_TMPDIR/best.dom"
  [ "$(grep -c '<script>alert' "$html/profiler-seed-1/$best.html")" -eq 0 ]
  [ "$(grep -o 'class="pair"' "$BATS_TEST_TMPDIR/best.dom" | wc -l)" -eq "$(jq -s "map(select(.id == \"$best\"))[0].bench.pairs | length" "$RUN/archive.jsonl")" ]
  # its profiles beside pristine's: Coz's lines, the off-CPU classes
  grep -q '<table id="coz">' "$BATS_TEST_TMPDIR/best.dom"
  grep -q '<td>lock</td>' "$BATS_TEST_TMPDIR/best.dom"
  # what its prompt's profile named and its patch touched, above the patch
  grep -q 'named 2 place(s); the patch below touches 1 of its lines' "$BATS_TEST_TMPDIR/best.dom"
  grep -q '<table id="hits"><tbody><tr><th>kind</th><th>place</th><th>figure</th></tr><tr><td>offcpu</td><td>db/db_impl/db_impl_write.cc:1234</td><td>18.7 % lock</td></tr>' "$BATS_TEST_TMPDIR/best.dom"
  # a failed candidate says why
  dom "$html/profiler-seed-1/c0002-9884d8.html" | grep -q "was not declared in this scope"
  # the index links every run
  dom "$html/index.html" | grep -q 'href="profiler-seed-1.html"'
  # nothing from elsewhere: no URL with a scheme or a host in any src or href
  [ -z "$(grep -rlE '(src|href)="([a-z]+:)?//' "$html")" ]
  # screenshots of the index and the best candidate's page, kept as test artefacts
  mkdir -p "$TOP/build/artifacts"
  (cd "$BATS_TEST_TMPDIR" && timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1200,900 \
     --screenshot="$TOP/build/artifacts/explore-index.png" "file://$html/index.html" > /dev/null 2>&1)
  (cd "$BATS_TEST_TMPDIR" && timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1200,1400 \
     --screenshot="$TOP/build/artifacts/explore-candidate.png" "file://$html/profiler-seed-1/$best.html" > /dev/null 2>&1)
  [ -s "$TOP/build/artifacts/explore-index.png" ] && [ -s "$TOP/build/artifacts/explore-candidate.png" ]
}

@test "a duplicate's page links its original and says its verdict; a re-asked one names what it was too near" {
  jq -c 'select(.id == "c0002-9884d8") | .id = "c0006-aaaaaa" | .iteration = 6
    | .error = {stage: "duplicate", message: "the same change as c0002-9884d8"} | .duplicate_of = {id: "c0002-9884d8", outcome: "invalid: build"}' \
    "$RUN/archive.jsonl" >> "$RUN/archive.jsonl"
  jq -c 'select(.id == "c0002-9884d8") | .id = "c0007-bbbbbb" | .iteration = 7
    | .asked_again = {answered: true, nearest: {id: "c0002-9884d8", distance: 0.05}}' "$RUN/archive.jsonl" >> "$RUN/archive.jsonl"
  run explore.sh experiment_a "$RUNS"
  [ "$status" -eq 0 ]
  page="$RUNS/experiment_a/html/profiler-seed-1"
  grep -q '<p id="repeat">The same change as <a href="c0002-9884d8.html">c0002-9884d8</a>, whitespace and comments aside: not measured again; its verdict: invalid: build.</p>' "$page/c0006-aaaaaa.html"
  grep -q '<p id="asked-again">Its first proposal was too near <a href="c0002-9884d8.html">c0002-9884d8</a> (token distance 0.05): the model was asked again.</p>' "$page/c0007-bbbbbb.html"
}

@test "explore.sh: no runs, say so (exit 1); an unknown option (exit 2)" {
  run explore.sh experiment_a "$BATS_TEST_TMPDIR/none"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no runs of experiment_a"* ]]
  run explore.sh --open
  [ "$status" -eq 2 ]
}

@test "every view takes RUNS relative or absolute alike (make report RUNS=runs/demo, typed as a path)" {
  cd "$BATS_TEST_TMPDIR"
  run status.sh --json experiment_a runs
  [ "$status" -eq 0 ]
  rel=$output
  run status.sh --json experiment_a "$RUNS"
  [ "$output" = "$rel" ]
  run report.sh experiment_a runs
  [ "$status" -eq 0 ]
  [ -s "$RUNS/experiment_a/report.md" ]
  run explore.sh experiment_a runs
  [ "$status" -eq 0 ]
  [ -s "$RUNS/experiment_a/html/index.html" ] && [ -s "$RUNS/experiment_a/html/profiler-seed-1/c0001-885e86.html" ]
  # and one wording of "no runs" for the three
  for view in status report explore; do
    run "$view.sh" experiment_a none
    [ "$status" -eq 1 ]
    [[ "$output" == "$view: $BATS_TEST_TMPDIR/none/experiment_a: no runs of experiment_a ("* ]]
  done
}

# bin/stage/test.sh — build.json → test.json (+ test.log): RocksDB's own tests and
# db_stress, as the experiment's gate.tsv lists them, from a ThreadSanitizer build;
# parse-gtest gives the verdict.
# shellcheck shell=bash

# The gate's lines: PROGRAM<TAB>ARGS ({scratch} is the program's scratch directory).
gate_lines() { awk -F'\t' '!/^#/ && NF >= 1' "$GATE"; }
# Where CMake puts a gate program: the build root, or a tool's subdirectory.
gate_binary() { local b; for b in "$TSAN/$1" "$TSAN/db_stress_tool/$1" "$TSAN/tools/$1"; do [ -x "$b" ] && { echo "$b"; return; }; done; echo "$TSAN/$1"; }

stage_test() {
  local cand=$1 in=$1/build.json out=$1/test.json
  if has_error "$in"; then cp "$in" "$out"; return; fi
  [ -f "$GATE" ] || usage_error "$GATE: no test gate (AIOPT_GATE names it)"
  with_lock
  tree_put "$cand"
  local programs t0=$SECONDS status=0
  programs=$(gate_lines | cut -f1 | sort -u | paste -sd' ' -)
  # shellcheck disable=SC2086
  machine_lock shared timeout "${AIOPT_BUILD_TIMEOUT}" cmake --build "$TSAN" --target $programs -j "$(nproc)" > "$cand/test-build.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    local why; why=$(build_errors "$cand/test-build.log" "$TSAN" "see test-build.log")
    cp "$in" "$out"
    update "$out" --arg m "the tests did not build: $why" \
      '.test = {ok: false, log: "test-build.log"} | .error = {stage: "test", message: $m}'
    return
  fi
  local build_seconds=$((SECONDS - t0)) scratch n=0 prog args
  scratch=$(scratch_for "$cand")/test
  : > "$cand/test.log"
  while IFS=$'\t' read -r prog args; do
    n=$((n + 1))
    rm -rf "$scratch"; mkdir -p "$scratch"
    args=${args//\{scratch\}/$scratch}
    echo "=== $prog#$n $args" >> "$cand/test.log"
    local t1=$SECONDS rc=0
    # shellcheck disable=SC2086
    local bin; bin=$(gate_binary "$prog")
    machine_lock shared candidate_program "${AIOPT_TEST_TIMEOUT}" "$scratch" "$scratch.kernel" \
      "$bin" $args >> "$cand/test.log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      echo "=== $prog#$n exited $rc: timed out after ${AIOPT_TEST_TIMEOUT} s" >> "$cand/test.log"
    elif [ "$rc" -ne 0 ]; then
      echo "=== $prog#$n exited $rc" >> "$cand/test.log"
    fi
    echo "=== $prog#$n took $((SECONDS - t1)) s" >> "$cand/test.log"
  done < <(gate_lines)
  rm -rf "$scratch" "$scratch.kernel".*
  local seconds=$((SECONDS - t0)) verdict
  verdict=$("$BIN/parse-gtest" --source-root "$(cd "$SRC" && pwd)" "$cand/test.log")
  cp "$in" "$out"
  update "$out" --argjson v "$verdict" --argjson s "$seconds" --argjson b "$build_seconds" '
    ($v.failed == 0 and ($v.exits | length) == 0 and $v.passed > 0) as $ok |
    .test = ($v + {ok: $ok, seconds: $s, build_seconds: $b, log: "test.log"}) |
    if $ok then . else .error = {stage: "test", message: ("RocksDB tests: " + (
      [ (if $v.failed > 0 then "\($v.failed) failed: \($v.failed_tests[0:10] | join(","))" else empty end),
        (if ($v.exits | length) > 0 then ($v.exits | join(",")) else empty end),
        (if ($v.races | length) > 0 then ($v.races | join("; ")) else empty end) ]
      | if length == 0 then ["no test passed (see test.log)"] else . end | join("; ")))} end'
}


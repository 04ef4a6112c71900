# bin/stage/build.sh — apply.json → build.json (+ build.log, db_bench): an incremental
# db_bench build of the candidate's tree; the compiler's first errors go in the record.
# shellcheck shell=bash

# Builds db_bench from the tree as it stands, the same way for candidates and for
# pristine: AIOPT_BUILD_CMD when set (run in the tree), else CMake's db_bench target,
# within AIOPT_BUILD_TIMEOUT, beside no benchmark (machine_lock).  LOG gets the output; returns the build's status
# (124: it took too long).
build_db_bench() {   # LOG
  local status=0
  if [ -n "${AIOPT_BUILD_CMD:-}" ]; then
    (cd "$SRC" && machine_lock shared timeout "${AIOPT_BUILD_TIMEOUT}" bash -c "$AIOPT_BUILD_CMD") > "$1" 2>&1 || status=$?
  else
    machine_lock shared timeout "${AIOPT_BUILD_TIMEOUT}" cmake --build "$RELEASE" --target db_bench -j "$(nproc)" > "$1" 2>&1 || status=$?
  fi
  return "$status"
}

# Where the build's compiler runs, for its relative paths: the tree for
# AIOPT_BUILD_CMD, CMake's build directory else.
build_cwd() { if [ -n "${AIOPT_BUILD_CMD:-}" ]; then echo "$SRC"; else echo "$RELEASE"; fi; }

# The binary a build makes: AIOPT_BENCH_BIN (a user's build), else CMake's.
built_db_bench() { echo "${AIOPT_BENCH_BIN:-$RELEASE/db_bench}"; }

# CAND's db_bench, built again from its patch when it is gone (the runner keeps no
# binary once a candidate is archived: 200+ MB each).  LOG gets that build's output.
candidate_binary() {   # CAND LOG
  [ ! -x "$1/db_bench" ] || return 0
  log "building $(basename "$1")'s db_bench again from its patch"
  ( with_lock
    tree_put "$1"
    build_db_bench "$2" || system_error "$(basename "$1") no longer builds (exit $?): see $2"
    keep_binary "$(built_db_bench)" "$1/db_bench" )
}

stage_build() {
  local cand=$1 in=$1/apply.json out=$1/build.json
  if has_error "$in"; then cp "$in" "$out"; return; fi
  with_lock
  tree_put "$cand"
  local t0=$SECONDS status=0
  build_db_bench "$cand/build.log" || status=$?
  local seconds=$((SECONDS - t0))
  if [ "$status" -eq 0 ]; then
    keep_binary "$(built_db_bench)" "$cand/db_bench"
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" '.build = {ok: true, seconds: $s, log: "build.log"}'
  else
    local why="the build took longer than ${AIOPT_BUILD_TIMEOUT} s"
    [ "$status" -eq 124 ] || why=$(build_errors "$cand/build.log" "$(build_cwd)" \
      "the build failed with no compiler error in the tree's own files (see build.log)")
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" --arg m "$why" \
      '.build = {ok: false, seconds: $s, log: "build.log", errors: $m} | .error = {stage: "build", message: $m}'
  fi
}


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

# The crash check's writer and reader (src/rocksdb/ack-writer.c, RocksDB's C API)
# against the library the release build just made from the tree, the candidate's
# code or pristine's, linked as CMake links db_bench; stripped (the candidate's is
# gone after its check, pristine's is kept for the run).  LOG gets the compiler's lines.
build_ack_writer() {   # DEST LOG
  local libs st=0
  libs=$(sed -n 's/.*librocksdb\.a//p' "$RELEASE/CMakeFiles/db_bench.dir/link.txt" 2>/dev/null)
  # shellcheck disable=SC2086  # libs is CMake's list of link words
  # (its flags read by the one reader of db_bench's flags, src/lib/dbflags.c)
  { cc -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -I"$SRC/include" -I"$TOP/src" \
       -c "$TOP/src/rocksdb/ack-writer.c" -o "$1.o" &&
    cc -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -c "$TOP/src/lib/dbflags.c" -o "$1.flags.o" &&
    c++ -s -o "$1" "$1.o" "$1.flags.o" "$RELEASE/librocksdb.a" $libs -lpthread; } >> "$2" 2>&1 || st=$?
  rm -f "$1.o" "$1.flags.o"
  return "$st"
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
  local seconds why=''
  if [ "$status" -eq 0 ] && [ "${AIOPT_CRASH_CUTS}" != 0 ]; then
    build_ack_writer "$cand/ack-writer" "$cand/build.log" || { status=$?; why="the crash check's writer did not build against the candidate's library (see build.log)"; }
  fi
  seconds=$((SECONDS - t0))
  if [ "$status" -eq 0 ]; then
    keep_binary "$(built_db_bench)" "$cand/db_bench"
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" '.build = {ok: true, seconds: $s, log: "build.log"}'
  else
    [ "$status" -ne 124 ] || why="the build took longer than ${AIOPT_BUILD_TIMEOUT} s"
    [ -n "$why" ] || why=$(build_errors "$cand/build.log" "$(build_cwd)" \
      "the build failed with no compiler error in the tree's own files (see build.log)")
    cp "$in" "$out"
    update "$out" --argjson s "$seconds" --arg m "$why" \
      '.build = {ok: false, seconds: $s, log: "build.log", errors: $m} | .error = {stage: "build", message: $m}'
  fi
}


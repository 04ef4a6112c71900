#!/usr/bin/env bash
# check-rocksdb.sh TREE [VERSION] — says, before any build, which RocksDB the source
# TREE is (include/rocksdb/version.h) and whether it holds everything the experiment
# uses (its settings from the environment, as `make experiment-env` exports them):
#   - the version asked for (VERSION, ROCKSDB_VERSION; none for a user's checkout):
#     a tree is made once, so another version needs its own BUILD_DIR;
#   - the files an edit may change (AIOPT_TARGET_FILES) and Coz's progress point;
#   - the functions the prompt cuts from them (AIOPT_FUNCTIONS), cut by llm-mutate
#     itself, so the check and the prompt cannot disagree;
#   - the gate's programs (AIOPT_GATE): each a source file that a CMakeLists.txt
#     builds, each test its gtest filter names exactly, each --flag it passes;
#   - db_bench's benchmarks and --flags of every workload (AIOPT_BENCH_ARGS,
#     AIOPT_BENCH_ARGS_SYNC, AIOPT_BENCH_ARGS_READHEAVY).
# A flag counts as there when some source file defines it (gflags' DEFINE_*).
# Prints one line of what was checked; exits 1 listing everything missing.
set -euo pipefail
SCRIPT=check-rocksdb
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
[ $# -eq 1 ] || [ $# -eq 2 ] || usage_error "usage: check-rocksdb.sh TREE [VERSION] (--help)"
tree=$1 wanted=${2:-}
for v in EXPERIMENTS EXP AIOPT_TARGET_FILES AIOPT_FUNCTIONS AIOPT_GATE AIOPT_BENCH_ARGS AIOPT_BENCH_ARGS_SYNC AIOPT_BENCH_ARGS_READHEAVY; do
  [ -n "${!v+set}" ] || usage_error "$v is not set: run it with the experiment's settings (eval \"\$(make -s experiment-env)\")"
done
[ -d "$tree" ] || input_error "$tree: no such directory"
[ -f "$AIOPT_GATE" ] || input_error "AIOPT_GATE=$AIOPT_GATE: no such file"
header=$tree/include/rocksdb/version.h
version=$(awk '$1 == "#define" && $2 ~ /^ROCKSDB_(MAJOR|MINOR|PATCH)$/ {v[$2] = $3}
  END {if (length(v) == 3) print v["ROCKSDB_MAJOR"] "." v["ROCKSDB_MINOR"] "." v["ROCKSDB_PATCH"]}' "$header" 2>/dev/null || true)
[ -n "$version" ] || input_error "$header: no ROCKSDB_MAJOR/MINOR/PATCH (is $tree a RocksDB tree?)"
[ -z "$wanted" ] || [ "$version" = "$wanted" ] \
  || input_error "$tree holds RocksDB $version, not $wanted: a tree is made once, so give each version its own build directory (make … ROCKSDB_VERSION=$wanted BUILD_DIR=build/$wanted)"
missing=()
miss() { missing+=("$*"); }

for f in $AIOPT_TARGET_FILES; do [ -f "$tree/$f" ] || miss "target file $f"; done
grep -qs 'COZ_PROGRESS_NAMED("db_bench.write")' "$tree/tools/db_bench_tool.cc" \
  || miss "Coz's progress point in tools/db_bench_tool.cc (bin/coz-progress-point.sh puts it there)"

# The functions: llm-mutate writes the prompt from a scripted edit and warns for
# each function it cannot cut.
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
echo 'a placeholder edit: only the prompt is wanted' > "$scratch/01.md"
mkdir "$scratch/run"
warnings=$(echo "{\"id\":\"pristine\",\"dir\":\"$scratch/pristine\"}" \
  | "$(dirname "${BASH_SOURCE[0]}")/llm-mutate" --experiment "$EXPERIMENTS/$EXP" --track baseline --tree "$tree" \
      --scripted "$scratch" --run-dir "$scratch/run" --iteration 1 2> "$scratch/err" \
  | jq -r '.warnings // [] | .[]') || input_error "llm-mutate could not write a prompt from $tree: $(cat "$scratch/err")"
while IFS= read -r w; do [ -z "$w" ] || miss "$w"; done <<< "$warnings"

# Every gflags flag the tree defines, once.
grep -rhoE --include='*.cc' --include='*.h' 'DEFINE_[a-z0-9]+\(\s*[A-Za-z0-9_]+' "$tree" \
  | sed -E 's/.*\(\s*//' | sort -u > "$scratch/flags"
flags_of() {   # PROGRAM ARGUMENTS...: the --flags given, each missing one reported
  local prog=$1; shift
  local a name
  for a in "$@"; do
    [[ $a == --* ]] || continue
    name=${a#--}; name=${name%%=*}
    [[ $name == gtest_* ]] || grep -qx -- "$name" "$scratch/flags" || miss "$prog --$name (no DEFINE_*($name, …) in the tree)"
  done
}

programs=0 tests=0
while IFS=$'\t' read -r prog args; do
  [[ -z $prog || $prog == \#* ]] && continue
  programs=$((programs + 1))
  src=$(find "$tree" -name "$prog.cc" -not -path '*/third-party/*' | head -n 1)
  if [ -z "$src" ]; then miss "gate program $prog (no $prog.cc)"; continue; fi
  grep -rqsw --include=CMakeLists.txt -- "$prog.cc" "$tree" || miss "gate program $prog (${src#"$tree"/} is in no CMakeLists.txt)"
  read -ra argv <<< "$args"
  flags_of "$prog" "${argv[@]}"
  # Exact names in the positive part of a gtest filter, e.g. DBTest.SoftLimit.
  filter=$(printf '%s\n' "${argv[@]}" | sed -n 's/^--gtest_filter=//p')
  IFS=: read -ra patterns <<< "${filter%%-*}"
  for p in ${patterns[@]+"${patterns[@]}"}; do
    [[ $p == *[*?]* || $p != *.* ]] && continue
    tests=$((tests + 1))
    suite=${p%%.*} name=${p#*.}
    grep -qE "TEST(_F|_P)?\(\s*$suite,\s*$name\)" "$src" || miss "test $p in ${src#"$tree"/}"
  done
done < "$AIOPT_GATE"

bench_flags=0
for args in "$AIOPT_BENCH_ARGS" "$AIOPT_BENCH_ARGS_SYNC" "$AIOPT_BENCH_ARGS_READHEAVY"; do
  read -ra argv <<< "$args"
  bench_flags=$((bench_flags + ${#argv[@]}))
  flags_of db_bench "${argv[@]}"
  for b in $(printf '%s\n' "${argv[@]}" | sed -n 's/^--benchmarks=//p' | tr , ' '); do
    grep -q "\"$b\"" "$tree/tools/db_bench_tool.cc" || miss "db_bench benchmark $b"
  done
done

if [ ${#missing[@]} -gt 0 ]; then
  printf '%s: %s (RocksDB %s) lacks what %s uses:\n' "$SCRIPT" "$tree" "$version" "$EXP" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit "$EXIT_INPUT"
fi
echo "$SCRIPT: $tree (RocksDB $version) holds what $EXP uses: $(wc -w <<< "$AIOPT_TARGET_FILES") target file(s), $(wc -w <<< "$AIOPT_FUNCTIONS") functions, $programs gate runs ($tests tests named), $bench_flags db_bench arguments"

#!/usr/bin/env bash
# run.sh SECONDS [TARGET...]: AFL++ over each target of targets.tsv (all when none
# is named) for SECONDS each, with the instrumented ASan+UBSan build in
# build/afl/bin.  New interesting inputs are left in build/afl/out/TARGET/; any
# crash or hang is copied to tests/fuzz/crashes/TARGET/ and makes the run fail,
# naming it, so it can be replayed:  build/afl/bin/TOOL ... < THAT-FILE.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
F=$TOP/tests/fuzz
seconds=${1:?usage: run.sh SECONDS [TARGET...]}; shift
bin=$TOP/build/afl/bin out=$TOP/build/afl/out
tree=$TOP/build/afl/tree
rm -rf "$tree"; mkdir -p "$tree"; cp -r "$TOP/tests/fixtures/rocksdb-7.8.3/." "$tree/"
# AFL++ in a container or CI: no core_pattern or CPU governor to tune, no UI.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
       AFL_SKIP_CRASHES=1 AFL_QUIET=1
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1
failed=0
while IFS=$'\t' read -r target command; do
  [ $# -eq 0 ] || [[ " $* " == *" $target "* ]] || continue
  command=${command//\{tree\}/$tree}
  read -r -a argv <<<"$command"
  argv[0]=$bin/${argv[0]}
  rm -rf "${out:?}/$target"; mkdir -p "$out/$target"
  # -V: stop after SECONDS; -t: 2 s per input (a hang is a finding); -m none: ASan.
  afl-fuzz -i "$F/corpus/$target" -o "$out/$target" -V "$seconds" -t 2000 -m none -- "${argv[@]}" \
    > "$out/$target.log" 2>&1 || { echo "fuzz: afl-fuzz on $target failed to run:"; tail -n 20 "$out/$target.log"; exit 1; }
  stats=$out/$target/default/fuzzer_stats
  execs=$(awk -F' *: *' '$1 == "execs_done" {print $2}' "$stats")
  paths=$(awk -F' *: *' '$1 == "corpus_count" {print $2}' "$stats")
  found=0
  for kind in crashes hangs; do
    for f in "$out/$target/default/$kind"/id:*; do
      [ -e "$f" ] || continue
      found=$((found + 1))
      mkdir -p "$F/crashes/$target"; cp "$f" "$F/crashes/$target/$kind-$(basename "$f" | tr ':,' '__')"
    done
  done
  printf 'fuzz: %-14s %6s execs in %s s, corpus %s, crashes+hangs %s\n' "$target" "$execs" "$seconds" "$paths" "$found"
  [ "$found" -eq 0 ] || failed=1
done < <(grep -v '^#' "$F/targets.tsv")
[ "$failed" -eq 0 ] || { echo "fuzz: findings copied to tests/fuzz/crashes/"; exit 1; }

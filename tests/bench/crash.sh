#!/usr/bin/env bash
# The crash check against pristine, many times: pristine's writer and reader through
# the crash stage's own crash_promises (the sandbox, the power-cut layer, kill -9),
# CRASH_CUTS cuts of each kind on each of the l0 and sync workloads' flags.  Every
# cut must keep every acknowledged write: a miss here is the check's fault.  Then a
# candidate's check at the experiment's settings (AIOPT_CRASH_CUTS, its time), and
# the layer's overhead: CRASH_OVERHEAD_RUNS db_bench runs of the l0 workload on the
# disk and on the layer, interleaved; and what a single cut catches of two
# constructed edits (tests/fixtures/edits).  Needs RocksDB built (make
# rocksdb-release).  ~20 min with the defaults.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=bench-crash
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
# shellcheck source=bin/stage/lib.sh
. "$TOP/bin/stage/lib.sh"
# shellcheck source=bin/stage/build.sh
. "$TOP/bin/stage/build.sh"
# shellcheck source=bin/stage/bench.sh
. "$TOP/bin/stage/bench.sh"
# shellcheck source=bin/stage/crash.sh
. "$TOP/bin/stage/crash.sh"
cuts=${CRASH_CUTS:-200}
overhead_runs=${CRASH_OVERHEAD_RUNS:-4}
[[ $cuts =~ ^[1-9][0-9]*$ ]] || usage_error "CRASH_CUTS=$cuts: a number of cuts, 1 or more"
[[ $overhead_runs =~ ^[1-9][0-9]*$ ]] || usage_error "CRASH_OVERHEAD_RUNS=$overhead_runs: a number of runs, 1 or more"
work=${CRASH_WORK:-$TOP/build/bench-crash}
rm -rf "$work"; mkdir -p "$work"
echo "bench-crash: $cuts cuts of each kind a workload, writes up to ${AIOPT_CRASH_WRITE_MS} ms before each, $(nproc) cores, $(uname -r), $(stat -f -c %T "$work")"

( with_lock; tree_reset; rm -f "$SRC/.git/aiopt-holds"
  build_db_bench "$work/build.log" || system_error "pristine does not build: see $work/build.log"
  keep_binary "$(built_db_bench)" "$work/db_bench"
  build_ack_writer "$work/ack-writer" "$work/build.log" || system_error "ack-writer does not build: see $work/build.log" )

# line LABEL JSON: one kind's figures on a line.
line() {
  jq -r --arg l "$1" '"\($l): \(.cuts_done) of \(.cuts) cuts, \(.keys_found) of \(.keys_acknowledged) acknowledged writes found after the last, " +
    "\(.seconds | . * 10 | round / 10) s (\(.seconds / .cuts_done * 100 | round / 100) s a cut)" +
    (if .layer then ", \(.layer.files_rolled_back) files rolled back, \(.layer.bytes_dropped) bytes dropped" else "" end) +
    "; violation: \(.violation // "none")"' <<<"$2"
}

for w in l0 sync; do
  export AIOPT_BENCH_WORKLOAD=$w
  r=$(AIOPT_CRASH_CUTS=$cuts AIOPT_CRASH_SECONDS=$((cuts * 20)) crash_promises "$work/ack-writer" "$work/ack-writer" "$work/$w" 1)
  echo "$r" > "$work/$w.json"
  line "$w, power cuts (--sync=1)" "$(jq -c .power <<<"$r")"
  line "$w, kill -9 (WAL on, --sync=0)" "$(jq -c .crash <<<"$r")"
done

# A candidate's check at the experiment's settings, on the screened workload.
export AIOPT_BENCH_WORKLOAD=l0
r=$(crash_promises "$work/ack-writer" "$work/ack-writer" "$work/candidate" 2)
echo "a candidate's check (AIOPT_CRASH_CUTS=$AIOPT_CRASH_CUTS each way, AIOPT_CRASH_SECONDS=$AIOPT_CRASH_SECONDS): $(jq '.power.seconds + .crash.seconds | . * 10 | round / 10' <<<"$r") s"

# What one cut catches: the constructed edits that lose writes only in part of the
# time, each cut alone on a fresh database (CRASH_CATCH_RUNS runs, their own seeds).
catch_runs=${CRASH_CATCH_RUNS:-20}
export AIOPT_BENCH_WORKLOAD=sync
for edit in syncs-directory-for-groups holds-back-group-append; do
  ( with_lock; tree_reset; rm -f "$SRC/.git/aiopt-holds"
    "$BIN/apply-diff" --tree "$SRC" --allow "$AIOPT_TARGET_FILES" --raw < "$TOP/tests/fixtures/edits/$edit.md" > /dev/null
    cmake --build "$RELEASE" --target rocksdb -j "$(nproc)" > "$work/$edit.log" 2>&1
    build_ack_writer "$work/$edit" "$work/$edit.log" || system_error "$edit: ack-writer does not build: see $work/$edit.log"
    tree_reset )
  caught=0
  for i in $(seq "$catch_runs"); do
    r=$(AIOPT_CRASH_CUTS=1 crash_check power "$work/$edit" "$work/ack-writer" "$work/catch" "$i" 30)
    [ "$(jq '.violation != null' <<<"$r")" = false ] || caught=$((caught + 1))
  done
  echo "$edit: caught by $caught of $catch_runs single power cuts (sync workload's flags)"
  rm -f "$work/$edit"
done

# The layer's overhead: the l0 workload's db_bench on the disk and on the layer.
export AIOPT_BENCH_WORKLOAD=l0 AIOPT_BENCH_DURATION=${CRASH_OVERHEAD_SECONDS:-5}
on_layer() {   # LOG
  mkdir -p "$work/ov/disk" "$work/ov/mnt"; rm -rf "$work/ov/disk/"*
  mkfifo "$work/ov/ctl"
  "$BIN/powercut" "$work/ov/disk" "$work/ov/mnt" < "$work/ov/ctl" > "$work/ov/out" &
  exec 7> "$work/ov/ctl"
  until [ -s "$work/ov/out" ]; do sleep 0.05; done
  # shellcheck disable=SC2046
  "$work/db_bench" --db="$work/ov/mnt" $(bench_args) > "$1" 2>&1
  exec 7>&-; wait; rm -f "$work/ov/ctl"
}
on_disk() {   # LOG
  rm -rf "$work/ov/plain"; mkdir -p "$work/ov/plain"
  # shellcheck disable=SC2046
  "$work/db_bench" --db="$work/ov/plain" $(bench_args) > "$1" 2>&1
}
for i in $(seq "$overhead_runs"); do
  if [ $((i % 2)) -eq 1 ]; then on_disk "$work/disk-$i.log"; on_layer "$work/layer-$i.log"
  else on_layer "$work/layer-$i.log"; on_disk "$work/disk-$i.log"; fi
done
ops() { for f in "$@"; do "$BIN/parse-dbbench" "$f" | jq .ops_per_sec; done | jq -s 'sort | .[length / 2 | floor]'; }
d=$(ops "$work"/disk-*.log) l=$(ops "$work"/layer-*.log)
echo "the layer's overhead, l0 workload, ${AIOPT_BENCH_DURATION} s runs, median of $overhead_runs: disk $d ops/s, layer $l ops/s ($(jq -n "$l / $d * 1000 | round / 1000") of the disk's)"
rm -rf "$work/ov" "$work"/*/disk "$work"/*/db.*

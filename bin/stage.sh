#!/usr/bin/env bash
# stage.sh STAGE CAND — one stage of one candidate, as mk/candidate.mk runs it.
#
#   apply   record.json → apply.json (+ patch.diff, cumulative.diff): tree reset to
#           pristine, the parent's cumulative patch, then the new edit (apply-diff)
#   build   apply.json → build.json (+ build.log, db_bench): incremental db_bench build
#   test    build.json → test.json (+ test.log): RocksDB's own tests and db_stress, TSan build
#   crash   test.json  → crash.json: power cuts and kill -9 under the candidate's writes;
#           pristine's build finds every acknowledged write after each, or "contract"
#   bench   crash.json → bench.json: pristine/candidate pairs until score --more says enough
#   coz     bench.json → coz.json: a Coz profile (profiler tracks), parse-coz on it
#   bperf   coz.json   → bperf.json: off-CPU profile (bperf, else mainline perf), parse-offcpu
#   score   bperf.json → score.json
#   confirm score.json → confirm.json: fresh, longer pairs for a candidate that
#           passed screening (bin/stage/confirm.sh)
#   heldout confirm.json → heldout.json: a confirmed candidate on the other workloads
#   minimize confirm.json → minimize.json: the smallest subset of its hunks that keeps
#           the gain, each subset a candidate under minimize/ (bin/stage/minimize.sh)
#   pristine PRISTINE_DIR: pristine db_bench, k bench runs and a profile → baseline.json
#   calibrate PRISTINE_DIR: A/A pairs of pristine → calibration.jsonl (the run's noise)
#   checkout CAND|pristine: put a candidate's code (its cumulative.diff) in the tree
#
# Every stage writes its record even when it fails (with "error"); a record that
# already failed is passed on untouched.  Stages that use the tree hold its lock
# and first put the candidate's code there, so any stage can be rerun alone.
# Settings come from the environment (mk/candidate.mk exports the experiment's).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=stage
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
# The experiment's settings: from make (mk/candidate.mk exports them), or, run by
# hand, from make too: their one home is the experiment's .mk.
if [ -z "${EXP:-}" ]; then eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"; fi

# The stages' code: bin/stage/lib.sh (shared), bin/stage/STAGE.sh (each stage).
# shellcheck source=bin/stage/lib.sh
. "$TOP/bin/stage/lib.sh"

[ $# -eq 2 ] || usage_error "usage: stage.sh apply|build|test|crash|bench|coz|bperf|score|confirm|heldout|minimize|pristine|calibrate|checkout DIR (--help)"
case $1 in
  checkout)
    with_lock
    if [ "$2" = pristine ]; then tree_reset; rm -f "$SRC/.git/aiopt-holds"; else tree_put "$(cd "$2" && pwd)"; fi ;;
  apply|build|test|crash|bench|score|confirm|heldout|minimize|pristine|calibrate)
    [ "$1" = pristine ] && mkdir -p "$2"
    # shellcheck source=/dev/null
    . "$TOP/bin/stage/$1.sh"
    "stage_$1" "$(cd "$2" && pwd)" ;;
  coz|bperf)
    # shellcheck source=bin/stage/profile.sh
    . "$TOP/bin/stage/profile.sh"
    "stage_$1" "$(cd "$2" && pwd)" ;;
  *) usage_error "unknown stage $1 (--help)" ;;
esac

# mk/candidate.mk — one candidate's stages as file targets, each rerunnable:
#
#   make -f mk/candidate.mk CAND=runs/experiment_a/profiler/seed-1/c0007-3f2a9b \
#        PRISTINE=runs/experiment_a/profiler/seed-1/pristine score.json
#
# record.json → apply.json (+ patch.diff) → build.json → test.json → crash.json → bench.json
# → coz.json → bperf.json → score.json (→ confirm.json → heldout.json, and
# confirm.json → minimize.json, asked for by name).  Each file is the candidate record after that stage
# (with "error" once a stage failed), so make reruns exactly what is stale.
ifndef TOP
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(TOP)/mk/rocksdb.mk
include $(TOP)/mk/experiment.mk
endif

ifdef CAND
override CAND := $(abspath $(CAND))
PRISTINE ?= $(dir $(CAND))pristine
export PRISTINE := $(abspath $(PRISTINE))
STAGE := $(TOP)/bin/stage.sh

$(CAND)/apply.json: $(CAND)/record.json
	$(STAGE) apply $(CAND)
$(CAND)/build.json: $(CAND)/apply.json
	$(STAGE) build $(CAND)
$(CAND)/test.json: $(CAND)/build.json
	$(STAGE) test $(CAND)
$(CAND)/crash.json: $(CAND)/test.json
	$(STAGE) crash $(CAND)
$(CAND)/bench.json: $(CAND)/crash.json
	$(STAGE) bench $(CAND)
$(CAND)/coz.json: $(CAND)/bench.json
	$(STAGE) coz $(CAND)
$(CAND)/bperf.json: $(CAND)/coz.json
	$(STAGE) bperf $(CAND)
$(CAND)/score.json: $(CAND)/bperf.json
	$(STAGE) score $(CAND)
# Not part of every candidate's chain: the runner asks for it when a candidate
# passes screening as its run's best, and for the run's top ones at its end.
$(CAND)/confirm.json: $(CAND)/score.json
	$(STAGE) confirm $(CAND)
$(CAND)/heldout.json: $(CAND)/confirm.json
	$(STAGE) heldout $(CAND)
$(CAND)/minimize.json: $(CAND)/confirm.json
	$(STAGE) minimize $(CAND)

.PHONY: patch.diff apply.json build.json test.json crash.json bench.json coz.json bperf.json score.json confirm.json heldout.json minimize.json
patch.diff apply.json: $(CAND)/apply.json
build.json: $(CAND)/build.json
test.json: $(CAND)/test.json
crash.json: $(CAND)/crash.json
bench.json: $(CAND)/bench.json
coz.json: $(CAND)/coz.json
bperf.json: $(CAND)/bperf.json
score.json: $(CAND)/score.json
confirm.json: $(CAND)/confirm.json
heldout.json: $(CAND)/heldout.json
minimize.json: $(CAND)/minimize.json
endif

# mk/track.mk — whole runs.
#   make experiment_a TRACK=profiler [ITERATIONS=50] [SEED=1] [CHECK=1]
#   make demo        the loop offline: real RocksDB, scripted edits, short workload
#   make demo-9.10.0 the same on another RocksDB version
# A run's settings and tracks are checked first, in seconds, before anything is
# installed or built (bin/run_track.sh --check=settings); then what is missing is
# installed (make deps-run) and the tools built, the endpoints asked, and RocksDB
# built, in that order: a fresh machine has neither the compilers nor the libraries
# the builds need.  CHECK=1 stops after the endpoints: a cluster submission
# validated from a login node.
ifneq ($(filter-out 1,$(CHECK)),)
$(error CHECK=$(CHECK): use CHECK=1 (the check only) or leave it out)
endif
.PHONY: demo run-prerequisites
run-prerequisites: deps-run
	$(MAKE) all rocksdb-release rocksdb-tests
# The settings first, with nothing but bash and make; then what the run needs is
# installed and the tools built (seconds once installed), so that the endpoints are
# asked with the client the run uses (llm-mutate --probe) before RocksDB's builds.
#: make experiment_NAME TRACK=T | TRACKS="T..." SEEDS=1-5 [MODEL=M API_BASE=URL] [LAUNCHER=slurm] [CHECK=1] — a run or a matrix
experiment_%:
	$(TOP)/bin/run_track.sh $@ --check=settings
	$(MAKE) deps-run all
	$(TOP)/bin/run_track.sh $@ --check
ifneq ($(CHECK),1)
	$(MAKE) rocksdb-release rocksdb-tests
	$(TOP)/bin/run_track.sh $@
endif

# The demo's short workload (the experiment's defaults are 10 s runs, 60 s profiles,
# 10 confirmation pairs of 20 s, 16 subsets of the best's hunks measured).
DEMO_RUNS ?= $(TOP)/runs/demo
DEMO_BENCH_DURATION ?= 3
DEMO_BCOZ_DURATION ?= 20
DEMO_BPERF_DURATION ?= 3
DEMO_CONFIRM_PAIRS ?= 4
DEMO_CONFIRM_DURATION ?= 5
DEMO_MINIMIZE_SUBSETS ?= 4
DEMO_RUN = $(TOP)/bin/run_track.sh experiment_a --track profiler --seed 1 --runs $(DEMO_RUNS) \
	    --scripted $(TOP)/experiments/experiment_a/scripted --iterations 5
#: make demo — the loop offline on real RocksDB: five scripted edits, short workload, into runs/demo
demo:
	$(DEMO_RUN) --check
	$(MAKE) run-prerequisites
	AIOPT_BENCH_DURATION=$(DEMO_BENCH_DURATION) AIOPT_BCOZ_DURATION=$(DEMO_BCOZ_DURATION) \
	AIOPT_BPERF_DURATION=$(DEMO_BPERF_DURATION) \
	AIOPT_CONFIRM_PAIRS=$(DEMO_CONFIRM_PAIRS) AIOPT_CONFIRM_DURATION=$(DEMO_CONFIRM_DURATION) \
	AIOPT_MINIMIZE_SUBSETS=$(DEMO_MINIMIZE_SUBSETS) AIOPT_COZ_MIN_POINTS=3 AIOPT_BASELINE_RUNS=2 \
	  $(DEMO_RUN)

# The demo on another RocksDB version (Debian's source package of it: 9.10.0 is
# trixie's), with its own build and runs directories, so 7.8.3's stay as they
# are: make demo-9.10.0.  Run by hand (the first time, two cold RocksDB builds).
# The tree's paths this make exports are its own BUILD_DIR's: the sub-make must
# derive them again from the new one, so they are not passed down.
#: make demo-VERSION — the demo on another RocksDB version (e.g. demo-9.10.0), its own trees and runs
demo-%:
	env -u ROCKSDB_SRC -u ROCKSDB_RELEASE -u ROCKSDB_TSAN \
	  $(MAKE) demo ROCKSDB_VERSION=$* BUILD_DIR=$(TOP)/build/$* DEMO_RUNS=$(TOP)/runs/demo-$*

# Tables and plots of every track: runs/<exp>/report.md, report.json, PNGs; and the
# runs to browse: runs/<exp>/html/index.html (bin/explore.sh).  Both are written
# whatever the other found unreadable; the worse exit status is make's.
RUNS ?= $(TOP)/runs
.PHONY: report
#: make report [EXP=NAME] [RUNS=DIR] — the tracks compared (report.md, report.json, plots) and the explorer's pages
report:
	@status=0; $(TOP)/bin/report.sh $(EXP) $(RUNS) || status=$$?; \
	$(TOP)/bin/explore.sh $(EXP) $(RUNS) || { s=$$?; [ $$s -lt $$status ] || status=$$s; }; exit $$status

# Every run of the experiment, one line each: state, iteration, best, funnel, time.
.PHONY: status
#: make status [EXP=NAME] [RUNS=DIR] — every run, one line each: state, iteration, best, funnel, time, cost
status:
	@$(TOP)/bin/status.sh $(EXP) $(RUNS)

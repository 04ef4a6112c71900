# mk/test.mk — `make test`: the filters' suite, then RocksDB end to end.
#   make test-unit         the bats suite of the C filters (seconds)
#   make test-rocksdb      real RocksDB: source, builds, baseline, candidates through the stages
#   make SAN=1 test-unit   the filters' suite against ASan + UBSan builds
# --timing: each test's seconds on its line, so a slow one is seen where it runs (CI too).
BATS ?= bats --timing
# The end-to-end files (real RocksDB); every other bats file is a unit test.
E2E_TESTS ?= $(addprefix $(TOP)/tests/,rocksdb.bats rocksdb-versions.bats run-track.bats confirm.bats slurm.bats)
UNIT_TESTS ?= $(filter-out $(E2E_TESTS),$(sort $(wildcard $(TOP)/tests/*.bats)))
# Under the sanitizers, the suites that run C code: hostile-runs.bats drives the
# views (bash, jq, Chromium) over hostile runs directories, where no C tool reads
# the hostile input, and would only add minutes.
ifeq ($(SAN),1)
UNIT_TESTS := $(filter-out $(TOP)/tests/hostile-runs.bats,$(UNIT_TESTS))
endif

.PHONY: test test-unit test-rocksdb bench
#: make test — everything CI runs but the sanitizers and fuzzing: unit suites, then RocksDB end to end
# The unit suites run beside RocksDB's builds: they mostly wait on the processes they
# start, the builds take the cores (ccache), and minutes of CI are saved.
test: deps
	$(MAKE) --output-sync=target -j2 test-unit rocksdb-release rocksdb-tests
	$(MAKE) test-rocksdb

#: make test-unit [SAN=1] — the unit suites (minutes)
test-unit: all $(LIBCHECK)
	AIOPT_BIN=$(BINDIR) AIOPT_LIBCHECK=$(LIBCHECK) $(BATS) $(UNIT_TESTS)

#: make test-rocksdb — real RocksDB end to end (about an hour)
test-rocksdb: all rocksdb-release rocksdb-tests
	AIOPT_BIN=$(BINDIR) $(BATS) $(E2E_TESTS)

# Performance figures quoted in the README (not timed tests).
.PHONY: bench-noise bench-power bench-levers bench-shared bench-in-flight bench-matrix bench-explore bench-kernel bench-cost bench-novelty bench-repeats bench-crash bench-duration
#: make bench, make bench-NAME — benchmarks; their figures and what each measures: tests/bench/README.md
bench: all
	@for b in parse-dbbench parse-coz apply-diff records; do AIOPT_BIN=$(BINDIR) bash $(TOP)/tests/bench/$$b.sh || exit 1; done
# The noise floor of paired benchmarks on this machine (slow: real db_bench runs).
bench-noise: all rocksdb-release
	bash $(TOP)/tests/bench/noise.sh
# The smallest change detected with 80 % power: known slowdowns swept (slow: ~25 min).
bench-power: all rocksdb-release
	bash $(TOP)/tests/bench/power.sh
# The noise of workload variants (the levers tried to lower it), A/A pairs interleaved (~15 min).
bench-levers: all rocksdb-release
	bash $(TOP)/tests/bench/noise-levers.sh
# A benchmark's noise with a second run building beside it, with and without the lock (~25 min).
bench-shared: all rocksdb-release
	bash $(TOP)/tests/bench/shared-machine.sh $(TREE)
# Candidates per hour with a model answering after 30 s, proposals in flight 1 and 2 (~22 min).
bench-in-flight: all rocksdb-release rocksdb-tests
	bash $(TOP)/tests/bench/in-flight.sh
# A 2 x 2 matrix's wall time with JOBS=1, JOBS=2 and under Slurm; disk per extra tree (~35 min).
bench-matrix: all rocksdb-release rocksdb-tests
	bash $(TOP)/tests/bench/matrix.sh
# The kernel's account of pristine's runs, A/A on both workloads: the spread the
# durability rules' allowances come from, and what the count costs (~6 min).
bench-kernel: all rocksdb-release
	bash $(TOP)/tests/bench/kernel.sh
# Unique candidates per hour with 30 % repeats, measured again and not (~25 min).
bench-repeats: all rocksdb-release rocksdb-tests
	bash $(TOP)/tests/bench/repeats.sh
# The novelty threshold: token distances between the edits at hand, and to their repeats (seconds).
bench-novelty: all
	AIOPT_BIN=$(BINDIR) bash $(TOP)/tests/bench/novelty.sh
# Pristine through the crash check, 200 power cuts and 200 kills a workload; a
# candidate's check at the experiment's settings; the power-cut layer's overhead (~20 min).
bench-crash: all rocksdb-release
	bash $(TOP)/tests/bench/crash.sh
# The summary's seconds against --duration and the harness's clock, A/A, with
# db_bench's default clock checks and with every write's (~15 min).
bench-duration: all rocksdb-release
	bash $(TOP)/tests/bench/duration.sh
# The cpu channel's A/A spread, idle and with every core busy (~5 min).
bench-cost: all rocksdb-release
	bash $(TOP)/tests/bench/cost.sh
# The explorer's pages for a run of 500 candidates (the demo's, repeated; seconds).
bench-explore: all
	bash $(TOP)/tests/bench/explore.sh

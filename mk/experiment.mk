# mk/experiment.mk — the experiment's settings, exported to every stage.
# EXP names a directory under experiments/; its experiment.mk holds the defaults,
# which the environment (AI_OPT_*/AIOPT_*) overrides.
EXP ?= experiment_a
EXP_DIR := $(TOP)/experiments/$(EXP)
ifeq ($(wildcard $(EXP_DIR)/experiment.mk),)
$(error EXP=$(EXP): no $(EXP_DIR)/experiment.mk)
endif
include $(EXP_DIR)/experiment.mk
export AI_OPT_TARGET_FILES AIOPT_FUNCTIONS AIOPT_PROMPT_CODE_CHARS AIOPT_PROMPT_HISTORY_CHARS \
  AIOPT_HISTORY_K AIOPT_INSPIRATION_N AIOPT_INSPIRATION_CHARS AIOPT_PROFILE_TOP AIOPT_WORKLOAD \
  AI_OPT_BENCH_ARGS AIOPT_BENCH_ARGS_SYNC AIOPT_BENCH_WORKLOAD AIOPT_BENCH_DURATION \
  AIOPT_BENCH_MIN_PAIRS AIOPT_BENCH_MAX_PAIRS AIOPT_BENCH_CI_TARGET AIOPT_BENCH_SCREEN \
  AIOPT_TESTS AIOPT_TEST_TIMEOUT AIOPT_BUILD_TIMEOUT AIOPT_BCOZ_DURATION AIOPT_BCOZ_SCOPE AIOPT_COZ_TOP \
  AI_OPT_BPERF_DURATION AIOPT_OFFCPU_THREAD_WITH AIOPT_OFFCPU_STACK_BYTES
export ROCKSDB_SRC ROCKSDB_RELEASE ROCKSDB_DEBUG

# Pristine captured: build, AIOPT_BASELINE_RUNS bench runs, a Coz profile.
BASELINE_DIR ?= $(TOP)/runs/$(EXP)/baseline
.PHONY: baseline
baseline: rocksdb-release
	AI_OPT_RUN_BCOZ=$${AI_OPT_RUN_BCOZ:-1} $(TOP)/bin/stage.sh pristine $(BASELINE_DIR)
	@echo "baseline: $(BASELINE_DIR)/baseline.json"

# The experiment's settings as shell exports, to run bin/stage.sh by hand:
#   eval "$(make -s experiment-env EXP=experiment_a)"
.PHONY: experiment-env
experiment-env:
	@$(foreach v,AI_OPT_TARGET_FILES AI_OPT_BENCH_ARGS AIOPT_BENCH_ARGS_SYNC AIOPT_BENCH_WORKLOAD \
	  AIOPT_BENCH_DURATION AIOPT_BENCH_MIN_PAIRS AIOPT_BENCH_MAX_PAIRS AIOPT_BENCH_CI_TARGET AIOPT_BENCH_SCREEN \
	  AIOPT_TESTS AIOPT_TEST_TIMEOUT AIOPT_BUILD_TIMEOUT AIOPT_BCOZ_DURATION AIOPT_BCOZ_SCOPE AIOPT_COZ_TOP \
	  AI_OPT_BPERF_DURATION AIOPT_OFFCPU_THREAD_WITH AIOPT_OFFCPU_STACK_BYTES,echo "export $(v)='$($(v))'";)

# mk/experiment.mk — the experiment's settings, exported to every stage.
# EXP names a directory under EXPERIMENTS; its experiment.mk holds the defaults,
# which the environment and make's command line override.
#
# `make experiment_b` is experiment_b's run: the goal names the experiment, so its
# own settings are read here, at parse time (a target cannot change what was
# included).  EXP= still wins; EXP and EXPERIMENTS are exported so that every
# sub-make reads the same experiment.
EXPERIMENTS ?= $(TOP)/experiments
GOAL_EXP := $(firstword $(filter experiment_%,$(MAKECMDGOALS)))
ifneq ($(GOAL_EXP),)
# (over an EXP inherited from an outer make's environment, too)
ifneq ($(origin EXP),command line)
EXP := $(GOAL_EXP)
endif
endif
EXP ?= experiment_a
export EXP EXPERIMENTS
EXP_DIR := $(EXPERIMENTS)/$(EXP)

# A value from the environment or the command line is the user's text, taken as
# written: make would expand it, on export too, and AIOPT_BENCH_CMD's "$1" (the
# binary) would reach the bench stage as "".
$(foreach v,$(filter AIOPT_% AI_OPT_%,$(.VARIABLES)),\
  $(if $(filter environment command line,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))

# Every setting is named AIOPT_*.  The seed scaffold's names (AI_OPT_*) are its
# users' interface and keep working: AI_OPT_X from the environment or the command
# line is AIOPT_X, unless AIOPT_X itself is set.  This is the only place that knows.
$(foreach n,$(filter-out API_KEY,$(patsubst AI_OPT_%,%,$(filter AI_OPT_%,$(.VARIABLES)))),\
  $(eval AIOPT_$(n) ?= $$(AI_OPT_$(n))))
# make's short command-line names: make experiment_a TRACK=gpt5 SEED=2 LAUNCHER=slurm JOBS=2 …
# From make's command line only (a JOBS or TRACK in a user's shell is not a setting),
# and as written: their text is read with $(value), so a $ in it is never expanded.
# (The short name itself is made a plain copy of that text too: make exports a
# command-line variable to every recipe, expanding it on the way.)
$(foreach n,TRACK SEED TRACKS SEEDS ITERATIONS MODEL API_BASE LAUNCHER JOBS,\
  $(if $(filter command line,$(origin $(n))),$(eval override $(n) := $$(value $(n)))$(eval AIOPT_$(n) ?= $$(value $(n)))))
ifdef AI_OPT_TARGET_FILE   # the scaffold's single-file form
AIOPT_TARGET_FILES ?= $(AI_OPT_TARGET_FILE)
endif

ifeq ($(wildcard $(EXP_DIR)/experiment.mk),)
$(error EXP=$(EXP): no $(EXP_DIR)/experiment.mk)
endif
include $(EXP_DIR)/experiment.mk

# One list of settings, read off what is defined (the experiment's .mk, the
# environment, the command line) rather than kept by hand: the export and
# experiment-env below cannot disagree.  Keys are not settings: they stay in the
# environment they came from and never reach experiment-env's output.
SETTINGS = $(sort $(filter-out %_API_KEY,$(filter AIOPT_%,$(.VARIABLES))))
export $(SETTINGS)
export ROCKSDB_SRC ROCKSDB_RELEASE ROCKSDB_TSAN

# Pristine captured: build, AIOPT_BASELINE_RUNS bench runs, a Coz profile.
BASELINE_DIR ?= $(TOP)/runs/$(EXP)/baseline
.PHONY: baseline
#: make baseline [BASELINE_DIR=DIR] — pristine measured once: build, bench runs, profiles → baseline.json
baseline: rocksdb-release
	AIOPT_RUN_BCOZ=$${AIOPT_RUN_BCOZ:-1} $(TOP)/bin/stage.sh pristine $(BASELINE_DIR)
	@echo "baseline: $(BASELINE_DIR)/baseline.json"

#: make settings [EXP=NAME] — every AIOPT_* setting: name, default, range, what reads it, where the default lives
.PHONY: settings
settings: all
	@$(TOP)/bin/settings.sh $(EXP)

# The experiment's settings as shell exports, to run a stage or a tool by hand:
#   eval "$(make -s --no-print-directory experiment-env EXP=experiment_a)"
.PHONY: experiment-env
#: make experiment-env [EXP=NAME] — every setting as a run sees it, as shell exports
experiment-env:
	@$(foreach v,EXP EXPERIMENTS ROCKSDB_SRC ROCKSDB_RELEASE ROCKSDB_TSAN $(SETTINGS),printf '%s\n' $(call shell_quote,export $(v)=$(call shell_quote,$($(v))));)

# 'text' with each ' written as '\'' — a value as one shell word.
shell_quote = '$(subst ','\'',$(1))'

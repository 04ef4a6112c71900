# aiopt — see README.md.  `make` builds the filters, `make test` checks everything.
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
.DEFAULT_GOAL := all

#: make help — this list: every target a user runs, from the "#:" line above it
.PHONY: help
help:
	@awk '/^#: / { sub(/^#: /, ""); print "  " $$0 }' $(MAKEFILE_LIST)

include mk/deps.mk
include mk/build.mk
include mk/rocksdb.mk
include mk/experiment.mk
include mk/candidate.mk
include mk/track.mk
include mk/test.mk
include mk/fuzz.mk

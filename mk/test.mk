# mk/test.mk — `make test`: the bats suite against the filters just built.
# `make SAN=1 test` runs the same suite against ASan + UBSan builds.
BATS ?= bats
TEST_FILES ?= $(sort $(wildcard $(TOP)/tests/*.bats))

.PHONY: test bench
test: deps
	$(MAKE) all $(LIBCHECK)
	AIOPT_BIN=$(BINDIR) AIOPT_LIBCHECK=$(LIBCHECK) $(BATS) $(TEST_FILES)

# Performance figures quoted in the README (not timed tests).
bench: all
	@for b in $(TOP)/tests/bench/*.sh; do AIOPT_BIN=$(BINDIR) bash $$b || exit 1; done

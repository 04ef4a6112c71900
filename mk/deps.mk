# mk/deps.mk — everything aiopt needs from Debian/Ubuntu, installed only when missing.
#   make deps-run   what a run needs (make demo, make experiment_*): compilers, the
#                   tools' libraries, CMake, ccache, Coz, perf, Valgrind, gnuplot, git
#   make deps       that and what only the test suite uses: bats, node (the fake
#                   model server), AFL++ and clang (fuzzing), Slurm and munge (a
#                   one-node cluster), chromium (the explorer's pages)
DEPS_RUN_PACKAGES := build-essential pkg-config libcjson-dev libcurl4-openssl-dev jq \
  coz-profiler ccache cmake libgflags-dev gnuplot-nox dpkg-dev git patch \
  binutils util-linux bsdextrautils time linux-perf valgrind fuse3 libfuse3-dev
DEPS_TEST_PACKAGES := bats nodejs afl++ clang slurm-wlm munge chromium

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Installs the missing ones of PACKAGES.
define install_missing
@missing=$$(for p in $(1); do \
    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
  done); \
if [ -n "$$missing" ]; then \
  echo "deps: installing" $$missing; \
  $(SUDO) apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

.PHONY: deps deps-run
#: make deps-run — install what a run needs from the distribution's archive (only what is missing)
deps-run:
	$(call install_missing,$(DEPS_RUN_PACKAGES))
#: make deps — that and what the test suite needs (bats, node, AFL++, Slurm, Chromium)
deps:
	$(call install_missing,$(DEPS_RUN_PACKAGES) $(DEPS_TEST_PACKAGES))

# mk/deps.mk — everything aiopt needs from Debian/Ubuntu, installed only when missing.
DEPS_PACKAGES := build-essential pkg-config libcjson-dev libcurl4-openssl-dev jq bats \
  coz-profiler ccache cmake libgflags-dev gnuplot-nox nodejs dpkg-dev git patch \
  binutils util-linux bsdextrautils time linux-perf afl++ clang slurm-wlm munge chromium

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: deps
deps:
	@missing=$$(for p in $(DEPS_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

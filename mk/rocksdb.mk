# mk/rocksdb.mk — the RocksDB source tree and its builds.
# The version is chosen here, in one place.
ROCKSDB_VERSION ?= 7.8.3
BUILD_DIR       ?= $(TOP)/build
# Absolute: the stages run in other directories (BUILD_DIR=build/9.10.0 works).
override BUILD_DIR := $(abspath $(BUILD_DIR))
ROCKSDB_SRC     ?= $(BUILD_DIR)/rocksdb-src
ROCKSDB_RELEASE ?= $(BUILD_DIR)/rocksdb-release
# Patches to put on pristine besides Coz's progress point (which
# bin/coz-progress-point.sh places by what the code does, in any 7.x-10.x).
ROCKSDB_PATCHES ?=

# ccache keyed on paths relative to the project, so a fresh clone reuses the cache.
export CCACHE_BASEDIR := $(BUILD_DIR)
export CCACHE_NOHASHDIR := 1
ROCKSDB_JOBS ?= $(shell nproc)
# What this machine's C++ compiler needs to build RocksDB (e.g. -include cstdint
# under libstdc++ 13 for 7.x), and the debug information Coz 0.2.2 can read
# (DWARF 4; gcc without location views): probed by bin/cxx-compat-flags.sh, not
# set by hand; recursive (=), so only a RocksDB configure runs the probe.
# CXX as CMake will see it: the user's, when set; else CMake's own choice (c++).
ROCKSDB_CXX_PROBE = $(shell $(if $(filter default,$(origin CXX)),,CXX='$(CXX)') $(TOP)/bin/cxx-compat-flags.sh $(1))
ROCKSDB_CXX_COMPAT = $(call ROCKSDB_CXX_PROBE)
ROCKSDB_DEBUG_FLAGS = $(call ROCKSDB_CXX_PROBE,--coz)

ROCKSDB_CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $(ROCKSDB_DEBUG_FLAGS) -DNDEBUG$(if $(ROCKSDB_CXX_COMPAT), $(ROCKSDB_CXX_COMPAT))" \
  -DROCKSDB_BUILD_SHARED=OFF -DWITH_GFLAGS=ON -DWITH_TESTS=OFF -DWITH_LIBURING=OFF \
  -DFAIL_ON_WARNINGS=OFF -DPORTABLE=ON -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF

.PHONY: rocksdb-src rocksdb-check rocksdb-release
rocksdb-src: $(ROCKSDB_SRC)/.git
$(ROCKSDB_SRC)/.git:
	$(TOP)/bin/fetch-rocksdb.sh $(ROCKSDB_SRC) $(ROCKSDB_VERSION) $(ROCKSDB_PATCHES)

# Before any build: is the tree the version asked for (a user's checkout is
# whatever it is), and does it hold what the experiment uses?  Under a second.
#: make rocksdb-check — does the tree hold what the experiment uses (seconds, before any build)
rocksdb-check: all | $(ROCKSDB_SRC)/.git
	@$(TOP)/bin/check-rocksdb.sh $(ROCKSDB_SRC) $(if $(AIOPT_ROCKSDB_PATH),,$(ROCKSDB_VERSION))

# A cold build takes minutes (17 here): one progress line (bin/build-progress.sh),
# the compiler's lines in build-release.log / build-tsan.log beside the trees.
#: make rocksdb-release, make rocksdb-tests — RocksDB's db_bench, and the gate's TSan programs (ccache)
rocksdb-release: $(ROCKSDB_RELEASE)/db_bench
$(ROCKSDB_RELEASE)/db_bench: | rocksdb-check
	cmake -S $(ROCKSDB_SRC) -B $(ROCKSDB_RELEASE) $(ROCKSDB_CMAKE_FLAGS) > $(BUILD_DIR)/cmake-release.log
	$(TOP)/bin/build-progress.sh $(BUILD_DIR)/build-release.log cmake --build $(ROCKSDB_RELEASE) --target db_bench -j $(ROCKSDB_JOBS)

# RocksDB's tests are built only in Debug (sync points are compiled out under
# NDEBUG), and with ThreadSanitizer: the write group is concurrent code, and a race
# a model introduces there passes most tests silently.  One build directory holds
# the gate's test binaries and db_stress (a second cold build, not a third).
# -O1 keeps TSan's 5-15x slowdown bearable; -g1 gives its reports line numbers.
ROCKSDB_TSAN ?= $(BUILD_DIR)/rocksdb-tsan
# The programs of the experiment's gate (AIOPT_GATE, set in its experiment.mk).
ROCKSDB_GATE_TARGETS = $(sort $(shell awk -F'\t' '!/^\#/ && NF {print $$1}' $(AIOPT_GATE)))
ROCKSDB_TSAN_CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=Debug -DWITH_TSAN=ON \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1$(if $(ROCKSDB_CXX_COMPAT), $(ROCKSDB_CXX_COMPAT))" -DROCKSDB_BUILD_SHARED=OFF -DWITH_GFLAGS=ON \
  -DWITH_TESTS=ON -DWITH_ALL_TESTS=ON -DWITH_BENCHMARK_TOOLS=OFF -DWITH_LIBURING=OFF \
  -DFAIL_ON_WARNINGS=OFF -DPORTABLE=ON -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF -DWITH_TOOLS=ON

.PHONY: rocksdb-tests
rocksdb-tests: | rocksdb-check
	@[ -f $(ROCKSDB_TSAN)/CMakeCache.txt ] || \
	  cmake -S $(ROCKSDB_SRC) -B $(ROCKSDB_TSAN) $(ROCKSDB_TSAN_CMAKE_FLAGS) > $(BUILD_DIR)/cmake-tsan.log
	$(TOP)/bin/build-progress.sh $(BUILD_DIR)/build-tsan.log cmake --build $(ROCKSDB_TSAN) --target $(ROCKSDB_GATE_TARGETS) -j $(ROCKSDB_JOBS)

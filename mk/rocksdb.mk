# mk/rocksdb.mk — the RocksDB source tree and its builds.
# The version is chosen here, in one place.
ROCKSDB_VERSION ?= 7.8.3
BUILD_DIR       ?= $(TOP)/build
ROCKSDB_SRC     ?= $(BUILD_DIR)/rocksdb-src
ROCKSDB_RELEASE ?= $(BUILD_DIR)/rocksdb-release
ROCKSDB_PATCHES ?= $(TOP)/experiments/experiment_a/db_bench-coz-progress.patch

# Coz 0.2.2 crashes on DWARF 5 and ignores gcc 12 line tables with location views.
ROCKSDB_DEBUG_FLAGS := -gdwarf-4 -gno-variable-location-views
# ccache keyed on paths relative to the project, so a fresh clone reuses the cache.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
ROCKSDB_JOBS ?= $(shell nproc)

ROCKSDB_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $(ROCKSDB_DEBUG_FLAGS) -DNDEBUG" \
  -DROCKSDB_BUILD_SHARED=OFF -DWITH_GFLAGS=ON -DWITH_TESTS=OFF -DWITH_LIBURING=OFF \
  -DFAIL_ON_WARNINGS=OFF -DPORTABLE=ON -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF

.PHONY: rocksdb-src rocksdb-release
rocksdb-src: $(ROCKSDB_SRC)/.git
$(ROCKSDB_SRC)/.git:
	$(TOP)/bin/fetch-rocksdb.sh $(ROCKSDB_SRC) $(ROCKSDB_VERSION) $(ROCKSDB_PATCHES)

rocksdb-release: $(ROCKSDB_RELEASE)/db_bench
$(ROCKSDB_RELEASE)/db_bench: | $(ROCKSDB_SRC)/.git
	cmake -S $(ROCKSDB_SRC) -B $(ROCKSDB_RELEASE) $(ROCKSDB_CMAKE_FLAGS) > $(BUILD_DIR)/cmake-release.log
	cmake --build $(ROCKSDB_RELEASE) --target db_bench -j $(ROCKSDB_JOBS)

# RocksDB's tests are built only in Debug (sync points are compiled out under
# NDEBUG): a second build directory of the same tree.  -O1 keeps them quick to run.
ROCKSDB_DEBUG ?= $(BUILD_DIR)/rocksdb-debug
ROCKSDB_TESTS ?= db_write_test fault_injection_test
ROCKSDB_DEBUG_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g0" -DROCKSDB_BUILD_SHARED=OFF -DWITH_GFLAGS=ON \
  -DWITH_TESTS=ON -DWITH_ALL_TESTS=ON -DWITH_BENCHMARK_TOOLS=OFF -DWITH_LIBURING=OFF \
  -DFAIL_ON_WARNINGS=OFF -DPORTABLE=ON -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF

.PHONY: rocksdb-tests
rocksdb-tests: | $(ROCKSDB_SRC)/.git
	@[ -f $(ROCKSDB_DEBUG)/CMakeCache.txt ] || \
	  cmake -S $(ROCKSDB_SRC) -B $(ROCKSDB_DEBUG) $(ROCKSDB_DEBUG_CMAKE_FLAGS) > $(BUILD_DIR)/cmake-debug.log
	cmake --build $(ROCKSDB_DEBUG) --target $(ROCKSDB_TESTS) -j $(ROCKSDB_JOBS)

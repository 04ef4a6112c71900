# mk/fuzz.mk — AFL++ over every parser and the record reader (tests/fuzz/).
#   make fuzz                 FUZZ_SECONDS (300) on each target
#   make fuzz-smoke           CI's minute: 8 s on each of the 12 targets
# The tools are built with afl-clang-fast and ASan+UBSan into build/afl/bin.
FUZZ_SECONDS ?= 300
AFL_BIN := $(TOP)/build/afl/bin

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build:
	AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 $(MAKE) -s CC=afl-clang-fast \
	  OBJDIR=$(TOP)/build/afl/obj BINDIR=$(AFL_BIN) all $(TOP)/build/afl/obj/libcheck
	cp $(TOP)/build/afl/obj/libcheck $(AFL_BIN)/libcheck
#: make fuzz [FUZZ_SECONDS=300], make fuzz-smoke — AFL++ on every parser and the record reader
fuzz: fuzz-build
	$(TOP)/tests/fuzz/run.sh $(FUZZ_SECONDS)
fuzz-smoke: fuzz-build
	$(TOP)/tests/fuzz/run.sh 8

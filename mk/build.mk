# mk/build.mk — the C filters: src/<tool>.c + src/lib/*.c → bin/<tool>.
# SAN=1 builds AddressSanitizer + UBSan variants into build/san/bin instead.
CC      ?= cc
CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
LDLIBS  := -Wl,--as-needed -lcjson -lcurl -lm
ifeq ($(SAN),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
OBJDIR  := $(TOP)/build/san/obj
BINDIR  := $(TOP)/build/san/bin
else
OBJDIR  := $(TOP)/build/obj
BINDIR  := $(TOP)/bin
endif

TOOLS    := $(patsubst src/%.c,%,$(wildcard src/*.c))
LIB_SRCS := $(wildcard src/lib/*.c)
LIB_OBJS := $(patsubst src/lib/%.c,$(OBJDIR)/lib/%.o,$(LIB_SRCS))
LIB_A    := $(OBJDIR)/libaiopt.a
BINS     := $(addprefix $(BINDIR)/,$(TOOLS))

.PHONY: all
#: make [all] [SAN=1] — build the tools into bin/ (SAN=1: ASan + UBSan builds in build/san/bin)
all: $(BINS)

# A tool too big for one file keeps its parts in src/<tool>/ (its own header
# there): they are linked into that tool only.
PARTS_OF = $(patsubst src/%.c,$(OBJDIR)/%.o,$(wildcard src/$(1)/*.c))
HEADERS  := $(wildcard src/lib/*.h src/*/*.h)

$(OBJDIR)/lib/%.o: src/lib/%.c $(HEADERS) | $(OBJDIR)/lib
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<
$(OBJDIR)/%.o: src/%.c $(HEADERS) | $(OBJDIR)/lib
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<
$(LIB_A): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^
.SECONDEXPANSION:
$(BINDIR)/%: $(OBJDIR)/%.o $$(call PARTS_OF,$$*) $(LIB_A) | $(BINDIR)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(LDLIBS)
$(OBJDIR)/lib $(BINDIR):
	mkdir -p $@

.PHONY: clean
#: make clean — remove the tools' builds (not RocksDB's, not runs)
clean:
	rm -rf $(TOP)/build/obj $(TOP)/build/san $(addprefix $(TOP)/bin/,$(TOOLS))

# A driver for the lib's own tests (tests/lib.bats); not installed.
LIBCHECK := $(OBJDIR)/libcheck
$(LIBCHECK): tests/helpers/libcheck.c $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -Isrc -o $@ $< $(LIB_A) $(LDLIBS)
.SECONDARY: $(patsubst %,$(OBJDIR)/%.o,$(TOOLS))

# The power-cut layer is a FUSE file system (Debian's libfuse3-dev).
$(OBJDIR)/powercut.o: CFLAGS += $(shell pkg-config --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)
$(BINDIR)/powercut: LDLIBS += -lfuse3

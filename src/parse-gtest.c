/* parse-gtest — the test stage's verdict from its log: RocksDB's gtest programs
 * and db_stress run one after another, each announced by bin/stage.sh with
 * "=== PROGRAM#N ARGS" and closed with "=== PROGRAM#N took S s" (and "exited
 * CODE[: why]" when it did not exit 0).
 *
 * Writes {"passed", "failed", "failed_tests", "exits", "races"} per log: gtest's
 * "[       OK ]" and "[  FAILED  ]" lines (the summary's repeats and
 * parameter notes dropped), the programs that exited non-zero, and for each
 * ThreadSanitizer report its kind and its first frame outside the sanitizer, its
 * file given relative to --source-root (a short line the next prompt can show;
 * the file found as profiles' are, lib/source).  A log without any "=== " line
 * is not a gate log (exit 1). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/inputs.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/source.h"
#include "lib/util.h"

/* At most this many race reports are kept: the first ones are what to fix. */
enum { MAX_RACES = 3 };

struct options {
	const char *source_root;
};

struct log_state {
	long passed, markers;
	cJSON *failed, *exits, *races;
	char *race_kind;        /* a TSan report whose first own frame is still to come */
};

/* "[  FAILED  ] Suite.Name (12 ms)" or ", where GetParam() = …" → "Suite.Name". */
static void failed_line(struct log_state *st, const char *name)
{
	if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
		return;   /* "[  FAILED  ] 2 tests, listed below:" */
	size_t n = strcspn(name, " ,");
	char *test = strndup(name, n);
	json_add_unique_string(st->failed, test);
	free(test);
}

/* "    #0 rocksdb::DBImpl::WriteImpl(...) /src/db/db_impl/db_impl_write.cc:306 (prog+0x…)" */
static void frame_line(struct log_state *st, const char *frame, const struct options *o)
{
	if (strstr(frame, "sanitizer") || strstr(frame, "tsan_"))
		return;
	char *f = xstrdup(frame);
	char *tail = strstr(f, " (");
	/* the frame's own "(args)" stay; only the trailing " (binary+0x…)" goes */
	char *last = NULL;
	for (char *p = tail; p; p = strstr(p + 1, " ("))
		last = p;
	if (last && strchr(last, '+'))
		*last = '\0';
	/* "FUNCTION FILE:LINE": FILE as the tree names it */
	char *file = strrchr(f, ' '), *colon = file ? strrchr(file, ':') : NULL, *rel = NULL;
	if (o->source_root && colon) {
		*colon = '\0';
		rel = source_relative(o->source_root, file + 1);
		*colon = ':';
	}
	if (rel) {
		char *shorter = xasprintf("%.*s %s%s", (int)(file - f), f, rel, colon);
		free(f);
		f = shorter;
		free(rel);
	}
	if (cJSON_GetArraySize(st->races) < MAX_RACES) {
		char *line = xasprintf("ThreadSanitizer: %s in %s", st->race_kind, f);
		json_add_unique_string(st->races, line);
		free(line);
	}
	free(f);
	free(st->race_kind);
	st->race_kind = NULL;
}

static void read_line(struct log_state *st, const char *l, const struct options *o)
{
	static const char tsan[] = "WARNING: ThreadSanitizer: ";
	if (strncmp(l, "=== ", 4) == 0) {
		st->markers++;
		if (strstr(l, " exited "))
			json_add_unique_string(st->exits, l + 4);
	} else if (strncmp(l, "[       OK ]", 12) == 0) {
		st->passed++;
	} else if (strncmp(l, "[  FAILED  ] ", 13) == 0) {
		failed_line(st, l + 13);
	} else if (strncmp(l, tsan, sizeof tsan - 1) == 0) {
		free(st->race_kind);
		const char *kind = l + sizeof tsan - 1;
		st->race_kind = strndup(kind, strstr(kind, " (pid=") ? (size_t)(strstr(kind, " (pid=") - kind) : strlen(kind));
	} else if (st->race_kind) {
		const char *p = l + strspn(l, " ");
		if (p[0] == '#' && p[1] >= '0' && p[1] <= '9')
			frame_line(st, p + strcspn(p, " ") + (p[strcspn(p, " ")] == ' '), o);
	}
}

static int parse(FILE *in, const char *name, void *ctx)
{
	const struct options *o = ctx;
	struct log_state st = { .failed = cJSON_CreateArray(), .exits = cJSON_CreateArray(), .races = cJSON_CreateArray() };
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, name);
	lr->max_line = 1 << 16;   /* a runaway line is cut, never held whole */
	while (lr_next(lr) >= 0)
		read_line(&st, lr->line, o);
	int bad = lr->read_error || st.markers == 0;
	cJSON *out;
	if (bad) {
		warnx_("%s: %s", name, lr->read_error ? "read error" : "no \"=== \" line: not a test-stage log");
		out = error_record("test", "%s: not a test-stage log", name);
		cJSON_Delete(st.failed);
		cJSON_Delete(st.exits);
		cJSON_Delete(st.races);
	} else {
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "passed", (double)st.passed);
		cJSON_AddNumberToObject(out, "failed", cJSON_GetArraySize(st.failed));
		cJSON_AddItemToObject(out, "failed_tests", st.failed);
		cJSON_AddItemToObject(out, "exits", st.exits);
		cJSON_AddItemToObject(out, "races", st.races);
	}
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	free(st.race_kind);
	lr_free(lr);
	free(lr);
	return bad;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct opt_spec specs[] = {
		{ OPT_STRING("source-root", "DIR", &o.source_root, NULL, "give race reports' files relative to the tree at DIR") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-gtest",
		.operands = "[LOG...]",
		.summary = "Reads test-stage logs (bin/stage.sh's test.log) and writes one verdict per log:\n"
		"{passed, failed, failed_tests, exits, races}.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	return for_each_input(argc, argv, first, "parse-gtest", parse, &o);
}

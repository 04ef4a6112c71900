/* split-edit — an edit's blocks, each written alone.
 *
 * Reads an edit (SEARCH/REPLACE blocks or a unified diff, in the grammar of
 * src/lib/edit.c: the one apply-diff applies) and prints one JSON line per block:
 * {block, file, old_line, old_lines, added, removed, edit} (old_lines: the old file's
 * lines the block spans from old_line, its context among them), where "edit" is that block as an
 * edit of its own.  Any subset of the "edit"s, concatenated, is again an edit
 * apply-diff reads: the minimize stage builds and measures subsets of a
 * candidate's hunks that way. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/edit.h"
#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/util.h"

/* Lines the block adds and removes: a hunk's "+" and "-" lines (its text's two
 * file lines and "@@" line aside); a SEARCH/REPLACE block replaces all it finds. */
static void counts(const struct block *b, long *added, long *removed)
{
	*added = *removed = 0;
	if (!b->from_diff) {
		*added = (long)b->replace.n;
		*removed = (long)b->search.n;
		return;
	}
	int line = 0;
	for (const char *p = b->text; *p; line++) {
		if (line >= 3 && (*p == '+' || *p == '-'))
			(*p == '+' ? (*added)++ : (*removed)++);
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
}

int main(int argc, char **argv)
{
	struct opt_spec specs[] = { { OPT_END } };
	const struct opt_tool tool = {
		.name = "split-edit",
		.operands = "[FILE]",
		.summary = "Prints each block of the edit in FILE (stdin without one) as a JSON line\n"
		"{block, file, old_line, old_lines, added, removed, edit}: old_lines, the old file's lines\n"
		"the block spans from old_line (a hunk's context among them); \"edit\", the block alone, an edit\n"
		"apply-diff reads; any of them concatenated are one too.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (argc - first > 1)
		die(EXIT_USAGE, "unexpected argument %s (one FILE at most)", argv[first + 1]);
	const char *name = first < argc ? argv[first] : "stdin";
	FILE *f = first < argc ? fopen(name, "r") : stdin;
	if (!f)
		input_error("%s: %s", name, strerror(errno));
	size_t len;
	char *text = read_stream(f, &len);
	if (!text)
		input_error("%s: %s", name, strerror(errno));
	if (f != stdin)
		fclose(f);
	struct edit e = { 0 };
	char *err = edit_parse(text, len, &e);
	free(text);
	if (err) {   /* the message copied out: nothing is left allocated at exit */
		char msg[512];
		snprintf(msg, sizeof msg, "%s: %s", name, err);
		edit_free(&e);
		free(err);
		input_error("%s", msg);
	}
	for (size_t i = 0; i < e.n; i++) {
		const struct block *b = &e.b[i];
		long added, removed;
		counts(b, &added, &removed);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "block", (double)b->number);
		cJSON_AddItemToObject(o, "file", b->file ? cJSON_CreateString(b->file) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "old_line", b->old_line > 0 ? cJSON_CreateNumber((double)b->old_line) : cJSON_CreateNull());
		cJSON_AddNumberToObject(o, "old_lines", (double)b->search.n);
		cJSON_AddNumberToObject(o, "added", (double)added);
		cJSON_AddNumberToObject(o, "removed", (double)removed);
		cJSON_AddStringToObject(o, "edit", b->text);
		jsonl_write(stdout, o);
		cJSON_Delete(o);
	}
	edit_free(&e);
	return fflush(stdout) == 0 ? 0 : EXIT_SYSTEM;
}

/* canon-patch — the canonical form of an edit (src/lib/canon.c), its hash, and
 * how near another edit is.
 *
 *	canon-patch [--form] [DIFF...]      per DIFF: {canonical_hash, changed_statements, tokens}
 *	canon-patch --nearest DIFF < list   the listed edit nearest DIFF: {nearest, distance}
 *
 * A DIFF is a tree's patch against pristine (the apply stage's cumulative.diff).
 * --form prints the form itself.  --nearest reads "ID<TAB>DIFF" lines and prints
 * the ID whose form is nearest DIFF's by token edit distance on what each changes
 * beyond what they share (0: the same tokens; 1: none in common), null when the
 * list is empty; "not_compared" counts the edits too long to compare (past
 * MAX_TOKENS): the runner's novelty check. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/canon.h"
#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/util.h"

/* Tokens compared at most, a form each: a model's edit is a few hundred. */
#define MAX_TOKENS 4000

static char *form_of(const char *name, FILE *f)
{
	size_t len;
	char *text = read_stream(f, &len);
	if (!text)
		input_error("%s: %s", name, strerror(errno));
	char *form = canon_patch(text, len);
	free(text);
	return form;
}

static char *form_of_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		input_error("%s: %s", path, strerror(errno));
	char *form = form_of(path, f);
	fclose(f);
	return form;
}

static void describe(const char *form)
{
	char hash[17];
	canon_hash(form, hash);
	size_t statements = 0, tokens;
	char **t = canon_tokens(form, &tokens);
	canon_tokens_free(t, tokens);
	/* the changed statements: the form's "- " and "+ " lines */
	for (const char *p = form; *p;) {
		if (*p == '-' || *p == '+')
			statements++;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "canonical_hash", hash);
	cJSON_AddNumberToObject(o, "changed_statements", (double)statements);
	cJSON_AddNumberToObject(o, "tokens", (double)tokens);
	jsonl_write(stdout, o);
	cJSON_Delete(o);
}

static void nearest(const char *path)
{
	char *mine = form_of_file(path);
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	double best = 2;
	long not_compared = 0;   /* past MAX_TOKENS: neither near nor far, counted */
	char *best_id = NULL;
	while (getline(&line, &cap, stdin) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab || tab == line || !tab[1])
			input_error("stdin:%ld: not ID<TAB>DIFF", lineno);
		*tab = '\0';
		char *other = form_of_file(tab + 1);
		double d = canon_distance(mine, other, MAX_TOKENS);
		not_compared += isnan(d);
		if (d < best) {
			best = d;
			free(best_id);
			best_id = xstrdup(line);
		}
		free(other);
	}
	free(line);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "nearest", best_id ? cJSON_CreateString(best_id) : cJSON_CreateNull());
	json_add_number_or_null(o, "distance", best_id ? best : NAN);
	cJSON_AddNumberToObject(o, "not_compared", (double)not_compared);
	jsonl_write(stdout, o);
	cJSON_Delete(o);
	free(best_id);
	free(mine);
}

int main(int argc, char **argv)
{
	int print_form = 0;
	const char *near = NULL;
	struct opt_spec specs[] = {
		{ OPT_FLAG("form", &print_form, "print the canonical form itself, not its hash") },
		{ OPT_STRING("nearest", "DIFF", &near, NULL,
			     "the listed edit nearest DIFF (stdin: ID<TAB>DIFF lines): {nearest, distance}") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "canon-patch",
		.operands = "[DIFF...]",
		.summary = "The canonical form of an edit: the statements a tree's patch against pristine\n"
		"removes or adds, with comments and whitespace taken out, however its lines are laid\n"
		"out (src/lib/canon.c).  Per DIFF (stdin without one): {canonical_hash, changed_statements, tokens}.\n"
		"Two edits that differ only in whitespace, comments or blank lines have one hash.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (near) {
		if (first != argc)
			die(EXIT_USAGE, "--nearest takes its list on stdin, not %s", argv[first]);
		nearest(near);
	} else if (first == argc) {
		char *form = form_of("stdin", stdin);
		print_form ? (void)fputs(form, stdout) : describe(form);
		free(form);
	} else {
		for (int i = first; i < argc; i++) {
			char *form = form_of_file(argv[i]);
			print_form ? (void)fputs(form, stdout) : describe(form);
			free(form);
		}
	}
	return fflush(stdout) == 0 ? 0 : EXIT_SYSTEM;
}

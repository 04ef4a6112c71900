/* parse-build — what a failed build says, short enough for the next prompt, from
 * its log (the build stage's build.log, the test stage's test-build.log).
 *
 * Writes {"errors", "error_count", "withheld", "undefined_references"} per log:
 * gcc's and clang's "FILE:LINE[:COL]: [fatal ]error: …" lines about files inside
 * --source-root, with the root cut from their paths; how many errors were about
 * files outside it (counted, never quoted: an edit that #includes /etc/shadow or
 * a key file must not get the compiler to show it to the model); and the linker's
 * "undefined reference to …".  A relative path is the compiler's, relative to
 * --cwd (the build directory CMake compiles in). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
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

/* A quoted line is cut here: a template error can run to kilobytes. */
enum { MAX_ERROR_BYTES = 400, MAX_REFERENCE_BYTES = 200, MAX_REFERENCES = 4 };

struct options {
	const char *source_root, *cwd;
	long max_errors;
	char *root_real, *cwd_real;   /* resolved once */
};

struct log_state {
	cJSON *errors, *references;
	long error_count, withheld;
};

/* s cut to at most max bytes, never inside a UTF-8 character (the compiler
 * quotes names in ‘’). */
static char *cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return strndup(s, n);
}

/* path made absolute against cwd and cleaned of "." and ".." without touching the
 * file system: the file an error names need not exist here. */
static char *absolute(const char *cwd, const char *path)
{
	char *joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	char *out = xmalloc(strlen(joined) + 2);
	size_t n = 0;
	char *save = NULL;
	for (char *part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;   /* the '/' before the dropped part */
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, part, strlen(part));
		n += strlen(part);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(joined);
	return out;
}

/* Length of "FILE:LINE[:COL]" at the start of l when ": error: " or ": fatal
 * error: " follows it; 0 when l is not an error line. */
static size_t error_location(const char *l, size_t *file_len)
{
	size_t f = strcspn(l, ": \t");
	if (f == 0 || l[f] != ':' || !isdigit((unsigned char)l[f + 1]))
		return 0;
	size_t p = f + 1;
	while (isdigit((unsigned char)l[p]))
		p++;
	if (l[p] == ':' && isdigit((unsigned char)l[p + 1])) {
		p++;
		while (isdigit((unsigned char)l[p]))
			p++;
	}
	if (strncmp(l + p, ": error: ", 9) != 0 && strncmp(l + p, ": fatal error: ", 15) != 0)
		return 0;
	*file_len = f;
	return p;
}

static void error_line(struct log_state *st, const char *l, size_t file_len, const struct options *o)
{
	char *file = strndup(l, file_len);
	char *abs = absolute(o->cwd_real, file);
	size_t root_len = strlen(o->root_real);
	if (!path_inside(abs, o->root_real)) {
		st->withheld++;
	} else {
		st->error_count++;
		if (cJSON_GetArraySize(st->errors) < o->max_errors) {
			char *rel = xasprintf("%s%s", abs + root_len + (root_len > 1), l + file_len);
			char *cut = cut_utf8(rel, MAX_ERROR_BYTES);
			cJSON_AddItemToArray(st->errors, cJSON_CreateString(cut));
			free(cut);
			free(rel);
		}
	}
	free(abs);
	free(file);
}

static void reference_line(struct log_state *st, const char *ref)
{
	char *cut = cut_utf8(ref, MAX_REFERENCE_BYTES);
	if (cJSON_GetArraySize(st->references) < MAX_REFERENCES)
		json_add_unique_string(st->references, cut);
	free(cut);
}

static int parse(FILE *in, const char *name, void *ctx)
{
	const struct options *o = ctx;
	struct log_state st = { .errors = cJSON_CreateArray(), .references = cJSON_CreateArray() };
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, name);
	lr->max_line = 1 << 16;   /* a runaway line is cut, never held whole */
	while (lr_next(lr) >= 0) {
		size_t file_len;
		const char *ref;
		if (error_location(lr->line, &file_len))
			error_line(&st, lr->line, file_len, o);
		else if ((ref = strstr(lr->line, "undefined reference to ")) != NULL)
			reference_line(&st, ref);
	}
	int bad = lr->read_error != 0;
	cJSON *out;
	if (bad) {
		warnx_("%s: read error: %s", name, strerror(lr->read_error));
		out = error_record("build", "%s: read error: %s", name, strerror(lr->read_error));
		cJSON_Delete(st.errors);
		cJSON_Delete(st.references);
	} else {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "errors", st.errors);
		cJSON_AddNumberToObject(out, "error_count", (double)st.error_count);
		cJSON_AddNumberToObject(out, "withheld", (double)st.withheld);
		cJSON_AddItemToObject(out, "undefined_references", st.references);
	}
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	lr_free(lr);
	free(lr);
	return bad;
}

static char *resolved(const char *option, const char *dir)
{
	char *real = realpath(dir, NULL);
	if (!real)
		die(EXIT_USAGE, "--%s %s: %s", option, dir, strerror(errno));
	return real;
}

int main(int argc, char **argv)
{
	struct options o = { .max_errors = 8 };
	struct opt_spec specs[] = {
		{ OPT_STRING("source-root", "DIR", &o.source_root, NULL,
			     "the tree: only errors about its files are quoted, its path cut"), .required = 1 },
		{ OPT_STRING("cwd", "DIR", &o.cwd, NULL, "where the compiler ran: relative paths are from here (default: the root)") },
		{ OPT_LONG("max-errors", "N", &o.max_errors, 0, 1000, NULL, "errors quoted") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-build",
		.operands = "[LOG...]",
		.summary = "Reads build logs and writes, per log, the compiler's first errors about the tree's\n"
			   "own files (paths relative to it), how many were about files outside it (withheld),\n"
			   "and the linker's undefined references: {errors, error_count, withheld,\n"
			   "undefined_references}.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	o.root_real = resolved("source-root", o.source_root);
	o.cwd_real = resolved("cwd", o.cwd ? o.cwd : o.source_root);
	int status = for_each_input(argc, argv, first, "parse-build", parse, &o);
	free(o.root_real);
	free(o.cwd_real);
	return status;
}

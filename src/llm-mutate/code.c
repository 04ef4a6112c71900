/* code.c — the parent's code for the prompt: the experiment's functions cut from
 * the target files with their exact text (all overloads), or the whole files. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/jsonl.h"
#include "../lib/util.h"
#include "llm-mutate.h"

/* Skips a comment, string or char literal at p; returns the position after it,
 * or p when there is none. */
static const char *skip_literal(const char *p)
{
	if (p[0] == '/' && p[1] == '/') {
		const char *e = strchr(p, '\n');
		return e ? e : p + strlen(p);
	}
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");
		return e ? e + 2 : p + strlen(p);
	}
	if (p[0] == 'R' && p[1] == '"') {   /* raw string R"delim( ... )delim" */
		const char *open = strchr(p + 2, '(');
		if (open && open - p < 20) {
			char close[24];
			snprintf(close, sizeof close, ")%.*s\"", (int)(open - p - 2), p + 2);
			const char *e = strstr(open, close);
			return e ? e + strlen(close) : p + strlen(p);
		}
	}
	if (*p == '"' || *p == '\'') {
		char q = *p;
		for (p++; *p && *p != q; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	return p;
}

/* The matching close of the bracket at p ('(' or '{'), skipping literals. */
static const char *match_bracket(const char *p)
{
	char open = *p, close = open == '(' ? ')' : '}';
	int depth = 0;
	while (*p) {
		const char *q = skip_literal(p);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p;
		p++;
	}
	return NULL;
}

/* Calls found(start, end, arg) for every definition of name ("DBImpl::WriteToWAL")
 * in src: start at the beginning of its first line (the return type's, when that
 * has a line of its own), end at its closing brace.  Returns how many. */
static int each_definition(const char *src, const char *name,
			   void (*found)(const char *start, const char *end, void *arg), void *arg)
{
	int n_found = 0;
	size_t n = strlen(name);
	const char *p = src;
	while (*p) {
		const char *q = skip_literal(p);
		if (q != p) {
			p = q;
			continue;
		}
		if (strncmp(p, name, n) != 0 || (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == ':'))) {
			p++;
			continue;
		}
		const char *paren = p + n;
		while (*paren == ' ' || *paren == '\n')
			paren++;
		if (*paren != '(') {
			p++;
			continue;
		}
		const char *close = match_bracket(paren);
		if (!close)
			break;
		/* After the parameters: qualifiers, then '{' for a definition. */
		const char *t = close + 1;
		while (*t && *t != '{' && *t != ';' && *t != '}' && *t != '(')
			t++;
		if (*t != '{') {
			p = close + 1;
			continue;
		}
		const char *end = match_bracket(t);
		if (!end)
			break;
		const char *start = p;
		while (start > src && start[-1] != '\n')
			start--;
		/* "Status\nDBImpl::Foo(" — the return type on the line before. */
		if (start == p && start > src) {
			const char *prev = start - 1;
			while (prev > src && prev[-1] != '\n')
				prev--;
			if (prev < start - 1 && isalpha((unsigned char)*prev))
				start = prev;
		}
		found(start, end, arg);
		n_found++;
		p = end + 1;
	}
	return n_found;
}

static void append_text(const char *start, const char *end, void *out)
{
	buf_add(out, start, (size_t)(end - start) + 1);
	buf_puts(out, "\n\n");
}

/* Appends every definition of name in src to out, with its exact text.  Returns how many. */
static int cut_function(const char *src, const char *name, struct buf *out)
{
	return each_definition(src, name, append_text, out);
}

struct line_ranges {
	const char *src;
	cJSON *ranges;
};

static long line_of(const char *src, const char *p)
{
	long line = 1;
	for (const char *q = src; q < p; q++)
		line += *q == '\n';
	return line;
}

static void append_range(const char *start, const char *end, void *arg)
{
	struct line_ranges *lr = arg;
	cJSON *r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, cJSON_CreateNumber((double)line_of(lr->src, start)));
	cJSON_AddItemToArray(r, cJSON_CreateNumber((double)line_of(lr->src, end)));
	cJSON_AddItemToArray(lr->ranges, r);
}

void function_lines(const char *src, const char *name, cJSON *ranges)
{
	struct line_ranges lr = { src, ranges };
	each_definition(src, name, append_range, &lr);
}

int read_target_files(const struct settings *s, struct target_file *f)
{
	char *files = xstrdup(s->target_files), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(files, " ,", &save); t && n < MAX_TARGETS; t = strtok_r(NULL, " ,", &save)) {
		char *full = xasprintf("%s/%s", s->tree, t);
		size_t len;
		char *text = read_file(full, &len);
		if (!text)
			die(EXIT_INPUT, "%s: %s (the tree must hold the parent's version)", full, strerror(errno));
		free(full);
		f[n].path = xstrdup(t);
		f[n++].text = text;
	}
	free(files);
	return n;
}

/* The code section: whole files when they fit, else the named functions. */
char *code_section(const struct settings *s, cJSON *warnings)
{
	struct buf out = { 0 };
	struct target_file f[MAX_TARGETS];
	size_t total = 0;
	int nf = read_target_files(s, f);
	for (int i = 0; i < nf; i++)
		total += strlen(f[i].text);
	for (int i = 0; i < nf; i++) {
		buf_printf(&out, "### %s\n\n```cpp\n", f[i].path);
		if (total <= (size_t)s->code_chars) {
			buf_puts(&out, f[i].text);
		} else {
			char *names = xstrdup(s->functions ? s->functions : "");
			char *save2 = NULL;
			for (char *name = strtok_r(names, " ,", &save2); name; name = strtok_r(NULL, " ,", &save2))
				if (cut_function(f[i].text, name, &out) == 0 && nf == 1)
					warning_add(warnings, "function %s not found in %s", name, f[i].path);
			free(names);
		}
		buf_puts(&out, "```\n\n");
		free(f[i].path);
		free(f[i].text);
	}
	return buf_take(&out);
}

/* edit.c — the edit grammar: how a model's reply names changes to files.
 * llm-mutate decides with it whether a reply holds an edit, apply-diff applies
 * what it reads; one grammar, so the two never disagree. */
#define _GNU_SOURCE
#include "edit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ---- growable arrays of lines ------------------------------------------------ */

void lines_push(struct lines *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
}

void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Splits text at '\n'; keeps a trailing '\r' on each line (CRLF files stay CRLF).
 * *final_newline tells whether the text ended with one. */
void split_lines(const char *text, size_t len, struct lines *out, int *final_newline)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n') {
			lines_push(out, strndup(text + start, i - start));
			start = i + 1;
		}
	if (start < len)
		lines_push(out, strndup(text + start, len - start));
	if (final_newline)
		*final_newline = len > 0 && text[len - 1] == '\n';
}

/* ---- the edit: blocks --------------------------------------------------------- */

void edit_free(struct edit *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->b[i].file);
		free(e->b[i].text);
		lines_free(&e->b[i].search);
		lines_free(&e->b[i].replace);
	}
	free(e->b);
}

static struct block *new_block(struct edit *e, const char *file)
{
	e->b = xrealloc(e->b, (e->n + 1) * sizeof *e->b);
	struct block *b = &e->b[e->n];
	memset(b, 0, sizeof *b);
	b->number = ++e->n;
	b->file = file ? xstrdup(file) : NULL;
	return b;
}

static char *rtrim_dup(const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

/* "<<<<<<< SEARCH": 5 to 9 markers, the word, nothing else. */
static int marker(const char *line, char c, const char *word)
{
	size_t n = 0;
	while (line[n] == c)
		n++;
	if (n < 5 || n > 9)
		return 0;
	const char *s = line + n;
	while (*s == ' ')
		s++;
	size_t w = word ? strlen(word) : 0;
	if (w && strncmp(s, word, w) != 0)
		return 0;
	for (s += w; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int is_fence(const char *line)
{
	while (*line == ' ')
		line++;
	return strncmp(line, "```", 3) == 0 || strncmp(line, "~~~", 3) == 0;
}

/* A line that names a file: "db/x.cc", "`db/x.cc`", "// db/x.cc", "File: db/x.cc",
 * "**db/x.cc**", "### db/x.cc:".  The name, or NULL. */
static char *file_named_by(const char *line)
{
	char *s = rtrim_dup(line);
	char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	for (;;) {
		if (strncmp(p, "//", 2) == 0) p += 2;
		else if (*p == '#' || *p == '*' || *p == '`' || *p == ' ') p++;
		else if (strncasecmp(p, "file:", 5) == 0) p += 5;
		else break;
	}
	size_t n = strlen(p);
	while (n && (p[n - 1] == '`' || p[n - 1] == '*' || p[n - 1] == ':' || p[n - 1] == ' '))
		p[--n] = '\0';
	int ok = n > 0 && (strchr(p, '.') || strchr(p, '/'));
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)p[i]) || strchr("_./+-", p[i]);
	char *name = ok ? xstrdup(p) : NULL;
	free(s);
	return name;
}

/* "+++ b/db/x.cc\t2024-01-01 ..." → "db/x.cc"; "/dev/null" stays. */
static char *diff_path(const char *s)
{
	while (*s == ' ')
		s++;
	char *p = strndup(s, strcspn(s, "\t"));
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		p[--n] = '\0';
	const char *q = p;
	if (strcmp(q, "/dev/null") != 0 && (strncmp(q, "a/", 2) == 0 || strncmp(q, "b/", 2) == 0))
		q += 2;
	char *out = xstrdup(q);
	free(p);
	return out;
}

static int hunk_line(const char *l)
{
	return l[0] == ' ' || l[0] == '+' || l[0] == '-' || l[0] == '\\' || l[0] == '\0';
}

/* HEAD, then lines first..last of in, each ending in '\n': a block written alone. */
static char *block_text(const char *head, const struct lines *in, size_t first, size_t last)
{
	size_t len = strlen(head) + 1;
	for (size_t k = first; k <= last; k++)
		len += strlen(in->v[k]) + 1;
	char *t = xmalloc(len), *p = stpcpy(t, head);
	for (size_t k = first; k <= last; k++) {
		p = stpcpy(p, in->v[k]);
		*p++ = '\n';
	}
	*p = '\0';
	return t;
}

/* The SEARCH/REPLACE block whose "<<<<<<< SEARCH" is line i of in; *i moves to its
 * REPLACE line.  NULL, or what is wrong with the block. */
static char *search_replace_block(const struct lines *in, size_t *i, struct edit *e)
{
	char *file = NULL;
	for (size_t k = *i; k-- > 0;) {   /* the file is named on the line before, fences aside */
		if (is_fence(in->v[k]) || in->v[k][strspn(in->v[k], " \t")] == '\0')
			continue;
		file = file_named_by(in->v[k]);
		break;
	}
	struct block *b = new_block(e, file);
	free(file);
	size_t k = *i + 1;
	while (k < in->n && !marker(in->v[k], '=', NULL) && !marker(in->v[k], '<', "SEARCH"))
		lines_push(&b->search, xstrdup(in->v[k++]));
	if (k == in->n || !marker(in->v[k], '=', NULL))
		return xasprintf("block %zu: SEARCH without its ======= line", b->number);
	k++;
	while (k < in->n && !marker(in->v[k], '>', "REPLACE") && !marker(in->v[k], '<', "SEARCH"))
		lines_push(&b->replace, xstrdup(in->v[k++]));
	if (k == in->n || !marker(in->v[k], '>', "REPLACE"))
		return xasprintf("block %zu: no >>>>>>> REPLACE line to end it", b->number);
	char *head = xasprintf("%s\n", b->file ? b->file : "");
	b->text = block_text(head, in, *i, k);
	free(head);
	*i = k;
	return NULL;
}

/* The hunk whose "@@" is line i of in, for file; *i moves to its last line. */
static void diff_hunk(const struct lines *in, size_t *i, const char *file, int new_file, struct edit *e)
{
	struct block *b = new_block(e, file);
	b->from_diff = 1;
	b->new_file = new_file;
	const char *at = in->v[*i] + 2;   /* "@@ -N,M +N,M @@": N is display only, never trusted */
	while (*at == ' ')
		at++;
	if (*at == '-' && isdigit((unsigned char)at[1]))
		b->old_line = strtol(at + 1, NULL, 10);
	size_t k = *i + 1;
	/* Hunk counts are unreliable in models' diffs: read while lines look like hunk lines. */
	for (; k < in->n && hunk_line(in->v[k]); k++) {
		const char *h = in->v[k];
		if (strncmp(h, "--- ", 4) == 0 && k + 1 < in->n && strncmp(in->v[k + 1], "+++ ", 4) == 0)
			break;
		if (h[0] == '\\')
			continue;   /* "\ No newline at end of file" */
		const char *body = h[0] ? h + 1 : h;   /* an empty line: empty context */
		if (h[0] != '+')
			lines_push(&b->search, xstrdup(body));
		if (h[0] != '-')
			lines_push(&b->replace, xstrdup(body));
	}
	/* Blank lines at the end are more likely prose spacing than context. */
	while (b->search.n && b->replace.n && b->search.v[b->search.n - 1][0] == '\0' &&
	       b->replace.v[b->replace.n - 1][0] == '\0') {
		free(b->search.v[--b->search.n]);
		free(b->replace.v[--b->replace.n]);
	}
	char *head = new_file ? xasprintf("--- /dev/null\n+++ b/%s\n", file) : xasprintf("--- a/%s\n+++ b/%s\n", file, file);
	b->text = block_text(head, in, *i, k - 1);
	free(head);
	*i = k - 1;
}

char *edit_parse(const char *text, size_t len, struct edit *e)
{
	if (memchr(text, '\0', len))
		return xstrdup("the edit contains NUL bytes: not text");
	struct lines in = { 0 };
	split_lines(text, len, &in, NULL);
	for (size_t i = 0; i < in.n; i++) {   /* models' CRLF */
		size_t n = strlen(in.v[i]);
		if (n && in.v[i][n - 1] == '\r')
			in.v[i][n - 1] = '\0';
	}
	char *err = NULL;
	char *diff_file = NULL;   /* the file of the unified diff's hunks that follow */
	int diff_new = 0;
	for (size_t i = 0; i < in.n && !err; i++) {
		const char *l = in.v[i];
		if (marker(l, '<', "SEARCH")) {
			err = search_replace_block(&in, &i, e);
		} else if (strncmp(l, "--- ", 4) == 0 && i + 1 < in.n && strncmp(in.v[i + 1], "+++ ", 4) == 0) {
			char *from = diff_path(l + 4);
			free(diff_file);
			diff_file = diff_path(in.v[i + 1] + 4);
			diff_new = strcmp(from, "/dev/null") == 0;
			free(from);
			if (strcmp(diff_file, "/dev/null") == 0)
				err = xstrdup("the diff deletes a file: aiopt edits files, it does not delete them");
			i++;
		} else if (strncmp(l, "@@", 2) == 0 && diff_file) {
			diff_hunk(&in, &i, diff_file, diff_new, e);
		}
	}
	free(diff_file);
	lines_free(&in);
	if (!err && e->n == 0)
		err = xstrdup("no edit found: expected SEARCH/REPLACE blocks (<<<<<<< SEARCH / ======= / "
			      ">>>>>>> REPLACE) or a unified diff (--- a/FILE, +++ b/FILE, @@ hunks)");
	return err;
}

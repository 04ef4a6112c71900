/* canon.c — the canonical form of an edit (canon.h). */
#define _GNU_SOURCE
#include "canon.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A mark that joined to another could read as another operator or a comment. */
static int operator_char(char c)
{
	return c != '\0' && strchr("+-*/%<>=!&|^~?:.#", c) != NULL;
}

/* Whether the space between prev and next must stay: between two words ("int
 * x"), and between two operator marks, which joined could read as another
 * operator ("a - -b" is not "a--b"); not between a word and a mark, so "a + b" is
 * "a+b", nor beside a bracket or a separator, so ") {" is "){". */
static int space_needed(char prev, char next)
{
	if (word_char(prev) || word_char(next))
		return word_char(prev) && word_char(next);
	return operator_char(prev) && operator_char(next);
}

/* Whether the line ends with a backslash: the next line is spliced onto it (a
 * directive or a // comment goes on there). */
static int continued(const char *text, size_t n)
{
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	return n > 0 && text[n - 1] == '\\';
}

/* canon.h; whitespace kept where space_needed says, and on a directive's lines every
 * run of it one space (there "SQ(a)" is not "SQ (a)").  Literals are kept as
 * written: a "//" in a string is not a comment. */
void canon_line(const char *text, size_t n, int *state, struct buf *out)
{
	size_t start = out->n;
	if (*state == CANON_LINE_COMMENT) {   /* a // comment spliced onto this line */
		*state = continued(text, n) ? CANON_LINE_COMMENT : CANON_CODE;
		return;
	}
	if (*state == CANON_RAW_STRING) {   /* R"( ... )" across lines: kept as written */
		const char *close = memmem(text, n, ")\"", 2);
		size_t j = close ? (size_t)(close - text) + 2 : n;
		buf_add(out, text, j);
		if (!close) {
			if (out->s)
				out->s[out->n] = '\0';
			return;
		}
		*state = CANON_CODE;
		canon_line(text + j, n - j, state, out);
		return;
	}
	int directive = *state == CANON_DIRECTIVE;
	if (directive) {
		buf_add(out, "#", 1);   /* the directive's next line: part of it, never code */
		*state = CANON_CODE;
	} else if (*state == CANON_CODE) {
		size_t i = 0;
		while (i < n && isspace((unsigned char)text[i]))
			i++;
		directive = i < n && text[i] == '#';
	}
	int space = 1;   /* no space at the start */
	for (size_t i = 0; i < n;) {
		if (*state == CANON_BLOCK_COMMENT) {
			if (i + 1 < n && text[i] == '*' && text[i + 1] == '/') {
				*state = CANON_CODE;
				i += 2;
				/* a comment between two words still separates them */
				if (!space && i < n && !isspace((unsigned char)text[i]) &&
				    (directive || space_needed(out->s[out->n - 1], text[i])))
					buf_add(out, " ", 1);
			} else {
				i++;
			}
			continue;
		}
		if (i + 1 < n && text[i] == '/' && text[i + 1] == '*') {
			*state = CANON_BLOCK_COMMENT;
			i += 2;
			continue;
		}
		if (i + 1 < n && text[i] == '/' && text[i + 1] == '/') {
			if (continued(text, n))
				*state = CANON_LINE_COMMENT;
			break;
		}
		if (text[i] == 'R' && i + 1 < n && text[i + 1] == '"' && (i == 0 || !word_char(text[i - 1]) ||
		    ((text[i - 1] == 'u' || text[i - 1] == 'U' || text[i - 1] == 'L' || text[i - 1] == '8') &&
		     (i < 2 || !word_char(text[i - 2]) || (text[i - 2] == 'u' && text[i - 1] == '8'))))) {
			/* a raw string, R"delim(...)delim": nothing in it is a comment or a quote */
			size_t open = i + 2;
			while (open < n && open - i - 2 < 16 && text[open] != '(')
				open++;
			if (open < n && text[open] == '(') {
				char end[20];
				int k = snprintf(end, sizeof end, ")%.*s\"", (int)(open - i - 2), text + i + 2);
				const char *close = memmem(text + open, n - open, end, (size_t)k);
				if (close) {
					size_t j = (size_t)(close - text) + (size_t)k;
					buf_add(out, text + i, j - i);
					space = 0;
					i = j;
					continue;
				}
				/* one that goes on past this line: the rest of the line is in it */
				buf_add(out, text + i, n - i);
				if (k == 2)
					*state = CANON_RAW_STRING;
				break;
			}
		}
		if (text[i] == '"' || text[i] == '\'') {
			char q = text[i];
			size_t j = i + 1;
			while (j < n && text[j] != q)
				j += text[j] == '\\' && j + 1 < n ? 2 : 1;
			j = j < n ? j + 1 : n;
			buf_add(out, text + i, j - i);
			space = 0;
			i = j;
			continue;
		}
		if (isspace((unsigned char)text[i])) {
			size_t j = i;
			while (j < n && isspace((unsigned char)text[j]))
				j++;
			if (!space && j < n && (directive || space_needed(out->s[out->n - 1], text[j])))
				buf_add(out, " ", 1);
			space = 1;
			i = j;
			continue;
		}
		buf_add(out, text + i, 1);
		space = 0;
		i++;
	}
	while (out->n > start && out->s[out->n - 1] == ' ')
		out->n--;
	/* A directive ends at its line's end, unless a backslash splices the next one on:
	 * the end is part of it (so "#define A 1" and a line after it are not the
	 * directive that swallows that line). */
	if (directive && *state == CANON_CODE) {
		if (continued(text, n))
			*state = CANON_DIRECTIVE;
		else
			buf_add(out, ";", 1);
	}
	if (out->s)
		out->s[out->n] = '\0';
}

/* "@@ -a[,b] +c[,d] @@": the old side's first line a and the old and new lines the
 * hunk spans (b and d, 1 when not given); 0 when the line is not a hunk header. */
static int hunk_counts(const char *l, size_t n, long *old_start, long *old_n, long *new_n)
{
	char *text = xasprintf("%.*s", (int)n, l), *p = text + 2, *end;
	int ok = 0;
	while (*p == ' ')
		p++;
	if (*p == '-') {
		*old_start = strtol(p + 1, &end, 10);
		*old_n = *end == ',' ? strtol(end + 1, &end, 10) : 1;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == '+') {
			strtol(p + 1, &end, 10);
			*new_n = *end == ',' ? strtol(end + 1, &end, 10) : 1;
			ok = *old_n >= 0 && *new_n >= 0;
		}
	}
	free(text);
	return ok;
}

/* A run's text: each changed line's canonical text, joined as canon_line joins words. */
static void join_text(struct buf *run, const struct buf *line)
{
	if (line->n == 0)
		return;
	if (run->n > 0 && space_needed(run->s[run->n - 1], line->s[0]))
		buf_add(run, " ", 1);
	buf_add(run, line->s, line->n);
}

/* The statements of a run's text: split after each ';', '{' and '}' outside
 * parentheses, brackets and literals, the spaces at their ends taken off.  Fresh
 * memory; *count gets how many. */
static char **statements(const char *s, size_t n, size_t *count)
{
	size_t cap = 8, k = 0, begin = 0;
	char **out = xmalloc(cap * sizeof *out);
	int depth = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			char c = s[i];
			if (c == '"' || c == '\'') {
				size_t j = i + 1;
				while (j < n && s[j] != c)
					j += s[j] == '\\' && j + 1 < n ? 2 : 1;
				i = j < n ? j : n - 1;
				continue;
			}
			if (c == '(' || c == '[')
				depth++;
			else if ((c == ')' || c == ']') && depth > 0)
				depth--;
			if (depth > 0 || (c != ';' && c != '{' && c != '}'))
				continue;
		}
		size_t a = begin, b = i < n ? i + 1 : n;
		begin = b;
		while (a < b && s[a] == ' ')
			a++;
		while (b > a && s[b - 1] == ' ')
			b--;
		if (b == a)
			continue;
		if (k == cap)
			out = xrealloc(out, (cap *= 2) * sizeof *out);
		out[k++] = xasprintf("%.*s", (int)(b - a), s + a);
	}
	*count = k;
	return out;
}

/* A run of changed lines (between two context lines that read alike on both sides)
 * into the file's part of the form: where it is (the old side's line it starts at:
 * pristine's, for a tree's patch), the statements it removes, then those it adds,
 * less those it removes and adds alike at its start and its end (a line only laid
 * out anew). */
static void flush_run(struct buf *file, struct buf *removed, struct buf *added, long at)
{
	size_t nr, na;
	char **r = statements(removed->s ? removed->s : "", removed->n, &nr);
	char **a = statements(added->s ? added->s : "", added->n, &na);
	size_t head = 0, tail = 0;
	while (head < nr && head < na && strcmp(r[head], a[head]) == 0)
		head++;
	while (tail < nr - head && tail < na - head && strcmp(r[nr - 1 - tail], a[na - 1 - tail]) == 0)
		tail++;
	if (head < nr - tail || head < na - tail)
		buf_printf(file, "@ %ld\n", at);
	for (size_t i = head; i < nr - tail; i++)
		buf_printf(file, "- %s\n", r[i]);
	for (size_t i = head; i < na - tail; i++)
		buf_printf(file, "+ %s\n", a[i]);
	for (size_t i = 0; i < nr; i++)
		free(r[i]);
	for (size_t i = 0; i < na; i++)
		free(a[i]);
	free(r);
	free(a);
	removed->n = added->n = 0;
}

/* One hunk line's text on one side, canonical, in *line (emptied first). */
static void side(const char *text, size_t n, int *state, struct buf *line)
{
	line->n = 0;
	canon_line(text, n, state, line);
	if (!line->s)
		buf_add(line, "", 0);
}

char *canon_patch(const char *diff, size_t len)
{
	struct buf form = { 0 }, file = { 0 }, old_line = { 0 }, new_line = { 0 }, removed = { 0 }, added = { 0 };
	char *path = NULL;
	long old_left = 0, new_left = 0, old_at = 0, run_at = 0;
	int old_state = CANON_CODE, new_state = CANON_CODE, in_run = 0;
	for (size_t at = 0; at <= len;) {
		const char *l = diff + at;
		const char *nl = at < len ? memchr(l, '\n', len - at) : NULL;
		size_t n = at < len ? (nl ? (size_t)(nl - l) : len - at) : 0;
		int last = at >= len;
		at += n + 1;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		/* Inside a hunk, by its counts: a removed line that reads "--- x" is a line. */
		if (!last && (old_left > 0 || new_left > 0) && n > 0 && strchr(" -+\\", l[0])) {
			char c = l[0];
			if (c == '\\')
				continue;   /* "\ No newline at end of file" */
			if (c != '+')
				side(l + 1, n - 1, &old_state, &old_line);
			if (c != '-')
				side(l + 1, n - 1, &new_state, &new_line);
			/* A context line is a change where the compiler reads it otherwise on the
			 * two sides: code commented out or in, a directive that now swallows it. */
			int changed = c != ' ' || strcmp(old_line.s, new_line.s) != 0;
			if (!changed) {
				flush_run(&file, &removed, &added, run_at);
				in_run = 0;
			} else if (!in_run && ((c != '+' && old_line.n > 0) || (c != '-' && new_line.n > 0))) {
				/* the run's place: its first line that holds code (a comment
				 * line changed above it is no part of where it is) */
				in_run = 1;
				run_at = old_at;
			}
			if (changed && c != '+')
				join_text(&removed, &old_line);
			if (changed && c != '-')
				join_text(&added, &new_line);
			old_left -= c != '+';
			new_left -= c != '-';
			old_at += c != '+';
			continue;
		}
		flush_run(&file, &removed, &added, run_at);
		in_run = 0;
		old_left = new_left = 0;
		/* A file's end: its changed lines join the form under its path, if any is left. */
		if (last || (n >= 4 && strncmp(l, "+++ ", 4) == 0)) {
			if (path && file.n > 0)
				buf_printf(&form, "= %s\n%s", path, file.s);
			file.n = 0;
			free(path);
			path = NULL;
			if (last)
				break;
			const char *p = l + 4;
			size_t k = n - 4;
			if (k >= 2 && (p[0] == 'b' || p[0] == 'a') && p[1] == '/') {
				p += 2;
				k -= 2;
			}
			path = xasprintf("%.*s", (int)k, p);
			continue;
		}
		if (n >= 2 && strncmp(l, "@@", 2) == 0 && path && hunk_counts(l, n, &old_at, &old_left, &new_left))
			old_state = new_state = CANON_CODE;   /* each hunk read from its own start */
	}
	free(path);
	free(file.s);
	free(old_line.s);
	free(new_line.s);
	free(removed.s);
	free(added.s);
	return form.s ? buf_take(&form) : xstrdup("");
}

void canon_hash(const char *form, char out[17])
{
	unsigned long long h = 14695981039346656037ULL;   /* FNV-1a 64: offset basis, then the prime */
	for (const unsigned char *p = (const unsigned char *)form; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

char **canon_tokens(const char *form, size_t *n)
{
	size_t cap = 64;
	char **t = xmalloc(cap * sizeof *t);
	*n = 0;
	for (const char *p = form; *p;) {
		size_t k = 1;
		if (*p == ' ') {
			p++;
			continue;
		}
		if (isalnum((unsigned char)*p) || *p == '_')
			while (isalnum((unsigned char)p[k]) || p[k] == '_' || (isdigit((unsigned char)*p) && p[k] == '.'))
				k++;
		if (*n == cap)
			t = xrealloc(t, (cap *= 2) * sizeof *t);
		t[(*n)++] = xasprintf("%.*s", (int)k, p);
		p += k;
	}
	return t;
}

void canon_tokens_free(char **tokens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(tokens[i]);
	free(tokens);
}

/* The form's units, each a run's "@ LINE" and its statements under its file's path,
 * as strings in fresh memory; *n gets how many. */
static char **units(const char *form, size_t *n)
{
	size_t cap = 8;
	char **u = xmalloc(cap * sizeof *u);
	const char *path = "", *path_end = path;
	struct buf unit = { 0 };
	*n = 0;
	for (const char *p = form;; ) {
		const char *nl = strchr(p, '\n');
		size_t k = nl ? (size_t)(nl - p) : strlen(p);
		if (k == 0 || *p == '=' || *p == '@') {   /* a unit ends where a file or run starts */
			if (unit.n > 0) {
				if (*n == cap)
					u = xrealloc(u, (cap *= 2) * sizeof *u);
				u[(*n)++] = buf_take(&unit);
				unit = (struct buf){ 0 };
			}
			if (k == 0)
				break;
			if (*p == '=') {
				path = p;
				path_end = p + k;
			} else {
				buf_printf(&unit, "%.*s\n%.*s\n", (int)(path_end - path), path, (int)k, p);
			}
		} else {
			buf_printf(&unit, "%.*s\n", (int)k, p);
		}
		if (!nl)
			p += k;
		else
			p = nl + 1;
	}
	free(unit.s);
	return u;
}

/* What of A is not in B, unit by unit (a unit of B matches one of A once), joined
 * without their paths (a path's tokens are no part of what an edit does). */
static char *beyond(char **a, size_t na, char **b, size_t nb)
{
	char *used = calloc(nb ? nb : 1, 1);
	struct buf out = { 0 };
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;
		while (j < nb && (used[j] || strcmp(a[i], b[j]) != 0))
			j++;
		if (j < nb)
			used[j] = 1;
		else
			buf_printf(&out, "%s", strchr(a[i], '\n') + 1);
	}
	free(used);
	return out.s ? buf_take(&out) : xstrdup("");
}

double canon_distance(const char *a, const char *b, size_t max)
{
	size_t nua, nub;
	char **ua = units(a, &nua), **ub = units(b, &nub);
	char *ra = beyond(ua, nua, ub, nub), *rb = beyond(ub, nub, ua, nua);
	canon_tokens_free(ua, nua);   /* (an array of strings, as the tokens are) */
	canon_tokens_free(ub, nub);
	size_t na, nb;
	char **ta = canon_tokens(ra, &na), **tb = canon_tokens(rb, &nb);
	free(ra);
	free(rb);
	size_t m = na, k = nb;
	double d;
	if (m > max || k > max) {
		d = NAN;   /* past the bound: not compared, never "the same" */
	} else if (m == 0 || k == 0) {
		d = m == k ? 0 : 1;
	} else {
		/* Levenshtein over tokens, one row at a time */
		size_t *row = xmalloc((k + 1) * sizeof *row);
		for (size_t j = 0; j <= k; j++)
			row[j] = j;
		for (size_t i = 1; i <= m; i++) {
			size_t diag = row[0];
			row[0] = i;
			for (size_t j = 1; j <= k; j++) {
				size_t up = row[j];
				size_t best = diag + (strcmp(ta[i - 1], tb[j - 1]) != 0);
				if (up + 1 < best)
					best = up + 1;
				if (row[j - 1] + 1 < best)
					best = row[j - 1] + 1;
				row[j] = best;
				diag = up;
			}
		}
		d = (double)row[k] / (double)(m > k ? m : k);
		free(row);
	}
	canon_tokens_free(ta, na);
	canon_tokens_free(tb, nb);
	return d;
}

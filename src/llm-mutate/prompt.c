/* prompt.c — the prompt's other sections: the parent's results, the history of
 * attempts from it, the best candidates as inspiration, the profile (with
 * AIOPT_PROFILE_IN_PROMPT=1), and the templates they fill. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/archive.h"
#include "../lib/canon.h"
#include "../lib/jsonl.h"
#include "../lib/source.h"
#include "../lib/util.h"
#include "llm-mutate.h"

/* "throughput 1.031 (95 % CI 0.998-1.064)" for each term the score holds. */
static void describe_score(struct buf *b, const cJSON *rec)
{
	const cJSON *terms = json_path(rec, "score.terms");
	const cJSON *t;
	int any = 0;
	cJSON_ArrayForEach(t, terms) {
		double v = json_path_number(t, "value"), lo = json_path_number(t, "ci_low"), hi = json_path_number(t, "ci_high");
		if (isnan(v))
			continue;
		buf_printf(b, "- %s: %.3f × pristine", t->string, v);
		if (!strcmp(t->string, "cpu"))   /* a count, not an interval: its band is the tolerance */
			buf_puts(b, " (instructions per write, counted; above 1: fewer)");
		else if (!isnan(lo) && !isnan(hi))
			buf_printf(b, " (95 %% CI %.3f–%.3f)", lo, hi);
		buf_puts(b, "\n");
		any = 1;
	}
	double c = json_path_number(rec, "score.comparable_score");
	if (!isnan(c))
		buf_printf(b, "- comparable score: %.3f (pristine = 1.000)\n", c);
	else if (!any)
		buf_puts(b, "- not measured yet\n");
}

static void describe_outcome(struct buf *b, const cJSON *rec)
{
	const char *stage = json_path_string(rec, "error.stage"), *msg = json_path_string(rec, "error.message");
	if (stage) {
		buf_printf(b, "failed at %s: ", stage);
		buf_add_trimmed(b, msg ? msg : "(no message)", 700);
		buf_puts(b, "\n");
		return;
	}
	if (cJSON_IsTrue(json_path(rec, "score.valid"))) {
		buf_puts(b, "valid; measured against pristine:\n");
		describe_score(b, rec);
		return;
	}
	const char *reason = json_path_string(rec, "score.reason");
	buf_printf(b, "%s\n", reason ? reason : "no outcome recorded");
}

char *results_section(const cJSON *parent)
{
	struct buf b = { 0 };
	const char *id = json_path_string(parent, "id");
	if (!id || !json_path_string(parent, "parent")) {
		buf_puts(&b, "The parent is pristine RocksDB (score 1.000 by definition).\n");
		return buf_take(&b);
	}
	buf_printf(&b, "Candidate %s, measured against pristine RocksDB:\n", id);
	describe_score(&b, parent);
	return buf_take(&b);
}

/* Reads the archive tolerantly: a torn last line after a crash is skipped. */
cJSON *read_archive(const char *path, cJSON *warnings)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f && path && errno != ENOENT)
		input_error("--archive %s: %s", path, strerror(errno));
	if (!f)
		return cJSON_CreateArray();   /* no archive yet: the first iteration */
	char *warning, *why;
	cJSON *all = archive_read(f, path, &warning, &why);
	fclose(f);
	if (!all)
		input_error("--archive %s", why);
	if (warning)
		warning_add(warnings, "%s", warning);
	free(warning);
	return all;
}

char *history_section(const struct settings *s, const cJSON *archive, const char *parent_id)
{
	const cJSON *rec;
	const cJSON *picked[64];
	int n = 0;
	cJSON_ArrayForEach(rec, archive) {
		const char *p = json_path_string(rec, "parent");
		if (p && parent_id && strcmp(p, parent_id) == 0) {
			if (n == 64) {
				memmove(picked, picked + 1, 63 * sizeof *picked);
				n--;
			}
			picked[n++] = rec;
		}
	}
	struct buf b = { 0 };
	if (n == 0)
		buf_puts(&b, "No earlier attempts from this parent.\n");
	for (int i = n > s->history_k ? n - (int)s->history_k : 0; i < n; i++) {
		buf_printf(&b, "- attempt %s: ", json_path_string(picked[i], "id") ? json_path_string(picked[i], "id") : "?");
		describe_outcome(&b, picked[i]);
	}
	struct buf out = { 0 };
	buf_add_trimmed(&out, b.s, (size_t)s->history_chars);
	free(b.s);
	return buf_take(&out);
}

char *inspiration_section(const struct settings *s, const cJSON *archive, const char *parent_id)
{
	const cJSON *best[8] = { 0 };
	int n = 0, cap = s->inspiration_n < 8 ? (int)s->inspiration_n : 8;
	const cJSON *rec;
	cJSON_ArrayForEach(rec, archive) {
		double v = archive_fitness(rec);
		if (isnan(v))
			continue;
		const char *id = json_path_string(rec, "id");
		if (id && parent_id && strcmp(id, parent_id) == 0)
			continue;
		int at = n;
		while (at > 0 && archive_fitness(best[at - 1]) < v)
			at--;
		if (at >= cap)
			continue;
		memmove(best + at + 1, best + at, (size_t)(cap - at - 1) * sizeof *best);
		best[at] = rec;
		if (n < cap)
			n++;
	}
	struct buf b = { 0 };
	if (n == 0)
		buf_puts(&b, "None yet.\n");
	for (int i = 0; i < n; i++) {
		buf_printf(&b, "### %s (combined score %.3f%s)\n\n", json_path_string(best[i], "id"),
			   archive_fitness(best[i]), json_path(best[i], "confirm.score") ? ", measured again" : "");
		const char *dir = json_path_string(best[i], "dir"), *patch = json_path_string(best[i], "apply.patch");
		char *path = dir && patch ? xasprintf("%s/%s", dir, patch) : NULL;
		size_t len;
		char *text = path ? read_file(path, &len) : NULL;
		buf_puts(&b, "```diff\n");
		buf_add_trimmed(&b, text ? text : "(patch not available)\n", (size_t)s->inspiration_chars);
		buf_puts(&b, "```\n\n");
		free(text);
		free(path);
	}
	return buf_take(&b);
}

/* ---- the profile section ------------------------------------------------------------
 *
 * With AIOPT_PROFILE_IN_PROMPT=1: Coz's top lines (parse-coz --context output in the
 * parent's "coz"), the off-CPU profile's top sites ("bperf") and the instructions per
 * write of each AIOPT_FUNCTIONS function against pristine's (bench.cost), when the
 * parent has them.
 *
 * With sham (the profiler_sham track): the same section of the same parent, every
 * figure kept in its place in the list, every place it names drawn at random.  A Coz
 * line moves to a code line of a target file (its quoted context re-read there), an
 * off-CPU site to a code line of a target file (its class and share kept), and the
 * instruction counts are dealt out to the same functions in a random order.  So the
 * section has the real one's form, length and figures and says nothing about where
 * this parent's time goes: what the sham track gains over baseline is the layout's
 * and the length's, and what the profiler track gains over the sham is the
 * profile's content.  The draws are seeded by the run's seed and the iteration: a
 * rerun draws the same places.  One difference of form remains, said in the
 * experiment's README: a real off-CPU site may lie outside the target files.
 *
 * Either way *shown gets {mode, items}: each place the section names, with the file
 * (relative to the tree; null outside the target files) and line or line ranges an
 * edit's hunks are matched against (the apply stage's profile_hits). */

struct target {
	char *path;        /* relative, as AIOPT_TARGET_FILES names it */
	char *text;
	long *code_lines;  /* the lines a profiler could name: code, not comments or braces */
	size_t n_code;
};

struct sham {
	unsigned long long state;   /* xorshift64* */
	struct target t[MAX_TARGETS];
	int nt;
	long used[64][2];           /* (target, line) drawn so far: no place twice */
	int nused;
	char *prefix;               /* what precedes a target file's path in the profile's paths */
};

static unsigned long long sham_next(struct sham *d)
{
	d->state ^= d->state >> 12;
	d->state ^= d->state << 25;
	d->state ^= d->state >> 27;
	return d->state * 2685821657736338717ULL;
}

/* A line holds code unless nothing is left of it without its comments and spaces,
 * or it is a preprocessor line, or brackets only (canon_line: the one reading of
 * comments); *in_comment carries a block comment across lines. */
static int is_code_line(const char *l, size_t n, int *in_comment, struct buf *scratch)
{
	scratch->n = 0;
	canon_line(l, n, in_comment, scratch);
	return scratch->n > 0 && scratch->s[0] != '#' && strspn(scratch->s, "{}(); ") < scratch->n;
}

static void read_targets(const struct settings *s, struct target *t, int *nt)
{
	struct target_file f[MAX_TARGETS];
	struct buf scratch = { 0 };
	*nt = read_target_files(s, f);
	for (int i = 0; i < *nt; i++) {
		struct target *x = &t[i];
		*x = (struct target){ .path = f[i].path, .text = f[i].text };
		int in_comment = 0;
		long line = 1, cap = 0;
		for (const char *p = x->text; *p; line++) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			if (is_code_line(p, n, &in_comment, &scratch)) {
				if ((long)x->n_code == cap)
					x->code_lines = xrealloc(x->code_lines, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *x->code_lines);
				x->code_lines[x->n_code++] = line;
			}
			p = nl ? nl + 1 : p + n;
		}
	}
	free(scratch.s);
}

/* The target file a profile's path names (its longest matching suffix), or -1. */
static int target_of(const struct target *t, int nt, const char *path, size_t n)
{
	for (int i = 0; i < nt; i++) {
		size_t k = strlen(t[i].path);
		if (n >= k && strncmp(path + n - k, t[i].path, k) == 0 && (n == k || path[n - k - 1] == '/'))
			return i;
	}
	return -1;
}

/* "PATH:LINE" → PATH's length and LINE, or 0 when loc is not one (a frame name). */
static size_t split_location(const char *loc, long *line)
{
	const char *colon = loc ? strrchr(loc, ':') : NULL;
	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return 0;
	*line = strtol(colon + 1, NULL, 10);
	return (size_t)(colon - loc);
}

/* A code line of a target file, drawn at random, not drawn before (when any is left). */
static void sham_place(struct sham *d, int *target, long *line)
{
	for (int tries = 0;; tries++) {
		int i = (int)(sham_next(d) % (unsigned long long)d->nt);
		if (d->t[i].n_code == 0)
			continue;
		long l = d->t[i].code_lines[sham_next(d) % d->t[i].n_code];
		int seen = 0;
		for (int u = 0; u < d->nused; u++)
			seen |= d->used[u][0] == i && d->used[u][1] == l;
		if (seen && tries < 100)
			continue;
		if (d->nused < 64) {
			d->used[d->nused][0] = i;
			d->used[d->nused++][1] = l;
		}
		*target = i;
		*line = l;
		return;
	}
}

/* Where an item of the profile is, as the section shows it and as the record keeps
 * it: the real location (its file relative to the tree when a target file holds it,
 * and its line), or, in the sham, a code line of a target file drawn at random with
 * the profile's own path prefix.  Returns the location shown (to free). */
static char *place_of(const struct settings *s, struct sham *d, const char *loc, char **rel, long *line)
{
	*line = 0;
	if (d) {
		int t;
		sham_place(d, &t, line);
		*rel = xstrdup(d->t[t].path);
		return xasprintf("%s%s:%ld", d->prefix, *rel, *line);
	}
	size_t n = split_location(loc, line);
	char *path = n ? xasprintf("%.*s", (int)n, loc) : NULL;
	*rel = path ? source_relative(s->tree, path) : NULL;
	free(path);
	return xstrdup(loc ? loc : "?");
}

static cJSON *item(const char *kind, const char *file, long line)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddItemToObject(o, "file", file ? cJSON_CreateString(file) : cJSON_CreateNull());
	if (line > 0)
		cJSON_AddNumberToObject(o, "line", (double)line);
	return o;
}

static void coz_lines(const struct settings *s, const cJSON *parent, struct sham *d, struct buf *b, cJSON *items)
{
	const cJSON *l;
	int shown = 0;
	cJSON_ArrayForEach(l, json_path(parent, "coz.lines")) {
		if (shown == s->profile_top)
			break;
		const char *loc = json_path_string(l, "location");
		char *rel;
		long line;
		cJSON *ctx = NULL;
		const cJSON *real_ctx = json_path(l, "context.lines");
		char *shown_loc = place_of(s, d, loc, &rel, &line);
		if (d) {
			if (cJSON_GetArraySize(real_ctx) > 0) {
				long first = (long)json_path_number(cJSON_GetArrayItem(real_ctx, 0), "line");
				long last = (long)json_path_number(cJSON_GetArrayItem(real_ctx, cJSON_GetArraySize(real_ctx) - 1), "line");
				long real_line = (long)json_path_number(l, "line");
				long around = real_line - first > last - real_line ? real_line - first : last - real_line;
				char *why = NULL;
				ctx = source_context(s->tree, rel, line, around > 0 ? (int)around : 0, &why);
				free(why);
			}
		}
		buf_printf(b, "- %s (progress point %s): speeding this line up by x%% would speed the "
			   "program up by up to %.1f %% (impact %.1f %%)\n", shown_loc,
			   json_path_string(l, "point") ? json_path_string(l, "point") : "?", json_path_number(l, "max_speedup_pct"),
			   json_path_number(l, "impact_pct"));
		const cJSON *quoted = d ? json_path(ctx, "lines") : real_ctx, *cl;
		if (cJSON_GetArraySize(quoted) > 0) {
			buf_puts(b, "\n```cpp\n");
			cJSON_ArrayForEach(cl, quoted) {
				const char *text = json_path_string(cl, "text");
				buf_printf(b, "%s\n", text ? text : "");
			}
			buf_puts(b, "```\n");
		}
		cJSON *it = item("coz", rel, line);
		cJSON_AddStringToObject(it, "location", shown_loc);
		json_add_number_or_null(it, "max_speedup_pct", json_path_number(l, "max_speedup_pct"));
		json_add_number_or_null(it, "impact_pct", json_path_number(l, "impact_pct"));
		cJSON_AddItemToArray(items, it);
		cJSON_Delete(ctx);
		free(rel);
		free(shown_loc);
		shown++;
	}
	if (!shown)
		buf_puts(b, "No causal profile of this parent yet.\n");
}

static void offcpu_sites(const struct settings *s, const cJSON *parent, struct sham *d, struct buf *b, cJSON *items)
{
	const cJSON *st;
	int shown = 0;
	cJSON_ArrayForEach(st, json_path(parent, "bperf.top")) {
		if (shown++ == s->profile_top)
			break;
		if (shown == 1) {
			const char *source = json_path_string(parent, "bperf.source");
			buf_printf(b, "\nWhere threads wait (off-CPU, from %s):\n", source ? source : "perf");
		}
		const char *loc = json_path_string(st, "location"), *cls = json_path_string(st, "class");
		char *rel;
		long line;
		char *shown_loc = place_of(s, d, loc, &rel, &line);
		buf_printf(b, "- %.1f %% %s: %s\n", json_path_number(st, "share_pct"), cls ? cls : "", shown_loc);
		cJSON *it = item("offcpu", rel, rel ? line : 0);
		cJSON_AddStringToObject(it, "location", shown_loc);
		cJSON_AddStringToObject(it, "class", cls ? cls : "");
		json_add_number_or_null(it, "share_pct", json_path_number(st, "share_pct"));
		cJSON_AddItemToArray(items, it);
		free(rel);
		free(shown_loc);
	}
}

static void function_counts(const cJSON *parent, struct sham *d, const struct target *t, int nt,
			    struct buf *b, cJSON *items)
{
	const cJSON *theirs = json_path(parent, "bench.cost.baseline.functions"), *f, *g;
	struct { const char *name; double mine, pristine; } row[64];
	int n = 0;
	cJSON_ArrayForEach(f, json_path(parent, "bench.cost.candidate.functions")) {
		const char *name = json_path_string(f, "name");
		double v = json_path_number(f, "instructions_per_op"), p = NAN;
		cJSON_ArrayForEach(g, theirs)
			if (name && json_path_string(g, "name") && !strcmp(name, json_path_string(g, "name")))
				p = json_path_number(g, "instructions_per_op");
		if (!name || isnan(v) || (v == 0 && (isnan(p) || p == 0)) || n == 64)
			continue;   /* not on this workload's path */
		row[n].name = name;
		row[n].mine = v;
		row[n++].pristine = p;
	}
	for (int i = n - 1; d && i > 0; i--) {   /* the sham: the figures dealt out again */
		int j = (int)(sham_next(d) % (unsigned long long)(i + 1));
		double v = row[i].mine, p = row[i].pristine;
		row[i].mine = row[j].mine;
		row[i].pristine = row[j].pristine;
		row[j].mine = v;
		row[j].pristine = p;
	}
	for (int i = 0; i < n; i++) {
		if (i == 0)
			buf_printf(b, "\nInstructions per write (Callgrind, inclusive, %s):\n",
				   json_path_string(parent, "bench.cost.args") ? json_path_string(parent, "bench.cost.args") : "fixed work");
		buf_printf(b, "- %s: %.1f", row[i].name, row[i].mine);
		if (!isnan(row[i].pristine))
			buf_printf(b, " (pristine %.1f, %+.1f)", row[i].pristine, row[i].mine - row[i].pristine);
		buf_puts(b, "\n");
		/* the function's place: its definitions' lines, in the first target file that has them */
		cJSON *it = item("function", NULL, 0), *ranges = cJSON_CreateArray();
		cJSON_AddStringToObject(it, "name", row[i].name);
		for (int k = 0; k < nt && cJSON_GetArraySize(ranges) == 0; k++) {
			function_lines(t[k].text, row[i].name, ranges);
			if (cJSON_GetArraySize(ranges) > 0)
				cJSON_ReplaceItemInObject(it, "file", cJSON_CreateString(t[k].path));
		}
		cJSON_AddItemToObject(it, "ranges", ranges);
		cJSON_AddNumberToObject(it, "instructions_per_op", row[i].mine);
		cJSON_AddItemToArray(items, it);
	}
}

/* What precedes a target file's path in the profile's own paths ("/work/build/
 * rocksdb-src/"), so the sham's paths read as the real ones do; "" when none names one. */
static char *path_prefix(const cJSON *parent, const struct target *t, int nt)
{
	const cJSON *x;
	const char *lists[] = { "coz.lines", "bperf.top" };
	for (int k = 0; k < 2; k++)
		cJSON_ArrayForEach(x, json_path(parent, lists[k])) {
			long line;
			const char *loc = json_path_string(x, "location");
			size_t n = split_location(loc, &line);
			int i = n ? target_of(t, nt, loc, n) : -1;
			if (i >= 0)
				return xasprintf("%.*s", (int)(n - strlen(t[i].path)), loc);
		}
	return xstrdup("");
}

char *profile_section(const struct settings *s, const cJSON *parent, cJSON **shown)
{
	struct buf b = { 0 };
	struct target t[MAX_TARGETS];
	int nt;
	read_targets(s, t, &nt);
	struct sham sham = { 0 }, *d = NULL;
	if (s->profile_in_prompt == PROFILE_SHAM) {
		d = &sham;
		char *key = xasprintf("sham %ld %ld", s->seed, s->iteration);
		sham.state = fnv1a(key) | 1;
		free(key);
		memcpy(sham.t, t, sizeof t);
		sham.nt = nt;
		sham.prefix = path_prefix(parent, t, nt);
	}
	*shown = cJSON_CreateObject();
	cJSON_AddStringToObject(*shown, "mode", d ? "sham" : "real");
	cJSON *items = cJSON_AddArrayToObject(*shown, "items");
	buf_puts(&b, "\n## Where the time goes (causal profile of the parent)\n\n");
	/* The sham draws its places from the target files' code lines: with none (only
	 * comments and #includes) it has nowhere to put the profile's lines, and shows
	 * none rather than the real places, or drawing for ever. */
	long code_lines = 0;
	for (int i = 0; i < nt; i++)
		code_lines += t[i].n_code;
	if (d && code_lines == 0) {
		warnx_("the sham profile: no target file has a line of code to draw its places from; its places are left out");
		buf_puts(&b, "(No places: the target files hold no line of code.)\n\n");
		cJSON_AddStringToObject(*shown, "places", "none: the target files hold no line of code");
	} else {
		coz_lines(s, parent, d, &b, items);
		offcpu_sites(s, parent, d, &b, items);
	}
	function_counts(parent, d, t, nt, &b, items);
	free(sham.prefix);
	for (int i = 0; i < nt; i++) {
		free(t[i].path);
		free(t[i].text);
		free(t[i].code_lines);
	}
	return buf_take(&b);
}

/* {{name}} → value, for each pair; unknown placeholders stay as they are. */
char *fill(const char *tmpl, const char *const *pairs)
{
	struct buf b = { 0 };
	for (const char *p = tmpl; *p;) {
		const char *open = strstr(p, "{{");
		if (!open) {
			buf_puts(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(open - p));
		const char *close = strstr(open, "}}");
		int done = 0;
		for (int i = 0; close && pairs[i]; i += 2)
			if ((size_t)(close - open - 2) == strlen(pairs[i]) && strncmp(open + 2, pairs[i], strlen(pairs[i])) == 0) {
				buf_puts(&b, pairs[i + 1]);
				done = 1;
			}
		if (!done)
			buf_add(&b, open, close ? (size_t)(close - open) + 2 : 2);
		p = done || close ? close + 2 : open + 2;
	}
	return buf_take(&b);
}

char *read_template(const struct settings *s, const char *name)
{
	char *path = xasprintf("%s/prompts/%s", s->experiment, name);
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	free(path);
	return text;
}

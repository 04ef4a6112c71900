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
#include "../lib/jsonl.h"
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

/* With AIOPT_PROFILE_IN_PROMPT=1 only: Coz's top lines (parse-coz --context output in the parent's
 * "coz"), the off-CPU profile's top stacks ("bperf") and the instructions per write of
 * each AIOPT_FUNCTIONS function against pristine's (bench.cost), when the parent has them. */
char *profile_section(const struct settings *s, const cJSON *parent)
{
	struct buf b = { 0 };
	buf_puts(&b, "\n## Where the time goes (causal profile of the parent)\n\n");
	const cJSON *lines = json_path(parent, "coz.lines");
	int shown = 0;
	const cJSON *l;
	cJSON_ArrayForEach(l, lines) {
		if (shown == s->profile_top)
			break;
		const char *loc = json_path_string(l, "location");
		buf_printf(&b, "- %s (progress point %s): speeding this line up by x%% would speed the "
			   "program up by up to %.1f %% (impact %.1f %%)\n", loc ? loc : "?",
			   json_path_string(l, "point") ? json_path_string(l, "point") : "?", json_path_number(l, "max_speedup_pct"),
			   json_path_number(l, "impact_pct"));
		const cJSON *ctx = json_path(l, "context.lines"), *cl;
		if (cJSON_GetArraySize(ctx) > 0) {
			buf_puts(&b, "\n```cpp\n");
			cJSON_ArrayForEach(cl, ctx) {
				const char *text = json_path_string(cl, "text");
				buf_printf(&b, "%s\n", text ? text : "");
			}
			buf_puts(&b, "```\n");
		}
		shown++;
	}
	if (!shown)
		buf_puts(&b, "No causal profile of this parent yet.\n");
	const cJSON *stacks = json_path(parent, "bperf.top"), *st;
	shown = 0;
	cJSON_ArrayForEach(st, stacks) {
		if (shown++ == s->profile_top)
			break;
		if (shown == 1) {
			const char *source = json_path_string(parent, "bperf.source");
			buf_printf(&b, "\nWhere threads wait (off-CPU, from %s):\n", source ? source : "perf");
		}
		buf_printf(&b, "- %.1f %% %s: %s\n", json_path_number(st, "share_pct"),
			   json_path_string(st, "class") ? json_path_string(st, "class") : "",
			   json_path_string(st, "location") ? json_path_string(st, "location") : "?");
	}
	const cJSON *mine = json_path(parent, "bench.cost.candidate.functions"), *f;
	const cJSON *theirs = json_path(parent, "bench.cost.baseline.functions");
	shown = 0;
	cJSON_ArrayForEach(f, mine) {
		const char *name = json_path_string(f, "name");
		double v = json_path_number(f, "instructions_per_op"), p = NAN;
		const cJSON *g;
		cJSON_ArrayForEach(g, theirs)
			if (name && json_path_string(g, "name") && !strcmp(name, json_path_string(g, "name")))
				p = json_path_number(g, "instructions_per_op");
		if (!name || isnan(v) || (v == 0 && (isnan(p) || p == 0)))
			continue;   /* not on this workload's path */
		if (shown++ == 0)
			buf_printf(&b, "\nInstructions per write (Callgrind, inclusive, %s):\n",
				   json_path_string(parent, "bench.cost.args") ? json_path_string(parent, "bench.cost.args") : "fixed work");
		buf_printf(&b, "- %s: %.1f", name, v);
		if (!isnan(p))
			buf_printf(&b, " (pristine %.1f, %+.1f)", p, v - p);
		buf_puts(&b, "\n");
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

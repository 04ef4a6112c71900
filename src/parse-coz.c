/* parse-coz — Coz and BCOZ causal profiles to JSON, analysed as Coz's viewer does.
 *
 * The reference is viewer/js/profile.js of Debian's coz-profiler: per (selected
 * line, progress point, line speedup) sum delta and duration (throughput) or
 * keep arrivals and a duration-weighted difference (latency); value = duration /
 * delta or difference / (arrivals / duration); program speedup = (value at line
 * speedup 0 - value) / value at 0, negated for latency; keep [-1, 2]; a line
 * needs --min-points distinct speedups; impact = max over x of the trapezoid
 * area from 0 to x divided by x.  The input is streamed: memory grows with the
 * number of distinct (line, point, speedup) keys and, for the bootstrap of
 * max_speedup_pct's interval, one small record per progress-point line. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/inputs.h"
#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/source.h"
#include "lib/stats.h"
#include "lib/strmap.h"
#include "lib/rng.h"
#include "lib/util.h"
#include "parse-coz/parse-coz.h"

struct options {
	long min_points;
	const char *only_point;
	long top;
	const char *scope;
	int per_line;
	struct context_option context;
};

/* Blocked-time classes BCOZ reports instead of a source line. */
static const char *const blocked_classes[] = {
	"IO", "LOCK", "SCHEDULING", "BLOCKED", "OFF_CPU", "ON_CPU", NULL,
};

/* ---- analysis, as profile.js's getSpeedupData and its sort functions -------- */

struct measurement {
	double line_speedup, program_speedup;
};

struct line_result {
	size_t selected, point;
	struct measurement *m;
	size_t nm;
	long experiments;
	double impact, max_speedup, min_speedup;
};

static double data_point(const struct cell *c)
{
	if (c->duration < 0)
		return NAN;
	if (c->type == THROUGHPUT)
		return c->duration / c->delta;
	double arrival_rate = c->arrivals / c->duration;   /* Little's law */
	return c->difference / arrival_rate;
}

static int valid(double v)
{
	return isfinite(v);
}

static int by_key(const void *a, const void *b)
{
	const struct cell *x = *(struct cell *const *)a, *y = *(struct cell *const *)b;
	if (x->selected != y->selected)
		return x->selected < y->selected ? -1 : 1;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return x->speedup < y->speedup ? -1 : x->speedup > y->speedup;
}

static int by_speedup(const void *a, const void *b)
{
	const struct measurement *x = a, *y = b;
	return x->line_speedup < y->line_speedup ? -1 : x->line_speedup > y->line_speedup;
}

/* max_normalized_area, max_progress_speedup, min_progress_speedup for one point. */
static void summarise(struct line_result *r)
{
	double area = 0, best = 0, max = 0, min = 0;
	for (size_t j = 0; j < r->nm; j++) {
		double s = r->m[j].program_speedup;
		if (s > max)
			max = s;
		if (s < min)
			min = s;
		if (j == 0)
			continue;
		const struct measurement *prev = &r->m[j - 1], *cur = &r->m[j];
		area += (prev->program_speedup + cur->program_speedup) / 2 *
			(cur->line_speedup - prev->line_speedup);
		double normalised = area / cur->line_speedup;
		if (normalised > best)
			best = normalised;
	}
	r->impact = best;
	r->max_speedup = max;
	r->min_speedup = min;
}

static int by_impact(const void *a, const void *b, void *ctx)
{
	const struct line_result *x = a, *y = b;
	const struct profile *p = ctx;
	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	int c = strcmp(p->selected.keys[x->selected], p->selected.keys[y->selected]);
	return c ? c : strcmp(p->points.keys[x->point], p->points.keys[y->point]);
}

/* Analyses one (selected, point) group of cells [g, g+n); appends a result when
 * the point has a valid baseline and enough measurements. */
static void analyse_group(struct cell **g, size_t n, const struct options *o,
			  struct line_result **out, size_t *nout)
{
	const struct cell *baseline = NULL;
	for (size_t i = 0; i < n; i++)
		if (g[i]->speedup == 0)
			baseline = g[i];
	if (!baseline)
		return;   /* no speedup-0 data: the viewer drops the line for this point */
	double base = data_point(baseline);
	if (!valid(base))
		return;
	int maximise = baseline->type == THROUGHPUT;
	struct measurement *m = xmalloc(n * sizeof *m);
	size_t nm = 0;
	long experiments = 0;
	for (size_t i = 0; i < n; i++) {
		experiments += g[i]->experiments;
		double v = data_point(g[i]);
		if (!valid(v))
			continue;
		double s = (base - v) / base;
		if (!maximise)
			s = -s;
		if (s >= -1 && s <= 2)
			m[nm++] = (struct measurement){ g[i]->speedup, s };
	}
	if (nm < (size_t)o->min_points || nm == 0) {
		free(m);
		return;
	}
	qsort(m, nm, sizeof *m, by_speedup);
	*out = xrealloc(*out, (*nout + 1) * sizeof **out);
	struct line_result *r = &(*out)[(*nout)++];
	*r = (struct line_result){ g[0]->selected, g[0]->point, m, nm, experiments, 0, 0, 0 };
	summarise(r);
}

static size_t analyse(struct profile *p, const struct options *o, struct line_result **out)
{
	size_t n = p->cells.count, nout = 0;
	struct cell **sorted = xmalloc((n ? n : 1) * sizeof *sorted);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &p->cell[i];
		if (o->only_point && strcmp(p->points.keys[c->point], o->only_point) != 0)
			continue;
		if (o->scope && fnmatch(o->scope, p->selected.keys[c->selected], 0) != 0)
			continue;
		sorted[m++] = &p->cell[i];
	}
	qsort(sorted, m, sizeof *sorted, by_key);
	*out = NULL;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && sorted[j]->selected == sorted[i]->selected && sorted[j]->point == sorted[i]->point)
			j++;
		analyse_group(sorted + i, j - i, o, out, &nout);
		i = j;
	}
	free(sorted);
	if (nout)
		qsort_r(*out, nout, sizeof **out, by_impact, p);
	return nout;
}

/* ---- the interval of max_speedup_pct: a bootstrap over experiments ------------ */

/* max_speedup_pct moves a lot between profiles of the same program (it is a
 * maximum over lines of noisy slopes): score compares two profiles only through
 * intervals.  Resampling whole experiments with replacement and redoing the
 * viewer's analysis gives one; the seed is fixed, so a profile always gets the
 * same interval. */
enum { BOOTSTRAP_RESAMPLES = 200 };

static double max_speedup_of(struct line_result *res, size_t n)
{
	double best = NAN;
	for (size_t i = 0; i < n; i++)
		if (isnan(best) || res[i].max_speedup > best)
			best = res[i].max_speedup;
	return best;
}

static void free_results(struct line_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(res[i].m);
	free(res);
}

/* The 2.5th and 97.5th percentiles of max_speedup over the resamples; NAN when a
 * profile has too few experiments, or too few resamples have any line at all. */
static void bootstrap_max_speedup(struct profile *p, const struct options *o, double *lo, double *hi)
{
	*lo = *hi = NAN;
	size_t ne = (size_t)p->experiments, ncells = p->cells.count;
	if (ne < 10 || ncells == 0)
		return;
	unsigned *weight = xmalloc(ne * sizeof *weight);
	struct cell *cells = xmalloc(ncells * sizeof *cells), *real = p->cell;
	double *v = xmalloc(BOOTSTRAP_RESAMPLES * sizeof *v);
	size_t nv = 0;
	uint64_t rng = 1;
	for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
		memset(weight, 0, ne * sizeof *weight);
		for (size_t i = 0; i < ne; i++)
			weight[rng_next(&rng) % ne]++;
		for (size_t i = 0; i < ncells; i++) {
			cells[i] = real[i];
			cells[i].delta = cells[i].duration = cells[i].arrivals = cells[i].departures = 0;
			cells[i].difference = 0;
			cells[i].experiments = 0;
		}
		for (size_t k = 0; k < p->ncontrib; k++) {
			const struct contrib *x = &p->contrib[k];
			double w = weight[x->experiment];
			if (w == 0)
				continue;
			struct cell *c = &cells[x->cell];
			c->delta += w * x->delta;
			c->arrivals += w * x->arrivals;
			c->departures += w * x->departures;
			c->difference += w * x->difference * x->duration;   /* duration-weighted mean, below */
			c->duration += w * x->duration;
			c->experiments += (long)w;
		}
		for (size_t i = 0; i < ncells; i++)
			if (cells[i].type == LATENCY && cells[i].duration > 0)
				cells[i].difference /= cells[i].duration;
		p->cell = cells;
		struct line_result *res;
		size_t n = analyse(p, o, &res);
		p->cell = real;
		double m = max_speedup_of(res, n);
		free_results(res, n);
		if (!isnan(m))
			v[nv++] = m;
	}
	/* An interval only when nearly every resample had an answer. */
	if (nv >= BOOTSTRAP_RESAMPLES * 9 / 10) {
		qsort(v, nv, sizeof *v, cmp_double);
		*lo = v[(size_t)floor(0.025 * (double)(nv - 1))];
		*hi = v[(size_t)ceil(0.975 * (double)(nv - 1))];
	}
	free(v);
	free(cells);
	free(weight);
}

/* ---- output ------------------------------------------------------------------ */

/* "file.cc:123" → file and line; a BCOZ class ("IO", "LOCK (futex)") → class. */
static void add_location(cJSON *o, const char *selected)
{
	cJSON_AddStringToObject(o, "location", selected);
	for (int i = 0; blocked_classes[i]; i++) {
		size_t n = strlen(blocked_classes[i]);
		if (strncmp(selected, blocked_classes[i], n) == 0 &&
		    (selected[n] == '\0' || selected[n] == '(' || selected[n] == ' ')) {
			cJSON_AddNullToObject(o, "file");
			cJSON_AddNullToObject(o, "line");
			cJSON_AddStringToObject(o, "class", blocked_classes[i]);
			return;
		}
	}
	const char *colon = strrchr(selected, ':');
	char *end = NULL;
	long line = colon ? strtol(colon + 1, &end, 10) : 0;
	if (colon && end != colon + 1 && *end == '\0') {
		char *file = xasprintf("%.*s", (int)(colon - selected), selected);
		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddNumberToObject(o, "line", (double)line);
		free(file);
	} else {
		cJSON_AddNullToObject(o, "file");
		cJSON_AddNullToObject(o, "line");
	}
}

static cJSON *context_json(struct profile *p, const struct options *o, const char *file, long line)
{
	char *why = NULL;
	cJSON *ctx = source_context(o->context.root, file, line, o->context.around, &why);
	if (!ctx) {
		warning_add(p->warnings, "--context: %s", why);
		free(why);
		return cJSON_CreateNull();
	}
	return ctx;
}

static cJSON *line_json(struct profile *p, const struct options *o, const struct line_result *r)
{
	cJSON *l = cJSON_CreateObject();
	add_location(l, p->selected.keys[r->selected]);
	cJSON_AddStringToObject(l, "point", p->points.keys[r->point]);
	cJSON_AddNumberToObject(l, "impact_pct", r->impact * 100);
	cJSON_AddNumberToObject(l, "max_speedup_pct", r->max_speedup * 100);
	cJSON_AddNumberToObject(l, "min_speedup_pct", r->min_speedup * 100);
	cJSON *ms = cJSON_AddArrayToObject(l, "measurements");
	for (size_t i = 0; i < r->nm; i++) {
		cJSON *pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(r->m[i].line_speedup));
		cJSON_AddItemToArray(pair, cJSON_CreateNumber(r->m[i].program_speedup));
		cJSON_AddItemToArray(ms, pair);
	}
	cJSON_AddNumberToObject(l, "experiments", (double)r->experiments);
	if (o->context.root) {
		const cJSON *file = cJSON_GetObjectItem(l, "file");
		cJSON_AddItemToObject(l, "context", cJSON_IsString(file)
			? context_json(p, o, file->valuestring, (long)cJSON_GetObjectItem(l, "line")->valuedouble)
			: cJSON_CreateNull());
	}
	return l;
}

static void point_warnings(struct profile *p)
{
	if (p->experiments == 0) {
		warning_add(p->warnings, "no experiments: the program never reached a progress point, or Coz could not "
			"read its line tables (build with -gdwarf-4 -gno-variable-location-views)");
		return;
	}
	if (p->points.count == 0)
		warning_add(p->warnings, "experiments without progress point data: no progress point was reached");
	for (size_t i = 0; i < p->points.count; i++) {
		const struct point_info *pi = &p->point[i];
		if (pi->type == THROUGHPUT && pi->total_delta == 0)
			warning_add(p->warnings, "progress point %s: delta is 0 in every experiment", p->points.keys[i]);
		if (pi->type == LATENCY && pi->total_arrivals == 0)
			warning_add(p->warnings, "latency point %s: no arrivals in any experiment", p->points.keys[i]);
	}
}

static void emit(struct profile *p, const struct options *o)
{
	point_warnings(p);
	struct line_result *res;
	size_t n = analyse(p, o, &res);
	if (p->experiments > 0 && n == 0)
		warning_add(p->warnings, "no line has data at %d distinct speedups including 0 (see --min-points)", (int)o->min_points);

	if (o->per_line) {
		for (size_t i = 0; i < n && (o->top < 0 || (long)i < o->top); i++) {
			cJSON *l = line_json(p, o, &res[i]);
			cJSON_AddStringToObject(l, "profile", p->source);
			jsonl_write(stdout, l);
			cJSON_Delete(l);
		}
		/* --lines has no place for warnings: they go to stderr. */
		cJSON *w;
		cJSON_ArrayForEach(w, p->warnings)
			warnx_("%s: %s", p->source, w->valuestring);
	} else {
		cJSON *out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "source", p->source);
		cJSON_AddItemToObject(out, "format", p->format_known
			? cJSON_CreateString(p->is_json ? "jsonl" : "tsv") : cJSON_CreateNull());
		cJSON_AddNumberToObject(out, "runs", (double)p->runs);
		cJSON_AddNumberToObject(out, "experiments", (double)p->experiments);
		cJSON *points = cJSON_AddArrayToObject(out, "progress_points");
		for (size_t i = 0; i < p->points.count; i++) {
			cJSON *pt = cJSON_CreateObject();
			cJSON_AddStringToObject(pt, "name", p->points.keys[i]);
			cJSON_AddStringToObject(pt, "type", p->point[i].type == THROUGHPUT ? "throughput" : "latency");
			cJSON_AddNumberToObject(pt, "records", (double)p->point[i].records);
			cJSON_AddItemToArray(points, pt);
		}
		json_add_number_or_null(out, "runtime_seconds", p->have_runtime ? p->runtime_ns / 1e9 : NAN);
		const struct line_result *best_speedup = NULL;
		for (size_t i = 0; i < n; i++)
			if (!best_speedup || res[i].max_speedup > best_speedup->max_speedup)
				best_speedup = &res[i];
		json_add_number_or_null(out, "max_speedup_pct", best_speedup ? best_speedup->max_speedup * 100 : NAN);
		double lo, hi;
		bootstrap_max_speedup(p, o, &lo, &hi);
		if (isnan(lo)) {
			cJSON_AddNullToObject(out, "max_speedup_pct_ci");
		} else {
			cJSON *ci = cJSON_AddObjectToObject(out, "max_speedup_pct_ci");
			cJSON_AddNumberToObject(ci, "low", lo * 100);
			cJSON_AddNumberToObject(ci, "high", hi * 100);
			cJSON_AddNumberToObject(ci, "resamples", BOOTSTRAP_RESAMPLES);
			cJSON_AddStringToObject(ci, "method", "percentile bootstrap over experiments, 95 %");
		}
		cJSON_AddItemToObject(out, "max_speedup_location", best_speedup
			? cJSON_CreateString(p->selected.keys[best_speedup->selected]) : cJSON_CreateNull());
		json_add_number_or_null(out, "max_impact_pct", n ? res[0].impact * 100 : NAN);
		cJSON_AddItemToObject(out, "max_impact_location", n
			? cJSON_CreateString(p->selected.keys[res[0].selected]) : cJSON_CreateNull());
		cJSON_AddNumberToObject(out, "lines_analysed", (double)n);
		cJSON *lines = cJSON_AddArrayToObject(out, "lines");
		for (size_t i = 0; i < n && (o->top < 0 || (long)i < o->top); i++)
			cJSON_AddItemToArray(lines, line_json(p, o, &res[i]));
		cJSON_AddItemReferenceToObject(out, "warnings", p->warnings);
		jsonl_write(stdout, out);
		cJSON_Delete(out);
	}
	free_results(res, n);
}

static void profile_free(struct profile *p)
{
	strmap_clear(&p->selected);
	strmap_clear(&p->points);
	strmap_clear(&p->cells);
	free(p->cell);
	free(p->point);
	free(p->contrib);
	cJSON_Delete(p->warnings);
}

static int parse_file(FILE *in, const char *source, void *ctx)
{
	const struct options *o = ctx;
	struct profile p = { .source = source, .warnings = cJSON_CreateArray() };
	int status = 0;
	if (read_profile(&p, in) < 0) {
		cJSON *rec = error_record("parse-coz", "%s: not a Coz profile", source);
		jsonl_write(stdout, rec);
		cJSON_Delete(rec);
		status = EXIT_INPUT;
	} else {
		emit(&p, o);
	}
	profile_free(&p);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { .min_points = 10, .top = -1 };
	struct opt_spec specs[] = {
		{ OPT_LONG("min-points", "N", &o.min_points, 0, 1000000, "AIOPT_COZ_MIN_POINTS",
			   "distinct line speedups a line needs (10 is Coz's viewer's)") },
		{ OPT_STRING("point", "NAME", &o.only_point, "AIOPT_COZ_POINT", "analyse only this progress point") },
		{ OPT_LONG("top", "N", &o.top, -1, 1000000, NULL, "list only the N lines of highest impact (-1: all)") },
		{ OPT_STRING("scope", "GLOB", &o.scope, "AIOPT_COZ_SCOPE",
			     "only lines whose FILE:LINE matches GLOB (fnmatch; * crosses /)") },
		{ OPT_FLAG("lines", &o.per_line, "one JSON line per (source line, progress point) instead of one per file") },
		{ OPT_CALL("context", "ROOT[:N]", &o.context, context_option_parse, "AIOPT_COZ_CONTEXT",
			   "add each line's source and N lines around it (default 3) from the tree at ROOT") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-coz",
		.operands = "[FILE...]",
		.summary = "Reads Coz/BCOZ causal profiles (tab-separated or JSON lines) and writes, per input,\n"
		"one JSON object: every source line's predicted program speedup, analysed as\n"
		"Coz's own viewer does.  No FILE: standard input.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	int status = for_each_input(argc, argv, first, "parse-coz", parse_file, &o);
	free(o.context.root);
	return status;
}

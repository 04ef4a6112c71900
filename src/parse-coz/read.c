/* read.c — Coz's and BCOZ's records, tab-separated or JSON lines, into the cells
 * Coz's viewer keeps (profile.js's addThroughputMeasurement and
 * addLatencyMeasurement). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/jsonl.h"
#include "../lib/lines.h"
#include "../lib/strmap.h"
#include "../lib/util.h"
#include "parse-coz.h"

/* ---- reading records ------------------------------------------------------- */

/* A record's fields, whichever format it came in.  NAN: absent or not a number. */
struct record {
	char type[32];
	const char *selected, *name;
	double speedup, duration, delta, arrivals, departures, difference, time;
};

/* JavaScript's parseInt(s, 10), which the viewer applies to counts and times. */
static double js_parse_int(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s)
		return NAN;
	return (double)v;
}

/* JavaScript's parseFloat, for speedup. */
static double js_parse_float(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end;
	double v = strtod(s, &end);
	return end == s ? NAN : v;
}

static void normalise_type(char *t)
{
	for (; *t; t++)
		if (*t == '_')
			*t = '-';
}

static void record_init(struct record *r)
{
	memset(r, 0, sizeof *r);
	r->speedup = r->duration = r->delta = r->arrivals = r->departures = r->difference = r->time = NAN;
}

/* "experiment\tselected=f.c:12\tspeedup=0.25\tduration=NS\tselected-samples=N" — in place. */
static void read_tsv(char *line, struct record *r)
{
	record_init(r);
	char *save = NULL;
	char *field = strtok_r(line, "\t", &save);
	snprintf(r->type, sizeof r->type, "%s", field ? field : "");
	while ((field = strtok_r(NULL, "\t", &save)) != NULL) {
		char *eq = strchr(field, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *key = field, *v = eq + 1;
		if (strcmp(key, "selected") == 0) r->selected = v;
		else if (strcmp(key, "name") == 0) r->name = v;
		else if (strcmp(key, "speedup") == 0) r->speedup = js_parse_float(v);
		else if (strcmp(key, "duration") == 0) r->duration = js_parse_int(v);
		else if (strcmp(key, "delta") == 0) r->delta = js_parse_int(v);
		else if (strcmp(key, "arrivals") == 0) r->arrivals = js_parse_int(v);
		else if (strcmp(key, "departures") == 0) r->departures = js_parse_int(v);
		else if (strcmp(key, "difference") == 0) r->difference = js_parse_int(v);
		else if (strcmp(key, "time") == 0) r->time = js_parse_int(v);
	}
}

static double json_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v))
		return js_parse_float(v->valuestring);
	return NAN;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* {"type":"experiment","selected":"f.c:12","speedup":0.25,"duration":NS,"selected_samples":N} */
static int read_json(const cJSON *o, struct record *r)
{
	record_init(r);
	const char *type = json_str(o, "type");
	if (!type)
		return -1;
	snprintf(r->type, sizeof r->type, "%s", type);
	r->selected = json_str(o, "selected");
	r->name = json_str(o, "name");
	r->speedup = json_num(o, "speedup");
	r->duration = json_num(o, "duration");
	r->delta = json_num(o, "delta");
	r->arrivals = json_num(o, "arrivals");
	r->departures = json_num(o, "departures");
	r->difference = json_num(o, "difference");
	r->time = json_num(o, "time");
	return 0;
}

/* ---- accumulating, as profile.js's addThroughputMeasurement / addLatencyMeasurement */

static struct cell *cell_for(struct profile *p, size_t point, enum point_type type)
{
	char key[64];
	double speedup = p->cur_speedup == 0 ? 0 : p->cur_speedup;   /* -0 and 0: one key, as in JS */
	snprintf(key, sizeof key, "%zu\x1f%zu\x1f%.17g", p->cur_selected, point, speedup);
	int added;
	struct cell *c = strmap_value(&p->cells, key, (void **)&p->cell, &p->cell_cap, sizeof *p->cell, &added);
	if (added)
		*c = (struct cell){ p->cur_selected, point, speedup, type, 0, 0, 0, 0, 0, 0 };
	return c;
}

static size_t point_for(struct profile *p, const char *name, enum point_type type)
{
	int added;
	struct point_info *pi = strmap_value(&p->points, name, (void **)&p->point, &p->point_cap, sizeof *p->point, &added);
	if (added)
		pi->type = type;
	return (size_t)(pi - p->point);
}

static void add_contrib(struct profile *p, const struct cell *c, struct contrib k)
{
	if (p->ncontrib == p->contrib_cap) {
		p->contrib_cap = p->contrib_cap ? 2 * p->contrib_cap : 256;
		p->contrib = xrealloc(p->contrib, p->contrib_cap * sizeof *p->contrib);
	}
	k.cell = (size_t)(c - p->cell);
	k.experiment = p->experiments - 1;
	p->contrib[p->ncontrib++] = k;
}

static void bad_line(struct profile *p, size_t lineno, const char *why)
{
	if (p->bad_lines++ < 5)
		warning_add(p->warnings, "line %zu: %s (line skipped)", lineno, why);
}

/* A throughput point: delta and duration summed, as addThroughputMeasurement. */
static void add_throughput(struct profile *p, const struct record *r, size_t lineno)
{
	if (!r->name || isnan(r->delta)) {
		bad_line(p, lineno, "progress point without name or delta");
		return;
	}
	if (!p->in_experiment) {
		bad_line(p, lineno, "progress point before any experiment");
		return;
	}
	size_t pi = point_for(p, r->name, THROUGHPUT);
	p->point[pi].total_delta += r->delta;
	p->point[pi].records++;
	struct cell *c = cell_for(p, pi, THROUGHPUT);
	c->delta += r->delta;
	c->duration += p->cur_duration;
	c->experiments++;
	add_contrib(p, c, (struct contrib){ .delta = r->delta, .duration = p->cur_duration });
}

/* A latency point: arrivals and departures summed, the difference averaged by
 * duration, as addLatencyMeasurement. */
static void add_latency(struct profile *p, const struct record *r, size_t lineno)
{
	if (!r->name || isnan(r->arrivals) || isnan(r->departures) || isnan(r->difference)) {
		bad_line(p, lineno, "latency point without name, arrivals, departures or difference");
		return;
	}
	if (!p->in_experiment) {
		bad_line(p, lineno, "latency point before any experiment");
		return;
	}
	size_t pi = point_for(p, r->name, LATENCY);
	p->point[pi].total_arrivals += r->arrivals;
	p->point[pi].records++;
	struct cell *c = cell_for(p, pi, LATENCY);
	c->arrivals += r->arrivals;
	c->departures += r->departures;
	/* A running duration-weighted average, in profile.js's order of operations. */
	if (c->duration == 0) {
		c->difference = r->difference;
	} else {
		double total = c->duration + p->cur_duration;
		c->difference *= c->duration / total;
		c->difference += (r->difference * p->cur_duration) / total;
	}
	c->duration += p->cur_duration;
	c->experiments++;
	add_contrib(p, c, (struct contrib){ .duration = p->cur_duration, .arrivals = r->arrivals,
					    .departures = r->departures, .difference = r->difference });
}

static void add_record(struct profile *p, struct record *r, size_t lineno)
{
	normalise_type(r->type);
	const char *t = r->type;
	if (strcmp(t, "startup") == 0) {
		p->runs++;
		p->runtime_ns += p->run_runtime_ns;
		p->run_runtime_ns = 0;
		p->in_experiment = 0;
	} else if (strcmp(t, "runtime") == 0) {
		/* Coz may write several runtime lines in one run: the run lasted the longest. */
		if (!isnan(r->time) && r->time > p->run_runtime_ns)
			p->run_runtime_ns = r->time;
		p->have_runtime = 1;
	} else if (strcmp(t, "shutdown") == 0 || strcmp(t, "samples") == 0) {
		/* nothing the analysis uses */
	} else if (strcmp(t, "experiment") == 0) {
		if (!r->selected || isnan(r->speedup) || isnan(r->duration)) {
			bad_line(p, lineno, "experiment without selected, speedup or duration");
			p->in_experiment = 0;
			return;
		}
		p->experiments++;
		p->cur_selected = strmap_intern(&p->selected, r->selected, NULL);
		p->cur_speedup = r->speedup;
		p->cur_duration = r->duration;
		p->in_experiment = 1;
	} else if (strcmp(t, "throughput-point") == 0 || strcmp(t, "progress-point") == 0) {
		add_throughput(p, r, lineno);
	} else if (strcmp(t, "latency-point") == 0) {
		add_latency(p, r, lineno);
	} else {
		bad_line(p, lineno, "not a Coz record");
	}
}

/* Is this line the start of a Coz profile?  Decides the format too. */
static int recognise(struct profile *p, const char *line)
{
	static const char *const types[] = { "startup", "experiment", "throughput", "progress",
		"latency", "samples", "runtime", "shutdown", NULL };
	const char *t = line;
	if (*line == '{') {
		p->is_json = 1;
		t = strstr(line, "\"type\"");
		if (!t)
			return 0;
		t = strchr(t + 6, '"');
		if (!t)
			return 0;
		t++;
	}
	for (int i = 0; types[i]; i++)
		if (strncmp(t, types[i], strlen(types[i])) == 0)
			return 1;
	return 0;
}

/* Reads one profile; returns 0, or -1 (message printed) when it is not a profile. */
int read_profile(struct profile *p, FILE *in)
{
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, p->source);
	int status = 0;
	long len;
	while ((len = lr_next(lr)) >= 0) {
		char *line = lr->line;
		if ((size_t)len != strlen(line)) {   /* a NUL byte: binary, not a profile line */
			if (!p->format_known) {
				warnx_("%s:%zu: not a Coz profile (a NUL byte in the line)", p->source, lr->lineno);
				status = -1;
				break;
			}
			bad_line(p, lr->lineno, "a NUL byte in the line");
			continue;
		}
		if (line[0] == '\0')
			continue;
		if (!p->format_known) {
			if (!recognise(p, line)) {
				warnx_("%s:%zu: not a Coz profile (expected a record such as \"startup\" or "
				       "\"experiment\", found \"%.40s\")", p->source, lr->lineno, line);
				status = -1;
				break;
			}
			p->format_known = 1;
		}
		struct record r;
		if (line[0] == '{') {
			cJSON *o = cJSON_Parse(line);
			if (!o || read_json(o, &r) < 0)
				bad_line(p, lr->lineno, "not a JSON Coz record");
			else
				add_record(p, &r, lr->lineno);
			cJSON_Delete(o);
		} else {
			read_tsv(line, &r);
			add_record(p, &r, lr->lineno);
		}
	}
	if (lr->read_error) {
		warnx_("%s: read error: %s", p->source, strerror(lr->read_error));
		status = -1;
	}
	lr_free(lr);
	free(lr);
	p->runtime_ns += p->run_runtime_ns;
	if (p->bad_lines > 5)
		warning_add(p->warnings, "%ld malformed lines in all (first 5 shown)", p->bad_lines);
	return status;
}


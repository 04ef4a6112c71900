/* json.c — the parse as one JSON object. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/jsonl.h"
#include "../lib/strmap.h"
#include "../lib/util.h"
#include "parse-dbbench.h"

/* db_stats' names, in the order of enum DB_*. */
const char *const db_keys[] = {
	"writes", "keys", "commit_groups", "writes_per_commit_group",
	"wal_writes", "wal_syncs", "writes_per_sync", "stall_seconds", "stall_pct",
};

/* ---- output --------------------------------------------------------------- */

static cJSON *histogram_json(const struct histogram *h)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "op", h->op);
	json_add_number_or_null(o, "count", h->count);
	json_add_number_or_null(o, "avg_us", h->avg_us);
	json_add_number_or_null(o, "stddev_us", h->stddev_us);
	json_add_number_or_null(o, "min_us", h->min_us);
	json_add_number_or_null(o, "median_us", h->median_us);
	json_add_number_or_null(o, "max_us", h->max_us);
	json_add_number_or_null(o, "p50_us", h->p50_us);
	json_add_number_or_null(o, "p75_us", h->p75_us);
	json_add_number_or_null(o, "p99_us", h->p99_us);
	json_add_number_or_null(o, "p99_9_us", h->p99_9_us);
	json_add_number_or_null(o, "p99_99_us", h->p99_99_us);
	return o;
}

static cJSON *repeats_json(const struct repeats *r)
{
	cJSON *o = cJSON_CreateObject();
	json_add_number_or_null(o, "runs", r->runs);
	json_add_number_or_null(o, "avg_ops_per_sec", r->avg_ops_per_sec);
	json_add_number_or_null(o, "ci95_ops_per_sec", r->ci95_ops_per_sec);
	json_add_number_or_null(o, "median_ops_per_sec", r->median_ops_per_sec);
	json_add_number_or_null(o, "avg_mb_per_sec", r->avg_mb_per_sec);
	json_add_number_or_null(o, "median_mb_per_sec", r->median_mb_per_sec);
	if (!isnan(r->ci95_low_ops_per_sec)) {
		json_add_number_or_null(o, "ci95_low_ops_per_sec", r->ci95_low_ops_per_sec);
		json_add_number_or_null(o, "ci95_high_ops_per_sec", r->ci95_high_ops_per_sec);
	}
	return o;
}

static cJSON *benchmark_json(const struct benchmark *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", b->name);
	json_add_number_or_null(o, "micros_per_op", b->micros_per_op);
	json_add_number_or_null(o, "ops_per_sec", b->ops_per_sec);
	json_add_number_or_null(o, "seconds", b->seconds);
	json_add_number_or_null(o, "operations", b->operations);
	json_add_number_or_null(o, "mb_per_sec", b->mb_per_sec);
	if (b->message)
		cJSON_AddStringToObject(o, "message", b->message);
	cJSON_AddItemToObject(o, "histogram", b->nhists ? histogram_json(&b->hists[0]) : cJSON_CreateNull());
	if (b->nhists > 1) {   /* several operation types, e.g. readrandomwriterandom */
		cJSON *all = cJSON_AddArrayToObject(o, "histograms");
		for (size_t i = 0; i < b->nhists; i++)
			cJSON_AddItemToArray(all, histogram_json(&b->hists[i]));
	}
	if (b->repeats)
		cJSON_AddItemToObject(o, "repeats", repeats_json(b->repeats));
	return o;
}

static cJSON *compaction_json(const struct parse *p)
{
	if (!p->have_compaction)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "column_family", p->compaction_cf);
	cJSON *levels = cJSON_AddArrayToObject(o, "levels");
	double l0 = p->levels_complete ? 0 : NAN;   /* RocksDB omits levels without files */
	for (size_t i = 0; i < p->nlevels; i++) {
		const struct level_row *r = &p->levels[i];
		cJSON *l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "level", r->level);
		json_add_number_or_null(l, "files", r->files);
		json_add_number_or_null(l, "files_compacting", r->files_compacting);
		json_add_number_or_null(l, "size_mb", r->size_mb);
		json_add_number_or_null(l, "w_amp", r->w_amp);
		cJSON_AddItemToArray(levels, l);
		if (r->level == 0)
			l0 = r->files;
	}
	json_add_number_or_null(o, "l0_files", l0);
	return o;
}

static cJSON *stalls_json(const struct parse *p)
{
	if (!p->have_stalls)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < p->stall_names.count; i++)
		cJSON_AddNumberToObject(o, p->stall_names.keys[i], p->stall_counts[i]);
	return o;
}

static cJSON *statistics_json(const struct parse *p)
{
	if (!p->stat_names.count)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < p->stat_names.count; i++) {
		const struct statistic *st = &p->stats[i];
		if (!st->is_histogram) {
			cJSON_AddNumberToObject(o, p->stat_names.keys[i], st->count);
			continue;
		}
		cJSON *h = cJSON_AddObjectToObject(o, p->stat_names.keys[i]);
		json_add_number_or_null(h, "p50", st->p50);
		json_add_number_or_null(h, "p95", st->p95);
		json_add_number_or_null(h, "p99", st->p99);
		json_add_number_or_null(h, "p100", st->p100);
		json_add_number_or_null(h, "count", st->count);
		json_add_number_or_null(h, "sum", st->sum);
	}
	return o;
}

static cJSON *db_stats_json(const struct parse *p)
{
	int any = 0;
	for (int i = 0; i < DB_N; i++)
		any |= !isnan(p->db[i]);
	if (!any)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < DB_N; i++)
		json_add_number_or_null(o, db_keys[i], p->db[i]);
	return o;
}

/* The result object, or an error record (*failed set) when the log holds no
 * benchmark result or not the one asked for. */
cJSON *result_json(struct parse *p, const char *want, int *failed)
{
	const struct benchmark *chosen = NULL;
	for (size_t i = 0; i < p->nbenches && !chosen; i++)
		if (!want || strcmp(p->benches[i].name, want) == 0)
			chosen = &p->benches[i];
	if (!chosen) {
		*failed = 1;
		cJSON *rec;
		if (p->nbenches == 0) {
			rec = error_record("parse-dbbench",
					   "%s: no db_bench result (no \"NAME : ... micros/op ... ops/sec\" summary line)",
					   p->source);
		} else {
			size_t len = 0;
			for (size_t i = 0; i < p->nbenches; i++)
				len += strlen(p->benches[i].name) + 2;
			char *names = xmalloc(len + 1);
			names[0] = '\0';
			for (size_t i = 0; i < p->nbenches; i++) {
				if (i)
					strcat(names, ", ");
				strcat(names, p->benches[i].name);
			}
			rec = error_record("parse-dbbench", "%s: no result for benchmark %s (the log has: %s)",
					   p->source, want, names);
			free(names);
		}
		return rec;
	}

	/* A run the caller names is one run: db_bench prints its summary once and one
	 * histogram per kind of operation after it.  More is text written from inside
	 * the process under test, and which one is db_bench's cannot be told. */
	for (size_t i = 0; want && i < p->nbenches; i++)
		if (&p->benches[i] != chosen && strcmp(p->benches[i].name, want) == 0) {
			*failed = 1;
			return error_record("parse-dbbench", "%s: two summary lines for benchmark %s, at lines %zu and %zu: "
					    "one run prints one (the process under test wrote the other)",
					    p->source, want, chosen->line, p->benches[i].line);
		}
	for (size_t i = 0; want && i < chosen->nhists; i++)
		for (size_t j = i + 1; j < chosen->nhists; j++)
			if (strcmp(chosen->hists[i].op, chosen->hists[j].op) == 0) {
				*failed = 1;
				return error_record("parse-dbbench", "%s: two \"Microseconds per %s\" histograms after the "
						    "summary of %s at line %zu: one run prints one (the process under test wrote the other)",
						    p->source, chosen->hists[i].op, want, chosen->line);
			}

	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "source", p->source);
	cJSON_AddItemToObject(o, "version", p->version ? cJSON_CreateString(p->version) : cJSON_CreateNull());
	cJSON *benches = cJSON_AddArrayToObject(o, "benchmarks");
	for (size_t i = 0; i < p->nbenches; i++)
		cJSON_AddItemToArray(benches, benchmark_json(&p->benches[i]));
	cJSON_AddStringToObject(o, "benchmark", chosen->name);
	json_add_number_or_null(o, "ops_per_sec", chosen->ops_per_sec);
	json_add_number_or_null(o, "micros_per_op", chosen->micros_per_op);
	const struct histogram *h = chosen->nhists ? &chosen->hists[0] : NULL;
	json_add_number_or_null(o, "p50_us", h ? h->p50_us : NAN);
	json_add_number_or_null(o, "p99_us", h ? h->p99_us : NAN);
	json_add_number_or_null(o, "p99_9_us", h ? h->p99_9_us : NAN);
	const struct benchmark *series = last_named(p, chosen->name);
	if (series->repeats)
		cJSON_AddItemToObject(o, "repeats", repeats_json(series->repeats));
	cJSON_AddItemToObject(o, "db_stats", db_stats_json(p));
	cJSON_AddItemToObject(o, "compaction", compaction_json(p));
	cJSON_AddItemToObject(o, "stalls", stalls_json(p));
	cJSON_AddItemToObject(o, "statistics", statistics_json(p));
	cJSON_AddItemToObject(o, "warnings", p->warnings);
	p->warnings = NULL;
	return o;
}


/* sections.c — each section of a db_bench log, line by line. */
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

/* ---- summary lines ------------------------------------------------------ */

struct benchmark *last_named(struct parse *p, const char *name)
{
	for (size_t i = p->nbenches; i-- > 0;)
		if (strcmp(p->benches[i].name, name) == 0)
			return &p->benches[i];
	return NULL;
}

/* "name [AVG 3 runs] : 23155 (± 123) ops/sec;   9.2 (± 0.1) MB/sec" and its
 * MEDIAN and CI95 siblings.  tag points after '['. */
static int repeat_line(struct parse *p, const char *name, const char *tag, const char *rhs)
{
	char kind[8] = "";
	int i = 0;
	while (isalpha((unsigned char)*tag) && i < 7)
		kind[i++] = *tag++;
	const char *s = tag;
	double runs = number(&s);
	if (isnan(runs) || !word(&s, "runs]"))
		return 0;
	struct benchmark *b = last_named(p, name);
	if (!b)
		return 0;
	/* db_bench prints a running [AVG k runs] after each run: the summary of the
	 * series belongs to its latest run, so move it there. */
	for (struct benchmark *e = p->benches; e < b && !b->repeats; e++)
		if (e->repeats && strcmp(e->name, name) == 0) {
			b->repeats = e->repeats;
			e->repeats = NULL;
		}
	if (!b->repeats) {
		b->repeats = xmalloc(sizeof *b->repeats);
		*b->repeats = (struct repeats){ runs, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
	}
	struct repeats *r = b->repeats;
	r->runs = runs;
	s = rhs;
	if (strcmp(kind, "AVG") == 0) {
		r->avg_ops_per_sec = number(&s);
		if (word(&s, "(") && word(&s, "\xC2\xB1"))
			r->ci95_ops_per_sec = number(&s);
		if ((s = strchr(s, ';')) != NULL) {
			s++;
			r->avg_mb_per_sec = number(&s);
		}
	} else if (strcmp(kind, "MEDIAN") == 0) {
		r->median_ops_per_sec = number(&s);
		if ((s = strchr(s, ';')) != NULL) {
			s++;
			r->median_mb_per_sec = number(&s);
		}
	} else if (strcmp(kind, "CI95") == 0) {
		if (word(&s, "(")) {
			r->ci95_low_ops_per_sec = number(&s);
			if (word(&s, ","))
				r->ci95_high_ops_per_sec = number(&s);
		}
	} else {
		return 0;
	}
	return 1;
}

/* A benchmark from its summary line; s is what follows "ops/sec": "[N seconds M
 * operations;] [X MB/s] [message]". */
static void add_benchmark(struct parse *p, const char *name, size_t lineno, double micros, double ops, const char *s)
{
	double seconds = NAN, operations = NAN, mb = NAN;
	const char *t = s;
	double v = number(&t);
	if (!isnan(v) && word(&t, "seconds")) {
		seconds = v;
		operations = number(&t);
		if (!isnan(operations) && word(&t, "operations"))
			s = t;
		else
			operations = NAN;
	}
	char *message = NULL;
	s = skip_space(s);
	if (*s == ';') {
		s++;
		t = s;
		v = number(&t);
		if (!isnan(v) && word(&t, "MB/s")) {
			mb = v;
			s = t;
		}
		s = skip_space(s);
		if (*s)
			message = clean_text(s, strlen(s));
	}
	p->benches = xrealloc(p->benches, (p->nbenches + 1) * sizeof *p->benches);
	p->benches[p->nbenches++] = (struct benchmark){
		.name = xstrdup(name), .line = lineno, .micros_per_op = micros, .ops_per_sec = ops,
		.seconds = seconds, .operations = operations, .mb_per_sec = mb, .message = message,
	};
	p->bench_block = 1;
	p->hist = NULL;
}

/* "fillrandom   :       2.345 micros/op 426392 ops/sec;   47.2 MB/s" (< 7.3) or
 * "fillrandom   : 922.656 micros/op 4326 ops/sec 184.899 seconds 800000 operations;    1.7 MB/s". */
int summary_line(struct parse *p, const char *line, size_t lineno)
{
	const char *colon = strstr(line, " : ");
	if (!colon)
		return 0;
	const char *s = skip_space(line);
	const char *name_end = s;
	while (name_end < colon && is_name_char(*name_end))
		name_end++;
	if (name_end == s)
		return 0;
	char name[128];
	size_t name_len = (size_t)(name_end - s) < sizeof name - 1 ? (size_t)(name_end - s) : sizeof name - 1;
	memcpy(name, s, name_len);
	name[name_len] = '\0';
	const char *rest = skip_space(name_end);
	const char *rhs = colon + 3;
	if (*rest == '[')
		return repeat_line(p, name, rest + 1, rhs);
	if (rest != colon && rest != colon + 1)
		return 0;

	s = rhs;
	double micros = number(&s);
	if (isnan(micros) || !word(&s, "micros/op")) {
		if (strstr(rhs, "micros/op"))
			warn(p, lineno, "summary line of %s without numbers", name);
		return 0;
	}
	double ops = number(&s);
	if (isnan(ops) || !word(&s, "ops/sec")) {
		warn(p, lineno, "summary line of %s without ops/sec", name);
		return 0;
	}
	/* db_bench prints rates and times that are never negative: such a line is not its output */
	if (ops < 0 || micros < 0) {
		warn(p, lineno, ops < 0 ? "summary line of %s with a negative ops/sec: not a measurement"
				       : "summary line of %s with a negative micros/op: not a measurement", name);
		return 0;
	}
	add_benchmark(p, name, lineno, micros, ops, s);
	return 1;
}

/* ---- histogram blocks after a summary line ------------------------------- */

/* Reads "Key: value" pairs ("Count: 1000000 Average: 86.3503  StdDev: 604.14")
 * and hands each to set(). */
static void key_values(const char *s, void (*set)(void *, const char *, double), void *ctx)
{
	char key[64];
	for (;;) {
		s = skip_space(s);
		const char *colon = strchr(s, ':');
		if (!colon || colon == s || (size_t)(colon - s) >= sizeof key)
			return;
		memcpy(key, s, (size_t)(colon - s));
		key[colon - s] = '\0';
		s = colon + 1;
		double v = number(&s);
		if (isnan(v))
			return;
		set(ctx, key, v);
	}
}

static void set_hist(void *ctx, const char *key, double v)
{
	struct histogram *h = ctx;
	static const struct { const char *key; size_t off; } map[] = {
		{ "Count", offsetof(struct histogram, count) },
		{ "Average", offsetof(struct histogram, avg_us) },
		{ "StdDev", offsetof(struct histogram, stddev_us) },
		{ "Min", offsetof(struct histogram, min_us) },
		{ "Median", offsetof(struct histogram, median_us) },
		{ "Max", offsetof(struct histogram, max_us) },
		{ "P50", offsetof(struct histogram, p50_us) },
		{ "P75", offsetof(struct histogram, p75_us) },
		{ "P99", offsetof(struct histogram, p99_us) },
		{ "P99.9", offsetof(struct histogram, p99_9_us) },
		{ "P99.99", offsetof(struct histogram, p99_99_us) },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(key, map[i].key) == 0)
			*(double *)((char *)h + map[i].off) = v;
}

int histogram_line(struct parse *p, const char *line)
{
	if (!p->bench_block)
		return 0;
	if (starts_with(line, "Microseconds per ")) {
		struct benchmark *b = &p->benches[p->nbenches - 1];
		b->hists = xrealloc(b->hists, (b->nhists + 1) * sizeof *b->hists);
		struct histogram *h = &b->hists[b->nhists++];
		*h = (struct histogram){ .count = NAN, .avg_us = NAN, .stddev_us = NAN, .min_us = NAN,
			.median_us = NAN, .max_us = NAN, .p50_us = NAN, .p75_us = NAN, .p99_us = NAN,
			.p99_9_us = NAN, .p99_99_us = NAN };
		const char *op = line + strlen("Microseconds per ");
		size_t n = strcspn(op, ":");
		char *clean = clean_text(op, n < sizeof h->op ? n : sizeof h->op - 1);
		strcpy(h->op, clean);
		free(clean);
		p->hist = h;
		return 1;
	}
	if (p->hist && (starts_with(line, "Count:") || starts_with(line, "Min:") ||
			starts_with(line, "Percentiles:"))) {
		key_values(starts_with(line, "Percentiles:") ? line + 12 : line, set_hist, p->hist);
		return 1;
	}
	return 0;
}

/* ---- ** DB Stats ** -------------------------------------------------------- */

/* "Cumulative writes: 1000K writes, 1000K keys, 983K commit groups, 1.0 writes per commit group, ingest: ..."
 * "Cumulative WAL: 1000K writes, 0 syncs, 1000000.00 writes per sync, written: ..." */
static void counted_items(struct parse *p, const char *s, const char *const labels[], const int slots[])
{
	for (;;) {
		double v = human_count(&s);
		if (isnan(v))
			return;
		s = skip_space(s);
		for (int i = 0; labels[i]; i++) {
			size_t n = strlen(labels[i]);
			if (strncmp(s, labels[i], n) == 0 && (s[n] == ',' || s[n] == '\0')) {
				p->db[slots[i]] = v;
				break;
			}
		}
		s = strchr(s, ',');
		if (!s)
			return;
		s++;
	}
}

int db_stats_line(struct parse *p, const char *line)
{
	if (starts_with(line, "Cumulative writes:")) {
		static const char *const labels[] = { "writes", "keys", "commit groups",
			"writes per commit group", NULL };
		static const int slots[] = { DB_WRITES, DB_KEYS, DB_GROUPS, DB_PER_GROUP };
		counted_items(p, line + 18, labels, slots);
		return 1;
	}
	if (starts_with(line, "Cumulative WAL:")) {
		static const char *const labels[] = { "writes", "syncs", "writes per sync", NULL };
		static const int slots[] = { DB_WAL_WRITES, DB_WAL_SYNCS, DB_PER_SYNC };
		counted_items(p, line + 15, labels, slots);
		return 1;
	}
	if (starts_with(line, "Cumulative stall:")) {
		/* "00:00:33.973 H:M:S, 78.6 percent" */
		const char *s = line + 17;
		double h = number(&s), m = NAN, sec = NAN;
		if (!isnan(h) && *s == ':') {
			s++;
			m = number(&s);
			if (!isnan(m) && *s == ':') {
				s++;
				sec = number(&s);
			}
		}
		if (!isnan(sec) && word(&s, "H:M:S,")) {
			p->db[DB_STALL_S] = h * 3600 + m * 60 + sec;
			double pct = number(&s);
			if (!isnan(pct) && word(&s, "percent"))
				p->db[DB_STALL_PCT] = pct;
		}
		return 1;
	}
	return 0;
}

/* ---- ** Compaction Stats [cf] ** ------------------------------------------ */

static void split_words(char *s, char **words, int *n, int max)
{
	*n = 0;
	for (char *tok = strtok(s, " \t"); tok && *n < max; tok = strtok(NULL, " \t"))
		words[(*n)++] = tok;
}

static double size_in_mb(double v, const char *unit)
{
	static const struct { const char *unit; double mb; } units[] = {
		{ "B", 1.0 / 1048576 }, { "KB", 1.0 / 1024 }, { "MB", 1 },
		{ "GB", 1024 }, { "TB", 1048576 },
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].unit) == 0)
			return v * units[i].mb;
	return NAN;
}

/* "** Compaction Stats [cf] **": a table of the column family reported, or another's. */
static void compaction_header(struct parse *p, const char *line)
{
	const char *cf = line + strlen("** Compaction Stats [");
	char *name = clean_text(cf, strcspn(cf, "]"));
	/* Report one column family: "default" when it is there, else the first seen. */
	if (!p->compaction_cf || (strcmp(p->compaction_cf, "default") != 0 && strcmp(name, "default") == 0)) {
		free(p->compaction_cf);
		p->compaction_cf = name;
		p->nlevels = 0;
		p->levels_complete = 0;
	} else if (strcmp(name, p->compaction_cf) != 0) {
		free(name);
		p->section = SEC_OTHER_TABLE;
		return;
	} else {
		free(name);
	}
	p->section = SEC_LEVELS;
	p->wamp_column = -1;
}

/* One "L0  3/0  6.99 MB ..." row of the level table (n words in w). */
static void level_row(struct parse *p, char **w, int n)
{
	struct level_row row = { atoi(w[0] + 1), NAN, NAN, NAN, NAN };
	const char *f = w[1];
	row.files = number(&f);
	if (!isnan(row.files) && *f == '/') {
		f++;
		row.files_compacting = number(&f);
	}
	/* "6.99 MB": the size takes two words; columns after it shift by one. */
	const char *sz = w[2];
	double size = number(&sz);
	int shift = 0;
	if (!isnan(size) && *sz == '\0' && n > 3 && !isnan(size_in_mb(1, w[3]))) {
		row.size_mb = size_in_mb(size, w[3]);
		shift = 1;
	} else if (!isnan(size)) {
		row.size_mb = size_in_mb(size, sz);   /* "124.64MB" or a bare number */
		if (isnan(row.size_mb) && *sz == '\0')
			row.size_mb = size;               /* "Size(MB)" header of old versions */
	}
	if (p->wamp_column >= 0 && p->wamp_column + shift < n) {
		const char *a = w[p->wamp_column + shift];
		row.w_amp = number(&a);
	}
	if (p->nlevels == p->levels_cap) {
		p->levels_cap = p->levels_cap ? p->levels_cap * 2 : 8;
		p->levels = xrealloc(p->levels, p->levels_cap * sizeof *p->levels);
	}
	p->levels[p->nlevels++] = row;
}

int compaction_line(struct parse *p, const char *line)
{
	if (starts_with(line, "** Compaction Stats [")) {
		compaction_header(p, line);
		return 1;
	}
	if (p->section == SEC_NONE || p->section == SEC_OTHER_TABLE)
		return 0;

	char buf[1024];
	snprintf(buf, sizeof buf, "%s", line);
	char *w[64];
	int n;
	split_words(buf, w, &n, 64);
	if (n == 0) {
		p->section = SEC_NONE;   /* a blank line ends the table */
		return 0;
	}
	if (strcmp(w[0], "Level") == 0) {
		/* A new table of this column family: the last one printed wins. */
		p->nlevels = 0;
		p->levels_complete = 0;
		p->have_compaction = 1;
		p->wamp_column = -1;
		for (int i = 0; i < n; i++)
			if (strcmp(w[i], "W-Amp") == 0)
				p->wamp_column = i;
		return 1;
	}
	if (strcmp(w[0], "Priority") == 0) {   /* the per-priority table: not levels */
		p->section = SEC_OTHER_TABLE;
		return 1;
	}
	if (w[0][0] == '-')
		return 1;
	int is_level = w[0][0] == 'L' && isdigit((unsigned char)w[0][1]);
	if (!is_level && strcmp(w[0], "Sum") != 0 && strcmp(w[0], "Int") != 0) {
		p->section = SEC_NONE;
		return 0;
	}
	if (strcmp(w[0], "Sum") == 0)
		p->levels_complete = 1;
	if (is_level && n >= 3)
		level_row(p, w, n);
	return 1;
}

/* ---- stall counts --------------------------------------------------------- */

static void set_stall(struct parse *p, const char *name, size_t len, double count)
{
	char key[128];
	size_t j = 0;
	for (size_t i = 0; i < len && j < sizeof key - 1; i++)
		key[j++] = name[i] == ' ' ? '_' : name[i];
	while (j > 0 && key[j - 1] == '_')
		j--;
	key[j] = '\0';
	if (j == 0)
		return;
	*(double *)strmap_value(&p->stall_names, key, (void **)&p->stall_counts, &p->stall_cap,
				 sizeof *p->stall_counts, NULL) = count;
}

int stall_line(struct parse *p, const char *line)
{
	const char *s;
	if (starts_with(line, "Stalls(count):")) {
		/* ≤ 8.0: "146 level0_slowdown, ..., 0 stop for pending_compaction_bytes, ...,
		 * interval 166 total count" */
		p->have_stalls = 1;   /* counts are cumulative: the last value of each name wins */
		s = line + 14;
		for (;;) {
			s = skip_space(s);
			size_t len = strcspn(s, ",");
			const char *item = s;
			double v = number(&s);
			if (!isnan(v)) {
				const char *name = skip_space(s);
				set_stall(p, name, (size_t)(item + len - name), v);
			} else if (word(&s, "interval")) {
				v = number(&s);
				if (!isnan(v))
					set_stall(p, "interval total count", 20, v);
			}
			s = item + len;
			if (*s != ',')
				return 1;
			s++;
		}
	}
	if (starts_with(line, "Write Stall (count):")) {
		/* 8.1+: "cf-l0-file-count-limit-delays-with-ongoing-compaction: 0, ...,
		 * interval: 0 total count".  A DB-wide and a per-CF line may both appear. */
		p->have_stalls = 1;
		s = line + 20;
		for (;;) {
			s = skip_space(s);
			size_t len = strcspn(s, ",");
			const char *colon = memchr(s, ':', len);
			if (colon) {
				const char *v_at = colon + 1;
				double v = number(&v_at);
				int interval = (size_t)(colon - s) == 8 && strncmp(s, "interval", 8) == 0;
				if (interval)
					word(&v_at, "total count");
				if (isnan(v))
					return 1;
				if (interval)
					set_stall(p, "interval total count", 20, v);
				else
					set_stall(p, s, (size_t)(colon - s), v);
				/* In LOG files other text can follow on the same line
				 * ("... total-stops: 0 Block cache LRUCache@..."): stop there. */
				if (skip_space(v_at) != s + len)
					return 1;
			}
			s += len;
			if (*s != ',')
				return 1;
			s++;
		}
	}
	return 0;
}

/* ---- --statistics dumps ---------------------------------------------------- */

static void set_stat(void *ctx, const char *key, double v)
{
	struct statistic *st = ctx;
	if (strcmp(key, "COUNT") == 0) st->count = v;
	else if (strcmp(key, "SUM") == 0) st->sum = v;
	else if (strcmp(key, "P50") == 0) st->p50 = v;
	else if (strcmp(key, "P95") == 0) st->p95 = v;
	else if (strcmp(key, "P99") == 0) st->p99 = v;
	else if (strcmp(key, "P100") == 0) st->p100 = v;
}

/* "rocksdb.NAME COUNT : N" or "rocksdb.NAME P50 : F P95 : F P99 : F P100 : F COUNT : N SUM : N" */
int statistics_line(struct parse *p, const char *line)
{
	if (!starts_with(line, "rocksdb."))
		return 0;
	size_t name_len = strcspn(line, " ");
	const char *s = line + name_len;
	int is_hist;
	if (starts_with(s, " COUNT : "))
		is_hist = 0;
	else if (starts_with(s, " P50 : "))
		is_hist = 1;
	else
		return 0;
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)(name_len < 255 ? name_len : 255), line);
	for (char *c = name; *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			*c = '?';
	struct statistic st = { is_hist, NAN, NAN, NAN, NAN, NAN, NAN };
	/* "KEY : VALUE" pairs; key_values wants "KEY: VALUE", so read them here. */
	char key[16];
	for (;;) {
		s = skip_space(s);
		size_t k = strcspn(s, " ");
		if (k == 0 || k >= sizeof key)
			break;
		memcpy(key, s, k);
		key[k] = '\0';
		s += k;
		if (!word(&s, ":"))
			break;
		double v = number(&s);
		if (isnan(v))
			break;
		set_stat(&st, key, v);
	}
	if (isnan(st.count))
		return 0;   /* cut in the middle: keep the last complete value */
	*(struct statistic *)strmap_value(&p->stat_names, name, (void **)&p->stats, &p->stats_cap,
					   sizeof *p->stats, NULL) = st;
	return 1;
}


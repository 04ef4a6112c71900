/* score — a fitness that counts only correct, measurably better candidates.
 *
 * A candidate is valid when it applied, built, passed RocksDB's tests and every
 * benchmark run exited 0 with a result.  Each term is a ratio against pristine
 * RocksDB from k pairs of runs made back to back on the same machine: the
 * median of the per-pair ratios, with a 95 % confidence interval from a paired
 * t interval on the log ratios.  A term is significant when its interval
 * excludes 1.  --more decides, from the same statistics, whether the bench
 * stage should run another pair (racing). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/util.h"

enum term { THROUGHPUT, LATENCY, STALL, BCOZ, BPERF, NTERMS };
static const char *const term_names[NTERMS] = { "throughput", "latency", "stall", "bcoz", "bperf" };

struct settings {
	double weight[NTERMS];
	const char *baseline_path;
	cJSON *baseline;
	int explain, more;
	long min_pairs, max_pairs;
	double ci_target, screen;
};

enum { EXIT_MORE = 3 };   /* --more: run another pair */

/* ---- statistics --------------------------------------------------------------- */

/* t quantile 0.975 for df = 1..30; beyond, the normal approximation with a
 * first-order correction (error < 0.002 at df 31). */
static double t975(long df)
{
	static const double table[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
		2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074,
		2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
	if (df >= 1 && df <= 30)
		return table[df - 1];
	return 1.959964 + 2.37 / (double)df;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
	double *s = xmalloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

struct ratio_stats {
	double value, ci_low, ci_high, geomean;   /* NAN when unknown */
	size_t n;
};

/* Median of the ratios and a paired t interval on their logs (exp'd back). */
static struct ratio_stats ratio_stats(const double *r, size_t n)
{
	struct ratio_stats s = { NAN, NAN, NAN, NAN, n };
	if (n == 0)
		return s;
	s.value = median(r, n);
	double mean = 0, var = 0;
	for (size_t i = 0; i < n; i++)
		mean += log(r[i]);
	mean /= (double)n;
	s.geomean = exp(mean);
	if (n < 2)
		return s;
	for (size_t i = 0; i < n; i++)
		var += (log(r[i]) - mean) * (log(r[i]) - mean);
	var /= (double)(n - 1);
	double half = t975((long)n - 1) * sqrt(var / (double)n);
	s.ci_low = exp(mean - half);
	s.ci_high = exp(mean + half);
	return s;
}

/* ---- reading the record ----------------------------------------------------------- */

struct outcome {
	char *error;        /* input that cannot be scored: names the field */
	char *reason;       /* a valid input, but not a valid candidate */
};

static void set_once(char **slot, char *msg)
{
	if (*slot)
		free(msg);
	else
		*slot = msg;
}

/* The first stage that failed, from the record's error or the stage flags. */
static char *invalid_reason(const cJSON *rec, struct outcome *o)
{
	const cJSON *err = json_path(rec, "error");
	if (err && !cJSON_IsNull(err)) {
		const cJSON *st = json_path(err, "stage"), *msg = json_path(err, "message");
		return xasprintf("%s: %s", cJSON_IsString(st) ? st->valuestring : "unknown stage",
				 cJSON_IsString(msg) ? msg->valuestring : "(no message)");
	}
	static const char *const stages[] = { "apply.ok", "build.ok", "test.ok" };
	for (int i = 0; i < 3; i++) {
		const cJSON *v = json_path(rec, stages[i]);
		if (!cJSON_IsBool(v)) {
			set_once(&o->error, xasprintf("missing %s (a boolean)", stages[i]));
			return NULL;
		}
		if (cJSON_IsFalse(v))
			return xasprintf("%.*s failed", (int)(strchr(stages[i], '.') - stages[i]), stages[i]);
	}
	return NULL;
}

struct pair_values {
	double ops_b, ops_c, p99_b, p99_c, stall_b, stall_c, l0_b, l0_c, cpu_b, cpu_c;
};

/* CPU seconds per operation of one run: cpu_seconds / operations of its benchmark. */
static double cpu_per_op(const cJSON *run)
{
	double cpu = json_path_number(run, "cpu_seconds");
	const cJSON *name = json_path(run, "benchmark"), *b;
	cJSON_ArrayForEach(b, json_path(run, "benchmarks")) {
		const cJSON *n = json_path(b, "name");
		if (cJSON_IsString(name) && cJSON_IsString(n) && strcmp(n->valuestring, name->valuestring) == 0) {
			double ops = json_path_number(b, "operations");
			return ops > 0 ? cpu / ops : NAN;
		}
	}
	return NAN;
}

/* Reads the pairs; on bad input sets o->error naming the field, on a failed run o->reason. */
static size_t read_pairs(const cJSON *rec, struct pair_values **out, struct outcome *o)
{
	const cJSON *pairs = json_path(rec, "bench.pairs");
	size_t n = (size_t)cJSON_GetArraySize(pairs);
	if (!cJSON_IsArray(pairs) || n == 0) {
		set_once(&o->error, xstrdup("missing bench.pairs (no benchmark pairs to score)"));
		return 0;
	}
	struct pair_values *pv = xmalloc(n * sizeof *pv);
	for (size_t i = 0; i < n && !o->error && !o->reason; i++) {
		const cJSON *p = cJSON_GetArrayItem(pairs, (int)i);
		const char *side_name[2] = { "baseline", "candidate" };
		for (int s = 0; s < 2 && !o->error && !o->reason; s++) {
			const cJSON *run = json_path(p, side_name[s]);
			if (!cJSON_IsObject(run)) {
				set_once(&o->error, xasprintf("missing bench.pairs[%zu].%s", i, side_name[s]));
				break;
			}
			double exit_status = json_path_number(run, "exit_status");
			if (!isnan(exit_status) && exit_status != 0) {
				set_once(&o->reason, xasprintf("bench: the %s run of pair %zu exited %.0f", side_name[s], i, exit_status));
				break;
			}
			if (json_path(run, "error")) {
				const cJSON *m = json_path(run, "error.message");
				set_once(&o->reason, xasprintf("bench: the %s run of pair %zu: %s", side_name[s], i,
							       cJSON_IsString(m) ? m->valuestring : "failed"));
				break;
			}
			double ops = json_path_number(run, "ops_per_sec"), p99 = json_path_number(run, "p99_us");
			if (isnan(ops) || isnan(p99)) {
				set_once(&o->error, xasprintf("bench.pairs[%zu].%s.%s is null or missing", i, side_name[s],
							      isnan(ops) ? "ops_per_sec" : "p99_us"));
				break;
			}
			if (ops <= 0 || p99 <= 0) {
				set_once(&o->error, xasprintf("bench.pairs[%zu].%s.%s is %g: not a measurement", i, side_name[s],
							      ops <= 0 ? "ops_per_sec" : "p99_us", ops <= 0 ? ops : p99));
				break;
			}
			double stall = json_path_number(run, "db_stats.stall_pct"), l0 = json_path_number(run, "compaction.l0_files");
			double cpu = cpu_per_op(run);
			if (s == 0) {
				pv[i].ops_b = ops; pv[i].p99_b = p99; pv[i].stall_b = stall; pv[i].l0_b = l0; pv[i].cpu_b = cpu;
			} else {
				pv[i].ops_c = ops; pv[i].p99_c = p99; pv[i].stall_c = stall; pv[i].l0_c = l0; pv[i].cpu_c = cpu;
			}
		}
	}
	*out = pv;
	return n;
}

/* ---- the terms ---------------------------------------------------------------------- */

struct term_value {
	int present;
	struct ratio_stats st;
	cJSON *detail;
};

static void add_stats(cJSON *t, const struct ratio_stats *st)
{
	json_add_number_or_null(t, "value", st->value);
	json_add_number_or_null(t, "ci_low", st->ci_low);
	json_add_number_or_null(t, "ci_high", st->ci_high);
	cJSON_AddBoolToObject(t, "significant", !isnan(st->ci_low) && (st->ci_low > 1 || st->ci_high < 1));
	cJSON_AddNumberToObject(t, "pairs", (double)st->n);
}

/* A paired ratio term from per-pair values; absent when any pair lacks them. */
static struct term_value pair_term(const double *r, size_t n)
{
	struct term_value t = { 0 };
	for (size_t i = 0; i < n; i++)
		if (isnan(r[i]) || r[i] <= 0 || isinf(r[i]))
			return t;
	t.present = 1;
	t.st = ratio_stats(r, n);
	return t;
}

/* Pristine's max_speedup_pct / off-CPU ratio: the baseline file, else the record's own. */
static double baseline_value(const struct settings *s, const cJSON *rec, const char *const paths[])
{
	for (int i = 0; paths[i]; i++) {
		double v = json_path_number(s->baseline, paths[i]);
		if (!isnan(v))
			return v;
	}
	for (int i = 0; paths[i]; i++) {
		char *p = xasprintf("baseline.%s", paths[i]);
		double v = json_path_number(rec, p);
		free(p);
		if (!isnan(v))
			return v;
	}
	return NAN;
}

static double weighted(const struct settings *s, const struct term_value *t, const int *use)
{
	double sum = 0, w = 0;
	for (int i = 0; i < NTERMS; i++)
		if (use[i] && t[i].present && s->weight[i] > 0) {
			sum += s->weight[i] * t[i].st.value;
			w += s->weight[i];
		}
	return w > 0 ? sum / w : NAN;
}

static cJSON *invalid_score(const char *reason)
{
	cJSON *sc = cJSON_CreateObject();
	cJSON_AddNumberToObject(sc, "combined_score", 0);
	cJSON_AddNumberToObject(sc, "comparable_score", 0);
	cJSON_AddBoolToObject(sc, "valid", 0);
	cJSON_AddStringToObject(sc, "reason", reason);
	return sc;
}

/* Scores one record.  Returns the score object, or NULL with *error set. */
static cJSON *score_record(const struct settings *s, const cJSON *rec, char **error, struct term_value *terms)
{
	struct outcome o = { 0 };
	memset(terms, 0, NTERMS * sizeof *terms);
	if (cJSON_IsTrue(json_path(rec, "pristine"))) {   /* the root: 1.0 by definition */
		cJSON *sc = cJSON_CreateObject();
		cJSON_AddNumberToObject(sc, "combined_score", 1);
		cJSON_AddNumberToObject(sc, "comparable_score", 1);
		cJSON_AddBoolToObject(sc, "valid", 1);
		cJSON_AddStringToObject(sc, "reason", "pristine RocksDB");
		return sc;
	}
	char *reason = invalid_reason(rec, &o);
	struct pair_values *pv = NULL;
	size_t n = 0;
	if (!reason && !o.error) {
		n = read_pairs(rec, &pv, &o);
		reason = o.reason;
		o.reason = NULL;
	}
	if (o.error) {
		*error = o.error;
		free(reason);
		free(pv);
		return NULL;
	}
	if (reason) {
		cJSON *sc = invalid_score(reason);
		free(reason);
		free(pv);
		return sc;
	}

	double *r = xmalloc(n * sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = pv[i].ops_c / pv[i].ops_b;
	terms[THROUGHPUT] = pair_term(r, n);
	for (size_t i = 0; i < n; i++)
		r[i] = pv[i].p99_b / pv[i].p99_c;
	terms[LATENCY] = pair_term(r, n);
	/* Stall: the share of time not stalled, candidate over pristine. */
	for (size_t i = 0; i < n; i++)
		r[i] = (100 - pv[i].stall_c) / (100 - pv[i].stall_b);
	terms[STALL] = pair_term(r, n);
	if (terms[STALL].present) {
		double *l0b = xmalloc(n * sizeof *l0b), *l0c = xmalloc(n * sizeof *l0c);
		int have = 1;
		for (size_t i = 0; i < n; i++) {
			l0b[i] = pv[i].l0_b;
			l0c[i] = pv[i].l0_c;
			have &= !isnan(l0b[i]) && !isnan(l0c[i]);
		}
		terms[STALL].detail = cJSON_CreateObject();
		json_add_number_or_null(terms[STALL].detail, "l0_files_baseline", have ? median(l0b, n) : NAN);
		json_add_number_or_null(terms[STALL].detail, "l0_files_candidate", have ? median(l0c, n) : NAN);
		free(l0b);
		free(l0c);
	}

	static const char *const coz_paths[] = { "bcoz_max_speedup", "coz.max_speedup_pct", NULL };
	double base_coz = baseline_value(s, rec, coz_paths), cand_coz = json_path_number(rec, "coz.max_speedup_pct");
	if (!isnan(base_coz) && !isnan(cand_coz)) {
		double b = base_coz < 0.1 ? 0.1 : base_coz;   /* the original scaffold's floor */
		terms[BCOZ].present = 1;
		terms[BCOZ].st = (struct ratio_stats){ 1 + (b - cand_coz) / b, NAN, NAN, NAN, 1 };
	}
	static const char *const offcpu_paths[] = { "bperf.off_cpu_ratio", NULL };
	double base_off = baseline_value(s, rec, offcpu_paths), cand_off = json_path_number(rec, "bperf.off_cpu_ratio");
	if (!isnan(base_off) && !isnan(cand_off) && cand_off >= 0) {
		double v = cand_off > 0 ? base_off / cand_off : 5;
		terms[BPERF].present = 1;
		terms[BPERF].st = (struct ratio_stats){ v > 5 ? 5 : v, NAN, NAN, NAN, 1 };
	}

	static const int all[NTERMS] = { 1, 1, 1, 1, 1 }, comparable[NTERMS] = { 1, 1, 0, 0, 0 };
	cJSON *sc = cJSON_CreateObject();
	json_add_number_or_null(sc, "combined_score", weighted(s, terms, all));
	json_add_number_or_null(sc, "comparable_score", weighted(s, terms, comparable));
	cJSON_AddBoolToObject(sc, "valid", 1);
	cJSON_AddNumberToObject(sc, "pairs", (double)n);
	cJSON *tj = cJSON_AddObjectToObject(sc, "terms");
	for (int i = 0; i < NTERMS; i++) {
		if (!terms[i].present)
			continue;
		cJSON *t = cJSON_CreateObject();
		add_stats(t, &terms[i].st);
		cJSON_AddNumberToObject(t, "weight", s->weight[i]);
		if (terms[i].detail) {
			cJSON *d;
			cJSON_ArrayForEach(d, terms[i].detail)
				cJSON_AddItemToObject(t, d->string, cJSON_Duplicate(d, 1));
			cJSON_Delete(terms[i].detail);
			terms[i].detail = NULL;
		}
		cJSON_AddItemToObject(tj, term_names[i], t);
	}
	/* A steadier second signal beside wall-clock throughput (not weighted). */
	for (size_t i = 0; i < n; i++)
		r[i] = pv[i].cpu_b / pv[i].cpu_c;
	struct term_value cpu = pair_term(r, n);
	if (cpu.present) {
		cJSON *sig = cJSON_AddObjectToObject(sc, "signals");
		cJSON *t = cJSON_AddObjectToObject(sig, "cpu_per_op");
		add_stats(t, &cpu.st);
	}
	free(r);
	free(pv);
	return sc;
}

/* ---- --more: is another pair needed? ------------------------------------------------- */

static int needs_more(const struct settings *s, const cJSON *sc, char **why)
{
	const cJSON *t = json_path(sc, "terms.throughput");
	double pairs = json_path_number(sc, "pairs"), v = json_path_number(t, "value"), lo = json_path_number(t, "ci_low"), hi = json_path_number(t, "ci_high");
	if (!cJSON_IsTrue(json_path(sc, "valid"))) {
		*why = xstrdup("enough: the candidate is not valid");
		return 0;
	}
	if (pairs == 1 && v < 1 - s->screen) {
		*why = xasprintf("enough: the first pair is %.1f %% slower than pristine (screen %.0f %%)",
				 (1 - v) * 100, s->screen * 100);
		return 0;
	}
	if (pairs >= (double)s->max_pairs) {
		*why = xasprintf("enough: %.0f pairs, the budget", pairs);
		return 0;
	}
	if (pairs < (double)s->min_pairs) {
		*why = xasprintf("more: %.0f of at least %ld pairs", pairs, s->min_pairs);
		return 1;
	}
	if (!isnan(hi) && hi < 1) {
		*why = xasprintf("enough: clearly worse (CI %.3f-%.3f)", lo, hi);
		return 0;
	}
	double half = isnan(lo) ? INFINITY : (log(hi) - log(lo)) / 2;
	if (half <= log(1 + s->ci_target)) {
		*why = xasprintf("enough: CI half-width %.1f %% <= target %.1f %%", (exp(half) - 1) * 100, s->ci_target * 100);
		return 0;
	}
	*why = xasprintf("more: CI half-width %.1f %% > target %.1f %% after %.0f pairs",
			 (exp(half) - 1) * 100, s->ci_target * 100, pairs);
	return 1;
}

/* ---- --explain ---------------------------------------------------------------------- */

static void explain(const cJSON *rec, const cJSON *sc)
{
	const cJSON *id = json_path(rec, "id");
	printf("%s: ", cJSON_IsString(id) ? id->valuestring : "(no id)");
	if (!cJSON_IsTrue(json_path(sc, "valid"))) {
		printf("invalid — %s\n", json_path(sc, "reason")->valuestring);
		return;
	}
	printf("combined %.4f, comparable %.4f", json_path_number(sc, "combined_score"), json_path_number(sc, "comparable_score"));
	double pairs = json_path_number(sc, "pairs");
	if (!isnan(pairs))
		printf(" (%.0f pairs; CI: paired t on log ratios)", pairs);
	printf("\n");
	const cJSON *t;
	cJSON_ArrayForEach(t, json_path(sc, "terms")) {
		printf("  %-10s %.4f", t->string, json_path_number(t, "value"));
		if (!isnan(json_path_number(t, "ci_low")))
			printf("  95%% CI [%.4f, %.4f]%s", json_path_number(t, "ci_low"), json_path_number(t, "ci_high"),
			       cJSON_IsTrue(json_path(t, "significant")) ? "  significant" : "  not significant");
		printf("  weight %g\n", json_path_number(t, "weight"));
	}
	const cJSON *cpu = json_path(sc, "signals.cpu_per_op");
	if (cpu)
		printf("  %-10s %.4f  95%% CI [%.4f, %.4f]  (CPU s/op, pristine over candidate; not weighted)\n",
		       "cpu/op", json_path_number(cpu, "value"), json_path_number(cpu, "ci_low"), json_path_number(cpu, "ci_high"));
}

/* ---- options and main ---------------------------------------------------------------- */

static int parse_weights(struct settings *s, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL;
	int rc = 0;
	for (char *kv = strtok_r(copy, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int found = -1;
		if (eq) {
			*eq = '\0';
			for (int i = 0; i < NTERMS; i++)
				if (strcmp(kv, term_names[i]) == 0)
					found = i;
		}
		char *end = NULL;
		double w = eq ? strtod(eq + 1, &end) : NAN;
		if (found < 0 || !end || *end || !(w >= 0)) {
			fprintf(stderr, "%s: --weights: \"%s\" is not TERM=WEIGHT with TERM one of "
				"throughput, latency, stall, bcoz, bperf and WEIGHT >= 0\n", progname, kv);
			rc = -1;
		} else {
			s->weight[found] = w;
		}
	}
	free(copy);
	return rc;
}

static const struct opt_spec specs[] = {
	{ "weights", "T=W,...", "AI_OPT_WEIGHTS", "term weights (default throughput=0.3,latency=0.2,bcoz=0.3,bperf=0.2,stall=0)" },
	{ "baseline", "FILE", "AIOPT_BASELINE", "pristine's profile and bench summary (make baseline writes it)" },
	{ "explain", NULL, NULL, "print a human-readable breakdown instead of records" },
	{ "more", NULL, NULL, "exit 3 when the bench stage should run another pair, 0 when not" },
	{ "min-pairs", "N", "AIOPT_BENCH_MIN_PAIRS", "pairs always run (default 3)" },
	{ "max-pairs", "N", "AIOPT_BENCH_MAX_PAIRS", "pair budget (default 8)" },
	{ "ci-target", "F", "AIOPT_BENCH_CI_TARGET", "stop when the throughput CI half-width is below F (default 0.03)" },
	{ "screen", "F", "AIOPT_BENCH_SCREEN", "stop after one pair slower than pristine by more than F (default 0.05)" },
	{ 0 },
};

static int handle(int index, const char *arg, void *ctx)
{
	struct settings *s = ctx;
	char *end;
	double v;
	switch (index) {
	case 0: return parse_weights(s, arg);
	case 1: s->baseline_path = arg; return 0;
	case 2: s->explain = 1; return 0;
	case 3: s->more = 1; return 0;
	}
	v = strtod(arg, &end);
	if (end == arg || *end || v < 0) {
		fprintf(stderr, "%s: --%s wants a number >= 0, not \"%s\"\n", progname, specs[index].name, arg);
		return -1;
	}
	if (index == 4) s->min_pairs = (long)v;
	else if (index == 5) s->max_pairs = (long)v;
	else if (index == 6) s->ci_target = v;
	else s->screen = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct opt_tool tool = {
		"score", "[--weights T=W,...] [--baseline FILE] [--explain] [--more] [--min-pairs N] [--max-pairs N] "
			 "[--ci-target F] [--screen F]",
		"Reads candidate records and adds \"score\" {combined_score, comparable_score, valid,\n"
		"reason, terms}.  Terms are ratios against pristine from bench.pairs (median, 95 %\n"
		"CI by a paired t interval on log ratios); bcoz and bperf when profiled.\n"
		"--more: exit 3 if another bench pair is needed, 0 if not.",
		specs,
	};
	struct settings s = { .weight = { 0.3, 0.2, 0, 0.3, 0.2 }, .min_pairs = 3, .max_pairs = 8,
			      .ci_target = 0.03, .screen = 0.05 };
	int first = opts_parse(&tool, argc, argv, handle, &s);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (records come on stdin)", argv[first]);
	if (s.baseline_path) {
		size_t len;
		char *text = read_file(s.baseline_path, &len);
		if (!text)
			die(EXIT_INPUT, "--baseline %s: %s", s.baseline_path, strerror(errno));
		s.baseline = cJSON_Parse(text);
		free(text);
		if (!cJSON_IsObject(s.baseline))
			die(EXIT_INPUT, "--baseline %s: not a JSON object", s.baseline_path);
	}

	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	int status = 0, records = 0;
	while ((rec = jsonl_next(lr)) != NULL) {
		records++;
		char *error = NULL;
		struct term_value terms[NTERMS];
		cJSON *sc = score_record(&s, rec, &error, terms);
		if (!sc) {
			/* Contradictory input is never scored from a default. */
			warnx_("record %d: %s", records, error);
			record_set_error(rec, "score", "%s", error);
			sc = invalid_score(error);
			status = s.more ? EXIT_INPUT : status;
			free(error);
		}
		if (s.more) {
			char *why;
			int more = needs_more(&s, sc, &why);
			warnx_("%s", why);
			free(why);
			if (more && status == 0)
				status = EXIT_MORE;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "score");
		cJSON_AddItemToObject(rec, "score", sc);
		if (s.explain)
			explain(rec, sc);
		else if (!s.more)
			jsonl_write(stdout, rec);
		cJSON_Delete(rec);
	}
	lr_free(lr);
	free(lr);
	cJSON_Delete(s.baseline);
	return status;
}

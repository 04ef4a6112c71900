/* score — a fitness that counts only correct, measurably better candidates.
 *
 * A candidate is valid when it applied, built, passed RocksDB's tests, every
 * benchmark run exited 0 with a result, and no run broke RocksDB's write-stall
 * contract (the "contract" outcome).  Each measured term is a ratio against
 * pristine RocksDB from k pairs of runs made back to back on the same machine:
 * the median of the per-pair ratios, with a 95 % confidence interval from a
 * paired t interval on the log ratios; significant when it excludes 1.
 *
 * The one rule for "better": no measured term significantly worse.  A
 * candidate with one (throughput, fixed-load latency, or reads beyond the
 * guard's tolerance) scores at most that term's value, below 1, whatever its
 * other terms say.  Profile terms (bcoz, bperf) count only when their
 * intervals say the two profiles differ; unknown or within noise, they are
 * left out of the mean, so they can never raise a score.
 *
 * The cpu term: pristine's instructions per write over the candidate's, counted
 * by Callgrind on a fixed-work run (bench.cost).  A count repeats where a clock
 * does not, so it sees a 0.5 % change that no number of noisy pairs would; but it
 * is not what a user of RocksDB feels, so it only breaks ties: when no measured
 * term is significantly worse and neither throughput nor latency is significantly
 * better, a count lower by more than --cpu-tolerance makes the candidate better
 * (decided_by "instructions").  It is not weighted: the scores are the wall
 * clock's and the profiles'.  --more decides, from the same statistics, whether
 * the bench stage should run another pair. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/number.h"
#include "lib/opts.h"
#include "lib/stats.h"
#include "lib/util.h"
#include "score/score.h"

enum term { THROUGHPUT, LATENCY, READ, STALL, BCOZ, BPERF, NTERMS };
static const char *const term_names[NTERMS] = { "throughput", "latency", "read", "stall", "bcoz", "bperf" };

struct settings {
	double weight[NTERMS];
	const char *baseline_path, *parent_path;
	cJSON *baseline, *parent;
	int explain, more, summarize, calibrate;
	const char *calibration_path;
	cJSON *calibration;
	long min_pairs, max_pairs, profile_in_fitness;
	double ci_target, screen, read_guard, cpu_tolerance;
};

/* Profile terms are ratios of two noisy profiles: bounded, so one lucky profile
 * cannot dominate the mean. */
static const double PROFILE_TERM_MIN = 0.5, PROFILE_TERM_MAX = 2.0;



/* ---- statistics --------------------------------------------------------------- */

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

/* ---- figures beside the ratios: medians, and "better than the parent" ------------ */

/* The median of the figure at path in each element of arr (NAN when none known). */
static double median_at(const cJSON *arr, const char *path)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	double *v = xmalloc((n ? n : 1) * sizeof *v);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
		v[i++] = json_path_number(e, path);
	double m = median_known(v, n);
	free(v);
	return m;
}

/* The candidate's own figures over its pairs, as the bench stage reports them. */
static void add_medians(cJSON *sc, const cJSON *rec)
{
	const cJSON *pairs = json_path(rec, "bench.pairs");
	if (!cJSON_IsArray(pairs) || cJSON_GetArraySize(pairs) == 0)
		return;
	cJSON *m = cJSON_AddObjectToObject(sc, "medians");
	json_add_number_or_null(m, "ops_per_sec", median_at(pairs, "candidate.ops_per_sec"));
	json_add_number_or_null(m, "fixed_load_p99_us", median_at(pairs, "candidate.fixed_load.p99_us"));
	json_add_number_or_null(m, "read_ops_per_sec", median_at(pairs, "candidate.read.ops_per_sec"));
}

/* Better than the parent: valid, no term significantly worse than pristine, and the
 * lower end of the throughput or latency interval above the parent's ratio; or,
 * the wall clock tied with the parent's (each interval reaching the parent's
 * ratio), fewer instructions than the parent's by more than the tolerance.  With
 * no parent record (the parent is pristine) it is better_than_pristine. */
static void add_better_than_parent(const struct settings *s, cJSON *sc, const cJSON *parent)
{
	int better = cJSON_IsTrue(json_path(sc, "better_than_pristine"));
	if (parent && cJSON_IsTrue(json_path(sc, "valid")) && cJSON_GetArraySize(json_path(sc, "worse_terms")) == 0) {
		better = 0;
		int tied = 1;
		static const char *const terms[] = { "throughput", "latency" };
		for (size_t i = 0; i < 2; i++) {
			char *low = xasprintf("terms.%s.ci_low", terms[i]), *high = xasprintf("terms.%s.ci_high", terms[i]),
			     *was = xasprintf("score.terms.%s.value", terms[i]);
			double lo = json_path_number(sc, low), hi = json_path_number(sc, high), p = json_path_number(parent, was);
			better |= !isnan(lo) && !isnan(p) && lo > p;
			tied &= isnan(p) || (!isnan(hi) && hi >= p);
			free(low);
			free(high);
			free(was);
		}
		double c = json_path_number(sc, "terms.cpu.value"), pc = json_path_number(parent, "score.terms.cpu.value");
		if (!better && tied && !isnan(c) && !isnan(pc) && c > pc * (1 + s->cpu_tolerance))
			better = 1;
	} else if (parent) {
		better = 0;
	}
	cJSON_AddBoolToObject(sc, "better_than_parent", better);
}

/* --summarize: pristine's runs (bench runs, one a line) → its medians. */
static cJSON *summarize(const cJSON *runs)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "runs", cJSON_GetArraySize(runs));
	static const char *const figures[][2] = {
		{ "ops_per_sec", "ops_per_sec" }, { "p99_us", "p99_us" }, { "stall_pct", "db_stats.stall_pct" },
		{ "l0_files", "compaction.l0_files" }, { "read_ops_per_sec", "read.ops_per_sec" },
	};
	for (size_t i = 0; i < sizeof figures / sizeof *figures; i++)
		json_add_number_or_null(out, figures[i][0], median_at(runs, figures[i][1]));
	return out;
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

/* One profile's figure and its 95 % interval: VALUE-PATH and VALUE-PATH_ci.{low,high}
 * under PREFIX in the object O.  Returns 0 when any of the three is unknown. */
static int profile_figure(const cJSON *o, const char *prefix, const char *name, double out[3])
{
	char *v = xasprintf("%s.%s", prefix, name), *lo = xasprintf("%s.%s_ci.low", prefix, name),
	     *hi = xasprintf("%s.%s_ci.high", prefix, name);
	out[0] = json_path_number(o, v);
	out[1] = json_path_number(o, lo);
	out[2] = json_path_number(o, hi);
	free(v);
	free(lo);
	free(hi);
	return !isnan(out[0]) && !isnan(out[1]) && !isnan(out[2]);
}

/* Pristine's figure: the --baseline file, else what the stage put in the record. */
static int pristine_figure(const struct settings *s, const cJSON *rec, const char *prefix, const char *name, double out[3])
{
	char *in_rec = xasprintf("baseline.%s", prefix);
	int ok = profile_figure(s->baseline, prefix, name, out) || profile_figure(rec, in_rec, name, out);
	free(in_rec);
	return ok;
}

/* The cpu term from bench.cost: pristine's instructions per write over the
 * candidate's.  One count a side, repeatable to 0.03 %: its "interval" is
 * the value widened by the tolerance both ways, so it is significant exactly when
 * the two counts differ by more than the tolerance.  Absent when either count is
 * unknown (a user's own benchmark, an edit that names Valgrind, a failed run). */
static struct term_value cpu_term(const struct settings *s, const cJSON *rec)
{
	struct term_value t = { 0 };
	double b = json_path_number(rec, "bench.cost.baseline.instructions_per_op"),
	       c = json_path_number(rec, "bench.cost.candidate.instructions_per_op");
	if (isnan(b) || isnan(c) || b <= 0 || c <= 0)
		return t;
	double v = b / c, w = 1 + s->cpu_tolerance;
	t.present = 1;
	t.st = (struct ratio_stats){ v, v / w, v * w, NAN, 1 };
	t.detail = cJSON_CreateObject();
	cJSON_AddNumberToObject(t.detail, "instructions_per_op_baseline", b);
	cJSON_AddNumberToObject(t.detail, "instructions_per_op_candidate", c);
	cJSON_AddNumberToObject(t.detail, "tolerance", s->cpu_tolerance);
	return t;
}

static double bounded(double v)
{
	return v < PROFILE_TERM_MIN ? PROFILE_TERM_MIN : v > PROFILE_TERM_MAX ? PROFILE_TERM_MAX : v;
}

/* A profile term from a ratio and the ratio of the two intervals' far ends: it
 * excludes 1 only when the two profiles' 95 % intervals do not overlap. */
static struct term_value profile_term(double value, double lo, double hi)
{
	struct term_value t = { 0 };
	if (isnan(value) || isnan(lo) || isnan(hi))
		return t;
	t.present = 1;
	t.st = (struct ratio_stats){ bounded(value), bounded(lo), bounded(hi), NAN, 1 };
	return t;
}

static int significant(const struct ratio_stats *st)
{
	return !isnan(st->ci_low) && (st->ci_low > 1 || st->ci_high < 1);
}

/* Profile terms count only when significant; measured terms whenever present. */
static int counted(enum term i, const struct term_value *t)
{
	return t->present && (i != BCOZ && i != BPERF ? 1 : significant(&t->st));
}

/* What a counted term puts into the mean: a measured gain only when it is
 * significant (else 1: noise never raises a score), a loss as measured. */
static double contribution(const struct term_value *t)
{
	return t->st.value > 1 && !significant(&t->st) ? 1 : t->st.value;
}

static double weighted(const struct settings *s, const struct term_value *t, const int *use)
{
	double sum = 0, w = 0;
	for (int i = 0; i < NTERMS; i++)
		if (use[i] && counted((enum term)i, &t[i]) && s->weight[i] > 0) {
			sum += s->weight[i] * contribution(&t[i]);
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
	cJSON_AddBoolToObject(sc, "better_than_pristine", 0);
	cJSON_AddStringToObject(sc, "reason", reason);
	return sc;
}

/* A paired term from the pairs' values: NUM_B/NUM_C or NUM_C/NUM_B per pair. */
static struct term_value ratio_term(const struct pair_values *pv, size_t n, size_t off_num, size_t off_den)
{
	double *r = xmalloc((n ? n : 1) * sizeof *r);
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)&pv[i];
		r[i] = *(const double *)(p + off_num) / *(const double *)(p + off_den);
	}
	struct term_value t = pair_term(r, n);
	free(r);
	return t;
}
#define RATIO(num, den) ratio_term(pv, n, offsetof(struct pair_values, num), offsetof(struct pair_values, den))

/* The terms of a candidate with n valid pairs. */
static void measure_terms(const struct settings *s, const cJSON *rec, const struct pair_values *pv, size_t n,
			  struct term_value terms[NTERMS])
{
	memset(terms, 0, NTERMS * sizeof *terms);
	terms[THROUGHPUT] = RATIO(ops_c, ops_b);
	/* p99 at a fixed offered load below saturation: at saturation a slower write
	 * path lowers p99 (fewer writes queue into the stalls). */
	terms[LATENCY] = RATIO(fixed_p99_b, fixed_p99_c);
	terms[READ] = RATIO(read_c, read_b);
	/* Stall: the share of time not stalled, candidate over pristine. */
	double *r = xmalloc(n * sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = (100 - pv[i].stall_c) / (100 - pv[i].stall_b);
	terms[STALL] = pair_term(r, n);
	free(r);
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

	/* bcoz: Coz's headroom, (1 + pristine's max speedup) / (1 + the candidate's):
	 * above 1 when the candidate left less to gain on its hottest line.  Both
	 * profile terms are left out (null) under --profile-in-fitness 0: the
	 * ablation that keeps profiles in the prompt only. */
	double b[3], c[3];
	if (s->profile_in_fitness && pristine_figure(s, rec, "coz", "max_speedup_pct", b) &&
	    profile_figure(rec, "coz", "max_speedup_pct", c))
		terms[BCOZ] = profile_term((100 + b[0]) / (100 + c[0]), (100 + b[1]) / (100 + c[2]), (100 + b[2]) / (100 + c[1]));
	/* bperf: the writers' off-CPU share, pristine over candidate. */
	if (s->profile_in_fitness && pristine_figure(s, rec, "bperf", "off_cpu_ratio", b) &&
	    profile_figure(rec, "bperf", "off_cpu_ratio", c))
		terms[BPERF] = profile_term(b[0] / c[0], b[1] / c[2], b[2] / c[1]);
}

/* The verdict on measured terms: combined and comparable scores, better_than_pristine
 * and what decided it, worse_terms.  CPU: the cpu term (the ties' breaker). */
static cJSON *verdict(const struct settings *s, const struct term_value terms[NTERMS], const struct term_value *cpu)
{
	/* The one rule for "better": no measured term significantly worse.  Reads
	 * get a tolerance (a write path may trade a little read speed for writes). */
	double worst = INFINITY;
	cJSON *worse = cJSON_CreateArray();
	static const enum term guarded[] = { THROUGHPUT, LATENCY, READ };
	for (size_t k = 0; k < sizeof guarded / sizeof *guarded; k++) {
		const struct term_value *t = &terms[guarded[k]];
		double limit = guarded[k] == READ ? 1 - s->read_guard : 1;
		if (t->present && !isnan(t->st.ci_high) && t->st.ci_high < limit) {
			cJSON_AddItemToArray(worse, cJSON_CreateString(term_names[guarded[k]]));
			worst = t->st.value < worst ? t->st.value : worst;
		}
	}

	static const int all[NTERMS] = { 1, 1, 1, 1, 1, 1 }, comparable[NTERMS] = { 1, 1, 0, 0, 0, 0 };
	double combined = weighted(s, terms, all), comp = weighted(s, terms, comparable);
	if (worst < INFINITY) {
		combined = combined < worst ? combined : worst;
		comp = comp < worst ? comp : worst;
	}
	int faster = significant(&terms[THROUGHPUT].st) && terms[THROUGHPUT].st.value > 1,
	    lower_p99 = terms[LATENCY].present && significant(&terms[LATENCY].st) && terms[LATENCY].st.value > 1;
	int better = cJSON_GetArraySize(worse) == 0 && comp > 1 && (faster || lower_p99);
	const char *decided_by = better ? (faster ? "throughput" : "latency") : NULL;
	/* The wall clock within noise and nothing worse: fewer instructions decide.
	 * Within noise means measured so: an interval (two pairs or more) holding 1 —
	 * one pair the screen dropped is no tie. */
	int tied = !faster && !lower_p99 && cJSON_GetArraySize(worse) == 0 && terms[THROUGHPUT].present &&
		   !isnan(terms[THROUGHPUT].st.ci_low) &&
		   (!terms[LATENCY].present || !isnan(terms[LATENCY].st.ci_low));
	if (!better && tied && cpu->present && significant(&cpu->st) && cpu->st.value > 1) {
		better = 1;
		decided_by = "instructions";
	}
	cJSON *sc = cJSON_CreateObject();
	json_add_number_or_null(sc, "combined_score", combined);
	json_add_number_or_null(sc, "comparable_score", comp);
	cJSON_AddBoolToObject(sc, "valid", 1);
	cJSON_AddBoolToObject(sc, "better_than_pristine", better);
	if (decided_by)
		cJSON_AddStringToObject(sc, "decided_by", decided_by);
	else
		cJSON_AddNullToObject(sc, "decided_by");
	cJSON_AddItemToObject(sc, "worse_terms", worse);
	return sc;
}

/* score.terms: each term's statistics, weight and whether it counted; a term that
 * could not be measured is null (unknown: it counts for nothing).  Takes the
 * terms' details. */
static void add_terms(const struct settings *s, cJSON *sc, struct term_value terms[NTERMS])
{
	cJSON *tj = cJSON_AddObjectToObject(sc, "terms");
	for (int i = 0; i < NTERMS; i++) {
		if (!terms[i].present) {
			if (i == BCOZ || i == BPERF || i == LATENCY || i == READ)
				cJSON_AddNullToObject(tj, term_names[i]);
			continue;
		}
		cJSON *t = cJSON_CreateObject();
		add_stats(t, &terms[i].st);
		cJSON_AddNumberToObject(t, "weight", s->weight[i]);
		cJSON_AddBoolToObject(t, "counted", counted((enum term)i, &terms[i]));
		if (terms[i].detail) {
			cJSON *d;
			cJSON_ArrayForEach(d, terms[i].detail)
				cJSON_AddItemToObject(t, d->string, cJSON_Duplicate(d, 1));
			cJSON_Delete(terms[i].detail);
			terms[i].detail = NULL;
		}
		cJSON_AddItemToObject(tj, term_names[i], t);
	}
}

/* score.terms.cpu: the count's ratio, its tolerance band and the two counts;
 * null when unknown.  Never weighted, never counted in a score. */
static void add_cpu_term(cJSON *sc, struct term_value *cpu)
{
	cJSON *tj = cJSON_GetObjectItemCaseSensitive(sc, "terms");
	if (!cpu->present) {
		cJSON_AddNullToObject(tj, "cpu");
		return;
	}
	cJSON *t = cJSON_CreateObject();
	add_stats(t, &cpu->st);
	cJSON_DeleteItemFromObjectCaseSensitive(t, "pairs");
	cJSON_AddNumberToObject(t, "weight", 0);
	cJSON_AddBoolToObject(t, "counted", 0);
	cJSON *d;
	cJSON_ArrayForEach(d, cpu->detail)
		cJSON_AddItemToObject(t, d->string, cJSON_Duplicate(d, 1));
	cJSON_Delete(cpu->detail);
	cpu->detail = NULL;
	cJSON_AddItemToObject(tj, "cpu", t);
}

/* The pairs of a record that can be scored: their count, with *pv set; or 0 with
 * o->reason (not a valid candidate) or o->error (cannot be scored) set.  A broken
 * contract — RocksDB's write-stall rules (pairs.c), or its durability as the
 * kernel and pristine's read-back saw it (durability.c) — is a reason, its message
 * also in *contract; the figures of both are in *contract_report. */
static size_t valid_pairs(const cJSON *rec, struct pair_values **pv, struct outcome *o, cJSON **contract_report,
			  char **contract)
{
	*pv = NULL;
	o->reason = invalid_reason(rec, o);
	if (o->reason || o->error)
		return 0;
	size_t n = read_pairs(rec, pv, o);
	if (o->reason || o->error)
		return 0;
	int by_pristine;
	char *broken = contract_violation(*pv, n, contract_report, &by_pristine);
	if (broken && by_pristine) {
		set_once(&o->error, xasprintf("pristine broke the write-stall contract (%s): the contract's limits "
					      "do not fit this workload", broken));
		free(broken);
		return 0;
	}
	if (!broken) {
		cJSON *durability = NULL;
		char *error = NULL;
		broken = durability_violation(rec, *pv, n, &durability, &by_pristine, &error);
		if (durability)
			cJSON_AddItemToObject(*contract_report, "durability", durability);
		if (error) {
			set_once(&o->error, error);
		} else if (broken && by_pristine) {
			set_once(&o->error, xasprintf("pristine broke a durability rule (%s): the rule does not fit this "
						      "workload or machine", broken));
			free(broken);
			broken = NULL;
		}
		if (broken)
			cJSON_ReplaceItemInObject(*contract_report, "ok", cJSON_CreateBool(0));
	}
	if (broken) {
		o->reason = xasprintf("contract: %s", broken);
		*contract = broken;
	}
	return o->reason || o->error ? 0 : n;
}

/* Scores one record.  Returns the score object, or NULL with *error set (input
 * that cannot be scored); *contract gets the message of a broken contract. */
static cJSON *score_record(const struct settings *s, const cJSON *rec, char **error, char **contract)
{
	if (cJSON_IsTrue(json_path(rec, "pristine"))) {   /* the root: 1.0 by definition */
		cJSON *sc = cJSON_CreateObject();
		cJSON_AddNumberToObject(sc, "combined_score", 1);
		cJSON_AddNumberToObject(sc, "comparable_score", 1);
		cJSON_AddBoolToObject(sc, "valid", 1);
		cJSON_AddBoolToObject(sc, "better_than_pristine", 0);
		cJSON_AddStringToObject(sc, "reason", "pristine RocksDB");
		return sc;
	}
	struct outcome o = { 0 };
	struct pair_values *pv;
	cJSON *contract_report = NULL;
	size_t n = valid_pairs(rec, &pv, &o, &contract_report, contract);
	if (o.error) {
		*error = o.error;
		free(o.reason);
		free(pv);
		cJSON_Delete(contract_report);
		return NULL;
	}
	if (o.reason) {
		cJSON *sc = invalid_score(o.reason);
		if (contract_report)
			cJSON_AddItemToObject(sc, "contract", contract_report);
		free(o.reason);
		free(pv);
		return sc;
	}

	struct term_value terms[NTERMS], cpu = cpu_term(s, rec);
	measure_terms(s, rec, pv, n, terms);
	cJSON *sc = verdict(s, terms, &cpu);
	cJSON_AddNumberToObject(sc, "pairs", (double)n);
	add_terms(s, sc, terms);
	add_cpu_term(sc, &cpu);
	cJSON_AddItemToObject(sc, "contract", contract_report);
	/* A steadier second signal beside wall-clock throughput (not weighted). */
	struct term_value cpu_seconds = RATIO(cpu_b, cpu_c);
	cJSON *sig = cJSON_CreateObject();
	if (cpu_seconds.present)
		add_stats(cJSON_AddObjectToObject(sig, "cpu_per_op"), &cpu_seconds.st);
	/* The sync workload's decomposition, throughput = writes per sync × syncs/s:
	 * writes per sync (group commit, the candidate's) and throughput times the mean
	 * sync latency (the device's speed taken out).  Signals, not terms: a candidate
	 * that makes each sync slower (more bytes a sync) would hide that cost in the
	 * normalised figure (tests/bench/README.md has both spreads, A/A). */
	if (cJSON_IsTrue(json_path(contract_report, "durability.syncs_every_write"))) {
		struct term_value wps = RATIO(wps_c, wps_b), dnorm = RATIO(dnorm_c, dnorm_b);
		if (wps.present)
			add_stats(cJSON_AddObjectToObject(sig, "writes_per_sync"), &wps.st);
		if (dnorm.present)
			add_stats(cJSON_AddObjectToObject(sig, "device_normalised_throughput"), &dnorm.st);
	}
	if (cJSON_GetArraySize(sig) > 0)
		cJSON_AddItemToObject(sc, "signals", sig);
	else
		cJSON_Delete(sig);
	free(pv);
	return sc;
}

/* ---- --more: is another pair needed? ------------------------------------------------- */

/* How much slower one pair may be before the candidate is dropped: --screen, or,
 * where the run's own A/A pairs (--calibration) say one pair of two equal programs
 * swings further, 2.5 of those pairs' standard deviations (an equal program is then
 * dropped by chance about once in 160): on a noisy machine a fixed 5 % screen would
 * drop good candidates on one unlucky pair. */
static double screen_threshold(const struct settings *s)
{
	double sd = json_path_number(s->calibration, "log_ratio_sd");
	double by_noise = isnan(sd) ? 0 : 1 - exp(-2.5 * sd);
	return by_noise > s->screen ? by_noise : s->screen;
}

static int needs_more(const struct settings *s, const cJSON *sc, char **why)
{
	const cJSON *t = json_path(sc, "terms.throughput");
	double pairs = json_path_number(sc, "pairs"), v = json_path_number(t, "value"), lo = json_path_number(t, "ci_low"), hi = json_path_number(t, "ci_high");
	if (!cJSON_IsTrue(json_path(sc, "valid"))) {
		*why = xstrdup("enough: the candidate is not valid");
		return 0;
	}
	double screen = screen_threshold(s);
	if (pairs == 1 && v < 1 - screen) {
		*why = xasprintf("enough: the first pair is %.1f %% slower than pristine (screen %.1f %%)",
				 (1 - v) * 100, screen * 100);
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
		if (cJSON_IsNull(t)) {
			printf("  %-10s unknown (not measured or no interval): counts for nothing\n", t->string);
			continue;
		}
		if (!strcmp(t->string, "cpu")) {
			printf("  %-10s %.4f  (instructions/op %.1f pristine, %.1f candidate; %s beyond the %.2f %% tolerance;"
			       " breaks ties only)\n", t->string, json_path_number(t, "value"),
			       json_path_number(t, "instructions_per_op_baseline"), json_path_number(t, "instructions_per_op_candidate"),
			       cJSON_IsTrue(json_path(t, "significant")) ? "a difference" : "no difference",
			       json_path_number(t, "tolerance") * 100);
			continue;
		}
		printf("  %-10s %.4f", t->string, json_path_number(t, "value"));
		if (!isnan(json_path_number(t, "ci_low")))
			printf("  95%% CI [%.4f, %.4f]%s", json_path_number(t, "ci_low"), json_path_number(t, "ci_high"),
			       cJSON_IsTrue(json_path(t, "significant")) ? "  significant" : "  not significant");
		printf("  weight %g%s\n", json_path_number(t, "weight"),
		       cJSON_IsTrue(json_path(t, "counted")) ? "" : "  (not counted: within noise)");
	}
	static const char *const signals[][3] = {
		{ "signals.cpu_per_op", "cpu s/op", "CPU s/op, pristine over candidate" },
		{ "signals.writes_per_sync", "writes/sync", "kernel-counted writes per durable sync, candidate over pristine" },
		{ "signals.device_normalised_throughput", "throughput×sync", "throughput times the mean sync latency, candidate over pristine" },
	};
	for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) {
		const cJSON *sg = json_path(sc, signals[i][0]);
		if (sg)
			printf("  %-10s %.4f  95%% CI [%.4f, %.4f]  (%s; a signal, not weighted)\n", signals[i][1],
			       json_path_number(sg, "value"), json_path_number(sg, "ci_low"), json_path_number(sg, "ci_high"), signals[i][2]);
	}
	const cJSON *worse = json_path(sc, "worse_terms");
	if (cJSON_GetArraySize(worse) > 0) {
		printf("  not better: significantly worse on");
		cJSON_ArrayForEach(t, worse)
			printf(" %s", t->valuestring);
		printf(", so the score is capped at the worst such term\n");
	} else {
		const char *by = json_path_string(sc, "decided_by");
		if (cJSON_IsTrue(json_path(sc, "better_than_pristine")))
			printf("  better than pristine, by %s%s\n", by ? by : "?",
			       by && !strcmp(by, "instructions") ? " (the wall clock within noise)" : "");
		else
			printf("  not better than pristine (no throughput or latency gain outside noise, nor fewer instructions)\n");
	}
	printf("  rule: better = no measured term significantly worse (throughput, fixed-load p99, reads beyond\n"
	       "  the guard) and a throughput or latency interval above 1; a gain adds to the score only when\n"
	       "  significant; profile terms count only when their intervals exclude 1; a run breaking\n"
	       "  RocksDB's write-stall contract is invalid; with nothing worse and the wall clock within\n"
	       "  noise, instructions per write lower by more than the tolerance make a candidate better\n"
	       "  (the cpu term is never weighted and never outweighs a wall-clock loss)\n");
}

/* ---- --calibrate: the run's own noise ----------------------------------------------- */

/* The smallest throughput change a paired t test over N pairs detects at the 5 %
 * level with 80 % power, as a fraction, given the per-pair spread SD of the log
 * ratios: (t.975 + t.80) * SD / sqrt(N), on the log scale. */
static double detectable_change(double sd, long n)
{
	return n < 2 || isnan(sd) ? NAN : exp((t975(n - 1) + t80(n - 1)) * sd / sqrt((double)n)) - 1;
}

/* A/A pairs (pristine against a copy of itself) → the noise where the run runs:
 * the throughput ratio and its interval (1 up to noise), the per-pair standard
 * deviation of the log ratios, and the smallest change the bench stage's pair
 * budget (--max-pairs) can detect.  NULL with *error set on input that is not
 * two or more good pairs. */
static cJSON *calibration(const struct settings *s, const cJSON *rec, char **error)
{
	struct outcome o = { 0 };
	struct pair_values *pv = NULL;
	size_t n = read_pairs(rec, &pv, &o);
	if (!o.error && o.reason)
		o.error = xasprintf("an A/A run failed: %s", o.reason);
	if (!o.error && n < 2)
		o.error = xasprintf("%zu A/A pair%s: a spread needs at least 2", n, n == 1 ? "" : "s");
	free(o.reason);
	if (o.error) {
		*error = o.error;
		free(pv);
		return NULL;
	}
	double *r = xmalloc(n * sizeof *r), mean = 0, var = 0;
	for (size_t i = 0; i < n; i++) {
		r[i] = pv[i].ops_c / pv[i].ops_b;
		mean += log(r[i]) / (double)n;
	}
	for (size_t i = 0; i < n; i++)
		var += (log(r[i]) - mean) * (log(r[i]) - mean) / (double)(n - 1);
	struct term_value t = pair_term(r, n);
	free(r);
	free(pv);
	cJSON *out = cJSON_CreateObject(), *tj = cJSON_AddObjectToObject(out, "throughput");
	if (t.present)
		add_stats(tj, &t.st);
	double sd = sqrt(var);
	json_add_number_or_null(out, "log_ratio_sd", t.present ? sd : NAN);
	cJSON *d = cJSON_AddObjectToObject(out, "detectable_change");
	cJSON_AddNumberToObject(d, "pairs", (double)s->max_pairs);
	json_add_number_or_null(d, "pct", t.present ? detectable_change(sd, s->max_pairs) * 100 : NAN);
	cJSON_AddStringToObject(d, "rule", "paired t on log ratios, 5 % two-sided, 80 % power");
	return out;
}

/* One record of A/A pairs → its calibration line. */
static int calibrate_one(const struct settings *s, cJSON *rec, int number, void *ctx)
{
	(void)ctx;
	char *error = NULL;
	cJSON *c = calibration(s, rec, &error);
	cJSON_Delete(rec);
	if (!c) {   /* said on stderr and, as every filter's refusal, as an error record */
		warnx_("record %d: %s", number, error);
		cJSON *e = error_record(progname, "record %d: %s", number, error);
		jsonl_write(stdout, e);
		cJSON_Delete(e);
		free(error);
		return EXIT_INPUT;
	}
	jsonl_write(stdout, c);
	cJSON_Delete(c);
	return 0;
}

/* ---- options and main ---------------------------------------------------------------- */

/* --weights T=W,...: an opt_call filling the weight array; terms not named keep theirs. */
static int parse_weights(const char *arg, void *dest, char **why)
{
	double *weight = dest;
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
		double w = NAN;
		char *bad_number = NULL;
		if (found >= 0 && number_double(eq + 1, 0, 1e6, &w, &bad_number) < 0)
			found = -1;
		free(bad_number);
		if (found < 0) {
			if (eq)
				*eq = '=';
			*why = xasprintf("\"%s\" is not TERM=WEIGHT with TERM one of "
					 "throughput, latency, read, stall, bcoz, bperf and WEIGHT >= 0", kv);
			rc = -1;
		} else {
			weight[found] = w;
		}
	}
	free(copy);
	return rc;
}

/* A JSON object from a file named by option, or an input error naming both. */
static cJSON *read_object(const char *path, const char *option)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		input_error("%s %s: %s", option, path, strerror(errno));
	cJSON *o = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(o))
		input_error("%s %s: not a JSON object", option, path);
	return o;
}

/* One of pristine's runs, kept for the summary (ctx: the array of them). */
static int keep_run(const struct settings *s, cJSON *run, int number, void *runs)
{
	(void)s, (void)number;
	cJSON_AddItemToArray(runs, run);
	return 0;
}

/* The settings from flags and the environment; exits on bad usage. */
static void parse_options(int argc, char **argv, struct settings *s)
{
	*s = (struct settings){ .weight = { [THROUGHPUT] = 0.3, [LATENCY] = 0.2, [BCOZ] = 0.3, [BPERF] = 0.2 },
			      .min_pairs = 4, .max_pairs = 8, .ci_target = 0.03, .screen = 0.05, .read_guard = 0.10,
			      .profile_in_fitness = 1, .cpu_tolerance = 0.001 };
	struct opt_spec specs[] = {
		{ OPT_CALL("weights", "T=W,...", s->weight, parse_weights, "AIOPT_WEIGHTS",
			   "term weights (default throughput=0.3,latency=0.2,bcoz=0.3,bperf=0.2,read=0,stall=0)") },
		{ OPT_STRING("baseline", "FILE", &s->baseline_path, "AIOPT_BASELINE",
			     "pristine's profile and bench summary (make baseline writes it)") },
		{ OPT_STRING("parent", "FILE", &s->parent_path, NULL,
			     "the parent's scored record (its score.json), for better_than_parent") },
		{ OPT_FLAG("explain", &s->explain, "print a human-readable breakdown instead of records") },
		{ OPT_FLAG("more", &s->more, "exit 3 when the bench stage should run another pair, 0 when not") },
		{ OPT_LONG("min-pairs", "N", &s->min_pairs, 1, 1000, "AIOPT_BENCH_MIN_PAIRS", "pairs always run") },
		{ OPT_LONG("max-pairs", "N", &s->max_pairs, 1, 1000, "AIOPT_BENCH_MAX_PAIRS", "pair budget") },
		{ OPT_DOUBLE("ci-target", "F", &s->ci_target, 0, 1, "AIOPT_BENCH_CI_TARGET",
			     "stop when the throughput CI half-width is below F") },
		{ OPT_DOUBLE("screen", "F", &s->screen, 0, 1, "AIOPT_BENCH_SCREEN",
			     "stop after one pair slower than pristine by more than F") },
		{ OPT_DOUBLE("read-guard", "F", &s->read_guard, 0, 1, "AIOPT_READ_GUARD",
			     "reads significantly slower by more than F make a candidate worse") },
		{ OPT_DOUBLE("cpu-tolerance", "F", &s->cpu_tolerance, 0, 1, "AIOPT_CPU_TOLERANCE",
			     "instruction counts (bench.cost) differing by more than F break a wall-clock tie") },
		{ OPT_LONG("profile-in-fitness", "0|1", &s->profile_in_fitness, 0, 1, "AIOPT_PROFILE_IN_FITNESS",
			   "0: leave the profile terms (bcoz, bperf) out, measured or not (the track sets it)") },
		{ OPT_FLAG("summarize", &s->summarize, "read pristine's bench runs (one a line) and write their medians") },
		{ OPT_FLAG("calibrate", &s->calibrate, "read A/A pairs (pristine against a copy of itself) and write the run's "
			   "noise and the smallest change --max-pairs pairs detect") },
		{ OPT_STRING("calibration", "FILE", &s->calibration_path, NULL,
			     "the run's noise (--calibrate's output): --more's screen widens to 2.5 of its per-pair sd") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "score",
		.operands = "< records",
		.summary = "Reads candidate records and adds \"score\" {combined_score, comparable_score, valid,\n"
		"better_than_pristine, better_than_parent, worse_terms, reason, terms, contract,\n"
		"medians}: every statistic the runner and the report show is made here.  Terms are ratios against\n"
		"pristine from bench.pairs (median, 95 % CI by a paired t interval on log ratios);\n"
		"bcoz and bperf when profiled, counted only when their intervals exclude 1.\n"
		"A run that breaks RocksDB's write-stall contract makes the candidate invalid\n"
		"(error stage \"contract\").  Better: no measured term significantly worse.\n"
		"--more: exit 3 if another bench pair is needed, 0 if not.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (records come on stdin)", argv[first]);
}

/* Scores one record and writes it (--more: says whether another pair is needed). */
static int score_one(const struct settings *s, cJSON *rec, int number, void *ctx)
{
	(void)ctx;
	int status = 0;
	char *error = NULL, *contract = NULL;
	cJSON *sc = score_record(s, rec, &error, &contract);
	if (contract) {   /* an outcome of its own: the record says which rule broke */
		record_set_error(rec, "contract", "%s", contract);
		free(contract);
	}
	if (!sc) {
		/* Contradictory input is never scored from a default. */
		warnx_("record %d: %s", number, error);
		record_set_error(rec, "score", "%s", error);
		sc = invalid_score(error);
		/* unscoreable: no number stands in for the score */
		cJSON_ReplaceItemInObject(sc, "combined_score", cJSON_CreateNull());
		cJSON_ReplaceItemInObject(sc, "comparable_score", cJSON_CreateNull());
		status = EXIT_INPUT;
		free(error);
	}
	if (s->more) {
		char *why;
		int more = needs_more(s, sc, &why);
		warnx_("%s", why);
		free(why);
		if (more && status == 0)
			status = EXIT_MORE;
	}
	add_medians(sc, rec);
	add_better_than_parent(s, sc, s->parent);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "score");
	cJSON_AddItemToObject(rec, "score", sc);
	if (s->explain)
		explain(rec, sc);
	else if (!s->more)
		jsonl_write(stdout, rec);
	cJSON_Delete(rec);
	return status;
}

/* Hands each record on stdin, one a line, to EACH, which owns it; the status: the
 * input error of any record, else --more's "another pair", else 0. */
static int for_each_record(int (*each)(const struct settings *, cJSON *, int, void *), const struct settings *s, void *ctx)
{
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	int status = 0, records = 0;
	while ((rec = jsonl_next(lr)) != NULL) {
		int st = each(s, rec, ++records, ctx);
		if (st && (status == 0 || st == EXIT_INPUT))
			status = st;
	}
	jsonl_expect_records(lr, records);
	lr_free(lr);
	free(lr);
	return status;
}

int main(int argc, char **argv)
{
	struct settings s;
	parse_options(argc, argv, &s);
	s.baseline = s.baseline_path ? read_object(s.baseline_path, "--baseline") : NULL;
	s.parent = s.parent_path ? read_object(s.parent_path, "--parent") : NULL;
	s.calibration = s.calibration_path ? read_object(s.calibration_path, "--calibration") : NULL;
	int status;
	if (s.summarize) {   /* pristine's runs, all of them, into one summary */
		cJSON *runs = cJSON_CreateArray();
		status = for_each_record(keep_run, &s, runs);
		cJSON *out = summarize(runs);
		jsonl_write(stdout, out);
		cJSON_Delete(out);
		cJSON_Delete(runs);
	} else {
		status = for_each_record(s.calibrate ? calibrate_one : score_one, &s, NULL);
	}
	cJSON_Delete(s.baseline);
	cJSON_Delete(s.parent);
	cJSON_Delete(s.calibration);
	return status;
}

/* pairs.c — a record's benchmark pairs, read and checked against RocksDB's
 * write-stall contract before any term is computed. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/dbflags.h"
#include "../lib/jsonl.h"
#include "../lib/stats.h"
#include "../lib/util.h"
#include "score.h"

/* The contract's stall-collapse rule: the candidate's median stall time below
 * this share of pristine's, while its L0 grew past pristine's largest, when
 * pristine stalled at least STALL_FLOOR_PCT of the time (else there is nothing
 * to collapse). */
static const double STALL_COLLAPSE_SHARE = 0.5, STALL_FLOOR_PCT = 5;

double median(const double *v, size_t n)
{
	double *s = xmalloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* A median over the known values; NAN when none is known. */
double median_known(const double *v, size_t n)
{
	double *k = xmalloc((n ? n : 1) * sizeof *k);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			k[m++] = v[i];
	double r = m ? median(k, m) : NAN;
	free(k);
	return r;
}




void set_once(char **slot, char *msg)
{
	if (*slot)
		free(msg);
	else
		*slot = msg;
}

/* The first stage that failed, from the record's error or the stage flags. */
char *invalid_reason(const cJSON *rec, struct outcome *o)
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

/* FIELD of the run's own benchmark in its benchmarks list (its seconds, its
 * operations; NAN when unknown). */
static double benchmark_field(const cJSON *run, const char *field)
{
	const cJSON *name = json_path(run, "benchmark"), *b;
	cJSON_ArrayForEach(b, json_path(run, "benchmarks")) {
		const cJSON *n = json_path(b, "name");
		if (cJSON_IsString(name) && cJSON_IsString(n) && strcmp(n->valuestring, name->valuestring) == 0)
			return json_path_number(b, field);
	}
	return NAN;
}

/* The summary's clock tolerance: db_bench prints its seconds to the millisecond and
 * its rate as a whole number; the harness's clock and db_bench's are both real time. */
static const double CLOCK_SLACK_S = 0.05, RATE_SLACK = 0.005;

/* db_bench prints its summary inside the process under test, so the summary is held
 * to what was measured outside it: its seconds no longer than the whole run by the
 * harness's clock (HARNESS_S), no shorter than the --duration asked (DURATION_S, 0:
 * none), its rate its operations over its seconds; and a summary without seconds
 * and operations where pristine's, from the same db_bench, has them (PRISTINE_FORM)
 * is not db_bench's.  Its operations are held to the read-back (durability.c).
 * NULL, or what is wrong. */
static char *summary_against_clock(const cJSON *run, double duration_s, int pristine_form)
{
	double seconds = benchmark_field(run, "seconds"), ops = benchmark_field(run, "operations");
	double rate = json_path_number(run, "ops_per_sec"), harness = json_path_number(run, "harness_seconds");
	if (isnan(seconds) || isnan(ops))
		return pristine_form ? xstrdup("its summary has no seconds and operations, where pristine's from the same "
					       "db_bench has: it is not db_bench's") : NULL;
	if (!isnan(harness) && seconds > harness + CLOCK_SLACK_S)
		return xasprintf("its summary reports %.3f s, longer than the whole run took by the harness's clock (%.3f s)",
				 seconds, harness);
	if (duration_s > 0 && seconds < duration_s)
		return xasprintf("its summary reports %.3f s, shorter than the --duration=%g it ran for", seconds, duration_s);
	if (seconds <= 0 || fabs(ops / seconds - rate) > RATE_SLACK * rate + 1)
		return xasprintf("its summary's %g ops/sec are not its %g operations over %.3f s", rate, ops, seconds);
	return NULL;
}

/* CPU seconds per operation of one run: cpu_seconds / operations of its benchmark. */
static double cpu_per_op(const cJSON *run)
{
	double ops = benchmark_field(run, "operations");
	return ops > 0 ? json_path_number(run, "cpu_seconds") / ops : NAN;
}

/* Reads the pairs; on bad input sets o->error naming the field, on a failed run o->reason. */
size_t read_pairs(const cJSON *rec, struct pair_values **out, struct outcome *o)
{
	const cJSON *pairs = json_path(rec, "bench.pairs");
	size_t n = (size_t)cJSON_GetArraySize(pairs);
	if (!cJSON_IsArray(pairs) || n == 0) {
		set_once(&o->error, xstrdup("missing bench.pairs (no benchmark pairs to score)"));
		return 0;
	}
	struct pair_values *pv = xmalloc(n * sizeof *pv);
	/* The --duration each run was asked for (db_bench's flags as it reads them). */
	char duration_text[512];
	const cJSON *workload = json_path(rec, "bench.workload");
	const char *d = cJSON_IsString(workload) ? dbflag_value(workload->valuestring, "duration", duration_text, sizeof duration_text) : "0";
	double duration_s = d ? strtod(d, NULL) : 0;
	for (size_t i = 0; i < n && !o->error && !o->reason; i++) {
		int has_seconds_b = 0;
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
			char *clock = summary_against_clock(run, duration_s, s == 1 && has_seconds_b);
			if (s == 0)
				has_seconds_b = !isnan(benchmark_field(run, "seconds"));
			if (clock) {
				set_once(s == 0 ? &o->error : &o->reason,
					 xasprintf("bench: the %s run of pair %zu: %s%s", side_name[s], i, clock,
						   s == 0 ? " (pristine's own run: the rule does not fit, nothing is scored)" : ""));
				free(clock);
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
			/* The fixed-load, read-back and read runs: a failed one fails the candidate
			 * like the main run (a database pristine's db_bench cannot open is lost).
			 * Pristine's own failing is no verdict on the candidate: an input error. */
			static const char *const phases[] = { "fixed_load", "readback", "read" };
			for (int ph = 0; ph < 3 && !o->reason && !o->error; ph++) {
				const cJSON *x = json_path(run, phases[ph]);
				if (!cJSON_IsObject(x))
					continue;
				double st = json_path_number(x, "exit_status");
				if ((!isnan(st) && st != 0) || isnan(json_path_number(x, ph == 1 ? "keys_found" : "ops_per_sec")))
					set_once(s == 0 ? &o->error : &o->reason,
						 xasprintf("bench: the %s %s run of pair %zu %s%s", side_name[s], phases[ph], i,
							   !isnan(st) && st != 0 ? "exited non-zero" : "has no result",
							   s == 0 ? " (pristine's own run: nothing is scored)" : ""));
			}
			double fixed_p99 = json_path_number(run, "fixed_load.p99_us"), fixed_l0 = json_path_number(run, "fixed_load.l0_files");
			double read = json_path_number(run, "read.ops_per_sec");
			const cJSON *options = json_path(run, "options"), *kernel = json_path(run, "kernel");
			double writes = benchmark_field(run, "operations"), syncs = json_path_number(kernel, "durable_sync_calls"),
			       wcalls = json_path_number(kernel, "write_calls"), wbytes = json_path_number(kernel, "write_bytes"),
			       found = json_path_number(run, "readback.keys_found");
			double sync_s = json_path_number(kernel, "sync_seconds"), traced = json_path_number(kernel, "traced_sync_calls");
			double wps = syncs > 0 ? writes / syncs : NAN, dnorm = traced > 0 ? ops * sync_s / traced : NAN;
			if (s == 0) {
				pv[i].wps_b = wps; pv[i].dnorm_b = dnorm;
				pv[i].writes_b = writes; pv[i].syncs_b = syncs; pv[i].wcalls_b = wcalls; pv[i].wbytes_b = wbytes; pv[i].found_b = found;
				pv[i].kernel_b = cJSON_IsObject(kernel);
				pv[i].ops_b = ops; pv[i].p99_b = p99; pv[i].stall_b = stall; pv[i].l0_b = l0; pv[i].cpu_b = cpu;
				pv[i].fixed_p99_b = fixed_p99; pv[i].fixed_l0_b = fixed_l0; pv[i].read_b = read; pv[i].options_b = options;
			} else {
				pv[i].wps_c = wps; pv[i].dnorm_c = dnorm;
				pv[i].writes_c = writes; pv[i].syncs_c = syncs; pv[i].wcalls_c = wcalls; pv[i].wbytes_c = wbytes; pv[i].found_c = found;
				pv[i].kernel_c = cJSON_IsObject(kernel);
				pv[i].ops_c = ops; pv[i].p99_c = p99; pv[i].stall_c = stall; pv[i].l0_c = l0; pv[i].cpu_c = cpu;
				pv[i].fixed_p99_c = fixed_p99; pv[i].fixed_l0_c = fixed_l0; pv[i].read_c = read; pv[i].options_c = options;
			}
		}
	}
	*out = pv;
	return n;
}

/* ---- RocksDB's write-stall contract ---------------------------------------------------- */

/* RocksDB slows writes once L0 holds level0_slowdown_writes_trigger files and
 * stops them at level0_stop_writes_trigger: its protection of read latency,
 * space and recovery time.  With writes stopped, at most max_write_buffer_number
 * memtables can still be flushed into L0, so past stop + that many files L0 grew
 * without bound.  The limits are pristine's own, from its database's OPTIONS
 * file in the same pair (never constants here); a candidate whose database
 * records other values changed them at run time. */
static const char *const contract_options[] = { "level0_file_num_compaction_trigger",
	"level0_slowdown_writes_trigger", "level0_stop_writes_trigger", "max_write_buffer_number", NULL };

static double max_of(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] > m))
			m = v[i];
	return m;
}

/* Checks every run of every pair.  Returns the first violation (a message naming
 * the figure), or NULL; *by_pristine says pristine's own run broke it (then the
 * limits do not fit the workload, and nothing can be scored).  *report gets the
 * figures behind the verdict. */
char *contract_violation(const struct pair_values *pv, size_t n, cJSON **report, int *by_pristine)
{
	char *msg = NULL;
	int checked = 1;
	*by_pristine = 0;
	double stop = NAN, slowdown = NAN, buffers = NAN;
	for (size_t i = 0; i < n && !msg; i++) {
		const cJSON *ob = pv[i].options_b, *oc = pv[i].options_c;
		if (!cJSON_IsObject(ob)) {
			checked = 0;   /* no limits recorded (a custom bench command): nothing to check */
			continue;
		}
		for (int k = 0; contract_options[k] && !msg; k++) {
			double b = json_path_number(ob, contract_options[k]), c = json_path_number(oc, contract_options[k]);
			if (!isnan(b) && !(c == b))
				msg = isnan(c) ? xasprintf("the candidate's database in pair %zu recorded no %s (pristine's: %g)",
							   i + 1, contract_options[k], b)
					       : xasprintf("the candidate changed %s from %g to %g at run time (pair %zu)",
							   contract_options[k], b, c, i + 1);
		}
		stop = json_path_number(ob, "level0_stop_writes_trigger");
		slowdown = json_path_number(ob, "level0_slowdown_writes_trigger");
		buffers = json_path_number(ob, "max_write_buffer_number");
		if (isnan(stop) || isnan(buffers))
			continue;
		const double l0[4] = { pv[i].l0_b, pv[i].fixed_l0_b, pv[i].l0_c, pv[i].fixed_l0_c };
		static const char *const run_name[4] = { "pristine's saturation run", "pristine's fixed-load run",
			"the saturation run", "the fixed-load run" };
		for (int r = 0; r < 4 && !msg; r++)
			if (!isnan(l0[r]) && l0[r] > stop + buffers) {
				msg = xasprintf("L0 held %g files at the end of %s of pair %zu; writes stop at "
						"level0_stop_writes_trigger=%g, and at most max_write_buffer_number=%g "
						"memtables can flush after that", l0[r], run_name[r], i + 1, stop, buffers);
				*by_pristine = r < 2;
			}
	}
	double *v = xmalloc((n ? n : 1) * 4 * sizeof *v), *l0b = v, *l0c = v + n, *stb = v + 2 * n, *stc = v + 3 * n;
	for (size_t i = 0; i < n; i++) {
		l0b[i] = pv[i].l0_b;
		l0c[i] = pv[i].l0_c;
		stb[i] = pv[i].stall_b;
		stc[i] = pv[i].stall_c;
	}
	double l0b_max = max_of(l0b, n), l0c_max = max_of(l0c, n), l0c_med = median_known(l0c, n);
	double stall_b = median_known(stb, n), stall_c = median_known(stc, n);
	/* Stall time collapsing while L0 grows: the delay was skipped, not earned. */
	if (!msg && stall_b >= STALL_FLOOR_PCT && stall_c < STALL_COLLAPSE_SHARE * stall_b && l0c_med > l0b_max)
		msg = xasprintf("stall time fell from %.1f %% to %.1f %% (median) while L0 grew from at most %g files "
				"(pristine) to %g: the write stall was bypassed, not earned", stall_b, stall_c, l0b_max, l0c_med);
	cJSON *rep = cJSON_CreateObject();
	cJSON_AddBoolToObject(rep, "ok", msg == NULL);
	cJSON_AddBoolToObject(rep, "limits_known", checked && !isnan(stop));
	cJSON *lim = cJSON_AddObjectToObject(rep, "limits");
	json_add_number_or_null(lim, "level0_slowdown_writes_trigger", slowdown);
	json_add_number_or_null(lim, "level0_stop_writes_trigger", stop);
	json_add_number_or_null(lim, "max_write_buffer_number", buffers);
	json_add_number_or_null(rep, "l0_files_max_baseline", l0b_max);
	json_add_number_or_null(rep, "l0_files_max_candidate", l0c_max);
	json_add_number_or_null(rep, "stall_pct_median_baseline", stall_b);
	json_add_number_or_null(rep, "stall_pct_median_candidate", stall_c);
	if (msg)
		cJSON_AddStringToObject(rep, "violation", msg);
	free(v);
	*report = rep;
	return msg;
}


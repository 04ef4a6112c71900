/* durability.c — the rules that no edit can talk its way past: what each run
 * acknowledged, against what the kernel saw it write and sync and what pristine's
 * own code reads back from the database it left.
 *
 * RocksDB's statistics (WAL bytes, WAL syncs) are recorded in the file the model
 * edits, so an edit that drops durable work can keep them reporting it; and the
 * gate's programs are not the benchmark, so an edit that skips work only when it
 * is benchmarked passes them.  These rules read only what the bench stage measured
 * outside the candidate's reach: the kernel's count of the run's system calls
 * (bench.pairs[].*.kernel, sandbox.sh --kernel-count) and the keys pristine's
 * db_bench counted after a clean reopen (bench.pairs[].*.readback).  They hold for
 * pristine's runs as for the candidate's: a pristine run that breaks one means the
 * rule does not fit the workload, and nothing is scored. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/dbflags.h"
#include "../lib/jsonl.h"
#include "../lib/util.h"
#include "score.h"

/* The WAL rule's floor: a pair in which the candidate's write bytes per operation
 * (kernel-counted) fall below this share of pristine's did not write every WAL
 * record.  From the A/A pairs of tests/bench/kernel.sh (tests/bench/README.md):
 * pristine against itself, 3 s runs, the per-pair log ratio's SD of bytes per
 * operation was 0.0116 on the L0 workload (ratios 0.991-1.024) and 0.0021 on the
 * sync one; the floor is 5.3 of the larger SD below 1 (ln 0.94 = -0.062).  The
 * WAL's share of the bytes is about 9 % on the L0 workload (435 of 4,823-5,206
 * bytes a write: flushes and compactions write the rest), so a dropped WAL falls
 * to about 0.91 there, and to nearly nothing on the sync one.  So the rule is
 * applied where the WAL is most of what is written (--sync=1) only: on the L0
 * workload the flushes' and compactions' bytes move with the machine's load (a
 * comment-only edit measured 0.924 beside another job), and the read-back is the
 * rule that catches a dropped WAL there. */
static const double WRITE_BYTES_FLOOR = 0.94;

/* The second sync rule's limit (below): pristine's write calls per durable sync on
 * the WAL-sync workload, A/A (tests/bench/kernel.sh), were 1.009-1.010; a group
 * acknowledged unsynced adds a whole write call (the lone-writer edit of
 * tests/fixtures/edits/skips-sync-in-group.md made 1.75). */
static const double WRITE_CALLS_PER_SYNC_MAX = 1.25;

/* The read-back rule's allowance, in standard deviations of the count of repeated
 * keys (below). */
static const double READBACK_SIGMAS = 6;

/* The keys a run of W random writes over a key space of N leaves fewer than W by
 * chance: db_bench's fillrandom draws each key uniformly from N, so W draws repeat
 * W − N·(1 − (1 − 1/N)^W) keys on average (the birthday count), with a spread
 * close to its square root (Poisson).  Allowed: that mean and READBACK_SIGMAS of
 * its spread, plus one. */
static double readback_allowance(double writes, double key_space)
{
	double distinct = -key_space * expm1(writes * log1p(-1 / key_space));
	double repeats = writes - distinct;
	if (repeats < 0)
		repeats = 0;
	return floor(repeats + READBACK_SIGMAS * sqrt(repeats) + 1);
}

static const char *const side_label[2] = { "pristine's", "the candidate's" };

char *durability_violation(const cJSON *rec, const struct pair_values *pv, size_t n, cJSON **report,
			   int *by_pristine, char **error)
{
	*by_pristine = 0;
	*report = NULL;
	const cJSON *w = json_path(rec, "bench.workload");
	size_t counted = 0;
	for (size_t i = 0; i < n; i++)
		counted += pv[i].kernel_b + pv[i].kernel_c;
	if (counted == 0) {
		/* A user's own benchmark (AIOPT_BENCH_CMD) has no db_bench database to read
		 * back: said so in the report, never passed off as checked. */
		int db_bench = 0;
		for (size_t i = 0; i < n; i++)
			db_bench |= cJSON_IsObject(pv[i].options_b);
		if (db_bench)
			*error = xstrdup("bench.pairs carry no kernel account (kernel): the durability rules cannot be checked");
		*report = cJSON_CreateObject();
		cJSON_AddBoolToObject(*report, "checked", 0);
		return NULL;
	}
	if (counted != 2 * n || !cJSON_IsString(w)) {
		*error = xstrdup(!cJSON_IsString(w) ? "bench.workload is missing: the durability rules need the workload's flags"
						    : "some bench runs carry no kernel account (kernel): the durability rules cannot be checked");
		return NULL;
	}
	/* The workload's flags as db_bench reads them (src/lib/dbflags.c). */
	const char *args = w->valuestring;
	static const char *const names[4] = { "sync", "disable_wal", "threads", "num" };
	char text[4][512];
	const char *flag[4];
	for (int f = 0; f < 4; f++)
		if (!(flag[f] = dbflag_value(args, names[f], text[f], sizeof text[f]))) {
			*error = xasprintf("bench.workload: %s: db_bench would read this word otherwise than the durability "
					   "rules, so they cannot be checked (%s)", text[f], args);
			return NULL;
		}
	int syncs_every_write = strcmp(flag[0], "true") == 0, wal = strcmp(flag[1], "true") != 0;
	int bytes_rule = wal && syncs_every_write;   /* see WRITE_BYTES_FLOOR */
	double threads = strtod(flag[2], NULL), key_space = strtod(flag[3], NULL);
	if (threads < 1 || key_space < 1) {
		*error = xasprintf("bench.workload: --threads or --num is not a positive number (%s)", args);
		return NULL;
	}

	char *msg = NULL;
	/* The figures behind the verdict: each side's worst run. */
	double worst_ops_per_sync[2] = { 0, 0 }, worst_calls_per_sync[2] = { 0, 0 }, worst_bytes_ratio = INFINITY, worst_margin[2] = { -INFINITY, -INFINITY },
	       worst_missing[2] = { 0, 0 }, worst_missing_allowed[2] = { 0, 0 };
	for (size_t i = 0; i < n && !msg && !*error; i++) {
		const double ops[2] = { pv[i].writes_b, pv[i].writes_c }, syncs[2] = { pv[i].syncs_b, pv[i].syncs_c },
			     wcalls[2] = { pv[i].wcalls_b, pv[i].wcalls_c }, found[2] = { pv[i].found_b, pv[i].found_c };
		for (int s = 0; s < 2 && !msg && !*error; s++) {
			if (isnan(ops[s]) || ops[s] <= 0) {
				*error = xasprintf("bench.pairs[%zu]: %s run reports no operations of its benchmark", i, side_label[s]);
				break;
			}
			/* With --sync=1 every write group's WAL append must be synced before its
			 * writers are acknowledged.  Two counts of the kernel's bound that:
			 * - writes per sync: a closed-loop writer waits for its write's sync, so
			 *   one sync covers at most the T threads' writes (the group); the other
			 *   syncs (MANIFEST, SST files, directories) only lower the ratio, so no
			 *   allowance;
			 * - write calls per sync: a group's WAL record is one write call
			 *   (log::Writer::AddRecord flushes once at its end, in log_writer.cc, a
			 *   file no edit may change), and its sync follows before the next group
			 *   appends; a group acknowledged without its sync leaves a write call
			 *   with no sync.  Pristine's other write calls (its LOG, MANIFEST and
			 *   OPTIONS files) stay within WRITE_CALLS_PER_SYNC_MAX.  A group that
			 *   skips its sync under the first bound (groups of several writers
			 *   skipped, single ones synced, about T writes a sync) breaks this one. */
			if (syncs_every_write) {
				if (isnan(syncs[s]) || isnan(wcalls[s])) {
					*error = xasprintf("bench.pairs[%zu]: %s run's kernel account has no sync count (perf could "
							   "not count system calls), and the workload syncs every write", i, side_label[s]);
					break;
				}
				double per_sync = syncs[s] > 0 ? ops[s] / syncs[s] : INFINITY,
				       calls_per_sync = syncs[s] > 0 ? wcalls[s] / syncs[s] : INFINITY;
				if (per_sync > worst_ops_per_sync[s])
					worst_ops_per_sync[s] = per_sync;
				if (calls_per_sync > worst_calls_per_sync[s])
					worst_calls_per_sync[s] = calls_per_sync;
				if (per_sync > threads)
					msg = xasprintf("%s run of pair %zu acknowledged %.0f synchronous writes with %.0f syncs "
							"counted by the kernel (%.2f writes per sync): with --sync=1 and %.0f writer "
							"threads one sync covers at most %.0f writes, so not every write was synced",
							side_label[s], i + 1, ops[s], syncs[s], per_sync, threads, threads);
				else if (calls_per_sync > WRITE_CALLS_PER_SYNC_MAX)
					msg = xasprintf("%s run of pair %zu made %.0f write calls and %.0f syncs (kernel-counted, "
							"%.2f write calls per sync): with --sync=1 each write group's WAL append is "
							"synced before the next, at most %.2f write calls per sync with the "
							"database's other files, so some groups were acknowledged unsynced",
							side_label[s], i + 1, wcalls[s], syncs[s], calls_per_sync, WRITE_CALLS_PER_SYNC_MAX);
				*by_pristine = msg && s == 0;
			}
			/* Every acknowledged write must be there after a clean reopen, read by
			 * pristine's code: repeated random keys aside, as many keys as writes. */
			if (!msg) {
				if (isnan(found[s])) {
					*error = xasprintf("bench.pairs[%zu]: %s run's database was not read back (readback.keys_found)",
							   i, side_label[s]);
					break;
				}
				double missing = ops[s] - found[s], allowed = readback_allowance(ops[s], key_space);
				if (missing - allowed > worst_margin[s]) {
					worst_margin[s] = missing - allowed;
					worst_missing[s] = missing;
					worst_missing_allowed[s] = allowed;
				}
				if (missing > allowed) {
					msg = xasprintf("%s run of pair %zu acknowledged %.0f writes, but pristine's db_bench found "
							"%.0f keys in its database after a reopen: %.0f missing, where repeated random "
							"keys explain at most %.0f (key space %.0f)",
							side_label[s], i + 1, ops[s], found[s], missing, allowed, key_space);
					*by_pristine = s == 0;
				}
			}
		}
		if (msg || *error || !bytes_rule)
			continue;
		double bb = pv[i].wbytes_b / pv[i].writes_b, bc = pv[i].wbytes_c / pv[i].writes_c;
		if (isnan(bb) || isnan(bc) || bb <= 0) {
			*error = xasprintf("bench.pairs[%zu]: the kernel account has no write bytes (kernel.write_bytes)", i);
			break;
		}
		if (bc / bb < worst_bytes_ratio)
			worst_bytes_ratio = bc / bb;
		if (bc / bb < WRITE_BYTES_FLOOR)
			msg = xasprintf("the candidate's run of pair %zu wrote %.0f bytes per acknowledged write (kernel-counted), "
					"pristine's %.0f: %.1f %% of pristine's, below the %.0f %% that pristine's own runs never "
					"fall under, so not every write's WAL record reached the WAL file",
					i + 1, bc, bb, 100 * bc / bb, 100 * WRITE_BYTES_FLOOR);
	}
	if (*error) {
		free(msg);
		return NULL;
	}
	cJSON *rep = cJSON_CreateObject();
	cJSON_AddBoolToObject(rep, "checked", 1);
	cJSON_AddBoolToObject(rep, "ok", msg == NULL);
	cJSON_AddNumberToObject(rep, "writer_threads", threads);
	cJSON_AddBoolToObject(rep, "syncs_every_write", syncs_every_write);
	if (syncs_every_write) {
		json_add_number_or_null(rep, "writes_per_sync_max_baseline", worst_ops_per_sync[0]);
		json_add_number_or_null(rep, "writes_per_sync_max_candidate", worst_ops_per_sync[1]);
		json_add_number_or_null(rep, "write_calls_per_sync_max_baseline", worst_calls_per_sync[0]);
		json_add_number_or_null(rep, "write_calls_per_sync_max_candidate", worst_calls_per_sync[1]);
		cJSON_AddNumberToObject(rep, "write_calls_per_sync_limit", WRITE_CALLS_PER_SYNC_MAX);
	}
	cJSON_AddNumberToObject(rep, "keys_missing_baseline", worst_missing[0]);
	cJSON_AddNumberToObject(rep, "keys_missing_allowed_baseline", worst_missing_allowed[0]);
	cJSON_AddNumberToObject(rep, "keys_missing_candidate", worst_missing[1]);
	cJSON_AddNumberToObject(rep, "keys_missing_allowed_candidate", worst_missing_allowed[1]);
	if (bytes_rule) {
		json_add_number_or_null(rep, "write_bytes_per_op_ratio_min", isinf(worst_bytes_ratio) ? NAN : worst_bytes_ratio);
		cJSON_AddNumberToObject(rep, "write_bytes_per_op_floor", WRITE_BYTES_FLOOR);
	}
	if (msg)
		cJSON_AddStringToObject(rep, "violation", msg);
	*report = rep;
	return msg;
}

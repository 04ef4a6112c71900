/* parse-dbbench — db_bench output (stdout and stderr mixed) to one JSON line.
 *
 * Reads RocksDB 6.x–9.x db_bench logs line by line, keeping only what it
 * reports: memory is bounded by the number of distinct benchmarks, statistics
 * and stall names, never by the size of the log.  A figure the log does not
 * hold is null (or absent), never 0. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/inputs.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/util.h"
#include "parse-dbbench/parse-dbbench.h"


#define MAX_LINE (1 << 16)   /* db_bench lines are < 1 KB; longer ones are junk */

/* ---- one line ------------------------------------------------------------- */

static void parse_line(struct parse *p, const char *line, size_t lineno)
{
	if (!p->version && starts_with(line, "RocksDB:")) {
		const char *s = skip_space(line + 8);
		if (word(&s, "version")) {
			s = skip_space(s);
			p->version = clean_text(s, strcspn(s, " \t"));
		}
		return;
	}
	if (starts_with(line, "**")) {   /* a stats section: no longer a benchmark's block */
		p->bench_block = 0;
		p->hist = NULL;
		p->section = SEC_NONE;
	}
	if (histogram_line(p, line) || summary_line(p, line, lineno) ||
	    compaction_line(p, line) || db_stats_line(p, line) || stall_line(p, line) ||
	    statistics_line(p, line))
		return;
}

static void parse_free(struct parse *p)
{
	for (size_t i = 0; i < p->nbenches; i++) {
		free(p->benches[i].name);
		free(p->benches[i].message);
		free(p->benches[i].hists);
		free(p->benches[i].repeats);
	}
	free(p->benches);
	free(p->version);
	free(p->compaction_cf);
	free(p->levels);
	strmap_clear(&p->stall_names);
	free(p->stall_counts);
	strmap_clear(&p->stat_names);
	free(p->stats);
	cJSON_Delete(p->warnings);
}

/* Parses one input; returns 0, or 1 when it held no usable result. */
static int parse_file(FILE *in, const char *source, void *ctx)
{
	const char *want = ctx;
	struct parse p = { .source = source, .warnings = cJSON_CreateArray() };
	for (int i = 0; i < DB_N; i++)
		p.db[i] = NAN;
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, source);
	lr->split_cr = 1;
	lr->max_line = MAX_LINE;
	while (lr_next(lr) >= 0)
		parse_line(&p, lr->line, lr->lineno);
	if (lr->read_error)
		warn(&p, 0, "read error: %s", strerror(lr->read_error));
	if (p.hist && isnan(p.hist->p99_us))
		warn(&p, 0, "the log ends inside the latency histogram of %s: percentiles missing",
		     p.benches[p.nbenches - 1].name);
	lr_free(lr);
	free(lr);

	int failed = 0;
	cJSON *out = result_json(&p, want, &failed);
	if (failed)
		warnx_("%s", cJSON_GetObjectItem(cJSON_GetObjectItem(out, "error"), "message")->valuestring);
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	parse_free(&p);
	return failed;
}

int main(int argc, char **argv)
{
	const char *want = NULL;
	struct opt_spec specs[] = {
		{ OPT_STRING("benchmark", "NAME", &want, NULL,
			     "report NAME's figures at top level (default: the first benchmark with a result); NAME's run is\n"
			     "then the log's only one: a second summary line, or a second histogram of one operation after\n"
			     "it, is an error naming their lines (db_bench prints one; the process under test can print more)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-dbbench",
		.operands = "[FILE...]",
		.summary = "Reads db_bench output (stdout and stderr mixed) and writes one JSON object per\n"
		"input on one line: benchmarks, latency histograms, DB stats, compaction levels,\n"
		"stall counts and --statistics.  No FILE: standard input.  Exit 1 when an input\n"
		"holds no benchmark result (an error record is written for it).",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	return for_each_input(argc, argv, first, "parse-dbbench", parse_file, (void *)want);
}


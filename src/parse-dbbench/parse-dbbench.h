/* parse-dbbench.h — what parse-dbbench keeps of a db_bench log, shared by its parts:
 * sections.c reads the lines of each section, json.c writes the result, text.c
 * holds the scanning helpers. */
#ifndef AIOPT_PARSE_DBBENCH_H
#define AIOPT_PARSE_DBBENCH_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "../lib/strmap.h"

struct histogram {
	char op[32];   /* "write", "read", ... from "Microseconds per write:" */
	double count, avg_us, stddev_us, min_us, median_us, max_us;
	double p50_us, p75_us, p99_us, p99_9_us, p99_99_us;
};

struct repeats {   /* the [AVG N runs] / [MEDIAN N runs] / [CI95 N runs] lines */
	double runs, avg_ops_per_sec, ci95_ops_per_sec, median_ops_per_sec;
	double ci95_low_ops_per_sec, ci95_high_ops_per_sec;
	double avg_mb_per_sec, median_mb_per_sec;
};

struct benchmark {
	char *name;
	size_t line;
	double micros_per_op, ops_per_sec, seconds, operations, mb_per_sec;
	char *message;   /* what follows ';' besides MB/s, e.g. "(981548 of 1000000 found)" */
	struct histogram *hists;
	size_t nhists;
	struct repeats *repeats;
};

struct statistic {   /* a --statistics ticker (is_histogram 0) or histogram */
	int is_histogram;
	double count, sum, p50, p95, p99, p100;
};

struct level_row {
	int level;
	double files, files_compacting, size_mb, w_amp;
};

enum section { SEC_NONE, SEC_LEVELS, SEC_OTHER_TABLE };

struct parse {
	const char *source;
	char *version;
	struct benchmark *benches;
	size_t nbenches;
	int bench_block;              /* lines after a summary may be its histograms */
	struct histogram *hist;       /* histogram being filled, or NULL */

	double db[9];                 /* db_stats, NAN when unseen; see db_keys */

	char *compaction_cf;          /* column family whose levels are reported */
	enum section section;
	int wamp_column;              /* index of W-Amp in the level table's header */
	struct level_row *levels;
	size_t nlevels, levels_cap;
	int levels_complete;          /* the Sum row was read: absent levels hold no files */
	int have_compaction;

	struct strmap stall_names;
	double *stall_counts;
	size_t stall_cap;
	int have_stalls;

	struct strmap stat_names;
	struct statistic *stats;
	size_t stats_cap;

	cJSON *warnings;
};


extern const char *const db_keys[];
enum { DB_WRITES, DB_KEYS, DB_GROUPS, DB_PER_GROUP, DB_WAL_WRITES, DB_WAL_SYNCS,
       DB_PER_SYNC, DB_STALL_S, DB_STALL_PCT, DB_N };


/* text.c */
void warn(struct parse *p, size_t line, const char *fmt, const char *arg);
const char *skip_space(const char *s);
int starts_with(const char *s, const char *prefix);
double number(const char **s);
double human_count(const char **s);
int word(const char **s, const char *w);
char *clean_text(const char *s, size_t n);
int is_name_char(char c);

/* sections.c: each *_line returns 1 when the line was its section's */
struct benchmark *last_named(struct parse *p, const char *name);   /* the last benchmark called name */
int summary_line(struct parse *p, const char *line, size_t lineno);
int histogram_line(struct parse *p, const char *line);
int db_stats_line(struct parse *p, const char *line);
int compaction_line(struct parse *p, const char *line);
int stall_line(struct parse *p, const char *line);
int statistics_line(struct parse *p, const char *line);

/* json.c: the result object; *failed when the log held no usable result */
cJSON *result_json(struct parse *p, const char *want, int *failed);

#endif

/* parse-coz.h — a causal profile as parse-coz keeps it: the cells of Coz's viewer
 * (read.c fills them from the input), shared with the analysis in parse-coz.c. */
#ifndef AIOPT_PARSE_COZ_H
#define AIOPT_PARSE_COZ_H
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "../lib/strmap.h"

enum point_type { THROUGHPUT, LATENCY };

/* One (selected, point, speedup) key: what the viewer keeps in _data. */
struct cell {
	size_t selected, point;   /* indexes in the selected and point maps */
	double speedup;
	enum point_type type;
	double delta, duration, arrivals, departures, difference;
	long experiments;
};

/* One progress-point line's contribution to its cell: what the bootstrap
 * resamples (by experiment) to rebuild the cells. */
struct contrib {
	size_t cell;
	long experiment;
	double delta, duration, arrivals, departures, difference;
};

struct point_info {
	enum point_type type;
	double total_delta, total_arrivals;
	long records;
};

struct profile {
	const char *source;
	int format_known, is_json;
	long experiments, runs;
	double runtime_ns, run_runtime_ns;   /* sum over finished runs; largest in this run */
	int have_runtime;
	/* the experiment the next point lines belong to */
	int in_experiment;
	size_t cur_selected;
	double cur_speedup, cur_duration;

	struct strmap selected, points, cells;
	struct cell *cell;
	size_t cell_cap;
	struct point_info *point;
	size_t point_cap;
	struct contrib *contrib;
	size_t ncontrib, contrib_cap;
	cJSON *warnings;
	long bad_lines;
};

/* Reads a whole profile from in; -1 when it is in no format parse-coz knows. */
int read_profile(struct profile *p, FILE *in);

#endif

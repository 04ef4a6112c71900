/* score.h — what score's parts share: the pairs read from a record, and the checks
 * made on them before any term (pairs.c). */
#ifndef AIOPT_SCORE_H
#define AIOPT_SCORE_H
#include <stddef.h>

#include <cjson/cJSON.h>

struct outcome {
	char *error;        /* input that cannot be scored: names the field */
	char *reason;       /* a valid input, but not a valid candidate */
};

struct pair_values {
	double ops_b, ops_c, p99_b, p99_c, stall_b, stall_c, l0_b, l0_c, cpu_b, cpu_c;
	double fixed_p99_b, fixed_p99_c, read_b, read_c;
	double fixed_l0_b, fixed_l0_c;
	const cJSON *options_b, *options_c;
	/* The durability figures (durability.c): the operations the run acknowledged,
	 * the kernel's count of its durable syncs, write calls and bytes, the keys pristine's
	 * db_bench read back; kernel_*: the run has a kernel account. */
	double writes_b, writes_c, syncs_b, syncs_c, wcalls_b, wcalls_c, wbytes_b, wbytes_c, found_b, found_c;
	int kernel_b, kernel_c;
	/* The device's share (the kernel's trace of the syncs): writes per durable sync,
	 * and throughput times the mean sync latency (device-normalised); NAN unknown. */
	double wps_b, wps_c, dnorm_b, dnorm_c;
};

/* The median of n values (n > 0); an even count averages the middle two. */
double median(const double *v, size_t n);
/* The median of the values that are known (not NAN); NAN when none is. */
double median_known(const double *v, size_t n);
/* Keeps the first message in *slot; frees the later ones. */
void set_once(char **slot, char *msg);
/* The first stage that failed, from the record's error or the stage flags. */
char *invalid_reason(const cJSON *rec, struct outcome *o);
/* The pairs of bench.pairs in *out, their count; on bad input o->error names the
 * field, on a failed run o->reason says which. */
size_t read_pairs(const cJSON *rec, struct pair_values **out, struct outcome *o);
/* The write-stall contract rule a candidate broke (fresh), or NULL; *report gets the
 * figures; *by_pristine when pristine itself broke it. */
char *contract_violation(const struct pair_values *pv, size_t n, cJSON **report, int *by_pristine);

/* The durability rule a run broke (fresh), or NULL; *report gets the figures (NULL
 * with *error set when the record cannot be checked); *by_pristine when pristine's
 * own run broke it. */
char *durability_violation(const cJSON *rec, const struct pair_values *pv, size_t n, cJSON **report,
			   int *by_pristine, char **error);

#endif

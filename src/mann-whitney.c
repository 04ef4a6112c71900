/* mann-whitney — the Mann–Whitney U test (Wilcoxon rank-sum) of two samples.
 *
 * Reads {"a": [x...], "b": [y...]} per line and writes {"n_a", "n_b", "u_a",
 * "p_two_sided", "method", "min_possible_p"}.  With no ties and n_a + n_b <= 40
 * the p-value is exact (the distribution of U by counting); otherwise the
 * normal approximation with tie correction and continuity correction.
 * min_possible_p is the smallest two-sided p these sample sizes can give: when
 * it is above 0.05, no result can be significant — say so, don't test.
 *
 * "power": what a comparison of this spread would need.  From the two samples'
 * pooled standard deviation, the values per sample a two-sample t test needs
 * to find a difference of means of 0.01, 0.02, 0.05 and 0.1 (and of the one
 * observed) at 5 % two-sided with 80 % power, divided by 0.955, the
 * Mann–Whitney test's efficiency against t (3/π): the seeds per track an
 * experiment needs, from the spread of the seeds it ran.  null with fewer than
 * two values in a sample (no spread); a figure above 10,000 is null too. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/stats.h"
#include "lib/util.h"

struct obs {
	double v;
	int group;   /* 0: a, 1: b */
};

static int by_value(const void *x, const void *y)
{
	double a = ((const struct obs *)x)->v, b = ((const struct obs *)y)->v;
	return a < b ? -1 : a > b;
}

/* Number of arrangements of n_a a's among n_a + n_b with rank sum of a giving U = u,
 * for every u: the exact null distribution (no ties), by the usual recurrence. */
static double *u_distribution(int na, int nb)
{
	/* f[i][j][u]: ways for i a's and j b's to give U = u; computed over j. */
	int umax = na * nb;
	double *prev = xmalloc((size_t)(na + 1) * (size_t)(umax + 1) * sizeof *prev);
	double *cur = xmalloc((size_t)(na + 1) * (size_t)(umax + 1) * sizeof *cur);
#define AT(t, i, u) (t)[(size_t)(i) * (size_t)(umax + 1) + (size_t)(u)]
	memset(prev, 0, (size_t)(na + 1) * (size_t)(umax + 1) * sizeof *prev);
	for (int i = 0; i <= na; i++)
		AT(prev, i, 0) = 1;   /* j = 0: U = 0, one way */
	for (int j = 1; j <= nb; j++) {
		memset(cur, 0, (size_t)(na + 1) * (size_t)(umax + 1) * sizeof *cur);
		AT(cur, 0, 0) = 1;
		for (int i = 1; i <= na; i++)
			for (int u = 0; u <= i * j; u++) {
				/* the largest value is an a (beats all j b's) or a b */
				double w = (u >= j ? AT(cur, i - 1, u - j) : 0) + AT(prev, i, u);
				AT(cur, i, u) = w;
			}
		double *t = prev;
		prev = cur;
		cur = t;
	}
	double *dist = xmalloc((size_t)(umax + 1) * sizeof *dist);
	for (int u = 0; u <= umax; u++)
		dist[u] = AT(prev, na, u);
#undef AT
	free(prev);
	free(cur);
	return dist;
}

static double exact_two_sided(const double *dist, int na, int nb, double u)
{
	int umax = na * nb;
	double total = 0, lower = 0, upper = 0;
	for (int k = 0; k <= umax; k++) {
		total += dist[k];
		if (k <= u + 1e-9)
			lower += dist[k];
		if (k >= u - 1e-9)
			upper += dist[k];
	}
	double p = 2 * fmin(lower, upper) / total;
	return p > 1 ? 1 : p;
}

static double normal_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2));
}

static double mean_of(const double *x, int n, double *ss)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m += x[i] / n;
	*ss = 0;
	for (int i = 0; i < n; i++)
		*ss += (x[i] - m) * (x[i] - m);
	return m;
}

static cJSON *power(const double *a, int na, const double *b, int nb)
{
	if (na < 2 || nb < 2)
		return cJSON_CreateNull();
	double ss_a, ss_b, ma = mean_of(a, na, &ss_a), mb = mean_of(b, nb, &ss_b);
	double sd = sqrt((ss_a + ss_b) / (na + nb - 2)), observed = fabs(ma - mb);
	const double efficiency = 3 / M_PI;   /* Mann–Whitney against t, normal data */
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "sd_pooled", sd);
	cJSON_AddNumberToObject(p, "observed_difference", observed);
	cJSON *seeds = cJSON_AddArrayToObject(p, "seeds_per_sample");
	const double diffs[] = { 0.01, 0.02, 0.05, 0.1, observed };
	for (size_t i = 0; i < sizeof diffs / sizeof *diffs; i++) {
		long n = samples_to_detect(sd, diffs[i], 10000);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "difference", diffs[i]);
		json_add_number_or_null(o, "seeds", n > 0 && ceil(n / efficiency) <= 10000 ? ceil(n / efficiency) : NAN);
		if (i == sizeof diffs / sizeof *diffs - 1)
			cJSON_AddBoolToObject(o, "observed", 1);
		cJSON_AddItemToArray(seeds, o);
	}
	cJSON_AddStringToObject(p, "rule", "two-sample t on the seeds' values, 5 % two-sided, 80 % power, / 0.955 (Mann-Whitney's efficiency)");
	return p;
}

static cJSON *test(const double *a, int na, const double *b, int nb, char **err)
{
	if (na < 1 || nb < 1) {
		*err = xasprintf("both samples need at least one value (got %d and %d)", na, nb);
		return NULL;
	}
	int n = na + nb;
	struct obs *o = xmalloc((size_t)n * sizeof *o);
	for (int i = 0; i < na; i++)
		o[i] = (struct obs){ a[i], 0 };
	for (int i = 0; i < nb; i++)
		o[na + i] = (struct obs){ b[i], 1 };
	qsort(o, (size_t)n, sizeof *o, by_value);
	/* Mid-ranks for ties; the tie term for the variance. */
	double rank_sum_a = 0, tie_term = 0;
	int ties = 0;
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && o[j].v == o[i].v)
			j++;
		double mid = (i + 1 + j) / 2.0;
		for (int k = i; k < j; k++)
			if (o[k].group == 0)
				rank_sum_a += mid;
		double t = j - i;
		if (t > 1) {
			ties = 1;
			tie_term += t * t * t - t;
		}
		i = j;
	}
	free(o);
	double u_a = rank_sum_a - (double)na * (na + 1) / 2.0;
	double p, min_p;
	const char *method;
	double *dist = n <= 40 ? u_distribution(na, nb) : NULL;
	if (dist) {
		min_p = exact_two_sided(dist, na, nb, 0);
	} else {
		/* in double: na * nb * (n + 1) overflows an int from about 1,100 values */
		double mu = (double)na * nb / 2.0, sigma = sqrt((double)na * nb * (n + 1) / 12.0);
		min_p = 2 * normal_sf((mu - 0.5) / sigma);
	}
	if (dist && !ties) {
		p = exact_two_sided(dist, na, nb, u_a);
		method = "exact";
	} else {
		double mu = (double)na * nb / 2.0;
		double var = (double)na * nb / 12.0 * ((n + 1) - tie_term / ((double)n * (n - 1)));
		double z = var > 0 ? (fabs(u_a - mu) - 0.5) / sqrt(var) : 0;
		p = var > 0 ? 2 * normal_sf(z > 0 ? z : 0) : 1;
		if (p > 1)
			p = 1;
		method = ties ? "normal approximation (ties)" : "normal approximation";
	}
	free(dist);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "power", power(a, na, b, nb));
	cJSON_AddNumberToObject(r, "n_a", na);
	cJSON_AddNumberToObject(r, "n_b", nb);
	cJSON_AddNumberToObject(r, "u_a", u_a);
	cJSON_AddNumberToObject(r, "p_two_sided", p);
	cJSON_AddStringToObject(r, "method", method);
	cJSON_AddNumberToObject(r, "min_possible_p", min_p);
	return r;
}

static int read_sample(const cJSON *rec, const char *key, double **out, char **err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, key);
	if (!cJSON_IsArray(arr)) {
		*err = xasprintf("\"%s\" is not an array of numbers", key);
		return -1;
	}
	int n = cJSON_GetArraySize(arr), i = 0;
	*out = xmalloc((size_t)(n ? n : 1) * sizeof **out);
	const cJSON *v;
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsNumber(v)) {
			*err = xasprintf("\"%s\"[%d] is not a number", key, i);
			return -1;
		}
		(*out)[i++] = v->valuedouble;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct opt_spec specs[] = { { OPT_END } };
	const struct opt_tool tool = {
		.name = "mann-whitney",
		.operands = "< {\"a\":[...],\"b\":[...]} lines",
		.summary = "Mann-Whitney U test of two samples per input line: U of a, the two-sided p-value\n"
		"(exact without ties up to 40 values, else normal approximation), and the\n"
		"smallest p-value the sample sizes allow; \"power\": from the samples' pooled spread,\n"
		"the values per sample that would find a difference of 0.01, 0.02, 0.05, 0.1 and the\n"
		"observed one (5 % two-sided, 80 % power).",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (samples come on stdin)", argv[first]);
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	int status = 0;
	long records = 0;
	while ((rec = jsonl_next(lr)) != NULL) {
		records++;
		double *a = NULL, *b = NULL;
		char *err = NULL;
		int na = read_sample(rec, "a", &a, &err);
		int nb = na < 0 ? -1 : read_sample(rec, "b", &b, &err);
		cJSON *out = nb < 0 ? NULL : test(a, na, b, nb, &err);
		if (!out) {
			warnx_("stdin:%zu: %s", lr->lineno, err);
			out = error_record("mann-whitney", "stdin:%zu: %s", lr->lineno, err);
			status = EXIT_INPUT;
			free(err);
		}
		jsonl_write(stdout, out);
		cJSON_Delete(out);
		cJSON_Delete(rec);
		free(a);
		free(b);
	}
	jsonl_expect_records(lr, records);
	lr_free(lr);
	free(lr);
	return status;
}

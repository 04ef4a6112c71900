#include "stats.h"

#include <math.h>

/* Beyond df 30: the normal quantile with a first-order correction. */
static double t_quantile(const double table[30], double z, double correction, long df)
{
	if (df >= 1 && df <= 30)
		return table[df - 1];
	return z + correction / (double)df;
}

double t975(long df)
{
	static const double table[30] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
		2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074,
		2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
	return t_quantile(table, 1.959964, 2.37, df);
}

double t80(long df)
{
	static const double table[30] = { 1.376, 1.061, 0.978, 0.941, 0.920, 0.906, 0.896, 0.889, 0.883,
		0.879, 0.876, 0.873, 0.870, 0.868, 0.866, 0.865, 0.863, 0.862, 0.861, 0.860, 0.859, 0.858,
		0.858, 0.857, 0.856, 0.856, 0.855, 0.855, 0.854, 0.854 };
	return t_quantile(table, 0.841621, 0.37, df);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

long samples_to_detect(double sd, double d, long max)
{
	if (!(sd > 0) || !(d > 0) || !isfinite(sd) || !isfinite(d))
		return 0;
	for (long n = 2; n <= max; n++)
		if ((t975(2 * n - 2) + t80(2 * n - 2)) * sd * sqrt(2.0 / (double)n) <= d)
			return n;
	return 0;
}

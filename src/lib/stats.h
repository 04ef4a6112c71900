/* stats.h — the statistics two or more filters share. */
#ifndef AIOPT_STATS_H
#define AIOPT_STATS_H

/* Student's t quantile 0.975 for df >= 1: the table to 30, then the normal
 * approximation with a first-order correction (error < 0.002 at df 31). */
double t975(long df);
/* Student's t quantile 0.80 (one-sided 80 % power), the same way. */
double t80(long df);
/* qsort comparison of doubles, ascending. */
int cmp_double(const void *a, const void *b);

#endif

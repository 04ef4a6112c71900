/* stats.h — the statistics two or more filters share. */
#ifndef AIOPT_STATS_H
#define AIOPT_STATS_H

/* Student's t quantile 0.975 for df >= 1: the table to 30, then the normal
 * approximation with a first-order correction (error < 0.002 at df 31). */
double t975(long df);
/* Student's t quantile 0.80 (one-sided 80 % power), the same way. */
double t80(long df);
/* The samples per group a two-sample t test needs to find a difference d between
 * two groups' means, at the 5 % level two-sided with 80 % power, given their
 * common standard deviation sd: the smallest n >= 2 with
 * (t975(2n-2) + t80(2n-2)) * sd * sqrt(2/n) <= d; 0 when no n up to max does, or
 * sd or d is not a positive number. */
long samples_to_detect(double sd, double d, long max);
/* qsort comparison of doubles, ascending. */
int cmp_double(const void *a, const void *b);

#endif

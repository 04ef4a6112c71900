/* number.h — a number from text, checked once: the whole string, finite, within
 * [min, max].  As OpenBSD's strtonum, for doubles too: on failure the message names
 * the value and the range, ready for "--flag: ..." or "NAME=...: ...". */
#ifndef AIOPT_NUMBER_H
#define AIOPT_NUMBER_H

/* 0 with *out set, or -1 with *why (fresh memory) saying what is wrong. */
int number_long(const char *s, long min, long max, long *out, char **why);
int number_double(const char *s, double min, double max, double *out, char **why);

#endif

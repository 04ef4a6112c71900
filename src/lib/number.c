#include "lib/number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "lib/util.h"

int number_long(const char *s, long min, long max, long *out, char **why)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end) {
		*why = xasprintf("\"%s\" is not a whole number", s);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		*why = xasprintf("%s is out of range (%ld to %ld)", s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int number_double(const char *s, double min, double max, double *out, char **why)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || isnan(v)) {
		*why = xasprintf("\"%s\" is not a number", s);
		return -1;
	}
	if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
		*why = xasprintf("%s is out of range (%g to %g)", s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

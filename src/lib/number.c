#include "lib/number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "lib/util.h"

/* Decimal as written: an optional sign, digits (with a point and an exponent where
 * fractions are allowed), nothing else.  strtol and strtod would also take leading
 * space, and strtod hex (0x10), inf and nan. */
static int decimal_text(const char *s, int fraction)
{
	const char *p = s + (*s == '-' || *s == '+');
	int digits = 0;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (fraction && *p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (fraction && digits && (*p == 'e' || *p == 'E')) {
		p += 1 + (p[1] == '-' || p[1] == '+');
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return digits > 0 && *p == '\0';
}

int number_long(const char *s, long min, long max, long *out, char **why)
{
	if (!decimal_text(s, 0)) {
		*why = xasprintf("\"%s\" is not a whole number", s);
		return -1;
	}
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
	if (!decimal_text(s, 1)) {
		*why = xasprintf("\"%s\" is not a number", s);
		return -1;
	}
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

/* text.c — scanning helpers for db_bench lines. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../lib/jsonl.h"
#include "../lib/strmap.h"
#include "../lib/util.h"
#include "parse-dbbench.h"

/* A warning, at LINE of the log when it is not 0. */
void warn(struct parse *p, size_t line, const char *fmt, const char *arg)
{
	char *msg = xasprintf(fmt, arg);
	if (line)
		warning_add(p->warnings, "line %zu: %s", line, msg);
	else
		warning_add(p->warnings, "%s", msg);
	free(msg);
}

const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A number at *s (after spaces); advances *s past it.  NAN if there is none. */
double number(const char **s)
{
	const char *p = skip_space(*s);
	char *end;
	if (!(isdigit((unsigned char)*p) || ((*p == '-' || *p == '.') && isdigit((unsigned char)p[1]))))
		return NAN;
	errno = 0;
	double v = strtod(p, &end);
	if (end == p || errno == ERANGE || !isfinite(v))
		return NAN;
	*s = end;
	return v;
}

/* "1000K" as RocksDB's NumberToHumanString prints counts: K, M, G are 10^3, 10^6, 10^9. */
double human_count(const char **s)
{
	double v = number(s);
	if (isnan(v))
		return v;
	switch (**s) {
	case 'K': (*s)++; return v * 1e3;
	case 'M': (*s)++; return v * 1e6;
	case 'G': (*s)++; return v * 1e9;
	}
	return v;
}

/* Does s begin with word (after spaces)?  Advances past it. */
int word(const char **s, const char *w)
{
	const char *p = skip_space(*s);
	size_t n = strlen(w);
	if (strncmp(p, w, n) != 0)
		return 0;
	*s = p + n;
	return 1;
}

/* Printable ASCII only: a log's junk bytes must not make the output invalid UTF-8. */
char *clean_text(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f)
			out[j++] = s[i];
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
	return out;
}

int is_name_char(char c)
{
	return isalnum((unsigned char)c) || strchr("_-.[]/", c);
}


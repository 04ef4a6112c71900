#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "util.h"

/* The first key that appears twice in one object, at any depth, or NULL: cJSON
 * reads the first of two, jq the last, so such a record means two things. */
static const char *duplicate_key(const cJSON *o)
{
	for (const cJSON *a = o ? o->child : NULL; a; a = a->next) {
		if (cJSON_IsObject(o))
			for (const cJSON *b = a->next; b; b = b->next)
				if (a->string && b->string && strcmp(a->string, b->string) == 0)
					return a->string;
		const char *d = duplicate_key(a);
		if (d)
			return d;
	}
	return NULL;
}

void jsonl_expect_records(const struct line_reader *lr, long records)
{
	if (records == 0)
		die(EXIT_INPUT, "%s: no records (empty input; expected JSON objects, one per line)", lr->name);
}

cJSON *jsonl_next(struct line_reader *lr)
{
	for (;;) {
		long n = lr_next(lr);
		if (n < 0) {
			if (lr->read_error)
				die(EXIT_INPUT, "%s: read error: %s", lr->name, strerror(lr->read_error));
			return NULL;
		}
		const char *p = lr->line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			continue;
		if ((size_t)n != strlen(lr->line))
			die(EXIT_INPUT, "%s:%zu: NUL byte in a JSON line", lr->name, lr->lineno);
		const char *end = NULL;
		cJSON *obj = cJSON_ParseWithOpts(p, &end, 0);
		if (!obj) {
			size_t col = end ? (size_t)(end - lr->line) + 1 : 1;
			die(EXIT_INPUT, "%s:%zu:%zu: not JSON (near \"%.20s\")", lr->name, lr->lineno, col,
			    end ? end : p);
		}
		if (!cJSON_IsObject(obj))
			die(EXIT_INPUT, "%s:%zu: a JSON value that is not an object", lr->name, lr->lineno);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end)
			die(EXIT_INPUT, "%s:%zu:%zu: text after the JSON object (one object per line)",
			    lr->name, lr->lineno, (size_t)(end - lr->line) + 1);
		const char *dup = duplicate_key(obj);
		if (dup)
			die(EXIT_INPUT, "%s:%zu: key \"%.40s\" appears twice in one object (ambiguous: tools "
			    "would read different values)", lr->name, lr->lineno, dup);
		return obj;
	}
}

void jsonl_write(FILE *out, const cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);
	if (!s)
		die(EXIT_FAILURE, "out of memory printing JSON");
	if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) == EOF)
		die(EXIT_FAILURE, "write error: %s", strerror(errno));
	cJSON_free(s);
}

static cJSON *verror_object(const char *stage, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	cJSON *err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "stage", stage);
	cJSON_AddStringToObject(err, "message", msg);
	free(msg);
	return err;
}

cJSON *error_record(const char *stage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddItemToObject(rec, "error", verror_object(stage, fmt, ap));
	va_end(ap);
	return rec;
}

void record_set_error(cJSON *rec, const char *stage, const char *fmt, ...)
{
	if (record_has_error(rec))
		return;
	va_list ap;
	va_start(ap, fmt);
	cJSON_AddItemToObject(rec, "error", verror_object(stage, fmt, ap));
	va_end(ap);
}

int record_has_error(const cJSON *rec)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
	return e && !cJSON_IsNull(e);
}

cJSON *json_number_or_null(double value)
{
	return isnan(value) ? cJSON_CreateNull() : cJSON_CreateNumber(value);
}

void json_add_number_or_null(cJSON *obj, const char *key, double value)
{
	cJSON_AddItemToObject(obj, key, json_number_or_null(value));
}

const cJSON *json_path(const cJSON *o, const char *dotted)
{
	char *copy = xstrdup(dotted), *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, k);
	free(copy);
	return o;
}

double json_path_number(const cJSON *o, const char *dotted)
{
	const cJSON *v = json_path(o, dotted);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *json_path_string(const cJSON *o, const char *dotted)
{
	const cJSON *v = json_path(o, dotted);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "number.h"
#include "util.h"

static int by_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* The first key that appears twice in one object, at any depth, or NULL: cJSON
 * reads the first of two, jq the last, so such a record means two things.  Each
 * object's keys sorted, neighbours compared: n log n, where comparing every pair
 * took seconds for a record of 80,000 keys. */
static const char *duplicate_key(const cJSON *o)
{
	if (cJSON_IsObject(o) && o->child && o->child->next) {
		size_t n = 0;
		for (const cJSON *c = o->child; c; c = c->next)
			n++;
		const cJSON **keys = xmalloc(n * sizeof *keys);
		n = 0;
		for (const cJSON *c = o->child; c; c = c->next)
			if (c->string)
				keys[n++] = c;
		qsort(keys, n, sizeof *keys, by_key);
		const char *dup = NULL;
		for (size_t i = 1; i < n && !dup; i++)
			if (strcmp(keys[i - 1]->string, keys[i]->string) == 0)
				dup = keys[i]->string;
		free(keys);
		if (dup)
			return dup;
	}
	for (const cJSON *a = o ? o->child : NULL; a; a = a->next) {
		const char *d = duplicate_key(a);
		if (d)
			return d;
	}
	return NULL;
}

/* Deeper than any record aiopt writes (8 levels), and well within what jq 1.6
 * parses (256): a record C accepts is one jq reads. */
#define MAX_DEPTH 128

/* What in the line's text jq and cJSON would read differently, or NULL; *col its
 * 1-based column.  One pass over the text: a \u0000 escape (cJSON ends the string
 * there, jq keeps it), nesting beyond MAX_DEPTH, and a number no double holds (it
 * underflows to 0 or overflows to inf in one reader and is refused by the other). */
/* The length of the UTF-8 character at s (1 to 4 bytes), or 0 where the bytes are
 * not one: a stray continuation byte, an overlong form, a surrogate, past U+10FFFF,
 * or cut short. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

static const char *text_problem(const char *line, const char *p, size_t *col)
{
	int depth = 0, in_string = 0;
	for (const char *s = p; *s; s++) {
		*col = (size_t)(s - line) + 1;
		unsigned char c = (unsigned char)*s;
		if (in_string && c < 0x20)
			return "a raw control byte in a string (JSON writes it escaped)";
		if (in_string && c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)s);
			if (!n)
				return "bytes that are not UTF-8 in a string (jq would read them otherwise)";
			s += n - 1;
			continue;
		}
		if (!in_string && c < 0x20 && c != '\t' && c != '\r')
			return "a control byte between JSON's tokens (cJSON reads it as space, jq refuses it)";
		if (in_string) {
			if (*s == '\\') {
				if (s[1] == 'u' && strncmp(s + 2, "0000", 4) == 0)
					return "a \\u0000 escape (a NUL inside a string: readers would cut the string there)";
				if (s[1])
					s++;
			} else if (*s == '"') {
				in_string = 0;
			}
			continue;
		}
		if (*s == '"') {
			in_string = 1;
		} else if (*s == '{' || *s == '[') {
			if (++depth > MAX_DEPTH)
				return "nested deeper than 128 levels (jq reads at most 256)";
		} else if (*s == '}' || *s == ']') {
			depth--;
		} else if (*s == '-' || (*s >= '0' && *s <= '9')) {
			char *end;
			errno = 0;
			double v = strtod(s, &end);
			if (errno == ERANGE || !isfinite(v))
				return "a number too small for a double (it would read as 0 here, and otherwise elsewhere)";
			s = end - 1;
		}
	}
	return NULL;
}

/* Refuses a record that parsed (exit 1, an error record on stdout), keeping its id
 * and iteration in the error record: the runner archives it as that candidate's. */
static void refuse_record(cJSON *obj, const char *msg)
{
	char line[512];   /* copied out, so that nothing is left allocated at exit */
	snprintf(line, sizeof line, "%s", msg);
	warnx_("%s", line);
	cJSON *rec = error_record(progname, "%s", line);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "iteration");
	if (cJSON_IsString(id))
		cJSON_AddStringToObject(rec, "id", id->valuestring);
	if (cJSON_IsNumber(it) && isfinite(it->valuedouble) && fabs(it->valuedouble) < 9007199254740992.0)
		cJSON_AddNumberToObject(rec, "iteration", it->valuedouble);
	cJSON_Delete(obj);
	jsonl_write(stdout, rec);
	cJSON_Delete(rec);
	exit(EXIT_INPUT);
}

/* A number no double holds exactly, at any depth, or NULL: cJSON would turn 1e999
 * into null and 9007199254740993 into 9007199254740992 on the next write, so a
 * record would change silently on every pass through a filter. */
static const cJSON *inexact_number(const cJSON *o)
{
	if (cJSON_IsNumber(o) && (!isfinite(o->valuedouble) || fabs(o->valuedouble) >= 9007199254740992.0))
		return o;
	for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
		const cJSON *bad = inexact_number(c);
		if (bad)
			return bad;
	}
	return NULL;
}

void input_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	warnx_("%s", msg);
	cJSON *rec = error_record(progname, "%s", msg);
	free(msg);
	jsonl_write(stdout, rec);
	cJSON_Delete(rec);
	exit(EXIT_INPUT);
}

void jsonl_expect_records(const struct line_reader *lr, long records)
{
	if (records == 0)
		input_error("%s: no records (empty input; expected JSON objects, one per line)", lr->name);
}

/* Records are bounded: AIOPT_MAX_RECORD_BYTES, a setting of every tool (opts.c's
 * library table reads and checks it with the tool's own options). */
long record_bytes_limit = 64L << 20;

static size_t max_record_bytes(void)
{
	return (size_t)record_bytes_limit;
}

int record_parse(const char *line, size_t len, const char *name, size_t lineno, cJSON **obj, char **why)
{
	*obj = NULL;
	*why = NULL;
	if (len != strlen(line)) {
		*why = xasprintf("%s:%zu:%zu: NUL byte in a JSON line", name, lineno, strlen(line) + 1);
		return RECORD_NOT_JSON;
	}
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return RECORD_BLANK;
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithOpts(p, &end, 0);
	if (!o) {
		*why = xasprintf("%s:%zu:%zu: not JSON (near \"%.20s\")", name, lineno,
				 end ? (size_t)(end - line) + 1 : 1, end ? end : p);
		return RECORD_NOT_JSON;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		*why = xasprintf("%s:%zu: a JSON value that is not an object", name, lineno);
		return RECORD_NOT_JSON;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	size_t col = 0;
	const cJSON *bad = NULL;
	const char *text = NULL, *dup = NULL;
	if (*end)
		*why = xasprintf("%s:%zu:%zu: text after the JSON object (one object per line)", name, lineno,
				 (size_t)(end - line) + 1);
	else if ((bad = inexact_number(o)) != NULL)
		*why = xasprintf("%s:%zu: a number%s%.40s%s is out of range (aiopt keeps numbers exactly only below "
				 "2^53 in magnitude)", name, lineno, bad->string ? " at key \"" : "",
				 bad->string ? bad->string : "", bad->string ? "\"" : "");
	else if ((text = text_problem(line, p, &col)) != NULL)
		*why = xasprintf("%s:%zu:%zu: %s", name, lineno, col, text);
	else if ((dup = duplicate_key(o)) != NULL)
		*why = xasprintf("%s:%zu: key \"%.40s\" appears twice in one object (ambiguous: tools would read "
				 "different values)", name, lineno, dup);
	*obj = o;
	return *why ? RECORD_REFUSED : RECORD_OK;
}

cJSON *jsonl_next(struct line_reader *lr)
{
	if (!lr->max_line)
		lr->max_line = max_record_bytes();
	for (;;) {
		long n = lr_next(lr);
		if (n < 0) {
			if (lr->read_error)
				input_error("%s: read error: %s", lr->name, strerror(lr->read_error));
			return NULL;
		}
		if (lr->truncated)
			input_error("%s:%zu: a record longer than %zu bytes (AIOPT_MAX_RECORD_BYTES)", lr->name,
			    lr->lineno, max_record_bytes());
		cJSON *obj = NULL;
		char *why = NULL;
		int rc = record_parse(lr->line, (size_t)n, lr->name, lr->lineno, &obj, &why);
		if (rc == RECORD_BLANK)
			continue;
		if (rc != RECORD_OK) {
			char line[512];   /* copied out, so that nothing is left allocated at exit */
			snprintf(line, sizeof line, "%s", why);
			free(why);
			if (rc == RECORD_REFUSED)
				refuse_record(obj, line);
			input_error("%s", line);
		}
		return obj;
	}
}

/* cJSON prints a number with 15 digits whenever that reads back within an epsilon,
 * so 0.30000000000000004 or 123456789.12345679 would change on every pass through
 * a filter.  A number that 15 digits do not give back exactly is printed with 17
 * (as raw JSON text), which always does. */
static void exact_numbers(cJSON *parent)
{
	for (cJSON *c = parent->child, *next; c; c = next) {
		next = c->next;
		/* A number no reader takes (jsonl_next refuses it: 2^64 - 1 from a uint64
		 * ticker, inf) is not written: it is unknown, null, said on stderr. */
		if (cJSON_IsNumber(c) && (!isfinite(c->valuedouble) || fabs(c->valuedouble) >= 9007199254740992.0)) {
			warnx_("%s%s%s%.17g is beyond what a record holds exactly (below 2^53 in magnitude): written as null",
			       c->string ? "key \"" : "", c->string ? c->string : "", c->string ? "\": " : "", c->valuedouble);
			cJSON *null = cJSON_CreateNull();
			null->string = c->string;
			null->type |= c->type & cJSON_StringIsConst;
			c->string = NULL;
			cJSON_ReplaceItemViaPointer(parent, c, null);
		} else if (cJSON_IsNumber(c) && isfinite(c->valuedouble)) {
			char text[32];
			snprintf(text, sizeof text, "%1.15g", c->valuedouble);
			if (strtod(text, NULL) != c->valuedouble) {
				snprintf(text, sizeof text, "%1.17g", c->valuedouble);
				/* in place, keeping the key: a search by key would make this quadratic */
				cJSON *raw = cJSON_CreateRaw(text);
				raw->string = c->string;
				raw->type |= c->type & cJSON_StringIsConst;
				c->string = NULL;
				cJSON_ReplaceItemViaPointer(parent, c, raw);
			}
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			exact_numbers(c);
		}
	}
}

/* text as valid UTF-8: each byte that is not part of a character becomes U+FFFD
 * (as jq reads it), in fresh memory; NULL when it already is. */
static char *valid_utf8(const char *text)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0, n;
	while (t[i] && (n = utf8_len(t + i)) > 0)
		i += n;
	if (!t[i])
		return NULL;
	struct buf b = { 0 };
	for (i = 0; t[i];) {
		n = utf8_len(t + i);
		if (n) {
			buf_add(&b, text + i, n);
			i += n;
		} else {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return buf_take(&b);
}

/* Every key and string of the record as valid UTF-8: what a parser copied from a log
 * (a compiler's latin-1 byte) must read the same in every reader. */
static void utf8_strings(cJSON *o)
{
	for (cJSON *c = o->child; c; c = c->next) {
		char *fixed;
		if (c->string && !(c->type & cJSON_StringIsConst) && (fixed = valid_utf8(c->string))) {
			free(c->string);
			c->string = fixed;
		}
		if (cJSON_IsString(c) && c->valuestring && (fixed = valid_utf8(c->valuestring))) {
			free(c->valuestring);
			c->valuestring = fixed;
		}
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			utf8_strings(c);
	}
}

void jsonl_write(FILE *out, const cJSON *obj)
{
	/* the caller's record: only how its numbers print, and bytes that are no UTF-8, change */
	exact_numbers((cJSON *)obj);
	utf8_strings((cJSON *)obj);
	char *s = cJSON_PrintUnformatted(obj);
	if (!s)
		die(EXIT_SYSTEM, "out of memory printing JSON");
	if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) == EOF)
		die(EXIT_SYSTEM, "write error: %s", strerror(errno));
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

void warning_add(cJSON *warnings, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
	free(msg);
}

void json_add_unique_string(cJSON *arr, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(s));
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

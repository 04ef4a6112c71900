/* jsonl.h — JSON lines in and out, and the error records stages pass on. */
#ifndef AIOPT_JSONL_H
#define AIOPT_JSONL_H
#include <stdio.h>

#include <cjson/cJSON.h>

#include "lines.h"

/* One line as every reader reads it (jq too): RECORD_OK with *obj, the record;
 * RECORD_BLANK for an empty line; RECORD_NOT_JSON (a NUL byte, not JSON, not an
 * object) with *why; RECORD_REFUSED, a JSON object no reader may take as it stands
 * (text after it, a number out of range, a \u0000, a control byte, bytes not UTF-8,
 * nesting past 128, a key twice) with *obj (the caller's, to keep its id) and
 * *why, "NAME:LINENO[:COL]: reason" in fresh memory. */
enum { RECORD_OK, RECORD_BLANK, RECORD_NOT_JSON, RECORD_REFUSED };
int record_parse(const char *line, size_t len, const char *name, size_t lineno, cJSON **obj, char **why);
/* The longest record (JSON line) a reader takes, bytes: AIOPT_MAX_RECORD_BYTES, set
 * by opts_parse (64 MiB when a program does not parse options). */
extern long record_bytes_limit;

/* The next JSON object from lr, skipping empty lines; NULL at end of input.
 * Input that is not a JSON object is fatal (exit 1) with a message naming
 * lr->name and the line, as jq does: a filter must not guess. */
cJSON *jsonl_next(struct line_reader *lr);
/* After the last record: exit 1 naming the input when it held none (a filter
 * that got nothing says so rather than printing nothing). */
void jsonl_expect_records(const struct line_reader *lr, long records);

/* One compact object and a newline; exits when stdout is gone. */
void jsonl_write(FILE *out, const cJSON *obj);

/* Input that is not what the tool reads: the message on stderr ("tool: message")
 * and as {"error":{"stage":tool,"message":...}} on stdout, so a pipeline's next
 * stage sees the failure as a record; exit EXIT_INPUT. */
_Noreturn void input_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* {"error":{"stage":stage,"message":...}} */
cJSON *error_record(const char *stage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets rec.error (replacing none already there: the first failure is the one to report). */
void record_set_error(cJSON *rec, const char *stage, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The record already failed at an earlier stage. */
int record_has_error(const cJSON *rec);

/* Appends a formatted message to a "warnings" array: the one way every tool warns
 * in its output (a figure it doubted, a line it skipped). */
void warning_add(cJSON *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s to an array of strings unless it is already there. */
void json_add_unique_string(cJSON *arr, const char *s);

/* A number, or null when value is NAN (unknown): never a 0 standing in for unknown. */
cJSON *json_number_or_null(double value);
void json_add_number_or_null(cJSON *obj, const char *key, double value);

/* o.a.b… by a dotted path ("score.terms.throughput"); NULL when any step is missing. */
const cJSON *json_path(const cJSON *o, const char *dotted);
/* The number at the path, or NAN; the string at the path, or NULL. */
double json_path_number(const cJSON *o, const char *dotted);
const char *json_path_string(const cJSON *o, const char *dotted);
#endif

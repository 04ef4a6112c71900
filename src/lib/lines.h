/* lines.h — a streaming line reader: memory bounded by the longest line kept,
 * never by the input.  Handles a last line without newline, CRLF, and (for
 * program output such as db_bench's "... finished N ops\r" progress) bare CR
 * as a line break. */
#ifndef AIOPT_LINES_H
#define AIOPT_LINES_H
#include <stddef.h>
#include <stdio.h>

struct line_reader {
	FILE *file;
	const char *name;     /* for messages: the file name or "stdin" */
	int split_cr;         /* treat a bare '\r' as a line break */
	size_t max_line;      /* 0: unlimited; else longer lines are cut (truncated set) */
	size_t lineno;        /* the file line (from 1, by '\n') of the line last returned */
	size_t newlines;      /* '\n's consumed so far */
	int truncated;        /* the line last returned was cut at max_line */
	int read_error;       /* errno of a failed read, 0 if none */
	char *line;           /* the line last returned, NUL-terminated, no line break */
	size_t line_len, line_cap;
	char buf[1 << 16];
	size_t buf_pos, buf_len;
	int eof;
	int skip_lf;         /* split_cr: the last line ended in '\r'; a '\n' next is part of it */
};

void lr_init(struct line_reader *lr, FILE *file, const char *name);
/* The next line in lr->line (length returned), or -1 at end of input or on a
 * read error (then lr->read_error is set).  Exits the program when memory runs out. */
long lr_next(struct line_reader *lr);
void lr_free(struct line_reader *lr);

#endif

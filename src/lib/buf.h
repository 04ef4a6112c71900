/* buf.h — a growable string, always NUL-terminated. */
#ifndef AIOPT_BUF_H
#define AIOPT_BUF_H
#include <stddef.h>

struct buf {
	char *s;
	size_t n, cap;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (the empty string when nothing was added); b is empty again. */
char *buf_take(struct buf *b);
/* At most max characters of s, cut at a line end, with a note of what was cut. */
void buf_add_trimmed(struct buf *b, const char *s, size_t max);
#endif

/* buf.c — a growable string. */
#include "buf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	memset(b, 0, sizeof *b);
	return s;
}

/* At most max characters of s, cut at a line end, with a note of what was cut. */
void buf_add_trimmed(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max) {
		buf_add(b, s, n);
		return;
	}
	size_t cut = max;
	while (cut > 0 && s[cut - 1] != '\n')
		cut--;
	if (cut == 0)
		cut = max;
	buf_add(b, s, cut);
	buf_printf(b, "[... %zu more characters not shown]\n", n - cut);
}

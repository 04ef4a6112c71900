#include "lines.h"

#include <errno.h>
#include <string.h>

#include "util.h"

void lr_init(struct line_reader *lr, FILE *file, const char *name)
{
	memset(lr, 0, offsetof(struct line_reader, buf));
	lr->file = file;
	lr->name = name;
	lr->buf_pos = lr->buf_len = 0;
	lr->eof = lr->skip_lf = 0;
}

static void append(struct line_reader *lr, const char *p, size_t n)
{
	if (lr->max_line && lr->line_len + n > lr->max_line) {
		n = lr->max_line > lr->line_len ? lr->max_line - lr->line_len : 0;
		lr->truncated = 1;
	}
	if (lr->line_len + n + 1 > lr->line_cap) {
		size_t cap = lr->line_cap ? lr->line_cap : 256;
		while (cap < lr->line_len + n + 1)
			cap *= 2;
		lr->line = xrealloc(lr->line, cap);
		lr->line_cap = cap;
	}
	memcpy(lr->line + lr->line_len, p, n);
	lr->line_len += n;
}

/* First '\n' (or '\r' when split_cr) in [p, p+n), or NULL. */
static const char *find_break(const struct line_reader *lr, const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	if (!lr->split_cr)
		return nl;
	const char *cr = memchr(p, '\r', nl ? (size_t)(nl - p) : n);
	return cr ? cr : nl;
}

long lr_next(struct line_reader *lr)
{
	int have_any = 0, ended_by_newline = 0;

	lr->line_len = 0;
	lr->truncated = 0;
	for (;;) {
		if (lr->buf_pos == lr->buf_len) {
			if (lr->eof)
				break;
			lr->buf_len = fread(lr->buf, 1, sizeof lr->buf, lr->file);
			lr->buf_pos = 0;
			if (lr->buf_len == 0) {
				lr->eof = 1;
				if (ferror(lr->file))
					lr->read_error = errno ? errno : EIO;
				break;
			}
		}
		if (lr->skip_lf) {
			lr->skip_lf = 0;
			if (lr->buf[lr->buf_pos] == '\n') {
				lr->buf_pos++;
				lr->newlines++;
				continue;
			}
		}
		const char *p = lr->buf + lr->buf_pos;
		size_t n = lr->buf_len - lr->buf_pos;
		const char *brk = find_break(lr, p, n);
		have_any = 1;
		if (!brk) {
			append(lr, p, n);
			lr->buf_pos = lr->buf_len;
			continue;
		}
		append(lr, p, (size_t)(brk - p));
		lr->buf_pos += (size_t)(brk - p) + 1;
		lr->skip_lf = *brk == '\r';
		ended_by_newline = *brk == '\n';
		/* CRLF: without split_cr, drop the CR that ends the line. */
		if (!lr->split_cr && lr->line_len && lr->line[lr->line_len - 1] == '\r')
			lr->line_len--;
		goto done;
	}
	if (!have_any || lr->read_error)
		return -1;
	if (!lr->split_cr && lr->line_len && lr->line[lr->line_len - 1] == '\r')
		lr->line_len--;
done:
	append(lr, "", 0);   /* make sure there is room for the terminator */
	lr->line[lr->line_len] = '\0';
	/* The file's line, counted by '\n' as an editor counts: a progress line ended by a
	 * bare '\r' shares its number with what follows it. */
	lr->lineno = lr->newlines + 1;
	lr->newlines += ended_by_newline;
	return (long)lr->line_len;
}

void lr_free(struct line_reader *lr)
{
	free(lr->line);
	lr->line = NULL;
	lr->line_cap = lr->line_len = 0;
}

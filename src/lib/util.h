/* util.h — the few things every aiopt filter needs: its name for messages,
 * fatal errors, and allocation that cannot return NULL. */
#ifndef AIOPT_UTIL_H
#define AIOPT_UTIL_H
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern const char *progname;

/* Exit status, one table for every tool and script (bin/common.sh mirrors it):
 * 0 all input handled (records may carry "error"); EXIT_INPUT an input that is not
 * what the tool reads; EXIT_USAGE bad usage; EXIT_MORE score --more: run another
 * pair; EXIT_SYSTEM the system failed (out of memory, a write, fsync, mkdir), not
 * the input: rerunning may succeed, fixing the input will not help. */
enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_MORE = 3, EXIT_SYSTEM = 4 };

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Formatted string in fresh memory. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Seconds on the monotonic clock: for intervals, never for dates. */
double now_s(void);

/* The whole of a file or stream, NUL-terminated (length in *len).  NULL with
 * errno set when it cannot be read. */
char *read_file(const char *path, size_t *len);
char *read_stream(FILE *f, size_t *len);
#endif

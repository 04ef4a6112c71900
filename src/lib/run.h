/* run.h — a program's standard output, run without a shell (apply-diff's diff -u,
 * parse-offcpu's addr2line). */
#ifndef AIOPT_RUN_H
#define AIOPT_RUN_H
#include <stddef.h>

/* Runs argv[0] (found in PATH) with argv, stdin and stderr inherited, and returns
 * what it wrote to stdout, NUL-terminated: at most max_bytes are kept (the rest is
 * read and dropped, so the program never blocks on a full pipe).  *exit_status gets
 * its exit status, or -1 when it did not exit normally (a signal) or could not be
 * started; NULL then, and when a pipe or fork failed. */
char *run_capture(char *const argv[], size_t max_bytes, int *exit_status);

#endif

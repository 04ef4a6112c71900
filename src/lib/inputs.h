/* inputs.h — the FILE... operands of a text → JSON filter. */
#ifndef AIOPT_INPUTS_H
#define AIOPT_INPUTS_H
#include <stdio.h>

/* Calls parse(file, name, ctx) for each operand argv[first..argc-1] ("-" is
 * standard input), or once for standard input when there is none.  A file that
 * cannot be opened gets a message on stderr and an error record for stage on
 * stdout, and the others are still read.  Returns 0, or EXIT_INPUT when any
 * input failed (parse returns non-zero for an input that was not what it reads). */
int for_each_input(int argc, char **argv, int first, const char *stage,
		   int (*parse)(FILE *in, const char *name, void *ctx), void *ctx);

#endif

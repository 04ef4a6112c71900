/* opts.h — long options with --help, and defaults from the environment.
 *
 * Each tool lists its options once, in a table; the table gives getopt_long
 * its input, prints --help, and names the AIOPT_* variable (set by the
 * experiment's .mk) that supplies a default.  Flags win over the environment. */
#ifndef AIOPT_OPTS_H
#define AIOPT_OPTS_H

struct opt_spec {
	const char *name;       /* long name, without "--" */
	const char *arg;        /* argument's name in --help, or NULL for a flag */
	const char *env;        /* environment variable giving a default, or NULL */
	const char *help;
};

/* Called once per option found, with its index in the table; arg is NULL for
 * flags.  Returns 0, or -1 after printing why the value is bad (exit 2). */
typedef int (*opt_handler)(int index, const char *arg, void *ctx);

struct opt_tool {
	const char *name;        /* sets progname */
	const char *usage;       /* e.g. "[--benchmark NAME] [FILE...]" */
	const char *summary;     /* one paragraph for --help */
	const struct opt_spec *specs;   /* terminated by {0} */
};

/* Parses argv; returns the index of the first operand.  handle may be NULL for a
 * tool without options (specs = { { 0 } }).  --help prints usage to
 * stdout and exits 0; an unknown option or bad value exits 2. */
int opts_parse(const struct opt_tool *tool, int argc, char **argv, opt_handler handle, void *ctx);

#endif

/* opts.h — options as data: each bound to the variable it sets, as git's parse-options.
 *
 * A tool lists its options once, in a table built in main (the entries point at
 * main's variables).  The table gives getopt_long its input, checks each value
 * (a number against its range, a choice against its names), prints --help with
 * each option's default read from its variable, and names the AIOPT_* variable
 * (set by the experiment's .mk) that supplies a value when the flag is absent.
 *
 *	long top = 10;
 *	const char *root = NULL;
 *	struct opt_spec specs[] = {
 *		{ OPT_LONG("top", "N", &top, 0, 100000, "AIOPT_COZ_TOP", "lines listed") },
 *		{ OPT_STRING("tree", "DIR", &root, NULL, "the source tree"), .required = 1 },
 *		{ OPT_END },
 *	};
 */
#ifndef AIOPT_OPTS_H
#define AIOPT_OPTS_H

enum opt_kind {
	OPT_KIND_FLAG,      /* int *: set to .set_to */
	OPT_KIND_STRING,    /* const char **: the argument itself */
	OPT_KIND_LONG,      /* long *: a whole number in [min, max] */
	OPT_KIND_DOUBLE,    /* double *: a finite number in [min, max] */
	OPT_KIND_CHOICE,    /* int *: the index of the argument in .choices */
	OPT_KIND_CALL,      /* .call(arg, dest, &why) */
};

/* A value a table entry cannot check by kind: 0 with dest set, or -1 with *why
 * (fresh memory) saying what is wrong. */
typedef int (*opt_call)(const char *arg, void *dest, char **why);

struct opt_spec {
	enum opt_kind kind;
	const char *name;            /* long name, without "--"; NULL ends the table */
	const char *arg;             /* the value's name in usage; NULL for a flag */
	void *dest;
	long long_min, long_max;     /* LONG */
	double double_min, double_max;   /* DOUBLE */
	const char *const *choices;  /* CHOICE: NULL-terminated */
	opt_call call;               /* CALL */
	int set_to;                  /* FLAG */
	const char *env;             /* environment variable read when the flag is absent, or NULL */
	const char *help;
	int required;                /* absent from both flags and environment: usage error */
	int env_only;                /* a setting without a flag: only .env gives it */
};

#define OPT_FLAG(n, d, h)                .kind = OPT_KIND_FLAG, .name = (n), .dest = (d), .set_to = 1, .help = (h)
#define OPT_FLAG_OFF(n, d, h)            .kind = OPT_KIND_FLAG, .name = (n), .dest = (d), .set_to = 0, .help = (h)
#define OPT_STRING(n, a, d, e, h)        .kind = OPT_KIND_STRING, .name = (n), .arg = (a), .dest = (d), .env = (e), .help = (h)
#define OPT_LONG(n, a, d, lo, hi, e, h)  .kind = OPT_KIND_LONG, .name = (n), .arg = (a), .dest = (d), \
					 .long_min = (lo), .long_max = (hi), .env = (e), .help = (h)
#define OPT_DOUBLE(n, a, d, lo, hi, e, h) .kind = OPT_KIND_DOUBLE, .name = (n), .arg = (a), .dest = (d), \
					 .double_min = (lo), .double_max = (hi), .env = (e), .help = (h)
#define OPT_CHOICE(n, a, d, c, e, h)     .kind = OPT_KIND_CHOICE, .name = (n), .arg = (a), .dest = (d), \
					 .choices = (c), .env = (e), .help = (h)
#define OPT_CALL(n, a, d, f, e, h)       .kind = OPT_KIND_CALL, .name = (n), .arg = (a), .dest = (d), \
					 .call = (f), .env = (e), .help = (h)
#define OPT_END                          .name = NULL
/* A setting read only from its variable (name is for messages): kind and checks as above. */
#define SETTING_LONG(e, d, lo, hi, h)    OPT_LONG(e, NULL, d, lo, hi, e, h), .env_only = 1
#define SETTING_DOUBLE(e, d, lo, hi, h)  OPT_DOUBLE(e, NULL, d, lo, hi, e, h), .env_only = 1
#define SETTING_STRING(e, d, h)          OPT_STRING(e, NULL, d, e, h), .env_only = 1
#define SETTING_CHOICE(e, d, c, h)       OPT_CHOICE(e, NULL, d, c, e, h), .env_only = 1

struct opt_tool {
	const char *name;        /* sets progname */
	const char *operands;    /* after the options in the usage line, e.g. "[FILE...]" or "< archive.jsonl" */
	const char *summary;     /* one paragraph for --help */
	struct opt_spec *specs;  /* ends with { OPT_END } */
	const char *unset_hint;  /* after "AIOPT_X is not set: " for a required setting, or NULL */
};

/* Parses argv, then the environment for each option the flags did not give (flags
 * win); returns the index of the first operand.  --help prints the usage to stdout
 * and exits 0; an unknown option, a bad value or a missing required option exits
 * EXIT_USAGE with a message naming the option, the value and where it came from. */
int opts_parse(const struct opt_tool *tool, int argc, char **argv);

#endif

#include "opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void usage(const struct opt_tool *tool, FILE *out)
{
	fprintf(out, "usage: %s %s\n\n%s\n\noptions:\n", tool->name, tool->usage, tool->summary);
	for (const struct opt_spec *s = tool->specs; s->name; s++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
		fprintf(out, "  %-24s %s", left, s->help);
		if (s->env)
			fprintf(out, " [env %s]", s->env);
		fputc('\n', out);
	}
	fprintf(out, "  %-24s %s\n", "--help", "show this help and exit");
}

int opts_parse(const struct opt_tool *tool, int argc, char **argv, opt_handler handle, void *ctx)
{
	size_t n = 0;
	progname = tool->name;
	while (tool->specs[n].name)
		n++;

	/* Environment first, so that flags override it. */
	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *s = &tool->specs[i];
		const char *v = s->env ? getenv(s->env) : NULL;
		if (!v || !*v)
			continue;
		if (!s->arg && strcmp(v, "0") == 0)
			continue;   /* a flag set to 0 in the environment is off */
		if (handle((int)i, s->arg ? v : NULL, ctx) < 0) {
			fprintf(stderr, "%s: (from environment variable %s)\n", tool->name, s->env);
			exit(EXIT_USAGE);
		}
	}

	struct option *longopts = xmalloc((n + 2) * sizeof *longopts);
	for (size_t i = 0; i < n; i++)
		longopts[i] = (struct option){ tool->specs[i].name,
			tool->specs[i].arg ? required_argument : no_argument, NULL, (int)(1000 + i) };
	longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n + 1] = (struct option){ 0, 0, 0, 0 };

	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(tool, stdout);
			exit(0);
		}
		if (c == '?') {
			const char *bad = argv[optind - 1];
			if (optopt >= 1000)
				fprintf(stderr, "%s: option %s needs a value\n", tool->name, bad);
			else
				fprintf(stderr, "%s: unknown option %s\n", tool->name, bad);
			fprintf(stderr, "usage: %s %s (--help for more)\n", tool->name, tool->usage);
			exit(EXIT_USAGE);
		}
		if (handle(c - 1000, optarg, ctx) < 0)
			exit(EXIT_USAGE);
	}
	free(longopts);
	return optind;
}

#include "lib/opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonl.h"
#include "lib/number.h"
#include "lib/util.h"

/* Getopt's code for spec i: above every character, so that no short option collides. */
#define CODE_BASE 1000

/* Settings of the library every tool links: read, checked, listed in --help and
 * --settings like the tool's own. */
static struct opt_spec lib_specs[] = {
	{ SETTING_LONG("AIOPT_MAX_RECORD_BYTES", &record_bytes_limit, 1024, 1L << 34,
		       "the longest record (JSON line) a tool reads, bytes") },
	{ OPT_END },
};

static size_t count_specs(const struct opt_spec *specs)
{
	size_t n = 0;
	while (specs[n].name)
		n++;
	return n;
}

static void usage_line(const struct opt_tool *tool, FILE *out)
{
	/* Wrapped at 80 columns, continuation lines indented under the first option. */
	int indent = (int)strlen("usage: ") + (int)strlen(tool->name) + 1;
	int col = fprintf(out, "usage: %s", tool->name);
	for (const struct opt_spec *s = tool->specs; s->name; s++) {
		if (s->env_only)
			continue;
		char item[128];
		snprintf(item, sizeof item, "%s--%s%s%s%s", s->required ? "" : "[", s->name, s->arg ? " " : "",
			 s->arg ? s->arg : "", s->required ? "" : "]");
		if (col + 1 + (int)strlen(item) > 80) {
			col = fprintf(out, "\n%*s", indent - 1, "") - 1;
		}
		col += fprintf(out, " %s", item);
	}
	if (*tool->operands)
		fprintf(out, "%s%s", col + 1 + (int)strlen(tool->operands) > 80 ? "\n       " : " ", tool->operands);
	fputc('\n', out);
}

/* "[1 to 1000; default 3; env AIOPT_X]": what the table knows, never retyped in help. */
static void facts(const struct opt_spec *s, FILE *out)
{
	const char *sep = " [";
	switch (s->kind) {
	case OPT_KIND_LONG:
		if (s->required) {
			fprintf(out, "%s%ld to %ld", sep, s->long_min, s->long_max);
			sep = "; ";
			break;
		}
		fprintf(out, "%s%ld to %ld; default %ld", sep, s->long_min, s->long_max, *(long *)s->dest);
		sep = "; ";
		break;
	case OPT_KIND_DOUBLE:
		fprintf(out, "%s%g to %g; default %g", sep, s->double_min, s->double_max, *(double *)s->dest);
		sep = "; ";
		break;
	case OPT_KIND_CHOICE:
		fprintf(out, "%s", sep);
		for (int i = 0; s->choices[i]; i++)
			fprintf(out, "%s%s", i ? ", " : "", s->choices[i]);
		fprintf(out, "; default %s", s->choices[*(int *)s->dest]);
		sep = "; ";
		break;
	case OPT_KIND_STRING:
		if (*(const char **)s->dest) {
			fprintf(out, "%sdefault %s", sep, *(const char **)s->dest);
			sep = "; ";
		}
		break;
	case OPT_KIND_FLAG:
	case OPT_KIND_CALL:
		break;
	}
	if (s->env && !s->env_only) {
		fprintf(out, "%senv %s", sep, s->env);
		sep = "; ";
	}
	if (strcmp(sep, "; ") == 0)
		fputc(']', out);
}

static void help_entry(const struct opt_spec *s, const char *left)
{
	char *known = NULL;
	size_t known_len = 0;
	FILE *mem = open_memstream(&known, &known_len);
	if (!mem)
		die(EXIT_SYSTEM, "open_memstream: out of memory");
	facts(s, mem);
	fclose(mem);
	/* What the table knows goes on a line of its own when it would pass 80 columns. */
	int col = printf("  %-24s %s", left, s->help);
	if (known_len && col + known_len > 80)
		printf("\n%27s%s", "", known + 1);
	else
		fputs(known, stdout);
	free(known);
	putchar('\n');
}

static void help(const struct opt_tool *tool)
{
	usage_line(tool, stdout);
	printf("\n%s\n\noptions:\n", tool->summary);
	for (const struct opt_spec *s = tool->specs; s->name; s++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
		if (!s->env_only)
			help_entry(s, left);
	}
	printf("  %-24s %s\n", "--help", "show this help and exit");
	printf("  %-24s %s\n", "--settings", "list the AIOPT_* settings it reads: name, default, range (tab-separated)");
	printf("\nsettings (from the environment only):\n");
	for (const struct opt_spec *s = tool->specs; s->name; s++)
		if (s->env_only)
			help_entry(s, s->env);
	for (const struct opt_spec *s = lib_specs; s->name; s++)
		help_entry(s, s->env);
}

/* --settings: each option an AIOPT_* setting gives, one line: NAME, default, range,
 * the tool, what it is (tab-separated), straight from the table: make settings
 * gathers every tool's (bin/settings.sh). */
static void settings_of(const char *owner, const struct opt_spec *specs)
{
	for (const struct opt_spec *s = specs; s->name; s++) {
		if (!s->env)
			continue;
		printf("%s\t", s->env);
		switch (s->kind) {
		case OPT_KIND_LONG:
			if (s->required)
				printf("(required)\t%ld to %ld", s->long_min, s->long_max);
			else
				printf("%ld\t%ld to %ld", *(long *)s->dest, s->long_min, s->long_max);
			break;
		case OPT_KIND_DOUBLE:
			printf("%g\t%g to %g", *(double *)s->dest, s->double_min, s->double_max);
			break;
		case OPT_KIND_CHOICE:
			printf("%s\t", s->choices[*(int *)s->dest]);
			for (int i = 0; s->choices[i]; i++)
				printf("%s%s", i ? ", " : "", s->choices[i]);
			break;
		case OPT_KIND_STRING:
			printf("%s\ttext", *(const char **)s->dest ? *(const char **)s->dest : s->required ? "(required)" : "");
			break;
		case OPT_KIND_FLAG:
			printf("%d\t0 or 1", *(int *)s->dest);
			break;
		case OPT_KIND_CALL:
			printf("(see --help)\t%s", s->arg ? s->arg : "text");
			break;
		}
		printf("\t%s\t%s\n", owner, s->help);
	}
}

/* The tool's own settings, then the library's (their owner: lib/opts). */
static void settings(const struct opt_tool *tool)
{
	settings_of(tool->name, tool->specs);
	settings_of("lib/opts", lib_specs);
}

/* 0 with the value stored, or -1 with *why saying what is wrong with it. */
static int store(const struct opt_spec *s, const char *arg, char **why)
{
	switch (s->kind) {
	case OPT_KIND_FLAG:
		*(int *)s->dest = s->set_to;
		return 0;
	case OPT_KIND_STRING:
		*(const char **)s->dest = arg;
		return 0;
	case OPT_KIND_LONG:
		return number_long(arg, s->long_min, s->long_max, s->dest, why);
	case OPT_KIND_DOUBLE:
		return number_double(arg, s->double_min, s->double_max, s->dest, why);
	case OPT_KIND_CHOICE:
		for (int i = 0; s->choices[i]; i++)
			if (strcmp(arg, s->choices[i]) == 0) {
				*(int *)s->dest = i;
				return 0;
			}
		*why = xasprintf("\"%s\" is not one of", arg);
		for (int i = 0; s->choices[i]; i++) {
			char *longer = xasprintf("%s%s %s", *why, i ? "," : "", s->choices[i]);
			free(*why);
			*why = longer;
		}
		return -1;
	case OPT_KIND_CALL:
		return s->call(arg, s->dest, why);
	}
	return 0;
}

static void check(const struct opt_tool *tool, const struct opt_spec *s, const char *arg, const char *env)
{
	char *why = NULL;
	if (store(s, arg, &why) == 0)
		return;
	if (s->env_only)
		fprintf(stderr, "%s: %s: %s\n", tool->name, env, why);
	else if (env)
		fprintf(stderr, "%s: %s=%s (for --%s): %s\n", tool->name, env, arg, s->name, why);
	else
		fprintf(stderr, "%s: --%s: %s\n", tool->name, s->name, why);
	free(why);
	exit(EXIT_USAGE);
}

static void usage_error(const struct opt_tool *tool, const char *fmt, const char *what)
{
	fprintf(stderr, "%s: ", tool->name);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	usage_line(tool, stderr);
	fprintf(stderr, "(--help for more)\n");
	exit(EXIT_USAGE);
}

int opts_parse(const struct opt_tool *tool, int argc, char **argv)
{
	size_t n = count_specs(tool->specs);
	progname = tool->name;

	/* Static: an exit on --help or bad usage leaves them reachable, not leaked. */
	static struct option *longopts;
	static char *given;
	longopts = xmalloc((n + 3) * sizeof *longopts);
	size_t nl = 0;
	for (size_t i = 0; i < n; i++)
		if (!tool->specs[i].env_only)
			longopts[nl++] = (struct option){ tool->specs[i].name,
				tool->specs[i].arg ? required_argument : no_argument, NULL, (int)(CODE_BASE + i) };
	longopts[nl] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[nl + 1] = (struct option){ "settings", no_argument, NULL, 'S' };
	longopts[nl + 2] = (struct option){ 0, 0, 0, 0 };
	given = xmalloc(n + 1);
	memset(given, 0, n + 1);

	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			help(tool);
			exit(0);
		}
		if (c == 'S') {
			settings(tool);
			exit(0);
		}
		if (c == '?')
			usage_error(tool, optopt >= CODE_BASE ? "option %s needs a value" : "unknown option %s",
				    argv[optind - 1]);
		given[c - CODE_BASE] = 1;
		check(tool, &tool->specs[c - CODE_BASE], optarg, NULL);
	}

	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *s = &tool->specs[i];
		const char *v = !given[i] && s->env ? getenv(s->env) : NULL;
		if (v && *v && !(s->kind == OPT_KIND_FLAG && strcmp(v, "0") == 0)) {
			given[i] = 1;
			check(tool, s, v, s->env);
		}
		if (s->required && !given[i]) {
			char *what = s->env_only ? xasprintf("%s is not set%s%s", s->env, tool->unset_hint ? ": " : "",
							     tool->unset_hint ? tool->unset_hint : "")
				   : s->env ? xasprintf("--%s (or %s) is required", s->name, s->env)
					    : xasprintf("--%s is required", s->name);
			usage_error(tool, "%s", what);
		}
	}
	for (const struct opt_spec *s = lib_specs; s->name; s++) {
		const char *v = getenv(s->env);
		if (v && *v)
			check(tool, s, v, s->env);
	}
	free(given);
	free(longopts);
	return optind;
}

/* parse-callgrind — a program's instruction count, whole and per function, from a
 * Callgrind profile (valgrind --tool=callgrind's callgrind.out file).
 *
 * Writes {"source", "instructions", "operations", "instructions_per_op",
 * "functions": [{"name", "instructions", "calls", "instructions_per_op"}]}:
 * "instructions" is the profile's total (every thread, from the program's start to
 * its exit: work moved to another thread of the run still counts); each function
 * of --functions is counted inclusively (its own instructions and those of what it
 * calls), all overloads of the name together.  Callgrind counts instructions, not
 * time: two runs of the same deterministic program give the same count, which
 * is why the cpu channel is made of it.
 *
 * The format (Callgrind's "callgrind format" spec): "fn=(ID) NAME" opens a
 * function's cost lines ("fn=(ID)" alone refers back to a name given before);
 * a cost line is a position and the event counts; "calls=N POS" says the next cost
 * line is the inclusive cost of N calls to the function named by the last
 * "cfn=".  fl=, fi=, fe= (source files, inlined code) do not change the function.
 * Inclusive cost of a set S of functions: the self cost of S plus the cost of
 * calls from S to functions outside S (overloads calling each other are counted
 * once).  A function recursing through another function is counted twice — the
 * write path does not. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/inputs.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/strmap.h"
#include "lib/util.h"

/* Names of --functions kept; more is a usage error. */
enum { MAX_FUNCTIONS = 64 };

struct options {
	const char *functions;   /* space-separated, e.g. "DBImpl::WriteImpl DBImpl::WriteToWAL" */
	long operations;         /* 0: unknown */
	char *name[MAX_FUNCTIONS];
	size_t nnames;
};

struct counts {
	double self, out_calls, calls_in;   /* instructions; calls made to it */
};

struct profile {
	struct strmap ids;        /* "(ID)" of a compressed name */
	int *which;               /* per id: 1 + the --functions entry it names; 0 none */
	size_t which_cap;
	struct counts f[MAX_FUNCTIONS];
	double total;
	int have_events, have_total;
};

/* Does a Callgrind function name ("rocksdb::DBImpl::WriteImpl(args) const") name
 * NAME ("DBImpl::WriteImpl")?  The part before the arguments ends with NAME, at
 * the start or after "::". */
static int names(const char *cg, const char *name)
{
	size_t n = strcspn(cg, "(");
	while (n > 0 && cg[n - 1] == ' ')
		n--;
	size_t k = strlen(name);
	if (k > n || strncmp(cg + n - k, name, k) != 0)
		return 0;
	return n == k || (n - k >= 2 && cg[n - k - 1] == ':' && cg[n - k - 2] == ':');
}

/* "(12) name", "(12)" (a name given before) or "name" (no compression) → the
 * function's index in --functions, or -1.  An id never given a name is -1. */
static int function_of(struct profile *p, const struct options *o, const char *spec)
{
	const char *name = spec;
	char id[32] = "";
	if (spec[0] == '(') {
		size_t n = strcspn(spec, ")");
		if (spec[n] == ')' && n + 1 < sizeof id) {
			memcpy(id, spec, n + 1);
			id[n + 1] = '\0';
			name = spec + n + 1 + strspn(spec + n + 1, " ");
		}
	}
	int w = -1;
	for (size_t k = 0; *name && k < o->nnames && w < 0; k++)
		if (names(name, o->name[k]))
			w = (int)k;
	if (!id[0])
		return w;
	int *slot = strmap_value(&p->ids, id, (void **)&p->which, &p->which_cap, sizeof *p->which, NULL);
	if (*name)
		*slot = w + 1;
	return *slot - 1;
}

/* The first event count of a cost line: NPOS positions (each a number, hex for an
 * instruction address, +N, -N or *), then the counts (a missing count is 0).  -1
 * when the line is not a cost line. */
static double cost_of(const char *line, int npos)
{
	const char *s = line;
	for (int i = 0; i < npos; i++) {
		s += strspn(s, " ");
		if (*s == '*')
			s++;
		else if (*s == '+' || *s == '-' || isdigit((unsigned char)*s))
			s += 1 + strspn(s + 1, "0123456789abcdefABCDEFx");
		else
			return i == 0 ? -1 : 0;   /* later positions may be left out: same as before */
		if (*s != ' ' && *s != '\0')
			return -1;
	}
	s += strspn(s, " ");
	if (!*s)
		return 0;
	char *end;
	double v = strtod(s, &end);
	return end == s || v < 0 || (*end && *end != ' ') ? -1 : v;
}

static int parse(FILE *in, const char *name, void *ctx)
{
	const struct options *o = ctx;
	struct profile p = { 0 };
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, name);
	lr->max_line = 1 << 20;   /* C++ names are long; a runaway line is cut, never held whole */
	int fn = -1, cfn = -1, call_next = 0, npos = 1;
	char *bad = NULL;
	while (!bad && lr_next(lr) >= 0) {
		const char *l = lr->line;
		if (!strncmp(l, "positions:", 10)) {
			npos = 0;   /* "line", "instr line", … */
			for (const char *t = l + 10; *(t += strspn(t, " ")); t += strcspn(t, " "))
				npos++;
			if (npos < 1 || npos > 2)
				bad = xasprintf("%s:%zu: positions: one or two (instr, line) expected", name, lr->lineno);
		} else if (!strncmp(l, "events:", 7)) {
			const char *e = l + 7 + strspn(l + 7, " ");
			if (strncmp(e, "Ir", 2) != 0 || (e[2] && e[2] != ' '))
				bad = xasprintf("%s:%zu: the first event is not Ir (instructions): %s", name, lr->lineno, e);
			p.have_events = 1;
		} else if (!strncmp(l, "summary:", 8) || !strncmp(l, "totals:", 7)) {
			char *end;
			const char *s = strchr(l, ':') + 1;
			double t = strtod(s, &end);
			if (end == s || t < 0)
				bad = xasprintf("%s:%zu: no count after %.*s", name, lr->lineno, (int)(s - l), l);
			else if (!p.have_total || t > p.total)
				p.total = t;
			p.have_total = 1;
		} else if (!p.have_events && (!strncmp(l, "fn=", 3) || isdigit((unsigned char)l[0]) ||
					      l[0] == '+' || l[0] == '-' || l[0] == '*')) {
			bad = xasprintf("%s:%zu: costs before an \"events:\" line: not a Callgrind profile", name, lr->lineno);
		} else if (!strncmp(l, "fn=", 3)) {
			fn = function_of(&p, o, l + 3);
			call_next = 0;
		} else if (!strncmp(l, "cfn=", 4)) {
			cfn = function_of(&p, o, l + 4);
		} else if (!strncmp(l, "calls=", 6)) {
			char *end;
			double n = strtod(l + 6, &end);
			if (end == l + 6 || n < 0)
				bad = xasprintf("%s:%zu: a calls= line without a count", name, lr->lineno);
			else if (cfn >= 0 && cfn != fn)   /* an overload calling another is one call */
				p.f[cfn].calls_in += n;
			call_next = 1;
		} else if (!strncmp(l, "jump=", 5) || !strncmp(l, "jcnd=", 5)) {
			call_next = 0;   /* jump lines carry no cost of their own */
		} else if (isdigit((unsigned char)l[0]) || l[0] == '+' || l[0] == '-' || l[0] == '*') {
			double c = cost_of(l, npos);
			if (c < 0) {
				bad = xasprintf("%s:%zu: not a cost line: %.60s", name, lr->lineno, l);
			} else if (call_next) {
				if (fn >= 0 && fn != cfn)
					p.f[fn].out_calls += c;
				call_next = 0;
			} else if (fn >= 0) {
				p.f[fn].self += c;
			}
		}
	}
	if (!bad && lr->read_error)
		bad = xasprintf("%s: read error", name);
	if (!bad && !p.have_events)
		bad = xasprintf("%s: no \"events:\" line: not a Callgrind profile", name);
	if (!bad && !p.have_total)
		bad = xasprintf("%s: no \"summary:\" or \"totals:\" line: the profile was cut short", name);
	cJSON *out;
	if (bad) {
		warnx_("%s", bad);
		out = error_record("bench", "%s", bad);
	} else {
		double ops = o->operations > 0 ? (double)o->operations : NAN;
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "source", "callgrind");
		cJSON_AddNumberToObject(out, "instructions", p.total);
		json_add_number_or_null(out, "operations", ops);
		json_add_number_or_null(out, "instructions_per_op", p.total / ops);
		cJSON *fs = cJSON_AddArrayToObject(out, "functions");
		for (size_t k = 0; k < o->nnames; k++) {
			cJSON *f = cJSON_CreateObject();
			double incl = p.f[k].self + p.f[k].out_calls;
			cJSON_AddStringToObject(f, "name", o->name[k]);
			cJSON_AddNumberToObject(f, "instructions", incl);
			cJSON_AddNumberToObject(f, "calls", p.f[k].calls_in);
			json_add_number_or_null(f, "instructions_per_op", incl / ops);
			cJSON_AddItemToArray(fs, f);
		}
	}
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	free(bad);
	strmap_clear(&p.ids);
	free(p.which);
	lr_free(lr);
	free(lr);
	return bad != NULL;
}

/* --functions: names split at spaces, each a C++ name (letters, digits, _ and ::). */
static int parse_functions(const char *arg, void *dest, char **why)
{
	struct options *o = dest;
	o->nnames = 0;
	for (const char *s = arg; *(s += strspn(s, " ")); ) {
		size_t n = strcspn(s, " ");
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != ':' && s[i] != '~') {
				*why = xasprintf("\"%.*s\" is not a C++ function name", (int)n, s);
				return -1;
			}
		if (o->nnames == MAX_FUNCTIONS) {
			*why = xasprintf("more than %d names", MAX_FUNCTIONS);
			return -1;
		}
		o->name[o->nnames++] = strndup(s, n);
		s += n;
	}
	o->functions = arg;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct opt_spec specs[] = {
		{ OPT_CALL("functions", "\"NAME...\"", &o, parse_functions, "AIOPT_FUNCTIONS",
			   "functions counted inclusively, each as Class::method (all overloads)") },
		{ OPT_LONG("operations", "N", &o.operations, 1, 1000000000000L, NULL,
			   "the operations the program did: per-operation figures (else null)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-callgrind",
		.operands = "[CALLGRIND.OUT...]",
		.summary = "Reads Callgrind profiles (valgrind --tool=callgrind) and writes one object per\n"
		"profile: the program's instructions, all threads, and each named function's\n"
		"inclusive instructions and calls, per operation when --operations is given.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	int rc = for_each_input(argc, argv, first, "bench", parse, &o);
	for (size_t k = 0; k < o.nnames; k++)
		free(o.name[k]);
	return rc;
}

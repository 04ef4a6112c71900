/* read-flags — a workload's db_bench flags as db_bench reads them (gflags), for the
 * stages' shell: one JSON object with every flag the rules read (src/lib/dbflags.c:
 * sync, disable_wal, threads, num, ...), the command line's value or db_bench's
 * default.  A word gflags would read otherwise than this reader (one that is no
 * flag, a boolean spelled otherwise, a number that is not one) is refused, exit 1,
 * naming it: a rule must never run on a flag it misread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/dbflags.h"
#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/util.h"

int main(int argc, char **argv)
{
	struct opt_spec specs[] = { { OPT_END } };
	const struct opt_tool tool = {
		.name = "read-flags",
		.operands = "-- DB_BENCH_FLAGS...",
		.summary = "Prints the flags the rules read (sync, disable_wal, threads, num, duration, key_size,\n"
		"value_size) as db_bench reads DB_BENCH_FLAGS (gflags: -name or --name, =value, --noname,\n"
		"booleans as true/false/yes/no/1/0/t/f/y/n in any case; the last one wins), else db_bench's\n"
		"default, as one JSON object.  Exit 1 naming a word gflags would read otherwise.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	size_t len = 1;
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *args = xmalloc(len);
	args[0] = '\0';
	for (int i = first; i < argc; i++) {
		strcat(args, argv[i]);
		strcat(args, " ");
	}
	cJSON *out = cJSON_CreateObject();
	for (size_t i = 0; i < dbflags_count; i++) {
		const struct dbflag *f = &dbflags[i];
		char value[512];
		const char *v = dbflag_value(args, f->name, value, sizeof value);
		if (!v)
			die(EXIT_INPUT, "%s: db_bench would read this word otherwise than the rules do (write every flag "
			    "as -name, --name, --noname or --name=value; a boolean true/false/yes/no/1/0/t/f/y/n; a number "
			    "in digits)", value);
		if (f->type == DBFLAG_BOOL)
			cJSON_AddBoolToObject(out, f->name, strcmp(v, "true") == 0);
		else if (f->type == DBFLAG_INT)
			cJSON_AddNumberToObject(out, f->name, strtod(v, NULL));
		else
			cJSON_AddStringToObject(out, f->name, v);
	}
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	free(args);
	return 0;
}

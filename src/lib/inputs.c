#include "inputs.h"

#include <errno.h>
#include <string.h>

#include "jsonl.h"
#include "util.h"

int for_each_input(int argc, char **argv, int first, const char *stage,
		   int (*parse)(FILE *in, const char *name, void *ctx), void *ctx)
{
	if (first == argc)
		return parse(stdin, "stdin", ctx) ? EXIT_INPUT : 0;
	int status = 0;
	for (int i = first; i < argc; i++) {
		int is_stdin = strcmp(argv[i], "-") == 0;
		FILE *in = is_stdin ? stdin : fopen(argv[i], "rb");
		if (!in) {
			warnx_("%s: %s", argv[i], strerror(errno));
			cJSON *rec = error_record(stage, "%s: %s", argv[i], strerror(errno));
			jsonl_write(stdout, rec);
			cJSON_Delete(rec);
			status = EXIT_INPUT;
			continue;
		}
		if (parse(in, is_stdin ? "stdin" : argv[i], ctx))
			status = EXIT_INPUT;
		if (!is_stdin)
			fclose(in);
	}
	return status;
}

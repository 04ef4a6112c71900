/* libcheck — drives src/lib/ from the bats suite (tests/lib.bats) and AFL++:
 *   libcheck jsonl [FILE]     JSON lines in, compact JSON lines out
 *   libcheck agrees-with-jq   JSON lines in; each record the reader accepts is read
 *                             by jq too, and must be the same value there (abort
 *                             otherwise: a fuzzing finding)
 *   libcheck write PATH       standard input to PATH with write_file_atomic
 *   libcheck run MAX CMD...   CMD's stdout through run_capture, kept to MAX bytes;
 *                             prints "exit N bytes M" on stderr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/jsonl.h"
#include "lib/run.h"
#include "lib/safefile.h"
#include "lib/util.h"

int main(int argc, char **argv)
{
	progname = "libcheck";
	if (argc >= 2 && strcmp(argv[1], "jsonl") == 0) {
		FILE *in = argc > 2 ? fopen(argv[2], "rb") : stdin;
		if (!in)
			die(EXIT_INPUT, "%s: %s", argv[2], strerror(errno));
		struct line_reader *lr = xmalloc(sizeof *lr);
		lr_init(lr, in, argc > 2 ? argv[2] : "stdin");
		cJSON *rec;
		while ((rec = jsonl_next(lr)) != NULL) {
			jsonl_write(stdout, rec);
			cJSON_Delete(rec);
		}
		lr_free(lr);
		free(lr);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "agrees-with-jq") == 0) {
		struct line_reader *lr = xmalloc(sizeof *lr);
		lr_init(lr, stdin, "stdin");
		char tmp[] = "/tmp/libcheck-jq-XXXXXX";
		int fd = mkstemp(tmp);
		if (fd < 0)
			die(EXIT_SYSTEM, "mkstemp: %s", strerror(errno));
		close(fd);
		cJSON *rec;
		while ((rec = jsonl_next(lr)) != NULL) {
			FILE *f = fopen(tmp, "wb");
			if (!f || fputs(lr->line, f) == EOF || fclose(f) != 0)
				die(EXIT_SYSTEM, "%s: %s", tmp, strerror(errno));
			char *cmd = xasprintf("jq -c . < %s 2>/dev/null", tmp);
			FILE *jq = popen(cmd, "r");
			free(cmd);
			static char out[1 << 22];
			size_t n = jq ? fread(out, 1, sizeof out - 1, jq) : 0;
			out[n] = '\0';
			int status = jq ? pclose(jq) : -1;
			cJSON *theirs = cJSON_Parse(out);
			if (status != 0 || !theirs || !cJSON_Compare(rec, theirs, 1)) {
				fprintf(stderr, "libcheck: jq reads line %zu otherwise (jq exit %d): %.200s\n", lr->lineno, status, out);
				unlink(tmp);
				abort();
			}
			cJSON_Delete(theirs);
			cJSON_Delete(rec);
		}
		unlink(tmp);
		lr_free(lr);
		free(lr);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "write") == 0) {
		static char data[1 << 20];
		size_t n = fread(data, 1, sizeof data, stdin);
		if (write_file_atomic(argv[2], data, n, 0644) < 0)
			die(EXIT_FAILURE, "%s: %s", argv[2], strerror(errno));
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "run") == 0) {
		int status;
		char *out = run_capture(argv + 3, (size_t)strtoul(argv[2], NULL, 10), &status);
		fprintf(stderr, "exit %d bytes %zu\n", status, out ? strlen(out) : 0);
		if (out)
			fputs(out, stdout);
		free(out);
		return 0;
	}
	die(EXIT_USAGE, "usage: libcheck jsonl [FILE] | libcheck write PATH | libcheck run MAX CMD...");
}

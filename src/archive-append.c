/* archive-append — add finished records to a run's archive, crash-safely.
 *
 * Each record goes in as one line with a single write(2) to a file opened
 * O_APPEND, then fsync: a crash leaves the archive with or without the line,
 * never half of it (and readers skip a torn line should the disk tear one). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/util.h"

static const struct opt_spec specs[] = { { 0 } };

int main(int argc, char **argv)
{
	static const struct opt_tool tool = {
		"archive-append", "ARCHIVE",
		"Appends each record read on stdin to ARCHIVE as one line, with one write(2)\n"
		"and an fsync, so that a crash never leaves half a record.",
		specs,
	};
	int first = opts_parse(&tool, argc, argv, NULL, NULL);
	if (argc - first != 1)
		die(EXIT_USAGE, "usage: archive-append ARCHIVE < records");
	const char *path = argv[first];
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_FAILURE, "%s: %s", path, strerror(errno));
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	while ((rec = jsonl_next(lr)) != NULL) {
		char *s = cJSON_PrintUnformatted(rec);
		size_t n = strlen(s);
		s = xrealloc(s, n + 2);
		s[n] = '\n';
		ssize_t w;
		while ((w = write(fd, s, n + 1)) < 0 && errno == EINTR)
			;
		if (w != (ssize_t)(n + 1))
			die(EXIT_FAILURE, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
		if (fsync(fd) < 0)
			die(EXIT_FAILURE, "%s: fsync: %s", path, strerror(errno));
		free(s);
		cJSON_Delete(rec);
	}
	lr_free(lr);
	free(lr);
	return close(fd) < 0 ? EXIT_FAILURE : 0;
}

/* archive-append — add finished records to a run's archive, crash-safely.
 *
 * Each record goes in as one line with a single write(2) to a file opened
 * O_APPEND, then fsync.  A write cut short (a full disk) is undone by truncating
 * back.  A last line without its newline — left by a kill -9 or a power cut in the
 * middle of a large write — is moved to ARCHIVE.torn before anything is appended:
 * glued onto it, the next record would be lost too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/util.h"

/* Moves a torn last line (no newline) of the archive at FD to PATH.torn, and
 * truncates it away.  Returns 0, or -1 with errno set. */
static int untear(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	off_t end = st.st_size, start = end;
	char c = '\n';
	if (end == 0 || (pread(fd, &c, 1, end - 1) == 1 && c == '\n'))
		return 0;
	/* back to just after the last newline, a block at a time */
	char buf[4096];
	while (start > 0) {
		off_t from = start > (off_t)sizeof buf ? start - (off_t)sizeof buf : 0;
		ssize_t n = pread(fd, buf, (size_t)(start - from), from);
		if (n < 0)
			return -1;
		char *nl = memrchr(buf, '\n', (size_t)n);
		if (nl) {
			start = from + (nl - buf) + 1;
			break;
		}
		start = from;
	}
	char *torn_path = xasprintf("%s.torn", path);
	int tfd = open(torn_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (tfd < 0) {
		free(torn_path);
		return -1;
	}
	for (off_t at = start; at < end;) {
		ssize_t n = pread(fd, buf, (size_t)(end - at < (off_t)sizeof buf ? end - at : (off_t)sizeof buf), at);
		if (n <= 0 || write(tfd, buf, (size_t)n) != n) {
			close(tfd);
			free(torn_path);
			return -1;
		}
		at += n;
	}
	int rc = write(tfd, "\n", 1) == 1 && fsync(tfd) == 0 ? 0 : -1;
	close(tfd);
	if (rc == 0) {
		warnx_("%s: its last line was torn (%lld bytes without a newline): moved to %s",
		       path, (long long)(end - start), torn_path);
		rc = ftruncate(fd, start) == 0 && fsync(fd) == 0 ? 0 : -1;
	}
	free(torn_path);
	return rc;
}

/* Appends one line with one write(2) and fsyncs it; 0, or the errno of the failure
 * with *why saying what it means: a failed write leaves the file as it was (never
 * half a line); a failed fsync leaves the line there, not known to be on disk. */
static int append_line(int fd, const char *line, size_t len, const char **why)
{
	*why = "the record was not archived";
	struct stat st;
	if (fstat(fd, &st) < 0)
		return errno;
	ssize_t w;
	while ((w = write(fd, line, len)) < 0 && errno == EINTR)
		;
	if (w != (ssize_t)len) {
		int saved = w < 0 ? errno : ENOSPC;
		/* take back what a short write left */
		if (ftruncate(fd, st.st_size) == 0)
			fsync(fd);
		return saved;
	}
	*why = "fsync failed: the record may not be on disk";
	return fsync(fd) < 0 ? errno : 0;
}

int main(int argc, char **argv)
{
	struct opt_spec specs[] = { { OPT_END } };
	const struct opt_tool tool = {
		.name = "archive-append",
		.operands = "ARCHIVE",
		.summary = "Appends each record read on stdin to ARCHIVE as one line, with one write(2)\n"
		"and an fsync, so that a crash never leaves half a record.  A torn last line\n"
		"already there is moved to ARCHIVE.torn first.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (argc - first != 1)
		die(EXIT_USAGE, "usage: archive-append ARCHIVE < records");
	const char *path = argv[first];
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	/* One appender at a time; the lock dies with the process. */
	if (flock(fd, LOCK_EX) < 0 || untear(fd, path) < 0)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	long records = 0;
	while ((rec = jsonl_next(lr)) != NULL) {
		records++;
		char *line = cJSON_PrintUnformatted(rec);
		cJSON_Delete(rec);
		size_t n = strlen(line);
		line = xrealloc(line, n + 2);
		line[n] = '\n';
		const char *why;
		int saved = append_line(fd, line, n + 1, &why);
		free(line);   /* before any exit: the sanitizers' leak check runs at exit */
		if (saved)
			die(EXIT_SYSTEM, "%s: %s (%s)", path, strerror(saved), why);
	}
	jsonl_expect_records(lr, records);
	lr_free(lr);
	free(lr);
	return close(fd) < 0 ? EXIT_SYSTEM : 0;
}

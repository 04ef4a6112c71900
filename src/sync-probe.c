/* sync-probe — how many synchronous writes a second the device under DIR takes.
 *
 * Appends --bytes bytes and calls fdatasync, again and again, for --seconds, to a
 * fresh file in DIR (removed after), one thread: what a WAL sync costs on this
 * filesystem, with nothing else of RocksDB's in the way.  The bound it gives a
 * sync workload: W writer threads each waiting for its write's sync put at most W
 * writes in one sync, and a WAL's syncs come one after another, so at most
 * W × syncs_per_sec writes a second.  Writes {"syncs_per_sec", "syncs", "seconds",
 * "sync_us": {"p50", "p99", "max"}, "bytes_per_sync", "dir", "filesystem"}.
 * A filesystem where fdatasync returns at once (tmpfs) is named, not hidden: its
 * rate is real and meaningless. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/util.h"

/* Syncs kept for the percentiles; a faster device's later syncs count in the rate only. */
enum { MAX_SAMPLES = 1 << 20 };

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The filesystem's name for the few that matter here, else its magic number. */
static char *filesystem(const char *dir)
{
	struct statfs st;
	if (statfs(dir, &st) != 0)
		return xstrdup("unknown");
	switch ((unsigned long)st.f_type) {
	case 0x01021994UL: return xstrdup("tmpfs");
	case 0x858458f6UL: return xstrdup("ramfs");
	case 0xef53UL: return xstrdup("ext4");
	case 0x58465342UL: return xstrdup("xfs");
	case 0x9123683eUL: return xstrdup("btrfs");
	case 0x6969UL: return xstrdup("nfs");
	case 0x794c7630UL: return xstrdup("overlayfs");
	default: return xasprintf("0x%lx", (unsigned long)st.f_type);
	}
}

int main(int argc, char **argv)
{
	double seconds = 2;
	long bytes = 512;
	const char *dir = NULL;
	struct opt_spec specs[] = {
		{ OPT_STRING("dir", "DIR", &dir, NULL, "a directory on the filesystem to probe (the databases')"), .required = 1 },
		{ OPT_DOUBLE("seconds", "S", &seconds, 0.1, 60, NULL, "how long to write and sync") },
		{ OPT_LONG("bytes", "N", &bytes, 1, 1 << 20, NULL, "bytes appended before each sync (a WAL record's size)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "sync-probe",
		.operands = "",
		.summary = "Appends N bytes and calls fdatasync, for S seconds, to a fresh file in DIR, and writes\n"
		"the device's synchronous writes per second and the sync latencies, one JSON object.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s", argv[first]);

	char *path = xasprintf("%s/.sync-probe.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		die(EXIT_SYSTEM, "--dir %s: cannot create a file there: %s", dir, strerror(errno));
	unlink(path);   /* gone whatever happens next; the descriptor keeps it */
	char *buf = xmalloc((size_t)bytes);
	memset(buf, 'x', (size_t)bytes);
	double *lat = xmalloc(MAX_SAMPLES * sizeof *lat);
	long syncs = 0;
	size_t kept = 0;
	double start = now_s(), end = start;
	while (end - start < seconds) {
		double t0 = now_s();
		if (write(fd, buf, (size_t)bytes) != (ssize_t)bytes)
			die(EXIT_SYSTEM, "--dir %s: write: %s", dir, strerror(errno));
		if (fdatasync(fd) != 0)
			die(EXIT_SYSTEM, "--dir %s: fdatasync: %s", dir, strerror(errno));
		end = now_s();
		if (kept < MAX_SAMPLES)
			lat[kept++] = (end - t0) * 1e6;
		syncs++;
	}
	close(fd);
	qsort(lat, kept, sizeof *lat, by_value);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "syncs_per_sec", (double)syncs / (end - start));
	cJSON_AddNumberToObject(out, "syncs", (double)syncs);
	cJSON_AddNumberToObject(out, "seconds", end - start);
	cJSON *us = cJSON_AddObjectToObject(out, "sync_us");
	cJSON_AddNumberToObject(us, "p50", lat[(kept - 1) / 2]);
	cJSON_AddNumberToObject(us, "p99", lat[(size_t)((double)(kept - 1) * 0.99)]);
	cJSON_AddNumberToObject(us, "max", lat[kept - 1]);
	cJSON_AddNumberToObject(out, "bytes_per_sync", (double)bytes);
	cJSON_AddStringToObject(out, "dir", dir);
	char *fs = filesystem(dir);
	cJSON_AddStringToObject(out, "filesystem", fs);
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	free(fs);
	free(lat);
	free(buf);
	free(path);
	return 0;
}

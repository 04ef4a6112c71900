/* ack-writer — the crash check's writer and reader, over RocksDB's C API.  Built
 * against a RocksDB library from this source alone (bin/stage/crash.sh): the
 * candidate's build writes, pristine's build reads.
 *
 *	ack-writer --db=DIR [db_bench's flags]...            write, until killed
 *	ack-writer --check --db=DIR [db_bench's flags]... < ACKS   read back
 *
 * It takes the workload's command line as db_bench takes it, so the database is
 * opened with every option the benchmark's is, and the process looks like the
 * benchmark from its command line.  Each flag is in the table below: a RocksDB
 * option passed on by name (RocksDB itself checks the value), a part of the
 * writers' shape (threads, sizes, the write options), or a benchmark's shape that
 * does not reach the database; a flag not there is refused, never ignored.
 *
 * Writing: --threads writers, each putting its own keys in order (round, thread,
 * sequence: unique, never rewritten) with values made from the keys.  The round is
 * one more than the newest in the database.  On descriptor 3, for the harness
 * (which timestamps them itself): "round R" first, then "T S" after each put that
 * returned OK: thread T's S-th write was acknowledged.  A thread stops at its
 * first error.  --duration ends it without a close (a clean close flushes the
 * memtable and would hide what a crash loses).
 * Reading: lines "R T N" on stdin (round R's thread T had N writes acknowledged);
 * for each, "R T N FOUND FIRST KEY" on stdout: how many of writes 0..N-1 are in
 * the database with their value, and the first one that is not (-1: none) and its
 * key (-: none); or one line "unopenable MESSAGE" when the database does not open. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "lib/dbflags.h"

enum role { OPTION, OPTION_BOOL, COMPRESSION, THREADS, KEY_SIZE, VALUE_SIZE, SYNC, DISABLE_WAL, DURATION, DB, SHAPE };
static const struct flag { const char *name; enum role role; } flags[] = {
	{ "db", DB }, { "threads", THREADS }, { "key_size", KEY_SIZE }, { "value_size", VALUE_SIZE },
	{ "sync", SYNC }, { "disable_wal", DISABLE_WAL }, { "duration", DURATION },
	{ "compression_type", COMPRESSION },
	{ "write_buffer_size", OPTION }, { "max_write_buffer_number", OPTION },
	{ "min_write_buffer_number_to_merge", OPTION }, { "level0_file_num_compaction_trigger", OPTION },
	{ "level0_slowdown_writes_trigger", OPTION }, { "level0_stop_writes_trigger", OPTION },
	{ "max_background_jobs", OPTION }, { "max_background_compactions", OPTION },
	{ "max_background_flushes", OPTION }, { "target_file_size_base", OPTION },
	{ "max_bytes_for_level_base", OPTION }, { "max_bytes_for_level_multiplier", OPTION },
	{ "num_levels", OPTION }, { "bytes_per_sync", OPTION }, { "wal_bytes_per_sync", OPTION },
	{ "max_total_wal_size", OPTION }, { "delayed_write_rate", OPTION },
	{ "soft_pending_compaction_bytes_limit", OPTION }, { "hard_pending_compaction_bytes_limit", OPTION },
	{ "writable_file_max_buffer_size", OPTION }, { "max_write_batch_group_size_bytes", OPTION },
	{ "recycle_log_file_num", OPTION }, { "max_open_files", OPTION },
	{ "level_compaction_dynamic_level_bytes", OPTION_BOOL }, { "disable_auto_compactions", OPTION_BOOL },
	{ "enable_pipelined_write", OPTION_BOOL }, { "allow_concurrent_memtable_write", OPTION_BOOL },
	{ "enable_write_thread_adaptive_yield", OPTION_BOOL }, { "unordered_write", OPTION_BOOL },
	{ "two_write_queues", OPTION_BOOL }, { "manual_wal_flush", OPTION_BOOL }, { "use_fsync", OPTION_BOOL },
	{ "benchmarks", SHAPE }, { "ops_between_duration_checks", SHAPE }, { "num", SHAPE }, { "histogram", SHAPE }, { "statistics", SHAPE },
	{ "seed", SHAPE }, { "readwritepercent", SHAPE }, { "reads", SHAPE }, { "writes", SHAPE },
	{ "benchmark_write_rate_limit", SHAPE }, { "use_existing_db", SHAPE }, { "stats_interval_seconds", SHAPE },
};
static const char *const compressions[][2] = {
	{ "none", "kNoCompression" }, { "snappy", "kSnappyCompression" }, { "zlib", "kZlibCompression" },
	{ "bzip2", "kBZip2Compression" }, { "lz4", "kLZ4Compression" }, { "lz4hc", "kLZ4HCCompression" },
	{ "xpress", "kXpressCompression" }, { "zstd", "kZSTD" },
};

/* The writers' shape, from the command line. */
static struct {
	const char *db;
	long threads, key_size, value_size, duration_s;
	int sync, disable_wal;
	char options[4096];     /* "name=value;..." for rocksdb_get_options_from_string */
} cfg = { .threads = 1, .key_size = 16, .value_size = 100 };

static _Noreturn void usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void usage_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ack-writer: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static long whole(const char *name, const char *v, long min, long max)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		usage_fail("--%s=%s: not a whole number in range", name, v);
	return n;
}

/* A boolean as gflags reads it (src/lib/dbflags.c). */
static int boolean(const char *name, const char *v)
{
	int b = dbflag_boolean(v);
	if (b < 0)
		usage_fail("--%s=%s: not a boolean", name, v);
	return b;
}

static void add_option(const char *name, const char *value)
{
	size_t used = strlen(cfg.options);
	int n = snprintf(cfg.options + used, sizeof cfg.options - used, "%s=%s;", name, value);
	if (n < 0 || (size_t)n >= sizeof cfg.options - used)
		usage_fail("--%s=%s: too many options", name, value);
}

static const struct flag *find_flag(const char *name)
{
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		if (strcmp(flags[i].name, name) == 0)
			return &flags[i];
	return NULL;
}

/* One flag as gflags reads it (src/lib/dbflags.c): -name or --name, =value or
 * none (a boolean's true), --noname (a boolean's false). */
static void read_flag(const char *arg)
{
	char key[128];
	const char *v;
	if (dbflag_split(arg, key, sizeof key, &v) != 0)
		usage_fail("%s: not a flag (db_bench's flags: --name=value)", arg);
	const struct flag *f = find_flag(key);
	if (!f && !v && strncmp(key, "no", 2) == 0 && (f = find_flag(key + 2)) != NULL) {   /* a boolean's false */
		memmove(key, key + 2, strlen(key + 2) + 1);
		v = "false";
	}
	if (!v)
		v = "true";
	if (!f)
		usage_fail("--%s: a db_bench flag the crash check does not know; name it in ack-writer's table "
			   "(a RocksDB option passed on, or a benchmark's shape)", key);
	switch (f->role) {
	case OPTION: add_option(key, v); break;
	case OPTION_BOOL: add_option(key, boolean(key, v) ? "true" : "false"); break;
	case COMPRESSION:
		for (size_t i = 0; i < sizeof compressions / sizeof *compressions; i++)
			if (strcmp(compressions[i][0], v) == 0) {
				add_option("compression", compressions[i][1]);
				return;
			}
		usage_fail("--compression_type=%s: not one of db_bench's names", v);
	case THREADS: cfg.threads = whole(key, v, 1, 64); break;
	case KEY_SIZE: cfg.key_size = whole(key, v, 16, 1024); break;
	case VALUE_SIZE: cfg.value_size = whole(key, v, 1, 1 << 20); break;
	case DURATION: cfg.duration_s = whole(key, v, 0, 86400); break;
	case SYNC: cfg.sync = boolean(key, v); break;
	case DISABLE_WAL: cfg.disable_wal = boolean(key, v); break;
	case DB: cfg.db = v; break;
	case SHAPE: break;
	}
}

static rocksdb_t *open_db(char **err)
{
	rocksdb_options_t *base = rocksdb_options_create(), *opts = rocksdb_options_create();
	rocksdb_get_options_from_string(base, cfg.options, opts, err);
	rocksdb_options_destroy(base);
	if (*err) {
		fprintf(stderr, "ack-writer: the workload's options (%s): %s\n", cfg.options, *err);
		exit(2);
	}
	rocksdb_options_set_create_if_missing(opts, 1);
	rocksdb_t *db = rocksdb_open(opts, cfg.db, err);
	rocksdb_options_destroy(opts);
	return db;
}

/* Write S of thread T in round R: its key, and its value made from the key. */
static void key_of(char *key, long r, long t, long s)
{
	int n = snprintf(key, (size_t)cfg.key_size + 1, "%04ld%02ld%010ld", r, t, s);
	memset(key + n, 'k', (size_t)(cfg.key_size - n));
}
static void value_of(char *value, const char *key)
{
	uint32_t h = 2166136261u;
	for (long i = 0; i < cfg.key_size; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	for (long i = 0; i < cfg.value_size; i++)
		value[i] = (char)('a' + (h + (uint32_t)i * 31u) % 26u);
}

static rocksdb_t *db;
static long round_no;

static void *writer(void *arg)
{
	long t = (long)(intptr_t)arg;
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(wo, (unsigned char)cfg.sync);
	rocksdb_writeoptions_disable_WAL(wo, cfg.disable_wal);
	char *key = malloc((size_t)cfg.key_size + 1), *value = malloc((size_t)cfg.value_size);
	for (long s = 0; key && value; s++) {
		key_of(key, round_no, t, s);
		value_of(value, key);
		char *err = NULL;
		rocksdb_put(db, wo, key, (size_t)cfg.key_size, value, (size_t)cfg.value_size, &err);
		if (err) {
			fprintf(stderr, "ack-writer: thread %ld, write %ld: %s\n", t, s, err);
			break;
		}
		char ack[48];
		int n = snprintf(ack, sizeof ack, "%ld %ld\n", t, s);
		if (write(3, ack, (size_t)n) != n)
			break;
	}
	return NULL;
}

/* One more than the newest round in the database (its keys sort by round first). */
static long next_round(void)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	rocksdb_iter_seek_to_last(it);
	long r = 0;
	if (rocksdb_iter_valid(it)) {
		size_t len;
		const char *k = rocksdb_iter_key(it, &len);
		r = len >= 4 ? strtol((char[5]){ k[0], k[1], k[2], k[3], 0 }, NULL, 10) + 1 : 0;
	}
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	return r;
}

static int write_until_killed(void)
{
	char *err = NULL;
	db = open_db(&err);
	if (err) {
		fprintf(stderr, "ack-writer: %s: %s\n", cfg.db, err);
		return 1;
	}
	round_no = next_round();
	if (round_no > 9999) {
		fprintf(stderr, "ack-writer: %s: round %ld: the keys hold four digits of it\n", cfg.db, round_no);
		return 1;
	}
	dprintf(3, "round %ld\n", round_no);
	pthread_t th[64];
	for (long t = 0; t < cfg.threads; t++)
		if (pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t) != 0) {
			fprintf(stderr, "ack-writer: cannot start thread %ld\n", t);
			_exit(1);
		}
	if (cfg.duration_s > 0) {
		sleep((unsigned)cfg.duration_s);
		_exit(0);   /* no close: a crash's state, not a clean shutdown's */
	}
	for (long t = 0; t < cfg.threads; t++)
		pthread_join(th[t], NULL);
	_exit(0);
}

static int check(void)
{
	char *err = NULL;
	db = open_db(&err);
	if (err) {
		for (char *p = err; *p; p++)
			if (*p == '\n') *p = ' ';
		printf("unopenable %s\n", err);
		return 0;
	}
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	char *key = malloc((size_t)cfg.key_size + 1), *value = malloc((size_t)cfg.value_size);
	long r, t, n;
	while (key && value && scanf("%ld %ld %ld", &r, &t, &n) == 3) {
		long found = 0, first = -1;
		char *first_key = NULL;
		for (long s = 0; s < n; s++) {
			key_of(key, r, t, s);
			value_of(value, key);
			size_t len;
			char *got = rocksdb_get(db, ro, key, (size_t)cfg.key_size, &len, &err);
			if (err) {
				fprintf(stderr, "ack-writer: reading %s: %s\n", key, err);
				return 4;
			}
			if (got && len == (size_t)cfg.value_size && memcmp(got, value, len) == 0)
				found++;
			else if (first < 0) {
				first = s;
				first_key = strndup(key, (size_t)cfg.key_size);
			}
			rocksdb_free(got);
		}
		printf("%ld %ld %ld %ld %ld %s\n", r, t, n, found, first, first_key ? first_key : "-");
		free(first_key);
	}
	rocksdb_readoptions_destroy(ro);
	rocksdb_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	int checking = argc > 1 && strcmp(argv[1], "--check") == 0;
	for (int i = 1 + checking; i < argc; i++)
		read_flag(argv[i]);
	if (!cfg.db)
		usage_fail("--db=DIR is required (usage: ack-writer [--check] --db=DIR [db_bench's flags]...)");
	return checking ? check() : write_until_killed();
}

/* crash-check — does a build keep RocksDB's promise across a crash?  Runs a writer
 * (the candidate's ack-writer, in its sandbox) and, at --cuts random moments, cuts
 * it off: --mode power cuts the power under the database (powercut drops every
 * byte no sync of its own file made durable), --mode crash kills it with SIGKILL.
 * After each cut pristine's reader (--reader, pristine's ack-writer) reopens the
 * database and looks for every write the writer acknowledged before it, and after
 * the last cut for every write of every round.  Writes one JSON object: the cuts,
 * the keys acknowledged and found (after the last cut), the seconds, and
 * "violation", the first acknowledged write missing, else null.
 *
 * The verdict's figures are this program's: the writer's acknowledgements come on
 * a pipe, each timestamped here when read, and are checked as they come (each
 * thread's in order, from 0: one the candidate's code held back or dropped shows as
 * a gap); what the database holds is read by pristine's build.  Nothing the writer
 * starts outlives its cut: this program is the subreaper of everything under it,
 * and kills every descendant before the reader runs.
 *
 * The writer's command follows "--"; the word {db} in it is the database directory
 * (the layer's mount point for power cuts).  Exit 0 when checked, whatever the
 * verdict; 2 bad usage; 4 the check itself could not run (the layer, the reader). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/jsonl.h"
#include "lib/opts.h"
#include "lib/rng.h"
#include "lib/util.h"

enum { MAX_THREADS = 64, MAX_ROUNDS = 10000 };
/* Bounds on what the writer and the reader may take: the sandbox's start and a
 * database's opening are well under a second on the slowest machine seen. */
static const double FIRST_ACK_SECONDS = 30, DRAIN_SECONDS = 10, READER_SECONDS = 120, LAYER_SECONDS = 10;

static const char *const modes[] = { "power", "crash", NULL };
static int mode;                 /* 0 power, 1 crash */
static long cuts = 20, write_ms = 500, seed = 1;
static double budget_seconds = 60;
static const char *work, *reader, *layer, *flags_text = "", *log_path;

/* Every round's acknowledgements, by thread: the harness's clock at each. */
struct thread_acks { long n, cap; double *at; };
static struct round {
	long number;
	double cut_at;
	struct thread_acks t[MAX_THREADS];
} *rounds;
static long nrounds;

static char *violation;          /* the first promise broken, in words */
static char *db_dir, *disk_dir;  /* the writer's path, and where the bytes are */
static pid_t layer_pid = -1;
static int layer_in = -1, layer_out = -1;  /* the layer's stdin and stdout */

/* The cut moments are a function of --seed alone. */
static double uniform(void)
{
	static uint64_t state;
	static int seeded;
	if (!seeded) {
		state = (uint64_t)seed;
		seeded = 1;
	}
	return rng_uniform(&state);
}

/* Every process under this one but SPARE: SIGKILL, until none is left.  0; 1 when
 * SPARE died; -1 when some process would not end. */
static int kill_tree(pid_t spare)
{
	int spare_died = 0;
	for (int pass = 0; pass < 1000; pass++) {
		int found = 0;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", (int)getpid());
		DIR *tasks = opendir(path);
		struct dirent *e;
		while (tasks && (e = readdir(tasks))) {
			if (e->d_name[0] == '.')
				continue;
			char file[384];
			snprintf(file, sizeof file, "%s/%s/children", path, e->d_name);
			FILE *f = fopen(file, "r");
			long pid;
			while (f && fscanf(f, "%ld", &pid) == 1)
				if ((pid_t)pid != spare) {
					/* its own children first, while it cannot fork more */
					kill((pid_t)pid, SIGSTOP);
					kill(-(pid_t)pid, SIGKILL);
					kill((pid_t)pid, SIGKILL);
					found = 1;
				}
			if (f)
				fclose(f);
		}
		if (tasks)
			closedir(tasks);
		pid_t r;
		while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
			spare_died |= r == spare;
		if (!found)
			return spare_died;
		usleep(1000);
	}
	return -1;
}

/* The writer's processes, all of them, between cuts: the layer stays. */
static void kill_descendants(void)
{
	int r = kill_tree(layer_pid);
	if (r == 1)
		die(EXIT_SYSTEM, "the power-cut layer died");
	if (r < 0)
		die(EXIT_SYSTEM, "the writer's processes did not end after SIGKILL");
}

/* At any exit, a failed one above all: nothing this check started lives on, and no
 * layer is left mounted under the work directory. */
static void end_everything(void)
{
	kill_tree(0);
	if (layer_pid > 0)
		umount2(db_dir, MNT_DETACH);
}

/* A line from the layer within LAYER_SECONDS, or NULL: a layer that hangs (a FUSE
 * request that never ends) must not hang the check.  Byte by byte: a line per command. */
static char *layer_line(char *line, size_t size)
{
	double deadline = now_s() + LAYER_SECONDS;
	size_t used = 0;
	while (used < size - 1) {
		struct pollfd p = { layer_out, POLLIN, 0 };
		double left = deadline - now_s();
		if (left <= 0 || (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR))
			return NULL;
		if (!p.revents)
			continue;
		if (read(layer_out, line + used, 1) != 1)
			return NULL;
		if (line[used++] == '\n')
			break;
	}
	line[used] = '\0';
	return line;
}

static void layer_start(void)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		die(EXIT_SYSTEM, "pipe: %s", strerror(errno));
	if ((layer_pid = fork()) < 0)
		die(EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (layer_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(layer, layer, disk_dir, db_dir, (char *)NULL);
		fprintf(stderr, "crash-check: %s: %s\n", layer, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	layer_in = in[1];
	layer_out = out[0];
	char line[128];
	if (!layer_line(line, sizeof line) || strcmp(line, "ready\n") != 0)
		die(EXIT_SYSTEM, "the power-cut layer did not mount at %s within %.0f s (%s)", db_dir, LAYER_SECONDS, layer);
}

/* The power cut: the layer drops what no sync made durable; "cut files=N bytes=M". */
static void layer_cut(long *files, long long *bytes)
{
	char line[128];
	if (write(layer_in, "cut\n", 4) != 4 || !layer_line(line, sizeof line)
	    || sscanf(line, "cut files=%ld bytes=%lld", files, bytes) != 2)
		die(EXIT_SYSTEM, "the power-cut layer did not answer its cut within %.0f s", LAYER_SECONDS);
}

/* EOF on its stdin unmounts; a layer still there after LAYER_SECONDS is killed at exit. */
static void layer_stop(void)
{
	close(layer_in);
	close(layer_out);
	double deadline = now_s() + LAYER_SECONDS;
	int st = 0;
	pid_t r;
	while ((r = waitpid(layer_pid, &st, WNOHANG)) == 0 && now_s() < deadline)
		usleep(10000);
	if (r != layer_pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(EXIT_SYSTEM, "the power-cut layer did not unmount %s cleanly within %.0f s", db_dir, LAYER_SECONDS);
	layer_pid = -1;
}

static pid_t writer_start(char **cmd, int ncmd, int ack_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		die(EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644), null = open("/dev/null", O_RDONLY);
	dup2(null, 0);
	dup2(log, 1);
	dup2(log, 2);
	if (ack_fd == 3)
		fcntl(3, F_SETFD, 0);
	else
		dup2(ack_fd, 3);
	char **argv = xmalloc((size_t)(ncmd + 1) * sizeof *argv);
	for (int i = 0; i < ncmd; i++) {
		char *at = strstr(cmd[i], "{db}");
		argv[i] = at ? xasprintf("%.*s%s%s", (int)(at - cmd[i]), cmd[i], db_dir, at + 4) : cmd[i];
	}
	argv[ncmd] = NULL;
	execvp(argv[0], argv);
	fprintf(stderr, "crash-check: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void broken(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void broken(const char *fmt, ...)
{
	if (violation)
		return;
	va_list ap;
	va_start(ap, fmt);
	violation = xvasprintf(fmt, ap);
	va_end(ap);
}

/* One line from the writer: "round R" first, then "T S" in each thread's order.
 * 1 when it was an acknowledgement, taken. */
static int take_ack(struct round *r, const char *line, double at, long cut_no)
{
	long a, b;
	char extra;
	if (r->number < 0) {
		if (sscanf(line, "round %ld %c", &a, &extra) != 1 || a < 0 || a >= MAX_ROUNDS
		    || (nrounds > 1 && a <= rounds[nrounds - 2].number))
			broken("cut %ld: the writer's first line \"%.60s\" is not the next round (the candidate's code wrote on the writer's acknowledgements)", cut_no, line);
		else
			r->number = a;
		return 0;
	}
	if (sscanf(line, "%ld %ld %c", &a, &b, &extra) != 2 || a < 0 || a >= MAX_THREADS || b != r->t[a].n) {
		broken("cut %ld: the writer's acknowledgement \"%.60s\" is out of order (each thread's writes are acknowledged 0, 1, 2, …: the candidate's code held one back, dropped one or wrote on them)", cut_no, line);
		return 0;
	}
	struct thread_acks *t = &r->t[a];
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->at = xrealloc(t->at, (size_t)t->cap * sizeof *t->at);
	}
	t->at[t->n++] = at;
	return 1;
}

/* The writer's pipe until EOF (every writer process gone) or DEADLINE; cuts at CUT_AT
 * (absolute; 0: not yet known, set from the first acknowledgement). */
static void run_round(struct round *r, int ack_fd, long cut_no, long *files, long long *bytes)
{
	char buf[65536], line[256];
	size_t used = 0;
	double start = now_s(), first_ack = 0, deadline = start + FIRST_ACK_SECONDS;
	int cut = 0;
	for (;;) {
		double now = now_s();
		if (!cut && first_ack > 0 && now >= r->cut_at) {
			r->cut_at = now;
			if (mode == 0)
				layer_cut(files, bytes);
			kill_descendants();
			cut = 1;
			deadline = now_s() + DRAIN_SECONDS;
		}
		if (now >= deadline) {
			if (!cut)
				broken("cut %ld: the writer acknowledged no write within %.0f s (see %s)", cut_no, FIRST_ACK_SECONDS, log_path);
			kill_descendants();
			return;
		}
		double until = cut || first_ack == 0 ? deadline : r->cut_at;
		struct pollfd p = { ack_fd, POLLIN, 0 };
		int ms = (int)((until - now) * 1000) + 1;
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			die(EXIT_SYSTEM, "poll: %s", strerror(errno));
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(ack_fd, buf, sizeof buf);
		double at = now_s();
		if (n <= 0) {   /* every writer process is gone */
			if (!cut && first_ack == 0)
				broken("cut %ld: the writer ended before acknowledging a write (see %s)", cut_no, log_path);
			if (!cut) {
				if (mode == 0)
					layer_cut(files, bytes);
				r->cut_at = at;
			}
			kill_descendants();
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof line - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = '\0';
			used = 0;
			if (take_ack(r, line, at, cut_no) && first_ack == 0) {
				first_ack = at;
				r->cut_at = at + uniform() * (double)write_ms / 1000;
			}
		}
		if (violation) {   /* the acknowledgements broke their order: no cut can tell more */
			kill_descendants();
			return;
		}
	}
}

/* The rounds to read back, one "ROUND THREAD ACKNOWLEDGED" line a thread, in a
 * file of WORK: the last round, or every round (ALL).  Returns its path. */
static char *acks_file(int all)
{
	char *path = xasprintf("%s/acks.txt", work);
	FILE *acks = fopen(path, "w");
	if (!acks)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	for (long i = all ? 0 : nrounds - 1; i < nrounds; i++)
		for (int t = 0; t < MAX_THREADS; t++)
			if (rounds[i].number >= 0 && rounds[i].t[t].n > 0)
				fprintf(acks, "%ld %d %ld\n", rounds[i].number, t, rounds[i].t[t].n);
	if (fclose(acks) != 0)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	return path;
}

/* Pristine's reader over the database with ACKS on its stdin: all it printed,
 * within READER_SECONDS; the check cannot go on without it. */
static char *reader_output(const char *acks, long cut_no)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC))
		die(EXIT_SYSTEM, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		int in = open(acks, O_RDONLY);
		dup2(in, 0);
		dup2(out[1], 1);
		char *argv[256] = { (char *)reader, "--check", xasprintf("--db=%s", disk_dir) };
		int n = 3;
		char *words = xstrdup(flags_text);
		for (char *w = strtok(words, " \t\n"); w && n < 255; w = strtok(NULL, " \t\n"))
			argv[n++] = w;
		execv(reader, argv);
		fprintf(stderr, "crash-check: %s: %s\n", reader, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	char *text = NULL;
	size_t len = 0;
	double deadline = now_s() + READER_SECONDS;
	struct pollfd p = { out[0], POLLIN, 0 };
	while (now_s() < deadline && poll(&p, 1, 1000) >= 0) {
		if (!p.revents)
			continue;
		char chunk[4096];
		ssize_t n = read(out[0], chunk, sizeof chunk);
		if (n <= 0)
			break;
		text = xrealloc(text, len + (size_t)n + 1);
		memcpy(text + len, chunk, (size_t)n);
		text[len += (size_t)n] = '\0';
	}
	int late = now_s() >= deadline, st;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(out[0]);
	if (late)
		die(EXIT_SYSTEM, "pristine's reader (%s) did not finish within %.0f s after cut %ld", reader, READER_SECONDS, cut_no);
	if (!text || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(EXIT_SYSTEM, "pristine's reader (%s) failed after cut %ld (exit %d)", reader, cut_no,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return text;
}

/* The first write of round R's thread T that the reader did not find, in words:
 * its key, and how long before which cut it was acknowledged. */
static char *missing_write(long r, long t, long first, const char *key)
{
	struct round *own = NULL, *cut_round = &rounds[nrounds - 1];
	for (long i = 0; i < nrounds; i++)
		if (rounds[i].number == r)
			own = &rounds[i];
	/* An acknowledgement read after the cut was ordered was written before it took
	 * effect: the write's sync had returned (after a cut, syncs fail). */
	double before = own && first < own->t[t].n ? own->cut_at - own->t[t].at[first] : 0;
	const char *which = own == cut_round ? "the cut" : "an earlier cut";
	char *when = before >= 0.0005 ? xasprintf("%.3f s before %s", before, which) : xasprintf("at the moment of %s", which);
	char *miss = xasprintf("write %ld of thread %ld (key %s) was acknowledged %s%s, "
			       "and pristine's build does not find it with its value after reopening the database",
			       first, t, key, when, own == cut_round ? "" : " and found after it");
	free(when);
	return miss;
}

/* Pristine's reader: how many of each thread's acknowledged writes the database
 * holds, of the last round (after each cut) or of every round (ALL: after the
 * last, so a write lost after its own cut is found missing too, without reading
 * every round again at every cut).  Sets violation at the first missing one. */
static void read_back(long cut_no, int all, long *acked, long *found)
{
	char *acks = acks_file(all), *text = reader_output(acks, cut_no), *miss = NULL;
	if (strncmp(text, "unopenable ", 11) == 0) {
		text[strcspn(text, "\n")] = '\0';
		broken("cut %ld of %ld: pristine's build cannot open the database after it: %.300s", cut_no, cuts, text + 11);
	} else {
		long missing = 0, r, t, n, got, first;
		char key[1100];
		*acked = *found = 0;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			if (sscanf(line, "%ld %ld %ld %ld %ld %1099s", &r, &t, &n, &got, &first, key) != 6 || t < 0 || t >= MAX_THREADS)
				die(EXIT_SYSTEM, "pristine's reader wrote \"%.80s\", not \"ROUND THREAD ACKED FOUND FIRST KEY\"", line);
			*acked += n;
			*found += got;
			missing += n - got;
			if (got < n && !miss)
				miss = missing_write(r, t, first, key);
		}
		if (miss)
			broken("%s %ld of %ld: %s; %ld of %ld acknowledged writes are missing",
			       mode == 0 ? "power cut" : "kill -9", cut_no, cuts, miss, missing, *acked);
	}
	free(miss);
	free(text);
	free(acks);
}

static void run_cut(long cut_no, char **cmd, int ncmd, long *files, long long *bytes)
{
	rounds = xrealloc(rounds, (size_t)(nrounds + 1) * sizeof *rounds);
	struct round *r = memset(&rounds[nrounds++], 0, sizeof *rounds);
	r->number = -1;
	/* Both ends close on exec: only the writer's descriptor 3 (dup2) stays open. */
	int ack[2];
	if (pipe2(ack, O_CLOEXEC))
		die(EXIT_SYSTEM, "pipe: %s", strerror(errno));
	if (mode == 0)
		layer_start();
	writer_start(cmd, ncmd, ack[1]);
	close(ack[1]);
	long f = 0;
	long long b = 0;
	run_round(r, ack[0], cut_no, &f, &b);
	close(ack[0]);
	*files += f;
	*bytes += b;
	if (mode == 0)
		layer_stop();
}

int main(int argc, char **argv)
{
	struct opt_spec specs[] = {
		{ OPT_CHOICE("mode", "MODE", &mode, modes, NULL, "power: the power is cut under the database; crash: the writer is killed (SIGKILL)") },
		{ OPT_LONG("cuts", "K", &cuts, 0, MAX_ROUNDS - 1, "AIOPT_CRASH_CUTS", "cuts, each after a random time of writing (0: the stage checks nothing)") },
		{ OPT_LONG("write-ms", "MS", &write_ms, 0, 600000, "AIOPT_CRASH_WRITE_MS", "the longest time of writing before a cut, ms from the first acknowledgement") },
		{ OPT_LONG("seed", "N", &seed, 1, 1L << 62, NULL, "the random moments' seed") },
		{ OPT_DOUBLE("seconds", "S", &budget_seconds, 1, 86400, NULL, "the check's time: past it, no further cut starts and the check is incomplete") },
		{ OPT_STRING("work", "DIR", &work, NULL, "an empty directory for the database (on the run's disk)"), .required = 1 },
		{ OPT_STRING("reader", "PATH", &reader, NULL, "pristine's ack-writer: it reads the database back"), .required = 1 },
		{ OPT_STRING("layer", "PATH", &layer, NULL, "powercut, the power-cut layer (--mode power)") },
		{ OPT_STRING("flags", "TEXT", &flags_text, NULL, "the workload's db_bench flags, for the reader as for the writer") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "crash-check",
		.operands = "-- WRITER-COMMAND...",
		.summary = "Cuts the power under a writer (or kills it) at K random moments and has pristine's reader\n"
		"look for every acknowledged write after each; one JSON object: cuts, keys acknowledged\n"
		"and found, seconds, and the first promise broken (\"violation\", else null).",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first >= argc)
		die(EXIT_USAGE, "no writer command after --");
	if (cuts == 0)
		die(EXIT_USAGE, "--cuts 0: nothing to check (AIOPT_CRASH_CUTS=0 turns the crash stage off before this program)");
	if (mode == 0 && !layer)
		die(EXIT_USAGE, "--mode power needs --layer (powercut)");
	if (access(reader, X_OK) != 0)
		die(EXIT_USAGE, "--reader %s: %s", reader, strerror(errno));
	log_path = xasprintf("%s/writer.log", work);
	disk_dir = xasprintf("%s/disk", work);
	db_dir = xasprintf("%s/db.XXXXXX", work);
	if (mkdir(disk_dir, 0755) != 0 || !mkdtemp(db_dir))
		die(EXIT_USAGE, "--work %s: cannot make the database's directories there: %s", work, strerror(errno));
	if (mode == 1) {
		rmdir(db_dir);
		if (rename(disk_dir, db_dir) != 0)
			die(EXIT_SYSTEM, "%s: %s", db_dir, strerror(errno));
		free(disk_dir);
		disk_dir = xstrdup(db_dir);
	}
	/* Orphans of the writer's processes come here, to be killed with the rest. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die(EXIT_SYSTEM, "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
	atexit(end_everything);
	signal(SIGPIPE, SIG_IGN);
	double t0 = now_s();
	long done = 0, acked = 0, found = 0, files = 0;
	long long bytes = 0;
	while (done < cuts && !violation && now_s() - t0 < budget_seconds) {
		done++;
		run_cut(done, argv + first, argc - first, &files, &bytes);
		if (!violation)
			read_back(done, 0, &acked, &found);
	}
	if (!violation && done > 0)
		read_back(done, 1, &acked, &found);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "mode", modes[mode]);
	cJSON_AddNumberToObject(out, "cuts", (double)cuts);
	cJSON_AddNumberToObject(out, "cuts_done", (double)done);
	cJSON_AddNumberToObject(out, "keys_acknowledged", (double)acked);
	cJSON_AddNumberToObject(out, "keys_found", (double)found);
	cJSON_AddNumberToObject(out, "seconds", now_s() - t0);
	cJSON_AddNumberToObject(out, "write_ms", (double)write_ms);
	cJSON_AddNumberToObject(out, "seed", (double)seed);
	if (mode == 0) {
		cJSON *l = cJSON_AddObjectToObject(out, "layer");
		cJSON_AddNumberToObject(l, "files_rolled_back", (double)files);
		cJSON_AddNumberToObject(l, "bytes_dropped", (double)bytes);
	}
	if (!violation && done < cuts)
		violation = xasprintf("the check's %g s ran out after %ld of %ld cuts: the writer is too slow to be checked (AIOPT_CRASH_SECONDS)", budget_seconds, done, cuts);
	if (violation)
		cJSON_AddStringToObject(out, "violation", violation);
	else
		cJSON_AddNullToObject(out, "violation");
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	return 0;
}

/* parse-offcpu — where a program's threads wait, from bperf or mainline perf.
 *
 * Two inputs, told apart by their shape:
 *  - `perf script` output of `perf record -e task-clock -e sched:sched_switch -g`
 *    (mainline perf, Debian's linux-perf).  On-CPU time: task-clock samples times
 *    their period.  Off-CPU time: from each sched_switch that takes a thread off
 *    the CPU to that thread's next recorded event (per-task recording sees a
 *    thread leave the CPU but not come back, so an interval can include up to
 *    one task-clock period of running).  The class comes from the kernel stack
 *    it blocked in: I/O (io_schedule, fsync paths), lock (futex), scheduling
 *    (preempted while runnable), other (sleeps, polls).
 *  - `bperf report` output, whose samples are marked [.] user, [k] kernel on-CPU,
 *    [I] I/O, [L] lock, [S] scheduling, [B] other blocked.
 * The output says which source it used; the fallback is never called bperf.
 * off_cpu_ratio is null, not 0, when the recording has no sched_switch event (the
 * off-CPU time is unknown, not zero).  Its 95 % interval comes from the ratio in
 * one-second windows (a t interval over the windows): score compares two
 * profiles only through their intervals. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/inputs.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/run.h"
#include "lib/source.h"
#include "lib/stats.h"
#include "lib/strmap.h"
#include "lib/util.h"

enum class { IO, LOCK, SCHED, OTHER, NCLASSES };
static const char *const class_names[NCLASSES] = { "io", "lock", "scheduling", "other" };

struct options {
	long top;
	struct context_option context;
	int resolve;        /* file:line through addr2line */
	const char *thread_with;   /* count only threads whose stacks ever hold this */
};

/* A blocking site: the innermost user frame of the program (not a library). */
struct site {
	enum class cls;
	double seconds;
	long events;
	char *frame;        /* "sym+0x12 (/path/dso)" as perf prints it */
	char *dso;
	char *addr;         /* the address perf printed for that frame */
	char *stack;        /* up to 6 user frames, innermost first, " <- " joined */
};

struct thread {
	int off;            /* switched out, not seen since */
	double off_since;
	enum class cls;
	size_t site;        /* index in sites */
	int focus;          /* its stacks held --thread-with's symbol */
	double on_s, off_s, class_s[NCLASSES];
	double *win_on, *win_off;   /* seconds in each window since the first event */
	size_t nwin;
};

/* Windows for off_cpu_ratio's interval; a recording longer than MAX_WINDOWS
 * windows puts the rest in the last one (memory stays bounded). */
static const double WINDOW_SECONDS = 1.0;
enum { MAX_WINDOWS = 100000 };

/* Seconds of one thread at one site: summed over the threads that count at the end. */
struct thread_site {
	size_t thread, site;
	double seconds;
	long events;
};

struct state {
	const char *source;
	struct strmap tids;
	struct thread *thread;
	size_t thread_cap;
	struct strmap site_keys;
	struct site *site;
	size_t site_cap;
	struct strmap ts_keys;
	struct thread_site *ts;
	size_t ts_cap;
	const char *thread_with;
	double on_cpu_s, off_cpu_s, class_s[NCLASSES];
	double first_t, last_t;
	long switches, samples;
	cJSON *warnings;
};

/* ---- one perf script event: header + stack lines ---------------------------------- */

struct frame {
	char *addr, *sym, *dso;
};

struct event {
	char tid[32];
	double t;
	int is_switch, is_clock;
	double period;
	char prev_state[8];
	struct frame f[128];
	int nf;
};

static void event_clear(struct event *e)
{
	for (int i = 0; i < e->nf; i++) {
		free(e->f[i].addr);
		free(e->f[i].sym);
		free(e->f[i].dso);
	}
	memset(e, 0, sizeof *e);
}

/* "blocker  6915 [001]  4107.772011: sched:sched_switch: prev_comm=… prev_state=D ==> …"
 * "blocker  6916  4107.774972:    1000000         task-clock: "
 * The comm may hold spaces: find the time ("123.456789:") and read the tid before it. */
static int parse_header(const char *line, struct event *e)
{
	const char *colon = line;
	const char *time_at = NULL;
	while ((colon = strchr(colon, ':')) != NULL) {
		const char *s = colon;
		while (s > line && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))
			s--;
		if (s < colon && s > line && s[-1] == ' ' && memchr(s, '.', (size_t)(colon - s))) {
			time_at = s;
			break;
		}
		colon++;
	}
	if (!time_at)
		return -1;
	e->t = strtod(time_at, NULL);
	/* back over "[cpu]" and spaces to the tid (or pid/tid) */
	const char *p = time_at;
	while (p > line && p[-1] == ' ')
		p--;
	if (p > line && p[-1] == ']') {
		while (p > line && p[-1] != '[')
			p--;
		if (p > line)
			p--;
		while (p > line && p[-1] == ' ')
			p--;
	}
	const char *end = p;
	while (p > line && (isdigit((unsigned char)p[-1]) || p[-1] == '/'))
		p--;
	if (p == end)
		return -1;
	const char *slash = memchr(p, '/', (size_t)(end - p));
	const char *tid = slash ? slash + 1 : p;
	snprintf(e->tid, sizeof e->tid, "%.*s", (int)(end - tid), tid);
	const char *rest = colon + 1;
	if (strstr(rest, "sched:sched_switch:")) {
		e->is_switch = 1;
		const char *st = strstr(rest, "prev_state=");
		if (st)
			snprintf(e->prev_state, sizeof e->prev_state, "%.*s", (int)strcspn(st + 11, " "), st + 11);
	} else if (strstr(rest, "task-clock") || strstr(rest, "cpu-clock")) {
		e->is_clock = 1;
		char *after;
		double v = strtod(rest, &after);
		e->period = after != rest ? v : NAN;
	}
	/* only the two events the recording is made of: "0 .:" is not an event */
	return e->is_switch || e->is_clock ? 0 : -1;
}

/* "\tffffffff82265488 __schedule+0x628 ([kernel.kallsyms])" */
static void parse_frame(const char *line, struct event *e)
{
	if (e->nf == (int)(sizeof e->f / sizeof e->f[0]))
		return;
	const char *s = line + strspn(line, " \t");
	size_t n = strcspn(s, " ");
	const char *sym = s + n + strspn(s + n, " ");
	const char *open = strrchr(sym, '(');
	const char *close = open ? strrchr(open, ')') : NULL;
	struct frame *f = &e->f[e->nf++];
	f->addr = strndup(s, n);
	f->sym = open ? strndup(sym, (size_t)(open - sym)) : xstrdup(sym);
	size_t sl = strlen(f->sym);
	while (sl && f->sym[sl - 1] == ' ')
		f->sym[--sl] = '\0';
	f->dso = open && close ? strndup(open + 1, (size_t)(close - open - 1)) : xstrdup("");
}

static int is_kernel(const struct frame *f)
{
	return strstr(f->dso, "kernel") != NULL || strncmp(f->addr, "ffffffff", 8) == 0;
}

static int is_library(const struct frame *f)
{
	return strstr(f->dso, ".so") != NULL || strcmp(f->dso, "inlined") == 0 || strcmp(f->dso, "[unknown]") == 0 ||
	       f->dso[0] == '\0';
}

static enum class classify(const struct event *e)
{
	if (e->prev_state[0] == 'R')
		return SCHED;   /* preempted while runnable */
	for (int i = 0; i < e->nf && is_kernel(&e->f[i]); i++) {
		const char *s = e->f[i].sym;
		if (strstr(s, "io_schedule") || strstr(s, "fsync") || strstr(s, "fdatasync") ||
		    strstr(s, "wait_on_page") || strstr(s, "folio_wait") || strstr(s, "blkdev") ||
		    strstr(s, "jbd2") || strstr(s, "submit_bio") || strstr(s, "ext4_sync"))
			return IO;
		if (strstr(s, "futex"))
			return LOCK;
	}
	return OTHER;
}

static struct thread *thread_of(struct state *st, const char *tid)
{
	return strmap_value(&st->tids, tid, (void **)&st->thread, &st->thread_cap, sizeof *st->thread, NULL);
}

static size_t site_of(struct state *st, const struct event *e, enum class cls)
{
	/* the innermost frame of the program itself, else the innermost user frame */
	int inner = -1, first_user = -1;
	for (int i = 0; i < e->nf; i++) {
		if (is_kernel(&e->f[i]))
			continue;
		if (first_user < 0)
			first_user = i;
		if (!is_library(&e->f[i])) {
			inner = i;
			break;
		}
	}
	if (inner < 0)
		inner = first_user;
	char *frame = inner < 0 ? xstrdup("[kernel only]")
				: xasprintf("%s (%s)", e->f[inner].sym, e->f[inner].dso);
	/* The site is the call path, not only its last frame: a Sync from the WAL and
	 * one from opening the DB must not share a line. */
	char *k = xasprintf("%d|%s", (int)cls, frame);
	for (int j = inner + 1, extra = 0; inner >= 0 && j < e->nf && extra < 3; j++) {
		if (is_kernel(&e->f[j]))
			continue;
		char *longer = xasprintf("%s|%s", k, e->f[j].sym);
		free(k);
		k = longer;
		extra++;
	}
	int added;
	struct site *site = strmap_value(&st->site_keys, k, (void **)&st->site, &st->site_cap, sizeof *st->site, &added);
	size_t i = (size_t)(site - st->site);
	free(k);
	if (added) {
		char *stack = xstrdup("");
		int shown = 0;
		for (int j = inner < 0 ? e->nf : inner; j < e->nf && shown < 6; j++) {
			if (is_kernel(&e->f[j]))
				continue;
			char *next = xasprintf("%s%s%s", stack, shown ? " <- " : "", e->f[j].sym);
			free(stack);
			stack = next;
			shown++;
		}
		st->site[i] = (struct site){ cls, 0, 0, frame,
			inner < 0 ? NULL : xstrdup(e->f[inner].dso), inner < 0 ? NULL : xstrdup(e->f[inner].addr), stack };
	} else {
		free(frame);
	}
	return i;
}

static size_t window_of(const struct state *st, double t)
{
	double w = floor((t - st->first_t) / WINDOW_SECONDS);
	return w <= 0 ? 0 : w >= MAX_WINDOWS - 1 ? MAX_WINDOWS - 1 : (size_t)w;
}

static void window_grow(struct thread *th, size_t w)
{
	if (w < th->nwin)
		return;
	size_t n = th->nwin ? th->nwin : 16;
	while (n <= w)
		n *= 2;
	n = n > MAX_WINDOWS ? MAX_WINDOWS : n;
	th->win_on = xrealloc(th->win_on, n * sizeof *th->win_on);
	th->win_off = xrealloc(th->win_off, n * sizeof *th->win_off);
	for (size_t i = th->nwin; i < n; i++)
		th->win_on[i] = th->win_off[i] = 0;
	th->nwin = n;
}

/* Off-CPU seconds [from, to) of a thread, split over the windows they cross. */
static void add_off_span(const struct state *st, struct thread *th, double from, double to)
{
	while (from < to) {
		size_t w = window_of(st, from);
		double end = w == MAX_WINDOWS - 1 ? to : st->first_t + (double)(w + 1) * WINDOW_SECONDS;
		double upto = end < to ? end : to;
		window_grow(th, w);
		th->win_off[w] += upto - from;
		from = upto > from ? upto : to;
	}
}

static void close_interval(struct state *st, struct thread *th, double t)
{
	if (!th->off)
		return;
	double d = t - th->off_since;
	if (d > 0) {
		add_off_span(st, th, th->off_since, t);
		th->off_s += d;
		th->class_s[th->cls] += d;
		char key[64];
		snprintf(key, sizeof key, "%zu|%zu", (size_t)(th - st->thread), th->site);
		struct thread_site *x = strmap_value(&st->ts_keys, key, (void **)&st->ts, &st->ts_cap, sizeof *st->ts, NULL);
		x->thread = (size_t)(th - st->thread);
		x->site = th->site;
		x->seconds += d;
		x->events++;
	}
	th->off = 0;
}

static void add_event(struct state *st, const struct event *e)
{
	if (isnan(st->first_t) || e->t < st->first_t)
		st->first_t = e->t;
	if (isnan(st->last_t) || e->t > st->last_t)
		st->last_t = e->t;
	struct thread *th = thread_of(st, e->tid);
	close_interval(st, th, e->t);   /* any event of the thread: it is running again */
	for (int i = 0; st->thread_with && !th->focus && i < e->nf; i++)
		th->focus = strstr(e->f[i].sym, st->thread_with) != NULL;
	if (e->is_clock) {
		st->samples++;
		if (!isnan(e->period)) {
			size_t w = window_of(st, e->t);
			window_grow(th, w);
			th->win_on[w] += e->period / 1e9;
			th->on_s += e->period / 1e9;
		}
	} else if (e->is_switch) {
		st->switches++;
		enum class cls = classify(e);
		th->off = 1;
		th->off_since = e->t;
		th->cls = cls;
		th->site = site_of(st, e, cls);
	}
}

/* ---- bperf report lines: "  12.34%  db_bench  libc.so.6  [I] fdatasync" ------------- */

static int bperf_line(struct state *st, const char *line, double *total_pct)
{
	const char *s = line + strspn(line, " \t");
	char *end;
	double pct = strtod(s, &end);
	if (end == s || *end != '%')
		return 0;
	/* the sample mark: " [I] " — not the "[kernel.kallsyms]" dso before it */
	const char *mark = end;
	while ((mark = strstr(mark, " [")) != NULL &&
	       !(mark[2] && strchr(".kILSB", mark[2]) && mark[3] == ']' && mark[4] == ' '))
		mark++;
	if (!mark)
		return 0;
	*total_pct += pct;
	char m = mark[2];
	if (m == '.' || m == 'k')
		return 1;
	enum class cls = m == 'I' ? IO : m == 'L' ? LOCK : m == 'S' ? SCHED : OTHER;
	st->class_s[cls] += pct;   /* percentages: turned into shares at the end */
	st->off_cpu_s += pct;
	const char *sym = mark + 4;
	sym += strspn(sym, " ");
	/* "comm  dso" between the percentage and the mark */
	char *middle = strndup(end + 1, (size_t)(mark - end - 1));
	char *save = NULL;
	strtok_r(middle, " \t", &save);   /* the comm */
	char *dso = strtok_r(NULL, " \t", &save);
	char *frame = xasprintf("%s (%s)", sym, dso ? dso : "?");
	char *key = xasprintf("%d|%s", (int)cls, frame);
	int added;
	struct site *site = strmap_value(&st->site_keys, key, (void **)&st->site, &st->site_cap, sizeof *st->site, &added);
	if (added)
		*site = (struct site){ cls, 0, 0, frame, NULL, NULL, xstrdup(sym) };
	else
		free(frame);
	site->seconds += pct;
	site->events++;
	free(key);
	free(middle);
	return 1;
}

/* ---- file:line for the top sites: one addr2line per binary ---------------------------- */

static char *addr2line(const char *dso, const char *addr)
{
	if (!dso || !addr || dso[0] != '/' || access(dso, R_OK) != 0)
		return NULL;
	char a[64];
	snprintf(a, sizeof a, "0x%s", addr);
	char *argv[] = { "addr2line", "-i", "-e", (char *)dso, a, NULL };
	int status;
	char *out = run_capture(argv, 1 << 16, &status);   /* an inline chain: a few lines */
	if (!out || status != 0) {
		free(out);
		return NULL;
	}
	/* -i lists the inline chain, innermost first: the first line that is not in a
	 * system header is the program's own source. */
	char *save = NULL, *first = NULL, *own = NULL;
	for (char *l = strtok_r(out, "\n", &save); l && !own; l = strtok_r(NULL, "\n", &save)) {
		l[strcspn(l, " ")] = '\0';
		if (l[0] == '?' || !strchr(l, ':'))
			continue;
		if (!first)
			first = l;
		if (strncmp(l, "/usr/", 5) != 0)
			own = l;
	}
	char *location = own ? xstrdup(own) : first ? xstrdup(first) : NULL;
	free(out);
	return location;
}

/* ---- output ------------------------------------------------------------------------------ */

/* The 95 % interval of off_cpu_ratio over the counted threads' windows, or null. */
static cJSON *ratio_interval(const struct state *st)
{
	size_t nwin = 0;
	for (size_t i = 0; i < st->tids.count; i++)
		if (!st->thread_with || st->thread[i].focus)
			nwin = st->thread[i].nwin > nwin ? st->thread[i].nwin : nwin;
	double *r = xmalloc((nwin ? nwin : 1) * sizeof *r), mean = 0, var = 0;
	size_t n = 0;
	for (size_t w = 0; w < nwin; w++) {
		double on = 0, off = 0;
		for (size_t i = 0; i < st->tids.count; i++) {
			const struct thread *th = &st->thread[i];
			if ((st->thread_with && !th->focus) || w >= th->nwin)
				continue;
			on += th->win_on[w];
			off += th->win_off[w];
		}
		if (on + off > 0)
			r[n++] = off / (on + off);
	}
	cJSON *ci = NULL;
	if (n >= 3) {
		for (size_t i = 0; i < n; i++)
			mean += r[i];
		mean /= (double)n;
		for (size_t i = 0; i < n; i++)
			var += (r[i] - mean) * (r[i] - mean);
		double half = t975((long)n - 1) * sqrt(var / (double)(n - 1) / (double)n);
		ci = cJSON_CreateObject();
		cJSON_AddNumberToObject(ci, "low", mean - half < 0 ? 0 : mean - half);
		cJSON_AddNumberToObject(ci, "high", mean + half > 1 ? 1 : mean + half);
		cJSON_AddNumberToObject(ci, "windows", (double)n);
		cJSON_AddNumberToObject(ci, "window_seconds", WINDOW_SECONDS);
	}
	free(r);
	return ci ? ci : cJSON_CreateNull();
}

static int by_seconds(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : strcmp(x->frame, y->frame);
}

/* perf's totals, summed over the threads counted (all, or those --thread-with
 * names), into out; returns the seconds on and off CPU. */
static double perf_totals(struct state *st, cJSON *out)
{
	size_t counted = 0;
	for (size_t i = 0; i < st->tids.count; i++) {
		struct thread *th = &st->thread[i];
		close_interval(st, th, st->last_t);   /* still off at the end */
		if (st->thread_with && !th->focus)
			continue;
		counted++;
		st->on_cpu_s += th->on_s;
		st->off_cpu_s += th->off_s;
		for (int c = 0; c < NCLASSES; c++)
			st->class_s[c] += th->class_s[c];
	}
	for (size_t i = 0; i < st->ts_keys.count; i++) {
		const struct thread_site *x = &st->ts[i];
		if (st->thread_with && !st->thread[x->thread].focus)
			continue;
		st->site[x->site].seconds += x->seconds;
		st->site[x->site].events += x->events;
	}
	double total = st->on_cpu_s + st->off_cpu_s;
	cJSON_AddNumberToObject(out, "threads", (double)counted);
	if (st->thread_with) {
		cJSON_AddStringToObject(out, "threads_with", st->thread_with);
		cJSON_AddNumberToObject(out, "threads_seen", (double)st->tids.count);
	}
	json_add_number_or_null(out, "seconds", isnan(st->first_t) ? NAN : st->last_t - st->first_t);
	cJSON_AddNumberToObject(out, "on_cpu_seconds", st->on_cpu_s);
	cJSON_AddNumberToObject(out, "off_cpu_seconds", st->off_cpu_s);
	/* Without sched_switch events the off-CPU time is unknown, not 0. */
	int known = total > 0 && st->switches > 0;
	json_add_number_or_null(out, "off_cpu_ratio", known ? st->off_cpu_s / total : NAN);
	cJSON_AddItemToObject(out, "off_cpu_ratio_ci", known ? ratio_interval(st) : cJSON_CreateNull());
	cJSON_AddNumberToObject(out, "switches", (double)st->switches);
	cJSON_AddNumberToObject(out, "cpu_samples", (double)st->samples);
	return total;
}

/* One blocking site of the top list, with file:line and its source when asked. */
static cJSON *site_json(struct state *st, const struct options *o, const struct site *s, int is_bperf)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "class", class_names[s->cls]);
	json_add_number_or_null(t, "share_pct", st->off_cpu_s > 0 ? 100 * s->seconds / st->off_cpu_s : NAN);
	if (!is_bperf)
		cJSON_AddNumberToObject(t, "seconds", s->seconds);
	cJSON_AddNumberToObject(t, is_bperf ? "lines" : "events", (double)s->events);
	cJSON_AddStringToObject(t, "frame", s->frame);
	cJSON_AddStringToObject(t, "stack", s->stack);
	char *loc = o->resolve ? addr2line(s->dso, s->addr) : NULL;
	cJSON_AddItemToObject(t, "location", loc ? cJSON_CreateString(loc) : cJSON_CreateString(s->frame));
	if (loc && o->context.root) {
		char *colon = strrchr(loc, ':'), *why = NULL;
		*colon = '\0';
		cJSON *ctx = source_context(o->context.root, loc, strtol(colon + 1, NULL, 10), o->context.around, &why);
		*colon = ':';
		cJSON_AddItemToObject(t, "context", ctx ? ctx : cJSON_CreateNull());
		if (!ctx) {
			warning_add(st->warnings, "--context: %s", why);
			free(why);
		}
	}
	free(loc);
	return t;
}

static void emit(struct state *st, const struct options *o, int is_bperf, double bperf_total)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "source", is_bperf ? "bperf" : "perf");
	cJSON_AddStringToObject(out, "input", st->source);
	cJSON_AddStringToObject(out, "method", is_bperf
		? "bperf blocked samples ([I] [L] [S] [B] marks)"
		: "mainline perf: task-clock samples (on-CPU) and sched_switch to the thread's next event (off-CPU)");
	if (is_bperf)
		json_add_number_or_null(out, "off_cpu_ratio", bperf_total > 0 ? st->off_cpu_s / bperf_total : NAN);
	else
		perf_totals(st, out);
	cJSON *classes = cJSON_AddObjectToObject(out, "classes");
	for (int c = 0; c < NCLASSES; c++) {
		cJSON *k = cJSON_AddObjectToObject(classes, class_names[c]);
		if (!is_bperf)
			cJSON_AddNumberToObject(k, "seconds", st->class_s[c]);
		json_add_number_or_null(k, "share_pct", st->off_cpu_s > 0 ? 100 * st->class_s[c] / st->off_cpu_s : NAN);
	}
	size_t n = st->site_keys.count;
	if (n > 0)   /* qsort(NULL, 0, ...) is undefined */
		qsort(st->site, n, sizeof *st->site, by_seconds);
	cJSON *top = cJSON_AddArrayToObject(out, "top");
	for (size_t i = 0, listed = 0; i < n && (long)listed < o->top; i++) {
		if (st->site[i].events == 0)
			continue;   /* only in threads that do not count */
		listed++;
		cJSON_AddItemToArray(top, site_json(st, o, &st->site[i], is_bperf));
	}
	if (!is_bperf && st->switches == 0)
		warning_add(st->warnings,
			    "no sched_switch events: record with -e sched:sched_switch (as root) to see off-CPU time");
	cJSON_AddItemReferenceToObject(out, "warnings", st->warnings);
	jsonl_write(stdout, out);
	cJSON_Delete(out);
}

enum format { UNKNOWN, PERF_SCRIPT, BPERF_REPORT };

/* Reads the input's events into st; which format it was in (UNKNOWN after five
 * lines of neither). */
static enum format read_events(struct state *st, struct line_reader *lr, double *bperf_total)
{
	struct event *e = xmalloc(sizeof *e);
	memset(e, 0, sizeof *e);
	int in_event = 0;
	enum format format = UNKNOWN;
	long junk = 0;
	while (lr_next(lr) >= 0) {
		const char *l = lr->line;
		if (format != PERF_SCRIPT && bperf_line(st, l, bperf_total)) {
			format = BPERF_REPORT;
			continue;
		}
		if (format == BPERF_REPORT || l[0] == '#')
			continue;
		if (l[0] == '\0') {   /* an event ends */
			if (in_event)
				add_event(st, e);
			event_clear(e);
			in_event = 0;
			continue;
		}
		if (l[0] == '\t' || l[0] == ' ') {   /* a frame of its stack */
			if (in_event)
				parse_frame(l, e);
			continue;
		}
		if (in_event)
			add_event(st, e);
		event_clear(e);
		in_event = parse_header(l, e) == 0;
		if (in_event)
			format = PERF_SCRIPT;
		else if (format == UNKNOWN && ++junk >= 5)
			break;
	}
	if (in_event)
		add_event(st, e);
	event_clear(e);
	free(e);
	return format;
}

static void state_free(struct state *st)
{
	for (size_t i = 0; i < st->site_keys.count; i++) {
		free(st->site[i].frame);
		free(st->site[i].dso);
		free(st->site[i].addr);
		free(st->site[i].stack);
	}
	free(st->site);
	for (size_t i = 0; i < st->tids.count; i++) {
		free(st->thread[i].win_on);
		free(st->thread[i].win_off);
	}
	free(st->thread);
	strmap_clear(&st->tids);
	strmap_clear(&st->site_keys);
	strmap_clear(&st->ts_keys);
	free(st->ts);
	cJSON_Delete(st->warnings);
}

static int parse_file(FILE *in, const char *source, void *ctx)
{
	const struct options *o = ctx;
	struct state st = { .source = source, .first_t = NAN, .last_t = NAN, .warnings = cJSON_CreateArray(),
			    .thread_with = o->thread_with };
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, in, source);
	lr->max_line = 1 << 16;
	double bperf_total = 0;
	enum format format = read_events(&st, lr, &bperf_total);
	lr_free(lr);
	free(lr);
	int status = 0;
	if (format == UNKNOWN) {
		warnx_("%s: neither `perf script` nor `bperf report` output", source);
		cJSON *rec = error_record("parse-offcpu", "%s: neither `perf script` nor `bperf report` output", source);
		jsonl_write(stdout, rec);
		cJSON_Delete(rec);
		status = EXIT_INPUT;
	} else {
		emit(&st, o, format == BPERF_REPORT, bperf_total);
	}
	state_free(&st);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { .top = 10, .resolve = 1 };
	struct opt_spec specs[] = {
		{ OPT_LONG("top", "N", &o.top, 0, 100000, "AIOPT_OFFCPU_TOP", "blocking sites listed") },
		{ OPT_CALL("context", "ROOT[:N]", &o.context, context_option_parse, "AIOPT_OFFCPU_CONTEXT",
			   "add N source lines (default 3) around each site's file:line from the tree at ROOT") },
		{ OPT_FLAG_OFF("no-srcline", &o.resolve, "do not run addr2line for file:line") },
		{ OPT_STRING("thread-with", "SYMBOL", &o.thread_with, "AIOPT_OFFCPU_THREAD_WITH",
			     "count only threads whose stacks ever hold SYMBOL (e.g. DBImpl::WriteImpl)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "parse-offcpu",
		.operands = "[FILE...]",
		.summary = "Reads `perf script` output of a task-clock + sched:sched_switch recording, or\n"
		"`bperf report` output, and writes one JSON object per input: off_cpu_ratio, time\n"
		"per class (io, lock, scheduling, other) and the top blocking call sites with\n"
		"file:line.  \"source\" says which profiler the numbers come from.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	int status = for_each_input(argc, argv, first, "parse-offcpu", parse_file, &o);
	free(o.context.root);
	return status;
}

/* llm-mutate — parent record in, child record with a model's edit out.
 *
 * The prompt shows the model the exact code it is changing (the experiment's
 * functions cut from the parent's file, or the whole file when it fits), the
 * parent's measured results, what went wrong on the last attempts from this
 * parent, the best candidates so far, and — on profiler tracks only — Coz's
 * and the off-CPU profiler's top lines.  One client speaks to any
 * OpenAI-compatible server (vLLM, llama.cpp, ollama /v1, OpenAI) over libcurl;
 * --record/--replay make a run repeatable offline; --scripted takes the edits
 * from files (the demo), and says so.  The API key never leaves the request. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "lib/edit.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/number.h"
#include "lib/opts.h"
#include "lib/safefile.h"
#include "lib/util.h"

/* ---- a growable string ------------------------------------------------------- */

struct buf {
	char *s;
	size_t n, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

static char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	memset(b, 0, sizeof *b);
	return s;
}

/* At most max characters of s, cut at a line end, with a note of what was cut. */
static void buf_add_trimmed(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max) {
		buf_add(b, s, n);
		return;
	}
	size_t cut = max;
	while (cut > 0 && s[cut - 1] != '\n')
		cut--;
	if (cut == 0)
		cut = max;
	buf_add(b, s, cut);
	buf_printf(b, "[... %zu more characters not shown]\n", n - cut);
}

/* ---- settings ------------------------------------------------------------------- */

struct settings {
	const char *experiment, *track, *model, *api_base, *tree, *archive;
	const char *record, *replay, *scripted, *run_dir;
	long iteration, seed;
	/* from the experiment */
	char *target_files, *functions, *workload;
	long code_chars, history_chars, history_k, inspiration_n, inspiration_chars, profile_top;
	/* the wire */
	long max_tokens, timeout_s, retries, backoff_ms, max_wait_s, max_reply_bytes;
	double temperature;
	const char *reasoning_effort, *extra;
};

/* A setting from the environment: make exports the experiment's (mk/experiment.mk),
 * by hand `eval "$(make -s experiment-env)"` does.  fallback is the client's own
 * default for a wire setting; an experiment setting has none here (NULL): its one
 * default is in the experiment's .mk. */
static char *setting(const char *name, const char *fallback)
{
	const char *env = getenv(name);
	return env && *env ? xstrdup(env) : fallback ? xstrdup(fallback) : NULL;
}

/* The first bad or missing setting, reported (exit 2) after the others are read. */
static char *bad_setting;

static void setting_problem(char *why)
{
	if (!bad_setting)
		bad_setting = why;
	else
		free(why);
}

/* An experiment setting that must be there. */
static char *required_setting(const char *name)
{
	char *v = setting(name, NULL);
	if (!v)
		setting_problem(xasprintf("%s is not set: the experiment's settings come from make "
					  "(eval \"$(make -s experiment-env)\" to run llm-mutate by hand)", name));
	return v;
}

/* A whole-number setting within [min, max]: 0 or a negative timeout would mean
 * "no limit" to libcurl, so every setting has its range.  fallback < 0: required. */
static long setting_long(const char *name, long fallback, long min, long max)
{
	char *v = fallback < 0 ? required_setting(name) : setting(name, NULL), *why = NULL;
	if (!v)
		return fallback;
	long n = fallback;
	if (number_long(v, min, max, &n, &why) < 0) {
		setting_problem(xasprintf("%s: %s", name, why));
		free(why);
	}
	free(v);
	return n;
}

/* ---- the parent's code: functions cut out with their exact text ---------------- */

/* Skips a comment, string or char literal at p; returns the position after it,
 * or p when there is none. */
static const char *skip_literal(const char *p)
{
	if (p[0] == '/' && p[1] == '/') {
		const char *e = strchr(p, '\n');
		return e ? e : p + strlen(p);
	}
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");
		return e ? e + 2 : p + strlen(p);
	}
	if (p[0] == 'R' && p[1] == '"') {   /* raw string R"delim( ... )delim" */
		const char *open = strchr(p + 2, '(');
		if (open && open - p < 20) {
			char close[24];
			snprintf(close, sizeof close, ")%.*s\"", (int)(open - p - 2), p + 2);
			const char *e = strstr(open, close);
			return e ? e + strlen(close) : p + strlen(p);
		}
	}
	if (*p == '"' || *p == '\'') {
		char q = *p;
		for (p++; *p && *p != q; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	return p;
}

/* The matching close of the bracket at p ('(' or '{'), skipping literals. */
static const char *match_bracket(const char *p)
{
	char open = *p, close = open == '(' ? ')' : '}';
	int depth = 0;
	while (*p) {
		const char *q = skip_literal(p);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p;
		p++;
	}
	return NULL;
}

/* Appends every definition of name ("DBImpl::WriteToWAL") in src to out, with
 * its exact text from the start of its first line.  Returns how many. */
static int cut_function(const char *src, const char *name, struct buf *out)
{
	int found = 0;
	size_t n = strlen(name);
	const char *p = src;
	while (*p) {
		const char *q = skip_literal(p);
		if (q != p) {
			p = q;
			continue;
		}
		if (strncmp(p, name, n) != 0 || (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == ':'))) {
			p++;
			continue;
		}
		const char *paren = p + n;
		while (*paren == ' ' || *paren == '\n')
			paren++;
		if (*paren != '(') {
			p++;
			continue;
		}
		const char *close = match_bracket(paren);
		if (!close)
			break;
		/* After the parameters: qualifiers, then '{' for a definition. */
		const char *t = close + 1;
		while (*t && *t != '{' && *t != ';' && *t != '}' && *t != '(')
			t++;
		if (*t != '{') {
			p = close + 1;
			continue;
		}
		const char *end = match_bracket(t);
		if (!end)
			break;
		const char *start = p;
		while (start > src && start[-1] != '\n')
			start--;
		/* "Status\nDBImpl::Foo(" — the return type on the line before. */
		if (start == p && start > src) {
			const char *prev = start - 1;
			while (prev > src && prev[-1] != '\n')
				prev--;
			if (prev < start - 1 && isalpha((unsigned char)*prev))
				start = prev;
		}
		buf_add(out, start, (size_t)(end - start) + 1);
		buf_puts(out, "\n\n");
		found++;
		p = end + 1;
	}
	return found;
}

/* The code section: whole files when they fit, else the named functions. */
static char *code_section(const struct settings *s, cJSON *warnings)
{
	struct buf out = { 0 };
	char *files = xstrdup(s->target_files);
	char *save = NULL;
	size_t total = 0;
	struct { char *path, *text; } f[16];
	int nf = 0;
	for (char *t = strtok_r(files, " ,", &save); t && nf < 16; t = strtok_r(NULL, " ,", &save)) {
		char *full = xasprintf("%s/%s", s->tree, t);
		size_t len;
		char *text = read_file(full, &len);
		if (!text)
			die(EXIT_INPUT, "%s: %s (the tree must hold the parent's version)", full, strerror(errno));
		free(full);
		f[nf].path = xstrdup(t);
		f[nf++].text = text;
		total += len;
	}
	free(files);
	for (int i = 0; i < nf; i++) {
		buf_printf(&out, "### %s\n\n```cpp\n", f[i].path);
		if (total <= (size_t)s->code_chars) {
			buf_puts(&out, f[i].text);
		} else {
			char *names = xstrdup(s->functions ? s->functions : "");
			char *save2 = NULL;
			for (char *name = strtok_r(names, " ,", &save2); name; name = strtok_r(NULL, " ,", &save2))
				if (cut_function(f[i].text, name, &out) == 0 && nf == 1) {
					char *w = xasprintf("function %s not found in %s", name, f[i].path);
					cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
					free(w);
				}
			free(names);
		}
		buf_puts(&out, "```\n\n");
		free(f[i].path);
		free(f[i].text);
	}
	return buf_take(&out);
}

/* ---- the rest of the prompt: results, history, inspiration, profile ------------ */

/* "throughput 1.031 (95 % CI 0.998-1.064)" for each term the score holds. */
static void describe_score(struct buf *b, const cJSON *rec)
{
	const cJSON *terms = json_path(rec, "score.terms");
	const cJSON *t;
	int any = 0;
	cJSON_ArrayForEach(t, terms) {
		double v = json_path_number(t, "value"), lo = json_path_number(t, "ci_low"), hi = json_path_number(t, "ci_high");
		if (isnan(v))
			continue;
		buf_printf(b, "- %s: %.3f × pristine", t->string, v);
		if (!isnan(lo) && !isnan(hi))
			buf_printf(b, " (95 %% CI %.3f–%.3f)", lo, hi);
		buf_puts(b, "\n");
		any = 1;
	}
	double c = json_path_number(rec, "score.comparable_score");
	if (!isnan(c))
		buf_printf(b, "- comparable score: %.3f (pristine = 1.000)\n", c);
	else if (!any)
		buf_puts(b, "- not measured yet\n");
}

static void describe_outcome(struct buf *b, const cJSON *rec)
{
	const char *stage = json_path_string(rec, "error.stage"), *msg = json_path_string(rec, "error.message");
	if (stage) {
		buf_printf(b, "failed at %s: ", stage);
		buf_add_trimmed(b, msg ? msg : "(no message)", 700);
		buf_puts(b, "\n");
		return;
	}
	if (cJSON_IsTrue(json_path(rec, "score.valid"))) {
		buf_puts(b, "valid; measured against pristine:\n");
		describe_score(b, rec);
		return;
	}
	const char *reason = json_path_string(rec, "score.reason");
	buf_printf(b, "%s\n", reason ? reason : "no outcome recorded");
}

static char *results_section(const cJSON *parent)
{
	struct buf b = { 0 };
	const char *id = json_path_string(parent, "id");
	if (!id || !json_path_string(parent, "parent")) {
		buf_puts(&b, "The parent is pristine RocksDB (score 1.000 by definition).\n");
		return buf_take(&b);
	}
	buf_printf(&b, "Candidate %s, measured against pristine RocksDB:\n", id);
	describe_score(&b, parent);
	return buf_take(&b);
}

/* Reads the archive tolerantly: a torn last line after a crash is skipped. */
static cJSON *read_archive(const char *path, cJSON *warnings)
{
	cJSON *all = cJSON_CreateArray();
	if (!path)
		return all;
	FILE *f = fopen(path, "rb");
	if (!f)
		return all;   /* no archive yet: the first iteration */
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, f, path);
	while (lr_next(lr) >= 0) {
		if (!lr->line[0])
			continue;
		cJSON *rec = cJSON_Parse(lr->line);
		if (cJSON_IsObject(rec)) {
			cJSON_AddItemToArray(all, rec);
		} else {
			cJSON_Delete(rec);
			char *w = xasprintf("%s:%zu: unreadable archive line skipped", path, lr->lineno);
			cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
			free(w);
		}
	}
	lr_free(lr);
	free(lr);
	fclose(f);
	return all;
}

static char *history_section(const struct settings *s, const cJSON *archive, const char *parent_id)
{
	const cJSON *rec;
	const cJSON *picked[64];
	int n = 0;
	cJSON_ArrayForEach(rec, archive) {
		const char *p = json_path_string(rec, "parent");
		if (p && parent_id && strcmp(p, parent_id) == 0) {
			if (n == 64) {
				memmove(picked, picked + 1, 63 * sizeof *picked);
				n--;
			}
			picked[n++] = rec;
		}
	}
	struct buf b = { 0 };
	if (n == 0)
		buf_puts(&b, "No earlier attempts from this parent.\n");
	for (int i = n > s->history_k ? n - (int)s->history_k : 0; i < n; i++) {
		buf_printf(&b, "- attempt %s: ", json_path_string(picked[i], "id") ? json_path_string(picked[i], "id") : "?");
		describe_outcome(&b, picked[i]);
	}
	struct buf out = { 0 };
	buf_add_trimmed(&out, b.s, (size_t)s->history_chars);
	free(b.s);
	return buf_take(&out);
}

static char *inspiration_section(const struct settings *s, const cJSON *archive, const char *parent_id)
{
	const cJSON *best[8] = { 0 };
	int n = 0, cap = s->inspiration_n < 8 ? (int)s->inspiration_n : 8;
	const cJSON *rec;
	cJSON_ArrayForEach(rec, archive) {
		if (!cJSON_IsTrue(json_path(rec, "score.valid")) || isnan(json_path_number(rec, "score.combined_score")))
			continue;
		const char *id = json_path_string(rec, "id");
		if (id && parent_id && strcmp(id, parent_id) == 0)
			continue;
		double v = json_path_number(rec, "score.combined_score");
		int at = n;
		while (at > 0 && json_path_number(best[at - 1], "score.combined_score") < v)
			at--;
		if (at >= cap)
			continue;
		memmove(best + at + 1, best + at, (size_t)(cap - at - 1) * sizeof *best);
		best[at] = rec;
		if (n < cap)
			n++;
	}
	struct buf b = { 0 };
	if (n == 0)
		buf_puts(&b, "None yet.\n");
	for (int i = 0; i < n; i++) {
		buf_printf(&b, "### %s (combined score %.3f)\n\n", json_path_string(best[i], "id"),
			   json_path_number(best[i], "score.combined_score"));
		const char *dir = json_path_string(best[i], "dir"), *patch = json_path_string(best[i], "apply.patch");
		char *path = dir && patch ? xasprintf("%s/%s", dir, patch) : NULL;
		size_t len;
		char *text = path ? read_file(path, &len) : NULL;
		buf_puts(&b, "```diff\n");
		buf_add_trimmed(&b, text ? text : "(patch not available)\n", (size_t)s->inspiration_chars);
		buf_puts(&b, "```\n\n");
		free(text);
		free(path);
	}
	return buf_take(&b);
}

/* Profiler tracks only: Coz's top lines (parse-coz --context output in the parent's
 * "coz") and the off-CPU profile's top stacks ("bperf"), when the parent has them. */
static char *profile_section(const struct settings *s, const cJSON *parent)
{
	struct buf b = { 0 };
	buf_puts(&b, "\n## Where the time goes (causal profile of the parent)\n\n");
	const cJSON *lines = json_path(parent, "coz.lines");
	int shown = 0;
	const cJSON *l;
	cJSON_ArrayForEach(l, lines) {
		if (shown == s->profile_top)
			break;
		const char *loc = json_path_string(l, "location");
		buf_printf(&b, "- %s (progress point %s): speeding this line up by x%% would speed the "
			   "program up by up to %.1f %% (impact %.1f %%)\n", loc ? loc : "?",
			   json_path_string(l, "point") ? json_path_string(l, "point") : "?", json_path_number(l, "max_speedup_pct"),
			   json_path_number(l, "impact_pct"));
		const cJSON *ctx = json_path(l, "context.lines"), *cl;
		if (cJSON_GetArraySize(ctx) > 0) {
			buf_puts(&b, "\n```cpp\n");
			cJSON_ArrayForEach(cl, ctx) {
				const char *text = json_path_string(cl, "text");
				buf_printf(&b, "%s\n", text ? text : "");
			}
			buf_puts(&b, "```\n");
		}
		shown++;
	}
	if (!shown)
		buf_puts(&b, "No causal profile of this parent yet.\n");
	const cJSON *stacks = json_path(parent, "bperf.top"), *st;
	shown = 0;
	cJSON_ArrayForEach(st, stacks) {
		if (shown++ == s->profile_top)
			break;
		if (shown == 1) {
			const char *source = json_path_string(parent, "bperf.source");
			buf_printf(&b, "\nWhere threads wait (off-CPU, from %s):\n", source ? source : "perf");
		}
		buf_printf(&b, "- %.1f %% %s: %s\n", json_path_number(st, "share_pct"),
			   json_path_string(st, "class") ? json_path_string(st, "class") : "",
			   json_path_string(st, "location") ? json_path_string(st, "location") : "?");
	}
	return buf_take(&b);
}

static int is_profiler_track(const char *track)
{
	return track && strstr(track, "profiler") != NULL;
}

/* {{name}} → value, for each pair; unknown placeholders stay as they are. */
static char *fill(const char *tmpl, const char *const *pairs)
{
	struct buf b = { 0 };
	for (const char *p = tmpl; *p;) {
		const char *open = strstr(p, "{{");
		if (!open) {
			buf_puts(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(open - p));
		const char *close = strstr(open, "}}");
		int done = 0;
		for (int i = 0; close && pairs[i]; i += 2)
			if ((size_t)(close - open - 2) == strlen(pairs[i]) && strncmp(open + 2, pairs[i], strlen(pairs[i])) == 0) {
				buf_puts(&b, pairs[i + 1]);
				done = 1;
			}
		if (!done)
			buf_add(&b, open, close ? (size_t)(close - open) + 2 : 2);
		p = done || close ? close + 2 : open + 2;
	}
	return buf_take(&b);
}

static char *read_template(const struct settings *s, const char *name)
{
	char *path = xasprintf("%s/prompts/%s", s->experiment, name);
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	free(path);
	return text;
}

/* ---- the wire ---------------------------------------------------------------------- */

static int is_reasoning_model(const char *model)
{
	const char *m = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
	return strncmp(m, "gpt-5", 5) == 0 || strncmp(m, "o1", 2) == 0 || strncmp(m, "o3", 2) == 0 ||
	       strncmp(m, "o4", 2) == 0;
}

/* The request body: what each model family accepts, then AIOPT_LLM_EXTRA on top. */
static char *request_body(const struct settings *s, const char *system, const char *user, char **err)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "model", s->model);
	cJSON *msgs = cJSON_AddArrayToObject(req, "messages");
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", system);
	cJSON_AddItemToArray(msgs, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user);
	cJSON_AddItemToArray(msgs, m);
	if (is_reasoning_model(s->model)) {
		/* GPT-5 and o-series reject temperature and max_tokens. */
		cJSON_AddNumberToObject(req, "max_completion_tokens", (double)s->max_tokens);
		cJSON_AddStringToObject(req, "reasoning_effort", s->reasoning_effort);
	} else {
		cJSON_AddNumberToObject(req, "temperature", s->temperature);
		cJSON_AddNumberToObject(req, "max_tokens", (double)s->max_tokens);
	}
	if (s->extra && *s->extra) {
		cJSON *extra = cJSON_Parse(s->extra);
		if (!cJSON_IsObject(extra)) {
			*err = xasprintf("AIOPT_LLM_EXTRA is not a JSON object: %.80s", s->extra);
			cJSON_Delete(extra);
			cJSON_Delete(req);
			return NULL;
		}
		cJSON *f;
		cJSON_ArrayForEach(f, extra) {
			cJSON_DeleteItemFromObjectCaseSensitive(req, f->string);
			if (!cJSON_IsNull(f))   /* null removes a field */
				cJSON_AddItemToObject(req, f->string, cJSON_Duplicate(f, 1));
		}
		cJSON_Delete(extra);
	}
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return body;
}

struct http_reply {
	long status;
	struct buf body;
	double retry_after_s;   /* NAN: none */
	char content_type[64];
	size_t limit;           /* bytes of body kept at most */
	int too_big;            /* the server sent more: the transfer was cut */
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_reply *r = ctx;
	if (r->body.n + size * n > r->limit) {
		r->too_big = 1;
		return 0;   /* libcurl stops the transfer */
	}
	buf_add(&r->body, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http_reply *r = ctx;
	size_t len = size * n;
	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char *end;
		double v = strtod(p + 12, &end);
		if (end != p + 12 && isfinite(v) && v >= 0)   /* seconds; an HTTP date is ignored */
			r->retry_after_s = v;
	} else if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		const char *v = p + 13;
		while (*v == ' ')
			v++;
		snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)strcspn(v, ";\r\n"), v);
	}
	return len;
}

/* A key in the URL's userinfo ("https://user:key@host/v1") must reach no record or
 * message: every copy of "user:key" in TEXT becomes asterisks, in place. */
static void mask_userinfo(char *text, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	if (!at || (slash && slash < at) || at == host)
		return;
	size_t n = (size_t)(at - host);
	for (char *k = text; (k = memmem(k, strlen(k), host, n)) != NULL; k += n)
		memset(k, '*', n);
}

/* One POST; returns 0 with r filled, or -1 with *err (a connection failure). */
static int post(const struct settings *s, const char *url, const char *body, struct http_reply *r, char **err)
{
	CURL *c = curl_easy_init();
	if (!c)
		die(EXIT_SYSTEM, "curl_easy_init failed");
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	const char *key = getenv("AI_OPT_API_KEY");
	if (!key || !*key)
		key = getenv("OPENAI_API_KEY");
	if (key && *key) {   /* local servers need none; the key is only ever in this header */
		char *auth = xasprintf("Authorization: Bearer %s", key);
		h = curl_slist_append(h, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	r->limit = (size_t)s->max_reply_bytes;
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else if (r->too_big)
		*err = xasprintf("%s: the reply exceeded %ld bytes (AIOPT_LLM_MAX_REPLY_BYTES); cut off", url,
				 s->max_reply_bytes);
	else
		*err = xasprintf("%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/* The server's own words: error.message of a JSON body, else the text without tags. */
static char *server_message(const struct http_reply *r)
{
	cJSON *j = cJSON_Parse(r->body.s ? r->body.s : "");
	const char *m = json_path_string(j, "error.message");
	if (!m)
		m = json_path_string(j, "error");
	if (!m)
		m = json_path_string(j, "message");
	char *out;
	if (m) {
		out = xasprintf("%.300s", m);
	} else {
		struct buf b = { 0 };
		int in_tag = 0;
		for (const char *p = r->body.s ? r->body.s : ""; *p && b.n < 300; p++) {
			if (*p == '<')
				in_tag = 1;
			else if (*p == '>')
				in_tag = 0;
			else if (!in_tag && !(isspace((unsigned char)*p) && b.n && isspace((unsigned char)b.s[b.n - 1])))
				buf_add(&b, isspace((unsigned char)*p) ? " " : p, 1);
		}
		out = buf_take(&b);
	}
	cJSON_Delete(j);
	/* What the server says goes into the record, the archive and later prompts:
	 * never the API key (a server may echo it), never terminal control bytes. */
	const char *key = getenv("AI_OPT_API_KEY");
	if (!key || !*key)
		key = getenv("OPENAI_API_KEY");
	for (char *k; key && strlen(key) >= 8 && (k = strstr(out, key)) != NULL;)
		memset(k, '*', strlen(key));
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* --replay: the recorded reply to this exact request body. */
static int replay(const char *cassette, const char *body, struct http_reply *r, char **err)
{
	char hash[17];
	snprintf(hash, sizeof hash, "%016llx", fnv1a(body));
	FILE *f = fopen(cassette, "rb");
	if (!f) {
		*err = xasprintf("--replay %s: %s", cassette, strerror(errno));
		return -1;
	}
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, f, cassette);
	int found = 0;
	while (!found && lr_next(lr) >= 0) {
		cJSON *e = cJSON_Parse(lr->line);
		const char *h = json_path_string(e, "request_hash");
		if (h && strcmp(h, hash) == 0) {
			r->status = (long)json_path_number(e, "status");
			const char *b = json_path_string(e, "body");
			buf_puts(&r->body, b ? b : "");
			found = 1;
		}
		cJSON_Delete(e);
	}
	lr_free(lr);
	free(lr);
	fclose(f);
	if (!found)
		*err = xasprintf("--replay %s: no recorded reply for this request (hash %s): the prompt "
				 "or settings differ from the recorded run", cassette, hash);
	return found ? 0 : -1;
}

static void record_exchange(const char *cassette, const char *body, const struct http_reply *r)
{
	cJSON *e = cJSON_CreateObject();
	char hash[17];
	snprintf(hash, sizeof hash, "%016llx", fnv1a(body));
	cJSON_AddStringToObject(e, "request_hash", hash);
	cJSON_AddItemToObject(e, "request", cJSON_Parse(body));
	cJSON_AddNumberToObject(e, "status", (double)r->status);
	cJSON_AddStringToObject(e, "body", r->body.s ? r->body.s : "");
	char *line = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	FILE *f = fopen(cassette, "ab");
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0)
		warnx_("--record %s: %s", cassette, strerror(errno));
	free(line);
}

struct exchange {
	char *content;            /* the reply text, or NULL */
	char *raw;                /* the last reply's body as received (bounded), or NULL */
	char *error;              /* why there is no usable reply */
	long attempts;
	double seconds;
	double prompt_tokens, completion_tokens;
	char finish_reason[32];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Reads a chat-completions reply body into x. */
static void read_reply(const struct http_reply *r, struct exchange *x)
{
	cJSON *j = cJSON_Parse(r->body.s ? r->body.s : "");
	if (!j) {
		char *m = server_message(r);
		x->error = xasprintf("the server's reply is not JSON (HTTP %ld%s%s): %s", r->status,
				     r->content_type[0] ? ", " : "", r->content_type, m);
		free(m);
		return;
	}
	x->prompt_tokens = json_path_number(j, "usage.prompt_tokens");
	x->completion_tokens = json_path_number(j, "usage.completion_tokens");
	const cJSON *choices = json_path(j, "choices");
	const cJSON *first = cJSON_GetArrayItem(choices, 0);
	if (!first) {
		x->error = xasprintf("the reply has no choices: %.200s", r->body.s);
		cJSON_Delete(j);
		return;
	}
	const char *finish = json_path_string(first, "finish_reason");
	snprintf(x->finish_reason, sizeof x->finish_reason, "%s", finish ? finish : "");
	const char *content = json_path_string(first, "message.content");
	const char *reasoning = json_path_string(first, "message.reasoning_content");
	if (finish && strcmp(finish, "length") == 0) {
		x->error = xasprintf("the reply was cut off at the token limit (finish_reason \"length\", %.0f "
				     "completion tokens): raise AIOPT_MAX_TOKENS", x->completion_tokens);
		if (content)
			x->content = xstrdup(content);
	} else if (!content || !*content) {
		x->error = xasprintf("the reply has no content (content %s%s)", content ? "empty" : "null",
				     reasoning ? "; the model wrote only reasoning_content" : "");
		if (reasoning)
			x->content = xstrdup(reasoning);
	} else {
		x->content = xstrdup(content);
	}
	cJSON_Delete(j);
}

static void converse(const struct settings *s, const char *body, struct exchange *x)
{
	char *url = xasprintf("%s/chat/completions", s->api_base);
	size_t ul = strlen(s->api_base);
	if (ul && s->api_base[ul - 1] == '/') {
		free(url);
		url = xasprintf("%.*schat/completions", (int)ul, s->api_base);
	}
	double t0 = now_s();
	for (x->attempts = 1;; x->attempts++) {
		struct http_reply r = { .retry_after_s = NAN };
		char *err = NULL;
		int rc = s->replay ? replay(s->replay, body, &r, &err) : post(s, url, body, &r, &err);
		if (rc == 0 && s->record)
			record_exchange(s->record, body, &r);
		if (rc == 0) {   /* kept for response.md when the reply is not a usable completion */
			free(x->raw);
			x->raw = xstrdup(r.body.s ? r.body.s : "");
		}
		int retry = 0;
		if (rc < 0) {
			retry = !s->replay && !r.too_big;   /* connection refused, timeout, reset */
			if (!retry || x->attempts > s->retries)
				x->error = xasprintf("%s%s", err, retry ? " (gave up after retries)" : "");
		} else if (r.status == 429 || r.status >= 500) {
			retry = 1;
			if (x->attempts > s->retries) {
				char *m = server_message(&r);
				x->error = xasprintf("HTTP %ld from %s after %ld attempts: %s", r.status, url, x->attempts, m);
				free(m);
			}
		} else if (r.status >= 400) {
			char *m = server_message(&r);
			x->error = xasprintf("HTTP %ld from %s (model \"%s\"): %s", r.status, url, s->model, m);
			free(m);
		} else if (r.status != 200) {
			/* a redirect, or a 2xx that is not a completion: never read as one */
			x->error = xasprintf("HTTP %ld from %s: not a completion (expected 200)", r.status, url);
		} else {
			read_reply(&r, x);
		}
		free(err);
		if (!retry || x->attempts > s->retries) {
			free(r.body.s);
			break;
		}
		/* Exponential backoff with jitter; the server's Retry-After wins when longer;
		 * either way at most AIOPT_LLM_MAX_WAIT seconds. */
		double wait = (double)s->backoff_ms / 1000.0 * pow(2, (double)(x->attempts < 30 ? x->attempts - 1 : 30));
		wait *= 0.5 + (double)rand() / RAND_MAX;
		if (!isnan(r.retry_after_s) && r.retry_after_s > wait)
			wait = r.retry_after_s;
		if (wait > (double)s->max_wait_s)
			wait = (double)s->max_wait_s;
		warnx_("attempt %ld: %s; retrying in %.1f s", x->attempts,
		       rc < 0 ? "connection failed" : r.status == 429 ? "rate limited (429)" : "server error", wait);
		free(r.body.s);
		sleep_s(wait);
	}
	x->seconds = now_s() - t0;
	free(url);
	if (x->error)
		mask_userinfo(x->error, s->api_base);
}

/* Why the text holds no edit apply-diff can read, or NULL: apply-diff's own
 * grammar decides (lib/edit), so a reply is never judged two ways. */
static char *edit_problem(const char *text)
{
	struct edit e = { 0 };
	char *err = edit_parse(text, strlen(text), &e);
	edit_free(&e);
	return err;
}

/* ---- scripted edits (the demo) ---------------------------------------------------- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static char *scripted_edit(const struct settings *s, long iteration, char **name, char **err)
{
	struct dirent **list;
	int n = scandir(s->scripted, &list, visible, by_name);
	if (n < 0) {
		*err = xasprintf("--scripted %s: %s", s->scripted, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	if (n == 0 || iteration < 1 || iteration > n) {
		*err = xasprintf("--scripted %s: no edit for iteration %ld (the directory has %d)", s->scripted, iteration, n);
	} else {
		char *path = xasprintf("%s/%s", s->scripted, list[iteration - 1]->d_name);
		size_t len;
		text = read_file(path, &len);
		if (!text)
			*err = xasprintf("%s: %s", path, strerror(errno));
		*name = xstrdup(list[iteration - 1]->d_name);
		free(path);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return text;
}

/* ---- one parent → one child ---------------------------------------------------------- */

static int write_text(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = write_file_atomic(path, text, strlen(text), 0644);
	if (rc < 0)
		warnx_("%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die(EXIT_SYSTEM, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

static cJSON *mutate(const struct settings *s, cJSON *parent, const cJSON *archive, cJSON *warnings)
{
	const char *parent_id = json_path_string(parent, "id");
	long iteration = s->iteration > 0 ? s->iteration : cJSON_GetArraySize(archive) + 1;
	/* Deterministic: the same run, parent and iteration give the same id. */
	char *id = xasprintf("c%04ld-%06llx", iteration,
			     (fnv1a(parent_id ? parent_id : "pristine") ^ (unsigned long long)iteration * 0x9e3779b97f4a7c15ULL) & 0xffffff);
	const char *run_dir = s->run_dir;
	char *parent_dir_parent = NULL;
	if (!run_dir && json_path_string(parent, "dir")) {
		parent_dir_parent = xstrdup(json_path_string(parent, "dir"));
		char *slash = strrchr(parent_dir_parent, '/');
		if (slash)
			*slash = '\0';
		run_dir = parent_dir_parent;
	}
	if (!run_dir)
		die(EXIT_USAGE, "no --run-dir, and the parent record has no dir to put the child beside");
	char *dir = xasprintf("%s/%s", run_dir, id);
	mkdirs(dir);

	cJSON *child = cJSON_CreateObject();
	cJSON_AddStringToObject(child, "id", id);
	const char *exp_name = strrchr(s->experiment, '/') ? strrchr(s->experiment, '/') + 1 : s->experiment;
	cJSON_AddStringToObject(child, "experiment", json_path_string(parent, "experiment") ? json_path_string(parent, "experiment") : exp_name);
	cJSON_AddStringToObject(child, "track", s->track);
	json_add_number_or_null(child, "seed", s->seed >= 0 ? (double)s->seed : json_path_number(parent, "seed"));
	cJSON_AddNumberToObject(child, "iteration", (double)iteration);
	cJSON_AddItemToObject(child, "parent", parent_id ? cJSON_CreateString(parent_id) : cJSON_CreateNull());
	cJSON_AddStringToObject(child, "dir", dir);
	const cJSON *island = json_path(parent, "island");   /* pick-parent's islands: the child stays */
	if (cJSON_IsNumber(island))
		cJSON_AddNumberToObject(child, "island", island->valuedouble);

	/* The prompt: the same on every track but for the profile section. */
	char *code = code_section(s, warnings);
	char *results = results_section(parent);
	char *history = history_section(s, archive, parent_id);
	char *inspiration = inspiration_section(s, archive, parent_id);
	char *profile = is_profiler_track(s->track) ? profile_section(s, parent) : xstrdup("");
	char *files = xstrdup(s->target_files);
	const char *pairs[] = { "workload", s->workload ? s->workload : "", "results", results, "files", files,
				"code", code, "history", history, "inspiration", inspiration,
				"profile", profile, NULL };
	char *system_tmpl = read_template(s, "system.md"), *task_tmpl = read_template(s, "task.md");
	char *system = fill(system_tmpl, pairs), *user = fill(task_tmpl, pairs);
	char *prompt_md = xasprintf("<!-- system -->\n%s\n<!-- user -->\n%s", system, user);
	write_text(dir, "prompt.md", prompt_md);

	struct exchange x = { .prompt_tokens = NAN, .completion_tokens = NAN };
	cJSON *llm = cJSON_CreateObject();
	if (s->scripted) {
		char *name = NULL;
		double t0 = now_s();
		x.content = scripted_edit(s, iteration, &name, &x.error);
		x.seconds = now_s() - t0;
		x.attempts = 1;
		cJSON_AddStringToObject(llm, "model", "scripted");
		cJSON_AddItemToObject(llm, "script", name ? cJSON_CreateString(name) : cJSON_CreateNull());
		free(name);
	} else {
		char *err = NULL;
		char *body = request_body(s, system, user, &err);
		if (!body)
			die(EXIT_USAGE, "%s", err);
		converse(s, body, &x);
		free(body);
		cJSON_AddStringToObject(llm, "model", s->model);
		char *shown = xstrdup(s->api_base);
		mask_userinfo(shown, s->api_base);
		cJSON_AddStringToObject(llm, "api_base", shown);
		free(shown);
	}
	json_add_number_or_null(llm, "prompt_tokens", x.prompt_tokens);
	json_add_number_or_null(llm, "completion_tokens", x.completion_tokens);
	cJSON_AddNumberToObject(llm, "seconds", round(x.seconds * 1000) / 1000);
	cJSON_AddItemToObject(llm, "finish_reason", x.finish_reason[0] ? cJSON_CreateString(x.finish_reason) : cJSON_CreateNull());
	cJSON_AddNumberToObject(llm, "attempts", (double)x.attempts);
	cJSON_AddStringToObject(llm, "prompt", "prompt.md");
	/* The reply's text; else, for a reply that was no completion (an error page, a
	 * 3xx, not JSON), the body as the server sent it: the failure stays inspectable. */
	const char *kept = x.content ? x.content : x.raw && *x.raw ? x.raw : NULL;
	cJSON_AddItemToObject(llm, "file", kept ? cJSON_CreateString("response.md") : cJSON_CreateNull());
	cJSON_AddItemToObject(child, "llm", llm);
	if (kept)
		write_text(dir, "response.md", kept);
	char *problem = x.error ? NULL : edit_problem(x.content);
	if (problem) {
		x.error = xasprintf("no edit in reply: %s (the reply is in response.md)", problem);
		free(problem);
	}
	if (x.error) {
		cJSON_AddNullToObject(child, "diff");
		record_set_error(child, "llm", "%s", x.error);
	} else {
		cJSON_AddStringToObject(child, "diff", x.content);
	}

	free(x.content);
	free(x.raw);
	free(x.error);
	free(prompt_md);
	free(system);
	free(user);
	free(system_tmpl);
	free(task_tmpl);
	free(files);
	free(code);
	free(results);
	free(history);
	free(inspiration);
	free(profile);
	free(dir);
	free(parent_dir_parent);
	free(id);
	return child;
}

/* ---- options -------------------------------------------------------------------------- */

static const struct opt_spec specs[] = {
	{ "experiment", "DIR", "AIOPT_EXPERIMENT_DIR", "the experiment's directory: its prompts/ (settings come from the environment)" },
	{ "track", "TRACK", "AIOPT_TRACK", "baseline, gpt5, profiler or gpt5_profiler" },
	{ "model", "M", "AIOPT_MODEL", "the model's name on the server" },
	{ "api-base", "URL", "AIOPT_API_BASE", "the OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1" },
	{ "tree", "DIR", "AIOPT_TREE", "the source tree, holding the parent's version of the target files" },
	{ "archive", "FILE", "AIOPT_ARCHIVE", "the run's archive.jsonl: history and inspiration" },
	{ "record", "FILE", "AIOPT_LLM_RECORD", "append each request and reply to this cassette" },
	{ "replay", "FILE", "AIOPT_LLM_REPLAY", "answer from this cassette by request hash; fail on a miss" },
	{ "scripted", "DIR", "AIOPT_SCRIPTED", "take the edits from the files in DIR, in name order (the demo)" },
	{ "run-dir", "DIR", "AIOPT_RUN_DIR", "create child directories here (default: beside the parent's dir)" },
	{ "iteration", "N", "AIOPT_ITERATION", "the child's iteration (default: archive records + 1)" },
	{ "seed", "N", "AIOPT_SEED", "the run's seed, recorded in the child" },
	{ 0 },
};

static int handle(int index, const char *arg, void *ctx)
{
	struct settings *s = ctx;
	const char **slots[] = { &s->experiment, &s->track, &s->model, &s->api_base, &s->tree, &s->archive,
				 &s->record, &s->replay, &s->scripted, &s->run_dir };
	if (index < 10) {
		*slots[index] = arg;
		return 0;
	}
	char *why = NULL;
	long v;
	if (number_long(arg, 0, LONG_MAX, &v, &why) < 0) {
		fprintf(stderr, "%s: --%s: %s\n", progname, specs[index].name, why);
		free(why);
		return -1;
	}
	if (index == 10)
		s->iteration = v;
	else
		s->seed = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct opt_tool tool = {
		"llm-mutate",
		"--experiment DIR --track TRACK --model M --api-base URL [--tree DIR] [--archive FILE] "
		"[--record FILE | --replay FILE | --scripted DIR]",
		"Reads parent records and writes one child record per parent with a model's edit\n"
		"(\"diff\") and \"llm\" {model, api_base, prompt_tokens, completion_tokens, seconds,\n"
		"finish_reason, attempts}; prompt.md and response.md go into the child's dir.\n"
		"The API key comes from AI_OPT_API_KEY or OPENAI_API_KEY and is sent only in the\n"
		"Authorization header.  Wire settings: AIOPT_MAX_TOKENS, AIOPT_TEMPERATURE,\n"
		"AIOPT_REASONING_EFFORT, AIOPT_LLM_TIMEOUT, AIOPT_LLM_RETRIES, AIOPT_LLM_BACKOFF_MS,\n"
		"AIOPT_LLM_EXTRA (a JSON object merged into the request).",
		specs,
	};
	struct settings s = { .seed = -1 };
	int first = opts_parse(&tool, argc, argv, handle, &s);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (parent records come on stdin)", argv[first]);
	if (!s.experiment)
		die(EXIT_USAGE, "--experiment DIR is required");
	if (!s.track)
		die(EXIT_USAGE, "--track is required");
	if ((s.record != NULL) + (s.replay != NULL) + (s.scripted != NULL) > 1)
		die(EXIT_USAGE, "--record, --replay and --scripted exclude each other");
	if (!s.scripted && (!s.model || !s.api_base))
		die(EXIT_USAGE, "--model and --api-base are required (or --scripted DIR); "
			"for an offline run without a model, try: make demo");

	s.target_files = required_setting("AIOPT_TARGET_FILES");
	s.functions = setting("AIOPT_FUNCTIONS", "");
	s.workload = required_setting("AIOPT_WORKLOAD");
	s.code_chars = setting_long("AIOPT_PROMPT_CODE_CHARS", -1, 0, 10000000);
	s.history_chars = setting_long("AIOPT_PROMPT_HISTORY_CHARS", -1, 0, 10000000);
	s.history_k = setting_long("AIOPT_HISTORY_K", -1, 0, 1000);
	s.inspiration_n = setting_long("AIOPT_INSPIRATION_N", -1, 0, 1000);
	s.inspiration_chars = setting_long("AIOPT_INSPIRATION_CHARS", -1, 0, 10000000);
	s.profile_top = setting_long("AIOPT_PROFILE_TOP", -1, 0, 1000);
	s.max_tokens = setting_long("AIOPT_MAX_TOKENS", 8192, 1, 10000000);
	s.timeout_s = setting_long("AIOPT_LLM_TIMEOUT", 600, 1, 86400);
	s.retries = setting_long("AIOPT_LLM_RETRIES", 5, 0, 100);
	s.backoff_ms = setting_long("AIOPT_LLM_BACKOFF_MS", 1000, 0, 600000);
	s.max_wait_s = setting_long("AIOPT_LLM_MAX_WAIT", 300, 0, 86400);
	s.max_reply_bytes = setting_long("AIOPT_LLM_MAX_REPLY_BYTES", 4 << 20, 1024, 1L << 30);
	char *temp = setting("AIOPT_TEMPERATURE", "0.7"), *why = NULL;
	if (number_double(temp, 0, 2, &s.temperature, &why) < 0)
		setting_problem(xasprintf("AIOPT_TEMPERATURE: %s", why));
	free(why);
	free(temp);
	char *effort = setting("AIOPT_REASONING_EFFORT", "medium");
	s.reasoning_effort = effort;
	char *extra = setting("AIOPT_LLM_EXTRA", NULL);
	s.extra = extra;
	if (bad_setting) {
		warnx_("%s", bad_setting);
		free(bad_setting);
		free(s.target_files);
		free(s.functions);
		free(s.workload);
		free(effort);
		free(extra);
		exit(EXIT_USAGE);
	}
	if (!s.tree)
		die(EXIT_USAGE, "--tree DIR is required: the prompt shows the parent's code from it");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());   /* backoff jitter only */
	curl_global_init(CURL_GLOBAL_DEFAULT);

	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *parent;
	int any = 0;
	long records = 0;
	while ((parent = jsonl_next(lr)) != NULL) {
		records++;
		cJSON *warnings = cJSON_CreateArray();
		cJSON *archive = read_archive(s.archive, warnings);
		cJSON *child = mutate(&s, parent, archive, warnings);
		if (cJSON_GetArraySize(warnings) > 0)
			cJSON_AddItemToObject(child, "warnings", warnings);
		else
			cJSON_Delete(warnings);
		const char *e = json_path_string(child, "error.message");
		if (e)
			warnx_("%s: %s", json_path_string(child, "id"), e);
		jsonl_write(stdout, child);
		cJSON_Delete(child);
		cJSON_Delete(archive);
		cJSON_Delete(parent);
		any = 1;
	}
	if (!any)
		warnx_("no parent record on stdin (pick-parent writes one)");
	jsonl_expect_records(lr, records);
	lr_free(lr);
	free(lr);
	free(s.target_files);
	free(s.functions);
	free(s.workload);
	free(effort);
	free(extra);
	curl_global_cleanup();
	return 0;
}

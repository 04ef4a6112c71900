/* wire.c — one client for every OpenAI-compatible server (vLLM, llama.cpp, ollama
 * /v1, OpenAI) over libcurl: the request, retries with bounded backoff, the reply
 * read strictly, and the --record/--replay cassettes.  The key never leaves the
 * Authorization header. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../lib/jsonl.h"
#include "../lib/util.h"
#include "llm-mutate.h"

static int is_reasoning_model(const char *model)
{
	const char *m = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
	return strncmp(m, "gpt-5", 5) == 0 || strncmp(m, "o1", 2) == 0 || strncmp(m, "o3", 2) == 0 ||
	       strncmp(m, "o4", 2) == 0;
}

/* The request body: what each model family accepts, then AIOPT_LLM_EXTRA on top. */
char *request_body(const struct settings *s, const char *system, const char *user, char **err)
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
void mask_userinfo(char *text, const char *url)
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

/* One POST of body, or a GET when body is NULL; returns 0 with r filled, or -1 with
 * *err (a connection failure). */
static int http(const struct settings *s, const char *url, const char *body, struct http_reply *r, char **err)
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
	if (body)
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

unsigned long long fnv1a(const char *s)
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


static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A usage figure: a whole number of tokens in [0, 2^53), else unknown (NaN) with a
 * warning.  A server's 1e16 or -5 must not become spending, nor a budget's count. */
static double usage_tokens(const cJSON *reply, const char *path, struct exchange *x)
{
	const cJSON *v = json_path(reply, path);
	if (!v || cJSON_IsNull(v))
		return NAN;
	double n = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (isfinite(n) && n >= 0 && n < 9007199254740992.0 && n == floor(n))
		return n;
	char *shown = cJSON_PrintUnformatted(v);
	free(x->warning);
	x->warning = xasprintf("the reply's %s is %.40s, not a whole number of tokens below 2^53: taken as unknown",
			       path, shown ? shown : "?");
	free(shown);
	return NAN;
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
	x->prompt_tokens = usage_tokens(j, "usage.prompt_tokens", x);
	x->completion_tokens = usage_tokens(j, "usage.completion_tokens", x);
	const cJSON *choices = json_path(j, "choices");
	const cJSON *first = cJSON_GetArrayItem(choices, 0);
	if (!first) {
		x->error = xasprintf("the reply has no choices: %.200s", r->body.s);
		cJSON_Delete(j);
		return;
	}
	/* A completion came: what it says is the model's, whatever it holds. */
	x->answered = 1;
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

/* API_BASE/PATH, with one slash between them. */
static char *endpoint(const struct settings *s, const char *path)
{
	size_t ul = strlen(s->api_base);
	return xasprintf("%.*s/%s", (int)(ul && s->api_base[ul - 1] == '/' ? ul - 1 : ul), s->api_base, path);
}

int probe(const struct settings *s, char **msg)
{
	char *url = endpoint(s, "models"), *err = NULL;
	struct http_reply r = { .retry_after_s = NAN, .limit = (size_t)s->max_reply_bytes };
	int rc = EXIT_SYSTEM;
	if (http(s, url, NULL, &r, &err) < 0) {
		*msg = xasprintf("no answer: %s", err);
	} else if (r.status == 404 || r.status == 405) {
		/* A server without the list still answers: the first call asks for the model. */
		*msg = xasprintf("answers, but keeps no model list (HTTP %ld from %s): model \"%s\" not checked", r.status,
				 url, s->model);
		rc = 0;
	} else if (r.status != 200) {
		char *m = server_message(&r);
		*msg = xasprintf("HTTP %ld from %s: %s", r.status, url, m);
		free(m);
		rc = r.status == 401 || r.status == 403 ? EXIT_INPUT : EXIT_SYSTEM;
	} else {
		cJSON *j = cJSON_Parse(r.body.s ? r.body.s : "");
		const cJSON *m, *data = json_path(j, "data");
		const cJSON *list = cJSON_IsArray(data) ? data : NULL;
		struct buf listed = { 0 };
		int found = 0, n = 0;
		cJSON_ArrayForEach(m, list) {
			const char *id = json_path_string(m, "id");
			if (!id)
				continue;
			found |= strcmp(id, s->model) == 0;
			if (n++ < 8)
				buf_printf(&listed, "%s\"%.80s\"", n > 1 ? ", " : "", id);
		}
		if (!cJSON_IsArray(data)) {
			*msg = xasprintf("%s is not a model list (no \"data\" array)", url);
		} else if (found) {
			*msg = xasprintf("answers and serves model \"%s\"", s->model);
			rc = 0;
		} else {
			*msg = xasprintf("answers, but does not serve model \"%s\" (it lists %d: %s%s)", s->model, n,
					 listed.s ? listed.s : "none", n > 8 ? ", …" : "");
			rc = EXIT_INPUT;
		}
		free(listed.s);
		cJSON_Delete(j);
	}
	free(err);
	free(r.body.s);
	free(url);
	mask_userinfo(*msg, s->api_base);
	for (char *p = *msg; *p; p++)   /* the server's words reach a terminal */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return rc;
}

void converse(const struct settings *s, const char *body, struct exchange *x)
{
	char *url = endpoint(s, "chat/completions");
	double t0 = now_s();
	for (x->attempts = 1;; x->attempts++) {
		struct http_reply r = { .retry_after_s = NAN };
		char *err = NULL;
		int rc = s->replay ? replay(s->replay, body, &r, &err) : http(s, url, body, &r, &err);
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

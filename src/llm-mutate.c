/* llm-mutate — parent record in, child record with a model's edit out.
 *
 * The prompt shows the model the exact code it is changing (the experiment's
 * functions cut from the parent's file, or the whole file when it fits), the
 * parent's measured results, what went wrong on the last attempts from this
 * parent, the best candidates so far, and — with AIOPT_PROFILE_IN_PROMPT=1, as
 * profiler tracks set it — Coz's and the off-CPU profiler's top lines.  One client speaks to any
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

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "lib/buf.h"
#include "lib/edit.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/number.h"
#include "lib/opts.h"
#include "lib/safefile.h"
#include "lib/util.h"
#include "llm-mutate/llm-mutate.h"

/* ---- settings ------------------------------------------------------------------- */


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

/* The iteration's edits: every visible entry but again/, which holds the re-asks'. */
static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "again") != 0;
}

/* ITERATION's edit: DIR's ITERATION-th file in name order; asked again (--note), the
 * file of that name in DIR/again/ (a scripted model's second answer). */
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
		char *path = xasprintf("%s/%s%s", s->scripted, s->note ? "again/" : "", list[iteration - 1]->d_name);
		size_t len;
		text = read_file(path, &len);
		if (!text)
			*err = xasprintf("%s: %s", path, strerror(errno));
		*name = xasprintf("%s%s", s->note ? "again/" : "", list[iteration - 1]->d_name);
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

/* The child's directory: --run-dir, else beside the parent's dir. */
static char *child_dir(const struct settings *s, const cJSON *parent, const char *id)
{
	if (s->run_dir)
		return xasprintf("%s/%s", s->run_dir, id);
	const char *pdir = json_path_string(parent, "dir");
	if (!pdir)
		die(EXIT_USAGE, "no --run-dir, and the parent record has no dir to put the child beside");
	const char *slash = strrchr(pdir, '/');
	return xasprintf("%.*s/%s", slash ? (int)(slash - pdir) : (int)strlen(pdir), pdir, id);
}

/* The child record's identity: id, experiment, track, seed, iteration, parent, dir. */
static cJSON *new_child(const struct settings *s, const cJSON *parent, long iteration, const char *id, const char *dir)
{
	const char *parent_id = json_path_string(parent, "id");
	cJSON *child = cJSON_CreateObject();
	cJSON_AddStringToObject(child, "id", id);
	const char *exp_name = strrchr(s->experiment, '/') ? strrchr(s->experiment, '/') + 1 : s->experiment;
	const char *exp = json_path_string(parent, "experiment");
	cJSON_AddStringToObject(child, "experiment", exp ? exp : exp_name);
	cJSON_AddStringToObject(child, "track", s->track);
	json_add_number_or_null(child, "seed", s->seed >= 0 ? (double)s->seed : json_path_number(parent, "seed"));
	cJSON_AddNumberToObject(child, "iteration", (double)iteration);
	cJSON_AddItemToObject(child, "parent", parent_id ? cJSON_CreateString(parent_id) : cJSON_CreateNull());
	cJSON_AddStringToObject(child, "dir", dir);
	const cJSON *island = json_path(parent, "island");   /* pick-parent's islands: the child stays */
	if (cJSON_IsNumber(island))
		cJSON_AddNumberToObject(child, "island", island->valuedouble);
	return child;
}

/* The prompt, the same on every track but for the profile section: *system and
 * *user get the filled templates; prompt.md in dir gets both. */
static void build_prompt(const struct settings *s, const cJSON *parent, const cJSON *archive, cJSON *warnings,
			 const char *dir, char **system, char **user, cJSON **shown)
{
	const char *parent_id = json_path_string(parent, "id");
	char *code = code_section(s, warnings), *results = results_section(parent);
	char *history = history_section(s, archive, parent_id), *inspiration = inspiration_section(s, archive, parent_id);
	*shown = NULL;
	char *profile = s->profile_in_prompt != PROFILE_OFF ? profile_section(s, parent, shown) : xstrdup("");
	const char *pairs[] = { "workload", s->workload, "results", results, "files", s->target_files,
				"code", code, "history", history, "inspiration", inspiration,
				"profile", profile, NULL };
	char *system_tmpl = read_template(s, "system.md"), *task_tmpl = read_template(s, "task.md");
	*system = fill(system_tmpl, pairs);
	*user = fill(task_tmpl, pairs);
	if (s->note) {   /* asked again: the runner's word on the last answer, after the task */
		int n = (int)strlen(*user);
		while (n > 0 && (*user)[n - 1] == '\n')
			n--;
		char *noted = xasprintf("%.*s\n\n%s\n", n, *user, s->note);
		free(*user);
		*user = noted;
	}
	char *prompt_md = xasprintf("<!-- system -->\n%s\n<!-- user -->\n%s", *system, *user);
	write_text(dir, "prompt.md", prompt_md);
	free(prompt_md);
	free(system_tmpl);
	free(task_tmpl);
	free(code);
	free(results);
	free(history);
	free(inspiration);
	free(profile);
}

/* The model's answer (or the scripted edit) into x; llm gets who answered. */
static void answer(const struct settings *s, long iteration, const char *system, const char *user,
		   struct exchange *x, cJSON *llm)
{
	if (s->scripted) {
		char *name = NULL;
		double t0 = now_s();
		x->content = scripted_edit(s, iteration, &name, &x->error);
		x->answered = 1;   /* a missing script is the user's, not an outage */
		x->seconds = now_s() - t0;
		x->attempts = 1;
		cJSON_AddStringToObject(llm, "model", "scripted");
		cJSON_AddItemToObject(llm, "script", name ? cJSON_CreateString(name) : cJSON_CreateNull());
		free(name);
		return;
	}
	char *err = NULL;
	char *body = request_body(s, system, user, &err);
	if (!body)
		die(EXIT_USAGE, "%s", err);
	converse(s, body, x);
	free(body);
	cJSON_AddStringToObject(llm, "model", s->model);
	char *shown = xstrdup(s->api_base);
	mask_userinfo(shown, s->api_base);
	cJSON_AddStringToObject(llm, "api_base", shown);
	free(shown);
}

/* ---- the ledger ------------------------------------------------------------------------ */

/* AIOPT_PRICES: "MODEL=IN/OUT,…", USD per million prompt (IN) and completion (OUT)
 * tokens.  Checked whole once, even for a model it does not name: a typo in another
 * track's price must not wait for that track's run to be found.  Sets s->priced and
 * the price of s->model when the table names it. */
/* text without the spaces and tabs around it, in place */
static char *trimmed(char *text)
{
	while (*text == ' ' || *text == '\t')
		text++;
	size_t n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		text[--n] = '\0';
	return text;
}

static void read_prices(struct settings *s)
{
	if (!s->prices || !*s->prices)
		return;
	char *table = xstrdup(s->prices), *save = NULL;
	char *seen[256];
	size_t n_seen = 0;
	for (char *entry = strtok_r(table, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
		entry = trimmed(entry);
		char *eq = strchr(entry, '='), *slash = eq ? strchr(eq, '/') : NULL;
		if (!eq || eq == entry || !slash)
			die(EXIT_USAGE, "AIOPT_PRICES=%s: \"%s\" is not MODEL=IN/OUT (USD per million input/output tokens)",
			    s->prices, entry);
		*eq = *slash = '\0';
		char *model = trimmed(entry);
		double in, out;
		char *why = NULL;
		if (number_double(trimmed(eq + 1), 0, 1e6, &in, &why) != 0 ||
		    number_double(trimmed(slash + 1), 0, 1e6, &out, &why) != 0)
			die(EXIT_USAGE, "AIOPT_PRICES=%s: %s's price: %s", s->prices, model, why);
		for (size_t i = 0; i < n_seen; i++)
			if (strcmp(seen[i], model) == 0)
				die(EXIT_USAGE, "AIOPT_PRICES=%s: %s is priced twice (which price holds?)", s->prices, model);
		if (n_seen == sizeof seen / sizeof *seen)
			die(EXIT_USAGE, "AIOPT_PRICES=%s: more than %zu models", s->prices, sizeof seen / sizeof *seen);
		seen[n_seen++] = model;
		if (s->model && strcmp(model, s->model) == 0) {
			s->priced = 1;
			s->usd_per_m_in = in;
			s->usd_per_m_out = out;
		}
	}
	free(table);
}

/* 1 when the API base is on this machine (a local model, served here): its host,
 * as libcurl reads the URL, is the name localhost (any case), or every address it
 * resolves to is a loopback one (127.0.0.0/8, ::1).  Not a prefix of the name:
 * 127.0.0.1.example.invalid is not local. */
static int on_loopback(const char *api_base)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int local = 0;
	if (u && curl_url_set(u, CURLUPART_URL, api_base, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcasecmp(host, "localhost") == 0) {
			local = 1;
		} else {
			size_t n = strlen(host);
			if (n > 2 && host[0] == '[' && host[n - 1] == ']') {   /* an IPv6 literal */
				memmove(host, host + 1, n - 2);
				host[n - 2] = '\0';
			}
			struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
			if (getaddrinfo(host, NULL, &hints, &res) == 0) {
				local = 1;
				for (const struct addrinfo *a = res; a; a = a->ai_next) {
					if (a->ai_family == AF_INET) {
						const struct sockaddr_in *in = (const void *)a->ai_addr;
						local &= (ntohl(in->sin_addr.s_addr) >> 24) == 127;
					} else if (a->ai_family == AF_INET6) {
						const struct sockaddr_in6 *in6 = (const void *)a->ai_addr;
						local &= IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
					} else {
						local = 0;
					}
				}
				freeaddrinfo(res);
			}
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
	return local;
}

/* The call's cost in USD: its tokens at the model's price; 0 for a scripted edit, a
 * call the server never answered (no completion is billed) and, unless priced, a
 * model served on this machine; NaN (null) where it is not known: an unpriced
 * remote model, or a priced one whose reply reported no tokens. */
static double call_cost_usd(const struct settings *s, const struct exchange *x)
{
	if (s->scripted || !x->answered)
		return 0;
	if (!s->priced)
		return on_loopback(s->api_base) ? 0 : NAN;
	if (isnan(x->prompt_tokens) || isnan(x->completion_tokens))
		return NAN;
	return (x->prompt_tokens * s->usd_per_m_in + x->completion_tokens * s->usd_per_m_out) / 1e6;
}

/* The exchange into the child: llm's figures, response.md, and the diff or the error. */
static void record_answer(const struct settings *s, cJSON *child, cJSON *llm, struct exchange *x, const char *dir)
{
	json_add_number_or_null(llm, "prompt_tokens", x->prompt_tokens);
	json_add_number_or_null(llm, "completion_tokens", x->completion_tokens);
	json_add_number_or_null(llm, "cost_usd", call_cost_usd(s, x));
	cJSON_AddNumberToObject(llm, "seconds", round(x->seconds * 1000) / 1000);
	cJSON_AddItemToObject(llm, "finish_reason", x->finish_reason[0] ? cJSON_CreateString(x->finish_reason) : cJSON_CreateNull());
	cJSON_AddNumberToObject(llm, "attempts", (double)x->attempts);
	/* false: no completion came (no connection, a timeout, an HTTP error): the
	 * model said nothing, and the runner asks again rather than archive it. */
	cJSON_AddBoolToObject(llm, "answered", x->answered);
	cJSON_AddStringToObject(llm, "prompt", "prompt.md");
	/* The reply's text; else, for a reply that was no completion (an error page, a
	 * 3xx, not JSON), the body as the server sent it: the failure stays inspectable. */
	const char *kept = x->content ? x->content : x->raw && *x->raw ? x->raw : NULL;
	cJSON_AddItemToObject(llm, "file", kept ? cJSON_CreateString("response.md") : cJSON_CreateNull());
	cJSON_AddItemToObject(child, "llm", llm);
	if (kept)
		write_text(dir, "response.md", kept);
	char *problem = x->error ? NULL : edit_problem(x->content);
	if (problem) {
		x->error = xasprintf("no edit in reply: %s (the reply is in response.md)", problem);
		free(problem);
	}
	if (x->error) {
		cJSON_AddNullToObject(child, "diff");
		record_set_error(child, "llm", "%s", x->error);
	} else {
		cJSON_AddStringToObject(child, "diff", x->content);
	}
}

/* One parent → one child record. */
static cJSON *mutate(const struct settings *s, cJSON *parent, const cJSON *archive, cJSON *warnings)
{
	const char *parent_id = json_path_string(parent, "id");
	long iteration = s->iteration > 0 ? s->iteration : cJSON_GetArraySize(archive) + 1;
	/* Deterministic: the same run, parent and iteration give the same id. */
	char *id = xasprintf("c%04ld-%06llx", iteration,
			     (fnv1a(parent_id ? parent_id : "pristine") ^ (unsigned long long)iteration * 0x9e3779b97f4a7c15ULL) & 0xffffff);
	char *dir = child_dir(s, parent, id);
	mkdirs(dir);
	cJSON *child = new_child(s, parent, iteration, id, dir);
	char *system, *user;
	cJSON *shown;
	build_prompt(s, parent, archive, warnings, dir, &system, &user, &shown);
	if (shown)   /* the places the prompt's profile named: the apply stage matches the edit against them */
		cJSON_AddItemToObject(child, "prompt_profile", shown);
	struct exchange x = { .prompt_tokens = NAN, .completion_tokens = NAN };
	cJSON *llm = cJSON_CreateObject();
	answer(s, iteration, system, user, &x, llm);
	record_answer(s, child, llm, &x, dir);
	if (x.warning) {
		warnx_("%s: %s", id, x.warning);
		cJSON_AddItemToArray(warnings, cJSON_CreateString(x.warning));
	}
	free(x.warning);
	free(x.content);
	free(x.raw);
	free(x.error);
	free(system);
	free(user);
	free(dir);
	free(id);
	return child;
}

/* ---- options -------------------------------------------------------------------------- */

/* The settings from flags and the environment; exits on bad usage.  The experiment's
 * settings have no default here: their one default is in the experiment's .mk. */
static void parse_options(int argc, char **argv, struct settings *s)
{
	static const char *const profile_modes[] = { "0", "1", "sham", NULL };   /* PROFILE_OFF, _REAL, _SHAM */
	*s = (struct settings){ .seed = -1, .max_tokens = 8192, .temperature = 0.7, .reasoning_effort = "medium",
				.timeout_s = 600, .retries = 5, .backoff_ms = 1000, .max_wait_s = 300,
				.max_reply_bytes = 4 << 20 };
	struct opt_spec specs[] = {
		{ OPT_STRING("experiment", "DIR", &s->experiment, "AIOPT_EXPERIMENT_DIR",
			     "the experiment's directory: its prompts/ (settings come from the environment)"), .required = 1 },
		{ OPT_STRING("track", "TRACK", &s->track, "AIOPT_TRACK", "the track's name, recorded in the child (bin/run_track.sh says what each means)"),
		  .required = 1 },
		{ OPT_FLAG("probe", &s->probe, "ask the server once whether it serves --model (GET /models), print what it "
			   "said, and exit: 0 yes, 1 it answers without the model, 4 no answer (within 30 s)") },
		{ OPT_STRING("model", "M", &s->model, "AIOPT_MODEL", "the model's name on the server") },
		{ OPT_STRING("api-base", "URL", &s->api_base, "AIOPT_API_BASE",
			     "the OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1") },
		{ OPT_STRING("tree", "DIR", &s->tree, "AIOPT_TREE", "the source tree, holding the parent's version of the target files"),
		  .required = 1 },
		{ OPT_STRING("archive", "FILE", &s->archive, "AIOPT_ARCHIVE", "the run's archive.jsonl: history and inspiration") },
		{ OPT_STRING("record", "FILE", &s->record, "AIOPT_LLM_RECORD", "append each request and reply to this cassette") },
		{ OPT_STRING("replay", "FILE", &s->replay, "AIOPT_LLM_REPLAY",
			     "answer from this cassette by request hash; fail on a miss") },
		{ OPT_STRING("scripted", "DIR", &s->scripted, "AIOPT_SCRIPTED",
			     "take the edits from the files in DIR, in name order (the demo)") },
		{ OPT_STRING("run-dir", "DIR", &s->run_dir, "AIOPT_RUN_DIR",
			     "create child directories here (default: beside the parent's dir)") },
		{ OPT_STRING("note", "TEXT", &s->note, NULL,
			     "asked again: TEXT follows the task in the prompt (the runner's word on the last "
			     "answer); a scripted edit then comes from DIR/again/") },
		{ OPT_LONG("iteration", "N", &s->iteration, 0, LONG_MAX, "AIOPT_ITERATION",
			   "the child's iteration (0: archive records + 1)") },
		{ OPT_LONG("seed", "N", &s->seed, -1, LONG_MAX, NULL, "the run's seed, recorded in the child (-1: the parent's)") },
		{ SETTING_STRING("AIOPT_TARGET_FILES", &s->target_files, "the files the edit may change"), .required = 1 },
		{ SETTING_STRING("AIOPT_FUNCTIONS", &s->functions, "the functions the prompt cuts from them (empty: whole files)") },
		{ SETTING_STRING("AIOPT_WORKLOAD", &s->workload, "the benchmark's workload, in words"), .required = 1 },
		{ SETTING_LONG("AIOPT_PROMPT_CODE_CHARS", &s->code_chars, 0, 10000000, "the code section's size"), .required = 1 },
		{ SETTING_LONG("AIOPT_PROMPT_HISTORY_CHARS", &s->history_chars, 0, 10000000, "the history section's size"),
		  .required = 1 },
		{ SETTING_LONG("AIOPT_HISTORY_K", &s->history_k, 0, 1000, "attempts from this parent shown"), .required = 1 },
		{ SETTING_LONG("AIOPT_INSPIRATION_N", &s->inspiration_n, 0, 1000, "other good candidates shown"), .required = 1 },
		{ SETTING_LONG("AIOPT_INSPIRATION_CHARS", &s->inspiration_chars, 0, 10000000, "the inspiration section's size"),
		  .required = 1 },
		{ SETTING_LONG("AIOPT_PROFILE_TOP", &s->profile_top, 0, 1000, "profile lines shown (AIOPT_PROFILE_IN_PROMPT=1)"),
		  .required = 1 },
		{ SETTING_CHOICE("AIOPT_PROFILE_IN_PROMPT", &s->profile_in_prompt, profile_modes,
				 "1: the parent's profiles in the prompt; sham: the same section with its places drawn at random "
				 "(the track sets it: profiler tracks 1, profiler_sham sham)") },
		/* The wire: the client's own limits.  0 or a negative timeout would mean "no
		 * limit" to libcurl, so every one has its range. */
		{ SETTING_LONG("AIOPT_MAX_TOKENS", &s->max_tokens, 1, 10000000, "max_tokens of a request") },
		{ SETTING_DOUBLE("AIOPT_TEMPERATURE", &s->temperature, 0, 2, "temperature of a request") },
		{ SETTING_STRING("AIOPT_REASONING_EFFORT", &s->reasoning_effort, "reasoning_effort of a request") },
		{ SETTING_LONG("AIOPT_LLM_TIMEOUT", &s->timeout_s, 1, 86400, "seconds a request may take") },
		{ SETTING_LONG("AIOPT_LLM_RETRIES", &s->retries, 0, 100, "retries of a failed request") },
		{ SETTING_LONG("AIOPT_LLM_BACKOFF_MS", &s->backoff_ms, 0, 600000, "first backoff, doubled each retry") },
		{ SETTING_LONG("AIOPT_LLM_MAX_WAIT", &s->max_wait_s, 0, 86400, "longest Retry-After honoured, seconds") },
		{ SETTING_LONG("AIOPT_LLM_MAX_REPLY_BYTES", &s->max_reply_bytes, 1024, 1L << 30, "largest reply read") },
		{ SETTING_STRING("AIOPT_LLM_EXTRA", &s->extra, "a JSON object merged into the request") },
		{ SETTING_STRING("AIOPT_PRICES", &s->prices,
				 "MODEL=IN/OUT,…: USD per million input/output tokens (llm.cost_usd)") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "llm-mutate",
		.operands = "< parents",
		.summary = "Reads parent records and writes one child record per parent with a model's edit\n"
		"(\"diff\") and \"llm\" {model, api_base, prompt_tokens, completion_tokens, cost_usd,\n"
		"seconds, finish_reason, attempts, answered}; prompt.md and response.md go into the\n"
		"child's dir.  answered: false when no completion came (no connection, a timeout, an\n"
		"HTTP error after the retries).  cost_usd: the tokens at the model's AIOPT_PRICES; 0 for\n"
		"a scripted edit, an unanswered call or, unpriced, a model on loopback; null when\n"
		"unknown (an unpriced remote model, no token counts).  Token counts that are not whole\n"
		"numbers in [0, 2^53) are unknown (null), with a warning.\n"
		"--record, --replay and --scripted exclude each other; without --scripted, --model\n"
		"and --api-base are required.\n"
		"The API key comes from AI_OPT_API_KEY or OPENAI_API_KEY and is sent only in the\n"
		"Authorization header.",
		.specs = specs,
		.unset_hint = "the experiment's settings come from make (eval \"$(make -s experiment-env)\" to run llm-mutate by hand)",
	};
	/* --probe asks the server only: the prompt's settings are not needed. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--probe") == 0)
			for (struct opt_spec *o = specs; o->name; o++)
				o->required = 0;
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (parent records come on stdin)", argv[first]);
	if ((s->record != NULL) + (s->replay != NULL) + (s->scripted != NULL) > 1)
		die(EXIT_USAGE, "--record, --replay and --scripted exclude each other");
	if (!s->scripted && (!s->model || !s->api_base))
		die(EXIT_USAGE, "--model and --api-base are required (or --scripted DIR); "
			"for an offline run without a model, try: make demo");
	read_prices(s);
}

int main(int argc, char **argv)
{
	struct settings s;
	parse_options(argc, argv, &s);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());   /* backoff jitter only */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (s.probe) {
		if (s.scripted || s.replay)
			die(EXIT_USAGE, "--probe asks a server: not with --scripted or --replay");
		char *msg = NULL;
		if (s.timeout_s > 30)   /* a preflight's question: a server that is there answers in seconds */
			s.timeout_s = 30;
		int rc = probe(&s, &msg);
		char *line = xasprintf("%s at %s: %s", s.model, s.api_base, msg);
		mask_userinfo(line, s.api_base);
		puts(line);
		free(line);
		free(msg);
		curl_global_cleanup();
		return rc;
	}

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
	curl_global_cleanup();
	return 0;
}

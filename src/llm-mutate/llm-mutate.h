/* llm-mutate.h — what the parts of llm-mutate share: its settings, and the
 * prompt sections (code.c, prompt.c) and the model's answer (wire.c) that
 * llm-mutate.c puts together into a child record. */
#ifndef AIOPT_LLM_MUTATE_H
#define AIOPT_LLM_MUTATE_H
#include <cjson/cJSON.h>

#include "../lib/buf.h"

struct settings {
	const char *experiment, *track, *model, *api_base, *tree, *archive;
	const char *record, *replay, *scripted, *run_dir;
	const char *note;         /* --note: the runner's word on the last proposal (a re-ask) */
	long iteration, seed;
	/* from the experiment */
	const char *target_files, *functions, *workload;
	long code_chars, history_chars, history_k, inspiration_n, inspiration_chars, profile_top;
	int profile_in_prompt;    /* PROFILE_OFF, _REAL or _SHAM: the track's choice (bin/run_track.sh) */
	int probe;                /* --probe: ask the server once, no prompt */
	/* the wire */
	long max_tokens, timeout_s, retries, backoff_ms, max_wait_s, max_reply_bytes;
	double temperature;
	const char *reasoning_effort, *extra;
	/* the ledger: AIOPT_PRICES as given, and this model's price once found */
	const char *prices;
	int priced;                       /* 1 when AIOPT_PRICES names the model */
	double usd_per_m_in, usd_per_m_out;
};

enum { PROFILE_OFF, PROFILE_REAL, PROFILE_SHAM };   /* AIOPT_PROFILE_IN_PROMPT: 0, 1, sham */

/* code.c */
#define MAX_TARGETS 16
struct target_file {
	char *path;   /* relative, as AIOPT_TARGET_FILES names it */
	char *text;   /* the parent's version, from the tree */
};
/* The target files (at most MAX_TARGETS) as the tree holds them; exits naming one
 * the tree lacks.  Returns how many. */
int read_target_files(const struct settings *s, struct target_file *f);
char *code_section(const struct settings *s, cJSON *warnings);
/* Appends [first, last] (lines from 1) of every definition of name in src to ranges. */
void function_lines(const char *src, const char *name, cJSON *ranges);

/* prompt.c */
char *results_section(const cJSON *parent);
cJSON *read_archive(const char *path, cJSON *warnings);
char *history_section(const struct settings *s, const cJSON *archive, const char *parent_id);
char *inspiration_section(const struct settings *s, const cJSON *archive, const char *parent_id);
/* The profile section (real, or the sham of it: see prompt.c); *shown gets
 * {mode, items}: what the section names, for attribution (the apply stage). */
char *profile_section(const struct settings *s, const cJSON *parent, cJSON **shown);
/* tmpl with each {{name}} replaced; pairs: name, value, ..., NULL. */
char *fill(const char *tmpl, const char *const *pairs);
char *read_template(const struct settings *s, const char *name);

/* wire.c */
struct exchange {
	char *content;            /* the reply text, or NULL */
	char *raw;                /* the last reply's body as received (bounded), or NULL */
	char *error;              /* why there is no usable reply */
	char *warning;            /* a reply's figure that was not believed, or NULL */
	int answered;             /* 1: the server sent a completion (HTTP 200, JSON with choices) */
	long attempts;
	double seconds;
	double prompt_tokens, completion_tokens;
	char finish_reason[32];
};

char *request_body(const struct settings *s, const char *system, const char *user, char **err);
/* Sends body (retrying as the settings allow), or answers from the cassette. */
void converse(const struct settings *s, const char *body, struct exchange *x);
/* GET API_BASE/models once: 0 when the server answers and lists the model (or
 * keeps no list: *msg says so), 1 when it answers without the model, 4 (EXIT_SYSTEM)
 * when it does not answer; *msg says what was found. */
int probe(const struct settings *s, char **msg);
/* Masks the user:password part of url wherever it appears in text, in place. */
void mask_userinfo(char *text, const char *url);
unsigned long long fnv1a(const char *s);
#endif

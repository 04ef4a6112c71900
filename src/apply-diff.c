/* apply-diff — put a model's edit into a source tree, or say precisely why not.
 *
 * Edits come as SEARCH/REPLACE blocks or unified diffs, the way models write
 * them (fenced or not, prose around, wrong hunk counts).  Each block is found
 * in its file at the most exact level that matches it: 1 exact, 2 ignoring
 * trailing whitespace and CR, 3 ignoring indentation (the replacement is
 * re-indented by the same offset), 4 ignoring blank lines too.  More than one
 * match at that level is ambiguous and fails: never a guess.  Any failure
 * leaves every file as it was; only files under --tree named by --allow are
 * ever written, each with temp file + rename. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/edit.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/run.h"
#include "lib/safefile.h"
#include "lib/util.h"

/* ---- the fence: which files may change --------------------------------------- */

struct config {
	const char *tree;
	char *tree_real;
	struct lines allow;
	int raw, dry_run;
	const char *out_dir;
	long max_edit_bytes;
};

static char *allow_list(const struct config *c)
{
	size_t len = 1;
	for (size_t i = 0; i < c->allow.n; i++)
		len += strlen(c->allow.v[i]) + 2;
	char *s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; i < c->allow.n; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, c->allow.v[i]);
	}
	return s;
}

/* The allowed path a block means, or NULL with *err set. */
static const char *resolve_file(const struct config *c, const struct block *b, char **err)
{
	if (!b->file) {
		if (c->allow.n == 1)
			return c->allow.v[0];
		char *list = allow_list(c);
		*err = xasprintf("block %zu names no file, and several files are allowed (%s): "
				 "put the file's path on the line before <<<<<<< SEARCH", b->number, list);
		free(list);
		return NULL;
	}
	const char *f = b->file;
	while (strncmp(f, "./", 2) == 0)
		f += 2;
	if (f[0] == '/') {
		*err = xasprintf("block %zu: absolute path %s refused: name files relative to the tree", b->number, f);
		return NULL;
	}
	if (strcmp(f, "..") == 0 || strncmp(f, "../", 3) == 0 || strstr(f, "/../") ||
	    (strlen(f) >= 3 && strcmp(f + strlen(f) - 3, "/..") == 0)) {
		*err = xasprintf("block %zu: path %s refused: it leaves the tree", b->number, f);
		return NULL;
	}
	for (size_t i = 0; i < c->allow.n; i++)
		if (strcmp(f, c->allow.v[i]) == 0)
			return c->allow.v[i];
	/* "db_impl_write.cc" or "rocksdb/db/db_impl/db_impl_write.cc": one allowed file
	 * whose path ends the name, or the name ends the path, by whole components. */
	const char *found = NULL;
	int count = 0;
	for (size_t i = 0; i < c->allow.n; i++) {
		const char *a = c->allow.v[i];
		size_t la = strlen(a), lf = strlen(f);
		int suffix = (lf < la && a[la - lf - 1] == '/' && strcmp(a + la - lf, f) == 0) ||
			     (la < lf && f[lf - la - 1] == '/' && strcmp(f + lf - la, a) == 0);
		if (suffix) {
			found = a;
			count++;
		}
	}
	if (count == 1)
		return found;
	char *list = allow_list(c);
	*err = xasprintf("block %zu: %s is not a file this edit may change (allowed: %s)", b->number, f, list);
	free(list);
	return NULL;
}

/* Refuses a path whose real location is outside the tree (symlinks). */
static char *check_inside(const struct config *c, const char *rel)
{
	char *full = xasprintf("%s/%s", c->tree, rel);
	char *dir = xstrdup(full);
	*strrchr(dir, '/') = '\0';
	struct stat st;
	char *real = realpath(lstat(full, &st) == 0 ? full : dir, NULL);
	char *err = NULL;
	if (!real) {
		err = xasprintf("%s: %s", rel, strerror(errno));
	} else {
		size_t n = strlen(c->tree_real);
		if (strncmp(real, c->tree_real, n) != 0 || (real[n] != '/' && real[n] != '\0'))
			err = xasprintf("%s refused: it resolves to %s, outside the tree (symlink)", rel, real);
	}
	free(real);
	free(dir);
	free(full);
	return err;
}

/* ---- matching ------------------------------------------------------------------- */

enum { EXACT = 1, TRAILING = 2, INDENT = 3, BLANKS = 4 };

static int is_blank(const char *s)
{
	return s[strspn(s, " \t\r")] == '\0';
}

/* Equal at a level: 1 exactly, 2 up to trailing whitespace/CR, 3-4 also leading. */
static int line_eq(const char *a, const char *b, int level)
{
	if (level == EXACT)
		return strcmp(a, b) == 0;
	if (level >= INDENT) {
		a += strspn(a, " \t");
		b += strspn(b, " \t");
	}
	size_t la = strlen(a), lb = strlen(b);
	while (la && isspace((unsigned char)a[la - 1]))
		la--;
	while (lb && isspace((unsigned char)b[lb - 1]))
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

/* Does search match file at start?  *end = one past the last file line used. */
static int match_at(const struct lines *file, size_t start, const struct lines *search, int level, size_t *end)
{
	size_t f = start;
	for (size_t s = 0; s < search->n; s++) {
		if (level == BLANKS) {
			if (is_blank(search->v[s]))
				continue;
			if (s > 0 || f > start)
				while (f < file->n && is_blank(file->v[f]))
					f++;
		}
		if (f >= file->n || !line_eq(file->v[f], search->v[s], level))
			return 0;
		f++;
	}
	*end = f;
	return 1;
}

struct match {
	int level;         /* 0: none */
	size_t count;      /* at that level */
	size_t start, end; /* the first one */
};

static struct match find(const struct lines *file, const struct lines *search)
{
	struct match m = { 0, 0, 0, 0 };
	size_t nonblank = 0;
	for (size_t s = 0; s < search->n; s++)
		nonblank += !is_blank(search->v[s]);
	for (int level = EXACT; level <= BLANKS && m.count == 0; level++) {
		if (level == BLANKS && nonblank == 0)
			break;
		for (size_t i = 0; i < file->n; i++) {
			size_t end;
			if (level == BLANKS && is_blank(file->v[i]))
				continue;   /* a match starts on a line that has text */
			if (match_at(file, i, search, level, &end)) {
				if (m.count++ == 0) {
					m.start = i;
					m.end = end;
				}
			}
		}
		if (m.count)
			m.level = level;
	}
	return m;
}

static size_t indent_len(const char *s)
{
	return strspn(s, " \t");
}

/* The replacement for a match at level >= 3: each line's indentation moved by the
 * offset between the first non-blank SEARCH line and the file line it matched. */
static char *reindent(const char *line, const char *search_indent, size_t si, const char *file_indent, size_t fi)
{
	if (is_blank(line))
		return xstrdup(line);
	size_t li = indent_len(line);
	if (li >= si && strncmp(line, search_indent, si) == 0)
		return xasprintf("%.*s%s", (int)fi, file_indent, line + si);
	return xstrdup(line);   /* less indented than the block's first line: leave it */
}

/* Similarity of the best window for a failed block: the share of its non-blank
 * lines equal up to whitespace, and the lines that differ there. */
static cJSON *closest(const struct lines *file, const struct lines *search, char **summary)
{
	size_t best = 0, best_at = 0, m = search->n;
	for (size_t i = 0; i + m <= file->n || (i == 0 && file->n < m); i++) {
		size_t eq = 0;
		for (size_t s = 0; s < m && i + s < file->n; s++)
			eq += line_eq(file->v[i + s], search->v[s], INDENT);
		if (eq > best) {
			best = eq;
			best_at = i;
		}
	}
	cJSON *c = cJSON_CreateObject();
	double similarity = m ? (double)best / (double)m : 0;
	size_t last = best_at + m < file->n ? best_at + m : file->n;
	cJSON_AddNumberToObject(c, "first_line", (double)best_at + 1);
	cJSON_AddNumberToObject(c, "last_line", (double)last);
	cJSON_AddNumberToObject(c, "similarity", (double)(long)(similarity * 1000 + 0.5) / 1000);
	cJSON *diffs = cJSON_AddArrayToObject(c, "differences");
	char *text = xasprintf("closest: lines %zu-%zu, %.0f%% of lines equal", best_at + 1, last, similarity * 100);
	int shown = 0;
	for (size_t s = 0; s < m && shown < 3; s++) {
		const char *found = best_at + s < file->n ? file->v[best_at + s] : "";
		if (line_eq(found, search->v[s], INDENT))
			continue;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "file_line", (double)(best_at + s + 1));
		cJSON_AddStringToObject(d, "search", search->v[s]);
		cJSON_AddStringToObject(d, "file", found);
		cJSON_AddItemToArray(diffs, d);
		char *more = xasprintf("%s; SEARCH line %zu \"%.100s\" vs file line %zu \"%.100s\"", text, s + 1,
				       search->v[s] + indent_len(search->v[s]), best_at + s + 1, found + indent_len(found));
		free(text);
		text = more;
		shown++;
	}
	*summary = text;
	return c;
}

/* ---- applying -------------------------------------------------------------------- */

struct file_state {
	const char *path;        /* relative, from the allow list */
	char *old_text;          /* NULL: the file is new */
	size_t old_len;
	struct lines lines;
	int final_newline, crlf;
	mode_t mode;
};

struct result {
	int ok;
	size_t blocks, fuzzy;
	struct file_state *files;
	size_t nfiles;
	cJSON *failure;          /* details of the failing block */
	char *message;
};

static struct file_state *file_state(const struct config *c, struct result *r, const char *path, char **err)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	if ((*err = check_inside(c, path)) != NULL)
		return NULL;
	char *full = xasprintf("%s/%s", c->tree, path);
	struct file_state fs = { .path = path, .mode = 0644 };
	struct stat st;
	if (lstat(full, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			*err = xasprintf("%s is not a regular file", path);
			free(full);
			return NULL;
		}
		fs.mode = st.st_mode & 07777;
		fs.old_text = read_file(full, &fs.old_len);
		if (!fs.old_text) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			free(full);
			return NULL;
		}
		split_lines(fs.old_text, fs.old_len, &fs.lines, &fs.final_newline);
		fs.crlf = fs.lines.n && fs.lines.v[0][0] && fs.lines.v[0][strlen(fs.lines.v[0]) - 1] == '\r';
	} else if (errno != ENOENT) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(full);
		return NULL;
	} else {
		fs.final_newline = 1;
	}
	free(full);
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	r->files[r->nfiles] = fs;
	return &r->files[r->nfiles++];
}

static const char *first_search_line(const struct block *b)
{
	for (size_t i = 0; i < b->search.n; i++)
		if (!is_blank(b->search.v[i]))
			return b->search.v[i] + indent_len(b->search.v[i]);
	return "";
}

static void fail(struct result *r, const struct block *b, const char *file, char *message, cJSON *detail)
{
	r->ok = 0;
	r->message = message;
	r->failure = detail ? detail : cJSON_CreateObject();
	if (b) {
		cJSON_AddNumberToObject(r->failure, "block", (double)b->number);
		cJSON_AddStringToObject(r->failure, "search_first_line", first_search_line(b));
	}
	if (file)
		cJSON_AddStringToObject(r->failure, "file", file);
}

/* The lines that replace the match m: REPLACE's, re-indented as the file is when
 * the match needed it, with the file's line ends. */
static struct lines replacement(const struct block *b, const struct file_state *fs, const struct match *m)
{
	const char *si = "", *fi = "";
	size_t sil = 0, fil = 0;
	if (m->level >= INDENT) {
		for (size_t s = 0; s < b->search.n; s++)
			if (!is_blank(b->search.v[s])) {
				si = b->search.v[s];
				sil = indent_len(si);
				break;
			}
		for (size_t f = m->start; f < m->end; f++)
			if (!is_blank(fs->lines.v[f])) {
				fi = fs->lines.v[f];
				fil = indent_len(fi);
				break;
			}
	}
	struct lines repl = { 0 };
	for (size_t i = 0; i < b->replace.n; i++) {
		char *line = m->level >= INDENT ? reindent(b->replace.v[i], si, sil, fi, fil) : xstrdup(b->replace.v[i]);
		if (fs->crlf) {
			char *crlf = xasprintf("%s\r", line);
			free(line);
			line = crlf;
		}
		lines_push(&repl, line);
	}
	return repl;
}

static void apply_block(struct result *r, struct file_state *fs, const struct block *b)
{
	struct lines *file = &fs->lines;
	if (b->search.n == 0) {
		if (fs->old_text || file->n) {
			fail(r, b, fs->path, xasprintf("block %zu: empty SEARCH for %s, which exists: copy the lines "
						       "to replace into SEARCH", b->number, fs->path), NULL);
			return;
		}
		for (size_t i = 0; i < b->replace.n; i++)
			lines_push(file, fs->crlf ? xasprintf("%s\r", b->replace.v[i]) : xstrdup(b->replace.v[i]));
		return;
	}
	struct match m = find(file, &b->search);
	if (m.count == 0) {
		char *summary;
		cJSON *detail = cJSON_CreateObject();
		cJSON_AddItemToObject(detail, "closest", closest(file, &b->search, &summary));
		fail(r, b, fs->path, xasprintf("block %zu (SEARCH starting \"%.80s\") does not match %s; %s",
					       b->number, first_search_line(b), fs->path, summary), detail);
		free(summary);
		return;
	}
	if (m.count > 1) {
		fail(r, b, fs->path, xasprintf("block %zu (SEARCH starting \"%.80s\") matches %zu places in %s "
					       "(first at line %zu): add surrounding lines to make it unique",
					       b->number, first_search_line(b), m.count, fs->path, m.start + 1), NULL);
		return;
	}
	if (m.level > EXACT)
		r->fuzzy++;
	struct lines repl = replacement(b, fs, &m);
	/* Splice: file[0..start) + repl + file[end..). */
	size_t removed = m.end - m.start;
	for (size_t i = m.start; i < m.end; i++)
		free(file->v[i]);
	size_t tail = file->n - m.end;
	size_t n = file->n - removed + repl.n;
	if (n > file->cap) {
		file->cap = n;
		file->v = xrealloc(file->v, n * sizeof *file->v);
	}
	memmove(file->v + m.start + repl.n, file->v + m.end, tail * sizeof *file->v);
	memcpy(file->v + m.start, repl.v, repl.n * sizeof *repl.v);
	file->n = n;
	free(repl.v);
}

static char *joined(const struct file_state *fs, size_t *len)
{
	size_t total = 1;
	for (size_t i = 0; i < fs->lines.n; i++)
		total += strlen(fs->lines.v[i]) + 1;
	char *s = xmalloc(total), *p = s;
	for (size_t i = 0; i < fs->lines.n; i++) {
		size_t n = strlen(fs->lines.v[i]);
		memcpy(p, fs->lines.v[i], n);
		p += n;
		if (i + 1 < fs->lines.n || fs->final_newline)
			*p++ = '\n';
	}
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

static int write_temp(const char *dir, const char *name, const char *data, size_t len, char **path)
{
	*path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(*path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, len, f);
	return fclose(f) == 0 && w == len ? 0 : -1;
}

/* diff -u's output (exit 0 or 1), run without a shell; NULL if it failed. */
static char *run_diff(const char *label_a, const char *label_b, const char *old_path, const char *new_path,
		      size_t max_bytes)
{
	char *argv[] = { "diff", "-u", "--label", (char *)label_a, "--label", (char *)label_b,
			 (char *)old_path, (char *)new_path, NULL };
	int status;
	char *out = run_capture(argv, max_bytes, &status);
	if (out && status > 1) {
		free(out);
		return NULL;
	}
	return out;
}

/* The unified diff of one file's change, made by diff(1), with a/ b/ labels. */
static char *unified_diff(const struct file_state *fs, const char *new_text, size_t new_len)
{
	char tmpl[] = "/tmp/apply-diff.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir)
		return NULL;
	char *old_path, *new_path;
	char *out = NULL;
	if (write_temp(dir, "old", fs->old_text ? fs->old_text : "", fs->old_len, &old_path) == 0 &&
	    write_temp(dir, "new", new_text, new_len, &new_path) == 0) {
		char *a = fs->old_text ? xasprintf("a/%s", fs->path) : xstrdup("/dev/null");
		char *b = xasprintf("b/%s", fs->path);
		/* Bound: every line of both files once, with its prefix, and the headers. */
		out = run_diff(a, b, old_path, new_path, 2 * (fs->old_len + new_len) + 65536);
		free(a);
		free(b);
		unlink(new_path);
		free(new_path);
	}
	unlink(old_path);
	free(old_path);
	rmdir(dir);
	return out;
}

/* Applies an edit to the tree (or only decides, with --dry-run).  The result says
 * what happened; *patch gets the unified diff of every change. */
static struct result apply_edit(const struct config *c, const char *text, size_t len, char **patch)
{
	struct result r = { .ok = 1 };
	struct edit e = { 0 };
	*patch = NULL;
	if ((long)len > c->max_edit_bytes) {
		/* a model's edit is a few kB; a huge one is a runaway reply, not a change */
		char *m = xasprintf("the edit is %zu bytes, over the limit of %ld (AIOPT_MAX_EDIT_BYTES)", len, c->max_edit_bytes);
		fail(&r, NULL, NULL, m, NULL);
		return r;
	}
	char *err = edit_parse(text, len, &e);
	if (err) {
		fail(&r, NULL, NULL, err, NULL);
		edit_free(&e);
		return r;
	}
	r.blocks = e.n;
	for (size_t i = 0; i < e.n && r.ok; i++) {
		const struct block *b = &e.b[i];
		const char *path = resolve_file(c, b, &err);
		struct file_state *fs = path ? file_state(c, &r, path, &err) : NULL;
		if (!fs) {
			fail(&r, b, path, err, NULL);
			break;
		}
		apply_block(&r, fs, b);
	}
	edit_free(&e);
	if (!r.ok)
		return r;

	/* All blocks found their place: now, and only now, write. */
	size_t patch_len = 0;
	*patch = xstrdup("");
	for (size_t i = 0; i < r.nfiles && r.ok; i++) {
		struct file_state *fs = &r.files[i];
		size_t new_len;
		char *new_text = joined(fs, &new_len);
		char *d = unified_diff(fs, new_text, new_len);
		if (!d) {
			fail(&r, NULL, fs->path, xasprintf("%s: could not run diff(1) to record the change", fs->path), NULL);
		} else {
			size_t dl = strlen(d);
			*patch = xrealloc(*patch, patch_len + dl + 1);
			memcpy(*patch + patch_len, d, dl + 1);
			patch_len += dl;
			free(d);
		}
		free(new_text);
	}
	for (size_t i = 0; i < r.nfiles && r.ok && !c->dry_run; i++) {
		struct file_state *fs = &r.files[i];
		size_t new_len;
		char *new_text = joined(fs, &new_len);
		char *full = xasprintf("%s/%s", c->tree, fs->path);
		if (write_file_atomic(full, new_text, new_len, fs->mode) < 0)
			fail(&r, NULL, fs->path, xasprintf("%s: %s (files before it in this edit were written)",
							   fs->path, strerror(errno)), NULL);
		free(full);
		free(new_text);
	}
	return r;
}

static void result_free(struct result *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].old_text);
		lines_free(&r->files[i].lines);
	}
	free(r->files);
	free(r->message);
	cJSON_Delete(r->failure);
}

static cJSON *apply_json(struct result *r, const char *patch_name)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddBoolToObject(a, "ok", r->ok);
	cJSON *files = cJSON_AddArrayToObject(a, "files");
	for (size_t i = 0; i < r->nfiles; i++)
		cJSON_AddItemToArray(files, cJSON_CreateString(r->files[i].path));
	cJSON_AddNumberToObject(a, "blocks", (double)r->blocks);
	cJSON_AddNumberToObject(a, "fuzzy", (double)r->fuzzy);
	cJSON_AddItemToObject(a, "patch", r->ok && patch_name ? cJSON_CreateString(patch_name) : cJSON_CreateNull());
	if (!r->ok) {
		cJSON_AddStringToObject(a, "message", r->message);
		cJSON_AddItemToObject(a, "failure", r->failure);
		r->failure = NULL;
	}
	return a;
}

/* Writes patch.diff into dir; returns its name, or NULL with a warning. */
static const char *save_patch(const char *dir, const char *patch)
{
	if (!dir)
		return NULL;
	char *path = xasprintf("%s/patch.diff", dir);
	int rc = write_file_atomic(path, patch, strlen(patch), 0644);
	if (rc < 0)
		warnx_("%s: %s", path, strerror(errno));
	free(path);
	return rc < 0 ? NULL : "patch.diff";
}

static int run_raw(const struct config *c)
{
	size_t len;
	char *text = read_stream(stdin, &len);
	if (!text)
		die(EXIT_INPUT, "stdin: %s", strerror(errno));
	char *patch;
	struct result r = apply_edit(c, text, len, &patch);
	const char *name = r.ok && !c->dry_run ? save_patch(c->out_dir, patch) : NULL;
	cJSON *a = apply_json(&r, name);
	jsonl_write(stdout, a);
	cJSON_Delete(a);
	if (!r.ok)
		warnx_("%s", r.message);
	int status = r.ok ? 0 : EXIT_INPUT;
	result_free(&r);
	free(patch);
	free(text);
	return status;
}

static int run_records(const struct config *c)
{
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, stdin, "stdin");
	cJSON *rec;
	long records = 0;
	int status = 0;
	while ((rec = jsonl_next(lr)) != NULL) {
		records++;
		if (!record_has_error(rec)) {
			const cJSON *diff = cJSON_GetObjectItemCaseSensitive(rec, "diff");
			const cJSON *dir = cJSON_GetObjectItemCaseSensitive(rec, "dir");
			if (!cJSON_IsString(diff)) {
				/* neither an edit nor a failure upstream: not what apply-diff reads */
				warnx_("stdin:%zu: the record has no \"diff\" (string) and no error", lr->lineno);
				record_set_error(rec, "apply", "the record has no \"diff\" (string) to apply");
				status = EXIT_INPUT;
			} else {
				char *patch;
				struct result r = apply_edit(c, diff->valuestring, strlen(diff->valuestring), &patch);
				const char *out = c->out_dir ? c->out_dir : cJSON_IsString(dir) ? dir->valuestring : NULL;
				const char *name = r.ok && !c->dry_run ? save_patch(out, patch) : NULL;
				cJSON_AddItemToObject(rec, "apply", apply_json(&r, name));
				if (!r.ok)
					record_set_error(rec, "apply", "%s", r.message);
				result_free(&r);
				free(patch);
			}
		}
		jsonl_write(stdout, rec);
		cJSON_Delete(rec);
	}
	jsonl_expect_records(lr, records);
	lr_free(lr);
	free(lr);
	return status;
}

/* --allow's value: files separated by spaces or commas, "./" cut. */
static int add_allowed(const char *arg, void *dest, char **why)
{
	(void)why;
	char *copy = xstrdup(arg);
	char *save = NULL;
	for (char *t = strtok_r(copy, " ,\t\n", &save); t; t = strtok_r(NULL, " ,\t\n", &save)) {
		while (strncmp(t, "./", 2) == 0)
			t += 2;
		lines_push(dest, xstrdup(t));
	}
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	struct config c = { .max_edit_bytes = 1 << 20 };
	struct opt_spec specs[] = {
		{ OPT_STRING("tree", "DIR", &c.tree, "AIOPT_TREE", "the source tree the edit applies to"), .required = 1 },
		{ OPT_CALL("allow", "PATH", &c.allow, add_allowed, "AIOPT_TARGET_FILES",
			   "a file (relative to the tree) the edit may change; repeatable") },
		{ OPT_FLAG("raw", &c.raw, "read one bare edit from stdin and print the apply object") },
		{ OPT_FLAG("dry-run", &c.dry_run, "decide and report; change nothing") },
		{ OPT_STRING("out", "DIR", &c.out_dir, NULL, "write patch.diff here instead of the record's dir") },
		{ OPT_LONG("max-edit-bytes", "N", &c.max_edit_bytes, 1, 1L << 30, "AIOPT_MAX_EDIT_BYTES",
			   "refuse edits larger than N bytes") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "apply-diff",
		.operands = "< records",
		.summary = "Applies each candidate record's \"diff\" (SEARCH/REPLACE blocks or a unified diff) to\n"
		"the tree and adds \"apply\" {ok, files, blocks, fuzzy, patch} or \"error\"; writes\n"
		"patch.diff into the record's dir.  All or nothing: a failing block changes no file.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (the edit or records come on stdin)", argv[first]);
	if (c.allow.n == 0)
		die(EXIT_USAGE, "no file may change: give --allow PATH (or AIOPT_TARGET_FILES)");
	c.tree_real = realpath(c.tree, NULL);
	if (!c.tree_real)
		die(EXIT_USAGE, "--tree %s: %s", c.tree, strerror(errno));
	int status = c.raw ? run_raw(&c) : run_records(&c);
	free(c.tree_real);
	lines_free(&c.allow);
	return status;
}

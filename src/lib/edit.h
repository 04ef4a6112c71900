/* edit.h — the edit grammar, in one place.  A model writes its change as
 * SEARCH/REPLACE blocks (5 to 9 markers: "<<<<<<< SEARCH", "=======",
 * ">>>>>>> REPLACE", the file named on the line before) or as a unified diff
 * ("--- a/FILE", "+++ b/FILE", "@@" hunks whose counts are not trusted); fences
 * and prose around either are ignored.  llm-mutate uses it to tell a reply with
 * an edit from one without; apply-diff applies the blocks it returns. */
#ifndef AIOPT_EDIT_H
#define AIOPT_EDIT_H
#include <stddef.h>

/* A growable array of lines, each its own allocation. */
struct lines {
	char **v;
	size_t n, cap;
};
void lines_push(struct lines *l, char *s);
void lines_free(struct lines *l);
/* Splits text at '\n'; keeps a trailing '\r' on each line (CRLF files stay CRLF).
 * *final_newline (may be NULL) tells whether the text ended with one. */
void split_lines(const char *text, size_t len, struct lines *out, int *final_newline);

struct block {
	size_t number;          /* from 1, in the order written */
	char *file;             /* as written, or NULL */
	struct lines search, replace;
	int from_diff;          /* a unified-diff hunk */
	int new_file;           /* diff from /dev/null */
	long old_line;          /* a hunk's "@@ -N": where it starts in the old file; 0 unknown */
	char *text;             /* the block alone, as an edit of its own (split-edit) */
};

struct edit {
	struct block *b;
	size_t n;
};

/* Reads the blocks of text into e (zeroed by the caller).  NULL, or an error
 * message in fresh memory naming the block; no block at all is an error.  Either
 * way, edit_free(e) afterwards. */
char *edit_parse(const char *text, size_t len, struct edit *e);
void edit_free(struct edit *e);
#endif

/* canon.h — the canonical form of an edit: what it changes in the program, with
 * what does not (whitespace, comments, blank lines) taken out, so that two edits
 * that differ only there have one form, and one hash.  The one definition: the
 * apply stage records the hash of every candidate's patch against pristine, the
 * runner finds duplicates by it, and the novelty check measures the distance
 * between two forms' tokens. */
#ifndef AIOPT_CANON_H
#define AIOPT_CANON_H
#include <stddef.h>

/* The canonical form of a unified diff (a tree's patch against pristine, as git
 * diff writes it), in fresh memory: for each file in the order the diff names
 * them, a line "= PATH", then, for each run of changed lines (the lines between
 * two context lines), the statements it removes ("- ") and then those it adds
 * ("+ "), one a line.  A run's lines are read as one text: their C/C++ comments
 * removed (a block comment may span lines; a string or character literal is not a
 * comment), each run of whitespace made one space where two words or two operator
 * marks meet and none elsewhere, then split after each ';', '{' and '}' outside
 * parentheses, brackets and literals; so how the lines are broken does not
 * matter.  Statements a run removes and adds alike at its start or its end (a
 * line only laid out anew) are left out, and a file with no statement left.
 * Lines outside a hunk (headers, index lines) are not part of the form.  Never
 * NULL; "" for a patch that changes nothing but whitespace, comments and layout. */
char *canon_patch(const char *diff, size_t len);

/* One line of C/C++ as the form has it: text (n bytes) with its comments removed
 * and its whitespace collapsed, appended to out (a buf of buf.h).  *state (0 at a
 * file's start) carries what a line leaves open to the next: a block comment, a //
 * comment or a directive a backslash continues, or a raw string R"(...)" (one with a
 * delimiter ends on its own line, or is read to the end of that line only).  A directive's lines keep a space
 * for each run of whitespace and end in ';' (or, continued, the next line begins
 * with '#').  The one reading of comments: the sham profile's code lines are the
 * lines this leaves something of that is not a directive. */
enum { CANON_CODE, CANON_BLOCK_COMMENT, CANON_LINE_COMMENT, CANON_DIRECTIVE, CANON_RAW_STRING };
struct buf;
void canon_line(const char *text, size_t n, int *state, struct buf *out);

/* The form's hash: 16 hex digits of FNV-1a 64 (what a run compares; not a
 * defence against an adversary, who gains nothing by a collision but a verdict
 * of its own edit's). */
void canon_hash(const char *form, char out[17]);

/* The form as tokens for the novelty distance: identifiers and numbers whole,
 * every other character a token of its own (a run's "@ LINE" too).  *n gets the count; the array and its strings are fresh
 * memory (canon_tokens_free). */
char **canon_tokens(const char *form, size_t *n);
void canon_tokens_free(char **tokens, size_t n);

/* How near two forms are, on what each changes beyond what they share (their runs
 * alike, place and statements, taken out of both: two children of one parent are
 * compared by what each adds to it): the token-level edit distance of the rest over
 * the longer rest's length, 0 the same tokens, 1 nothing in common.  NAN, not
 * compared, when a rest has more than max tokens (a model's edit is a few hundred):
 * never 0 for a difference past the bound. */
double canon_distance(const char *a, const char *b, size_t max);

#endif

/* source.h — quoting source lines from a tree, for prompts (parse-coz, parse-offcpu). */
#ifndef AIOPT_SOURCE_H
#define AIOPT_SOURCE_H
#include <cjson/cJSON.h>

/* {"path": relative path, "lines": [{"line", "text"}…]} for line ± around of file,
 * found under root by the longest suffix of its recorded path (profiles carry
 * absolute paths from the machine that recorded them).  NULL, with *why set
 * (to free), when the file cannot be found or read. */
cJSON *source_context(const char *root, const char *file, long line, int around, char **why);

/* file's clean path relative to root (to free): file itself when relative and
 * there, else its longest suffix that names a file really inside root; NULL when
 * none does.  Recorded paths are absolute from another machine, or relative to
 * wherever the compiler ran (ccache's base_dir makes them so), at any depth. */
char *source_relative(const char *root, const char *file);

/* Whether the absolute, clean path lies inside root (also absolute and clean): the
 * one rule for "a file of the tree", by which nothing outside it is ever quoted. */
int path_inside(const char *path, const char *root);

/* --context ROOT[:N]: quote N lines (default 3) around each line from the tree at ROOT. */
struct context_option {
	char *root;     /* NULL: no context */
	int around;
};

/* An opt_call for --context: fills a struct context_option (free its root). */
int context_option_parse(const char *arg, void *dest, char **why);

#endif

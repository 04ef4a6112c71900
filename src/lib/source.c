#define _GNU_SOURCE
#include "source.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lines.h"
#include "number.h"
#include "util.h"

/* path itself when relative and present under root, else the longest suffix of it;
 * only a file that really lies inside root: a profile line naming
 * "../../etc/passwd" (or a symlink out of the tree) must not get it quoted into a
 * prompt sent to the model server.  Returns the file's clean path relative to
 * root ("../rocksdb-src/db/x.cc" from a build directory beside the tree is
 * "db/x.cc"). */
char *source_relative(const char *root, const char *path)
{
	struct stat st;
	char *real_root = realpath(root, NULL);
	if (!real_root)
		return NULL;
	for (const char *s = path; s; s = strchr(s + 1, '/')) {
		const char *rel = *s == '/' ? s + 1 : s;
		if (!*rel)
			break;
		char *full = xasprintf("%s/%s", root, rel);
		char *real = stat(full, &st) == 0 && S_ISREG(st.st_mode) ? realpath(full, NULL) : NULL;
		free(full);
		if (real && path_inside(real, real_root)) {
			size_t n = strlen(real_root);
			char *found = xstrdup(real + n + (n > 1));
			free(real);
			free(real_root);
			return found;
		}
		free(real);
	}
	free(real_root);
	return NULL;
}

int path_inside(const char *path, const char *root)
{
	size_t n = strlen(root);
	return strncmp(path, root, n) == 0 && (path[n] == '/' || n == 1);
}

cJSON *source_context(const char *root, const char *file, long line, int around, char **why)
{
	char *rel = source_relative(root, file);
	if (!rel) {
		*why = xasprintf("%s not found under %s", file, root);
		return NULL;
	}
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		*why = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		free(rel);
		return NULL;
	}
	cJSON *ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "path", rel);
	free(rel);
	cJSON *lines = cJSON_AddArrayToObject(ctx, "lines");
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, f, path);
	lr->max_line = 4096;
	while (lr_next(lr) >= 0 && (long)lr->lineno <= line + around) {
		if ((long)lr->lineno < line - around)
			continue;
		cJSON *l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "line", (double)lr->lineno);
		cJSON_AddStringToObject(l, "text", lr->line);
		cJSON_AddItemToArray(lines, l);
	}
	lr_free(lr);
	free(lr);
	fclose(f);
	free(path);
	return ctx;
}

int context_option_parse(const char *arg, void *dest, char **why)
{
	struct context_option *c = dest;
	char *root = xstrdup(arg);
	char *colon = strrchr(root, ':');
	long around = 3;
	if (colon && colon[1]) {
		if (number_long(colon + 1, 0, 1000, &around, why) < 0) {
			free(root);
			return -1;
		}
		*colon = '\0';
	}
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	free(c->root);
	c->root = root;
	c->around = (int)around;
	return 0;
}

/* dbflags.c — db_bench's command line as gflags reads it (dbflags.h).  Why one
 * reader: a rule that reads --sync one way while db_bench reads it another is
 * silently off (gflags takes -sync, --sync, --sync=Yes; a rule that knew only
 * --sync=1 dropped every sync rule for the others). */
#include "dbflags.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* db_bench's defaults (tools/db_bench_tool.cc) for the flags the rules read. */
const struct dbflag dbflags[] = {
	{ "sync", DBFLAG_BOOL, "false" },
	{ "disable_wal", DBFLAG_BOOL, "false" },
	{ "threads", DBFLAG_INT, "1" },
	{ "num", DBFLAG_INT, "1000000" },
	{ "duration", DBFLAG_INT, "0" },
	{ "key_size", DBFLAG_INT, "16" },
	{ "value_size", DBFLAG_INT, "100" },
};
const size_t dbflags_count = sizeof dbflags / sizeof *dbflags;

int dbflag_boolean(const char *v)
{
	static const char *const yes[] = { "1", "true", "t", "yes", "y" }, *const no[] = { "0", "false", "f", "no", "n" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

int dbflag_split(const char *word, char *name, size_t size, const char **value)
{
	if (word[0] != '-' || strcmp(word, "--") == 0)
		return -1;
	const char *s = word + (word[1] == '-' ? 2 : 1);
	const char *eq = strchr(s, '=');
	size_t len = eq ? (size_t)(eq - s) : strlen(s);
	if (len == 0 || len >= size)
		return -1;
	memcpy(name, s, len);
	name[len] = '\0';
	*value = eq ? eq + 1 : NULL;
	return 0;
}

/* A whole number as gflags' integers are written here: an optional '-', digits. */
static int whole_number(const char *v)
{
	const char *s = v + (*v == '-');
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int copy_out(char *out, size_t size, const char *text, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
	return len;
}

int dbflag_get(const char *args, const char *name, enum dbflag_type type, char *value, size_t size)
{
	int found = 0;
	const char *p = args;
	char word[512], key[128];
	for (;;) {
		p += strspn(p, " \t\n");
		if (!*p)
			return found;
		size_t len = strcspn(p, " \t\n");
		copy_out(word, sizeof word, p, len);
		p += len;
		const char *v;
		if (len >= sizeof word || dbflag_split(word, key, sizeof key, &v) != 0) {
			copy_out(value, size, word, strlen(word));
			return -1;   /* gflags would take it as the value of the word before, or stop there */
		}
		int negated = strncmp(key, "no", 2) == 0 && strcmp(key + 2, name) == 0;
		if (strcmp(key, name) != 0 && !negated)
			continue;
		if (type == DBFLAG_BOOL) {
			int b = negated ? (v ? -1 : 0) : v ? dbflag_boolean(v) : 1;
			if (b < 0) {
				copy_out(value, size, word, strlen(word));
				return -1;
			}
			copy_out(value, size, b ? "true" : "false", b ? 4 : 5);
		} else if (negated || !v || (type == DBFLAG_INT && !whole_number(v))) {
			copy_out(value, size, word, strlen(word));
			return -1;
		} else {
			copy_out(value, size, v, strlen(v));
		}
		found = 1;
	}
}

const char *dbflag_value(const char *args, const char *name, char *value, size_t size)
{
	for (size_t i = 0; i < dbflags_count; i++)
		if (strcmp(dbflags[i].name, name) == 0) {
			int r = dbflag_get(args, name, dbflags[i].type, value, size);
			return r < 0 ? NULL : r ? value : dbflags[i].db_bench_default;
		}
	copy_out(value, size, name, strlen(name));
	return NULL;
}

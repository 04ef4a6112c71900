/* dbflags.h — db_bench's command line as gflags reads it: the one reader of the
 * workload's flags (score's rules, read-flags for the stages, ack-writer).  libc
 * only, so ack-writer, built against RocksDB alone, compiles it too. */
#ifndef AIOPT_DBFLAGS_H
#define AIOPT_DBFLAGS_H
#include <stddef.h>

enum dbflag_type { DBFLAG_BOOL, DBFLAG_INT, DBFLAG_STRING };

/* The flags aiopt's rules read, with db_bench's types and defaults. */
struct dbflag {
	const char *name;
	enum dbflag_type type;
	const char *db_bench_default;
};
extern const struct dbflag dbflags[];
extern const size_t dbflags_count;

/* gflags' spellings of a boolean, in any case: 1 (true t yes y 1), 0 (false f no n
 * 0), -1 neither. */
int dbflag_boolean(const char *v);

/* One word as gflags splits it: "-name" or "--name", then "=value" or nothing.
 * NAME gets the name (at most SIZE - 1 bytes), *value the text after '=' (NULL
 * when none).  0, or -1 when WORD is not a flag (no dash, "--", an empty or too
 * long name). */
int dbflag_split(const char *word, char *name, size_t size, const char **value);

/* Flag NAME of TYPE in ARGS (words separated by blanks) as gflags keeps it: the
 * last occurrence; a boolean as "true" or "false" (--name, --noname, any spelling);
 * an integer as its decimal digits.  Returns 1 and writes the value to VALUE (SIZE
 * bytes), 0 when ARGS does not name it, -1 when gflags would refuse or read it
 * otherwise than here (a word that is no flag, a boolean spelled otherwise, a
 * number that is not one): VALUE then holds the offending word. */
int dbflag_get(const char *args, const char *name, enum dbflag_type type, char *value, size_t size);

/* Flag NAME of the table above in ARGS as dbflag_get reads it, or db_bench's default
 * when ARGS does not name it; NULL when gflags would read ARGS otherwise (VALUE then
 * holds the offending word), or NAME is not in the table. */
const char *dbflag_value(const char *args, const char *name, char *value, size_t size);

#endif

/* archive.h — a run's archive.jsonl (archive-append's file) read back, tolerant of
 * what a crash can leave there and of nothing else. */
#ifndef AIOPT_ARCHIVE_H
#define AIOPT_ARCHIVE_H
#include <stdio.h>

#include <cjson/cJSON.h>

/* The archive's records, as an array, from f (name is for messages).  Its last line
 * may be a record a crash cut short: skipped, with *warning set ("NAME:N: unreadable
 * last line (a torn write?): skipped"; free it).  Any other line that is not a JSON
 * object, or a read error, means this is not an archive: NULL, with *why set
 * ("NAME:N: not a JSON object: not an archive"; free it). */
cJSON *archive_read(FILE *f, const char *name, char **warning, char **why);

/* What a record is worth as a parent or an inspiration: its score.combined_score,
 * or, when it was measured again (its "confirm", bin/stage/confirm.sh), the
 * confirmation's.  A screening figure that fresh pairs refuted is noise, and
 * evolution must not keep breeding from it.  NAN when the record has none (an
 * invalid candidate, or one whose confirmation was invalid). */
double archive_fitness(const cJSON *rec);

#endif

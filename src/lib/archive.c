#include "archive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "lines.h"
#include "util.h"

cJSON *archive_read(FILE *f, const char *name, char **warning, char **why)
{
	cJSON *records = cJSON_CreateArray();
	struct line_reader *lr = xmalloc(sizeof *lr);
	lr_init(lr, f, name);
	size_t torn = 0;   /* the number of an unreadable line, which must be the last */
	*warning = *why = NULL;
	while (!*why && lr_next(lr) >= 0) {
		const char *text = lr->line + strspn(lr->line, " \t");
		if (*text == '\0')
			continue;
		if (torn) {
			*why = xasprintf("%s:%zu: not a JSON object, and not the last line: not an archive", name, torn);
			break;
		}
		/* Read as every other reader reads it (jsonl's record_parse): a record jq
		 * would read otherwise is no archive's. */
		cJSON *rec = NULL;
		char *problem = NULL;
		int rc = record_parse(lr->line, (size_t)lr->line_len, name, lr->lineno, &rec, &problem);
		if (rc == RECORD_OK) {
			cJSON_AddItemToArray(records, rec);
			continue;
		}
		cJSON_Delete(rec);
		if (rc == RECORD_REFUSED) {
			*why = xasprintf("%s: not an archive", problem);
			free(problem);
			break;
		}
		free(problem);
		/* Only the start of a record, cut short by a crash, may be unreadable. */
		if (*text != '{')
			*why = xasprintf("%s:%zu: not a JSON object: not an archive", name, lr->lineno);
		torn = lr->lineno;
	}
	if (!*why && lr->read_error)
		*why = xasprintf("%s: read error: %s", name, strerror(lr->read_error));
	if (!*why && torn)
		*warning = xasprintf("%s:%zu: unreadable last line (a torn write?): skipped", name, torn);
	lr_free(lr);
	free(lr);
	if (*why) {
		cJSON_Delete(records);
		return NULL;
	}
	return records;
}

double archive_fitness(const cJSON *rec)
{
	const cJSON *confirmed = json_path(rec, "confirm.score");
	const cJSON *score = confirmed ? confirmed : json_path(rec, "score");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(score, "valid")))
		return NAN;
	return json_path_number(score, "combined_score");
}

/* pick-parent — choose the next parent from a run's archive, reproducibly.
 *
 * Only valid candidates (score.valid, a combined_score) can be parents, and
 * pristine RocksDB — the root — always can.  A candidate measured again is
 * ranked by its confirmation's figure, not its screening's (archive_fitness).  The choice depends on nothing but
 * the seed, the strategy and the archive: the random stream is seeded from
 * --seed and the number of records, so a resumed run makes the same choices.
 * A torn last line (a crash mid-write) is skipped with a warning: the run goes on
 * with what is readable.  Any other unreadable line means the input is not an
 * archive (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/archive.h"
#include "lib/jsonl.h"
#include "lib/lines.h"
#include "lib/opts.h"
#include "lib/rng.h"
#include "lib/util.h"

/* PRISTINE is the best-of-N control: every child's parent is pristine, so the run
 * samples N independent edits and nothing evolves. */
enum strategy { TOURNAMENT, BEST, ISLANDS, PRISTINE };
static const char *const strategy_names[] = { "tournament", "best", "islands", "pristine", NULL };

struct settings {
	long seed;
	int strategy;   /* an enum strategy, as the option table stores a choice */
	double explore;
	long tournament_size, islands, migrate_every;
};


static size_t below(uint64_t *state, size_t n)
{
	return (size_t)(rng_uniform(state) * (double)n);
}

static double combined(const cJSON *rec)
{
	return archive_fitness(rec);
}

static int valid(const cJSON *rec)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(rec, "error");
	return !isnan(combined(rec)) && (!err || cJSON_IsNull(err));
}

static long island_of(const cJSON *rec)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "island");
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static cJSON *pristine(void)
{
	return cJSON_Parse("{\"id\":\"pristine\",\"parent\":null,\"iteration\":0,\"pristine\":true,"
			   "\"score\":{\"combined_score\":1,\"comparable_score\":1,\"valid\":true,"
			   "\"reason\":\"pristine RocksDB\"}}");
}

/* The best of k drawn with replacement from pool; ties go to the earlier record. */
static const cJSON *tournament(const cJSON **pool, size_t n, long k, uint64_t *rng)
{
	const cJSON *best = NULL;
	for (long i = 0; i < k; i++) {
		const cJSON *c = pool[below(rng, n)];
		if (!best || combined(c) > combined(best))
			best = c;
	}
	return best;
}

static const cJSON *choose(const struct settings *s, const cJSON **pool, size_t n, uint64_t *rng)
{
	if (s->strategy == PRISTINE)
		return pool[0];   /* parent_pool puts the root first */
	if (s->strategy == BEST) {
		const cJSON *best = pool[0];
		for (size_t i = 1; i < n; i++)
			if (combined(pool[i]) > combined(best))
				best = pool[i];
		return best;
	}
	if (rng_uniform(rng) < s->explore)
		return pool[below(rng, n)];
	return tournament(pool, n, s->tournament_size, rng);
}

/* The settings from flags and the environment; exits on bad usage. */
static void parse_options(int argc, char **argv, struct settings *s)
{
	*s = (struct settings){ .strategy = TOURNAMENT, .explore = 0.1, .tournament_size = 3, .islands = 4,
			      .migrate_every = 10 };
	struct opt_spec specs[] = {
		{ OPT_LONG("seed", "N", &s->seed, 0, LONG_MAX, "AIOPT_SEED", "the run's seed: the choice must be reproducible"),
		  .required = 1 },
		{ OPT_CHOICE("strategy", "S", &s->strategy, strategy_names, "AIOPT_STRATEGY", "how a parent is chosen") },
		{ OPT_DOUBLE("explore", "P", &s->explore, 0, 1, "AIOPT_EXPLORE",
			     "probability of a uniformly random valid parent") },
		{ OPT_LONG("tournament-size", "K", &s->tournament_size, 1, 1000, "AIOPT_TOURNAMENT_SIZE",
			   "candidates drawn per tournament") },
		{ OPT_LONG("islands", "K", &s->islands, 1, 1000, "AIOPT_ISLANDS", "islands: number of sub-populations") },
		{ OPT_LONG("migrate-every", "N", &s->migrate_every, 1, 1000000000, "AIOPT_MIGRATE_EVERY",
			   "islands: copy the best to every island each N records") },
		{ OPT_END },
	};
	const struct opt_tool tool = {
		.name = "pick-parent",
		.operands = "< archive.jsonl",
		.summary = "Reads a run's archive and writes one parent record: a valid candidate chosen by\n"
		"tournament over combined_score (with probability --explore a uniformly random one),\n"
		"the best, or by islands; pristine RocksDB when nothing valid exists, and always\n"
		"under --strategy pristine (best-of-N: no evolution).  The same seed and archive\n"
		"give the same choice.",
		.specs = specs,
	};
	int first = opts_parse(&tool, argc, argv);
	if (first != argc)
		die(EXIT_USAGE, "unexpected argument %s (the archive comes on stdin)", argv[first]);
}

/* The candidates a parent is drawn from (pool holds records + 2): pristine and every
 * valid record, of this iteration's island under islands. */
static size_t parent_pool(const struct settings *s, const cJSON *records, const cJSON *root, long island,
			  const cJSON **pool)
{
	size_t n = (size_t)cJSON_GetArraySize(records), np = 0;
	const cJSON *best_overall = root, *rec;
	cJSON_ArrayForEach(rec, records)
		if (valid(rec) && combined(rec) > combined(best_overall))
			best_overall = rec;
	pool[np++] = root;
	cJSON_ArrayForEach(rec, records) {
		if (!valid(rec))
			continue;
		if (s->strategy == ISLANDS && island_of(rec) != island)
			continue;
		pool[np++] = rec;
	}
	/* Islands: every migrate_every records the best of all joins each island. */
	if (s->strategy == ISLANDS && n > 0 && n % (size_t)s->migrate_every == 0 && best_overall != root) {
		int present = 0;
		for (size_t i = 0; i < np; i++)
			present |= pool[i] == best_overall;
		if (!present)
			pool[np++] = best_overall;
	}
	return np;
}

int main(int argc, char **argv)
{
	struct settings s;
	parse_options(argc, argv, &s);
	cJSON *root = pristine();
	char *warning, *why;
	cJSON *records = archive_read(stdin, "stdin", &warning, &why);
	if (!records)
		input_error("%s", why);
	if (warning)
		warnx_("%s", warning);
	free(warning);

	size_t n = (size_t)cJSON_GetArraySize(records);
	/* One stream per (seed, archive length): a resumed run repeats its choices. */
	uint64_t rng = (uint64_t)s.seed * 0x2545f4914f6cdd1dULL ^ (uint64_t)n;
	rng_next(&rng);
	long island = s.strategy == ISLANDS ? (long)(n % (size_t)s.islands) : -1;
	const cJSON **pool = xmalloc((n + 2) * sizeof *pool);
	size_t np = parent_pool(&s, records, root, island, pool);
	const cJSON *chosen = choose(&s, pool, np, &rng);
	cJSON *out = cJSON_Duplicate(chosen, 1);
	if (s.strategy == ISLANDS) {
		cJSON_DeleteItemFromObjectCaseSensitive(out, "island");
		cJSON_AddNumberToObject(out, "island", (double)island);
	}
	jsonl_write(stdout, out);
	cJSON_Delete(out);
	free(pool);
	cJSON_Delete(records);
	cJSON_Delete(root);
	return 0;
}

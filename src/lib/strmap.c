#include "strmap.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t *slot_of(const struct strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->nslots - 1);
	for (;; i = (i + 1) & (m->nslots - 1)) {
		size_t *slot = &m->slots[i];
		if (*slot == 0 || strcmp(m->keys[*slot - 1], key) == 0)
			return slot;
	}
}

/* Rehash into n slots; keys has room for n / 2 entries (load factor 1/2). */
static void grow(struct strmap *m, size_t n)
{
	m->keys = xrealloc(m->keys, n / 2 * sizeof *m->keys);
	free(m->slots);
	m->slots = xmalloc(n * sizeof *m->slots);
	memset(m->slots, 0, n * sizeof *m->slots);
	m->nslots = n;
	for (size_t i = 0; i < m->count; i++)
		*slot_of(m, m->keys[i]) = i + 1;
}

size_t strmap_intern(struct strmap *m, const char *key, int *added)
{
	if (added)
		*added = 0;
	if ((m->count + 1) * 2 > m->nslots)
		grow(m, m->nslots ? m->nslots * 2 : 64);
	size_t *slot = slot_of(m, key);
	if (*slot)
		return *slot - 1;
	m->keys[m->count] = xstrdup(key);
	*slot = ++m->count;
	if (added)
		*added = 1;
	return m->count - 1;
}

void strmap_clear(struct strmap *m)
{
	for (size_t i = 0; i < m->count; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

void *strmap_value(struct strmap *m, const char *key, void **values, size_t *cap, size_t elem, int *added)
{
	int is_new;
	size_t i = strmap_intern(m, key, &is_new);
	if (i >= *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		*values = xrealloc(*values, n * elem);
		*cap = n;
	}
	char *v = (char *)*values + i * elem;
	if (is_new)
		memset(v, 0, elem);
	if (added)
		*added = is_new;
	return v;
}

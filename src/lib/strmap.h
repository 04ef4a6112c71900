/* strmap.h — string keys to dense indexes, in order of first insertion.
 * Parsers keep their values in arrays indexed by the map, so output keeps the
 * input's order and lookups stay O(1) however many lines repeat a key. */
#ifndef AIOPT_STRMAP_H
#define AIOPT_STRMAP_H
#include <stddef.h>

struct strmap {
	char **keys;          /* keys[i] for index i, in insertion order */
	size_t count;
	size_t *slots;        /* open addressing: index + 1, 0 = empty */
	size_t nslots;
};

/* Index of key, inserting it if absent (then *added = 1 when added != NULL). */
size_t strmap_intern(struct strmap *m, const char *key, int *added);
void strmap_clear(struct strmap *m);
/* Interns key and returns its element in *values, a parallel array of elem-byte
 * elements grown (capacity in *cap) to follow the map; a new element is zeroed. */
void *strmap_value(struct strmap *m, const char *key, void **values, size_t *cap, size_t elem, int *added);

#endif

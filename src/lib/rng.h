/* rng.h — the random numbers every tool draws: splitmix64, small, fast and the
 * same on every machine, so a seed gives the same draws anywhere. */
#ifndef AIOPT_RNG_H
#define AIOPT_RNG_H
#include <stdint.h>

/* The next 64 random bits of the sequence *state seeds (state advances). */
uint64_t rng_next(uint64_t *state);
/* A double in [0, 1) from the next 53 bits. */
double rng_uniform(uint64_t *state);
#endif

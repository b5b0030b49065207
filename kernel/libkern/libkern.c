/*
 * libkern.c - the small C library the kernel carries: character classes
 * and a seeded pseudo-random generator for tests (the memory and string
 * routines are string.c, which user/'s libc shares).  Freestanding code cannot use the host's libc, and the hosted test
 * build (tests/host/) compiles this file too, so nothing here may depend on
 * the machine.
 */
#include <sys/systm.h>

int isspace(int c) { return (c == ' ' || (c >= '\t' && c <= '\r')); }
int isdigit(int c) { return (c >= '0' && c <= '9'); }
int isalpha(int c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
int isxdigit(int c) { return (isdigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')); }
int isprint(int c) { return (c >= 0x20 && c < 0x7f); }

/*
 * xorshift64*: small, fast and good enough for test workloads.  A zero seed
 * would stick at zero, so it is replaced by a fixed odd constant.
 */
void
rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (r->s * 0x2545f4914f6cdd1dull);
}

uint32_t
rng_below(struct rng *r, uint32_t bound)
{
	return (bound == 0 ? 0 : (uint32_t)((rng_next(r) >> 32) % bound));
}

/*
 * test_buddy_model.c - the buddy allocator against the reference model
 * (buddy_model.c) under long random operation sequences: order
 * allocations from every pool, frees, contiguous allocations with random
 * constraints, and unfree of random pages, while the amount of free memory
 * swings between nearly all and nearly none so that splitting, stealing,
 * the ISA DMA fallback and allocation failure all happen.
 *
 * Every operation is checked as it happens; every CHECK_EVERY steps the
 * whole state is compared.  The seed is harness_seed() (HOST_SEED=n), so a
 * failure replays; the message names the seed and the step.
 */
#include <stdio.h>

#include "harness.h"
#include "buddy_model.h"

#define	MB		(1024ull * 1024)
#define	GB		(1024ull * MB)
#define	STEPS		20000
#define	SEEDS		3
#define	CHECK_EVERY	1000
#define	NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Several segments: an unaligned low one, one crossing the 16 MiB ISA DMA
 * split, two touching at an odd page (buddies that must not merge), one
 * crossing 4 GiB and one wholly above it.  About 6000 pages.
 */
static const struct sim_range layout[] = {
	{ 0x1000, 0x9f000 },
	{ 15 * MB + 0x5000, 17 * MB + 0x3000 },
	{ 40 * MB - 0x7000, 41 * MB + 0x3000 },
	{ 41 * MB + 0x3000, 44 * MB },
	{ 4 * GB - 2 * MB, 4 * GB + 5 * MB + 0x5000 },
	{ 6 * GB, 6 * GB + 8 * MB },
};

/* Interesting limits for contig's [low, high). */
static const sim_pa_t limits[] = {
	0, 1 * MB, 16 * MB, 40 * MB, 42 * MB, 4 * GB - 1 * MB, 4 * GB, 4 * GB + 4 * MB,
	6 * GB + 2 * MB, ~0ull,
};

static unsigned long long rs;

static unsigned
rnd(unsigned bound)
{
	rs ^= rs >> 12, rs ^= rs << 25, rs ^= rs >> 27;
	return ((unsigned)((rs * 0x2545f4914f6cdd1dull) >> 33) % bound);
}

/* Mostly small orders, as a kernel asks; sometimes large. */
static int
rand_order(void)
{
	unsigned r = rnd(100);

	return (r < 45 ? 0 : r < 70 ? 1 + (int)rnd(2) : r < 90 ? 3 + (int)rnd(3) : 6 + (int)rnd(5));
}

static int
rand_contig(void)
{
	unsigned long n = rnd(4) == 0 ? 1 + rnd(2600) : 1 + rnd(1u << rnd(9));
	unsigned a = rnd(NITEMS(limits)), b = rnd(NITEMS(limits));
	/* Up to 8 GiB: alignments and boundaries past 32 bits matter here. */
	unsigned long align = 4096ul << (rnd(3) == 0 ? rnd(22) : 0);
	unsigned long boundary = rnd(2) == 0 ? 0 : 4096ul << (4 + rnd(18));

	if (a > b) {
		unsigned t = a; a = b; b = t;
	}
	return (model_contig(n, limits[a], limits[b], align, boundary));
}

/* One random operation; `fill` is the share of memory the driver aims to hold. */
static int
step(double fill)
{
	bool grow = (double)(model_npages() - model_nfree()) < fill * (double)model_npages();
	unsigned r;

	if (rnd(100) < (grow ? 25u : 75u))
		return (model_free(rnd(1u << 30)));
	r = rnd(100);
	if (r < 15)
		return (rand_contig());
	if (r < 25)
		return (model_unfree((long)rnd((unsigned)model_npages())));
	return (model_alloc((int)rnd(3), rand_order()));
}

static int
run(unsigned long long seed, char *where, size_t size)
{
	rs = seed | 1;
	if (model_setup(layout, (int)NITEMS(layout)) != 0) {
		snprintf(where, size, "seed %llu, setup", seed);
		return (-1);
	}
	for (int i = 1; i <= STEPS; i++) {
		/* The target fill swings between 10% and 100% every 5000 steps. */
		double fill = 0.1 + 0.9 * (double)(i % 5000) / 5000.0;

		if (step(fill) != 0 || (i % CHECK_EVERY == 0 && model_full_check() != 0)) {
			snprintf(where, size, "seed %llu, step %d", seed, i);
			return (-1);
		}
	}
	return (0);
}

HOST_TEST(buddy_model_random)
{
	char where[64];

	for (int k = 0; k < SEEDS; k++) {
		unsigned long long seed = harness_seed() + (unsigned long long)k;

		CHECK(run(seed, where, sizeof(where)) == 0, "%s: %s", where, model_why);
		/* The workload must reach the interesting paths, or it proves little. */
		struct model_stats *st = &model_stats;
		CHECK(st->alloc_fail > 0 && st->contig_ok > 0 && st->contig_fail > 0 &&
		    st->unfree_ok > 0 && st->unfree_fail > 0 && st->steals > 0 && st->isadma > 0,
		    "seed %llu: a path was never taken: alloc %ld/%ld fail, contig %ld/%ld fail, "
		    "unfree %ld/%ld fail, %ld steals, %ld ISA DMA", seed, st->alloc_ok,
		    st->alloc_fail, st->contig_ok, st->contig_fail, st->unfree_ok,
		    st->unfree_fail, st->steals, st->isadma);
	}
	model_teardown();
}

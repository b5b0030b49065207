/*
 * bench_buddy.c - what the buddy allocator costs and what it buys, against
 * the simplest page allocator there is: a singly linked free list like
 * xv6's kalloc (written here, minus xv6's junk-filling and lock, so both
 * sides only touch page metadata - there is no simulated RAM).
 *
 *  a. ns per alloc+free pair, order 0 and order 4, in three patterns;
 *     the free list cannot allocate order 4, so its row does 16 separate
 *     order-0 pages instead (not contiguous: not the same service); order
 *     0 also through the batch in front of vm_phys (vm_phys_batch.c), as
 *     vm_page_alloc/vm_page_free go.  The free list takes no lock, so
 *     the buddy and the batch run under the free-queue lock taken once
 *     around the loop; the batch again taking it per call, as the kernel
 *     does, and the lock's own cost are rows of their own;
 *  b. how often a 64-page contiguous allocation succeeds after a random
 *     fragmenting workload, and how often the memory had such a run; with
 *     the order-0 traffic on the bare buddy, then through the batch
 *     (drained before the contiguous allocation, as vm_page_alloc_contig
 *     does), on the same workloads.
 *
 * Prints "RESULT key=value ..." lines for tools/bench-vm.py; never judges.
 * Built -O2 without sanitizers (tests/host/extra.mk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_machine.h"

#define	MB	(1024ull * 1024)
#define	BASE	(16 * MB)		/* one segment on the default free list */
#define	NPG	16384			/* 64 MiB */
#define	REPS	2000000
#define	MIN(a, b)	((a) < (b) ? (a) : (b))

static const struct sim_range layout[] = { { BASE, BASE + NPG * SIM_PAGE } };

/* ---- The baseline: xv6's kalloc over a page array ---------------------- */

/*
 * xv6 links free pages through the pages themselves, so each call touches
 * one cache line per page: pad to one.  The calls stay out of line, as a
 * kernel's kalloc()/kfree() are, and as the buddy's are.
 */
struct run { struct run *next; char pad[56]; };
static struct run fl_pages[NPG];
static struct run *fl_head;

static __attribute__((noinline)) void
fl_free(struct run *r)
{
	r->next = fl_head;
	fl_head = r;
}

static __attribute__((noinline)) struct run *
fl_alloc(void)
{
	struct run *r = fl_head;

	if (r != NULL)
		fl_head = r->next;
	return (r);
}

static void
fl_init(void)
{
	fl_head = NULL;
	for (int i = 0; i < NPG; i++)	/* freerange(): ascending, so the top comes out first */
		fl_free(&fl_pages[i]);
}

/* ---- Helpers ------------------------------------------------------------- */

static unsigned long long rs = 88172645463325252ull;

static unsigned
rnd(unsigned bound)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return ((unsigned)(rs >> 32) % bound);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

static sim_pa_t held[NPG];
static void *mheld[NPG];
static struct run *fheld[NPG];

static void
result(const char *pattern, const char *alloc, const char *order, double ns)
{
	printf("RESULT bench=pair pattern=%s alloc=%s order=%s ns=%.1f\n", pattern, alloc, order, ns);
}

/* ---- a. alloc+free pairs -------------------------------------------------- */

/*
 * lifo:   alloc then free at once, on an all-free machine (the buddy
 *         splits a max block and merges it back every time);
 * steady: half of memory held at random; free a random held block, then
 *         allocate a replacement;
 * batch:  allocate 4096 pages' worth, free them in random order.
 */
/* Order-0 pages the kernel's way: through the batch (vm_page_alloc/free) or not. */
static void *
pg_alloc(int batched, int order)
{
	return (batched ? sim_batch_alloc_m(0) : sim_alloc_m(0, order));
}

static void
pg_free(int batched, void *m, int order)
{
	if (batched)
		sim_batch_free_m(m);
	else
		sim_free_m(m, order);
}

static double
buddy_pairs(const char *pattern, int order, int batched, int percall)
{
	long n = 0;
	double t0, t;

	sim_setup(layout, 1);
	int cap = (NPG >> order) / 2;
	if (strcmp(pattern, "steady") == 0)
		for (int i = 0; i < cap; i++)
			mheld[i] = pg_alloc(batched, order);
	if (!percall)
		sim_hold_lock(1);
	t0 = now();
	if (strcmp(pattern, "lifo") == 0) {
		for (; n < REPS; n++)
			pg_free(batched, pg_alloc(batched, order), order);
	} else if (strcmp(pattern, "steady") == 0) {
		for (; n < REPS; n++) {
			int i = (int)rnd((unsigned)cap);
			pg_free(batched, mheld[i], order);
			mheld[i] = pg_alloc(batched, order);
		}
	} else {
		int k = 4096 >> order;
		for (; n < REPS; n += k) {
			for (int i = 0; i < k; i++)
				mheld[i] = pg_alloc(batched, order);
			for (int i = k - 1; i > 0; i--) {
				int j = (int)rnd((unsigned)i + 1);
				void *t = mheld[i]; mheld[i] = mheld[j]; mheld[j] = t;
			}
			for (int i = 0; i < k; i++)
				pg_free(batched, mheld[i], order);
		}
	}
	t = now() - t0;
	if (!percall)
		sim_hold_lock(0);
	return (t / (double)n);
}

/* The same patterns on the free list; `pages` order-0 pages per "block". */
static double
list_pairs(const char *pattern, int pages)
{
	long n = 0;
	double t0;
	int cap = NPG / 2 / pages * pages;

	fl_init();
	if (strcmp(pattern, "steady") == 0)
		for (int i = 0; i < cap; i++)
			fheld[i] = fl_alloc();
	t0 = now();
	if (strcmp(pattern, "lifo") == 0) {
		struct run *r[16];
		for (; n < REPS; n++) {
			for (int p = 0; p < pages; p++)
				r[p] = fl_alloc();
			for (int p = 0; p < pages; p++)
				fl_free(r[p]);
		}
	} else if (strcmp(pattern, "steady") == 0) {
		for (; n < REPS; n++) {
			int i = (int)rnd((unsigned)(cap / pages)) * pages;
			for (int p = 0; p < pages; p++)
				fl_free(fheld[i + p]);
			for (int p = 0; p < pages; p++)
				fheld[i + p] = fl_alloc();
		}
	} else {
		int k = 4096;
		for (; n < REPS; n += k / pages) {
			for (int i = 0; i < k; i++)
				fheld[i] = fl_alloc();
			for (int i = k - 1; i > 0; i--) {
				int j = (int)rnd((unsigned)i + 1);
				struct run *t = fheld[i]; fheld[i] = fheld[j]; fheld[j] = t;
			}
			for (int i = 0; i < k; i++)
				fl_free(fheld[i]);
		}
	}
	return ((now() - t0) / (double)n);
}

/* ---- b. contiguous allocation after fragmentation ------------------------- */

/* Is there a run of `n` free pages in flags[] (aligned to n if asked)? */
static int
has_run(const unsigned char *flags, int n, int aligned)
{
	for (int i = 0, len = 0; i < NPG; i++) {
		len = flags[i] ? len + 1 : 0;
		if (len >= n && (!aligned || (i + 1 - n) % n == 0))
			return (1);
	}
	return (0);
}

/*
 * One trial: allocate `fill` percent of memory a page at a time, free a
 * random `freed` percent of that, then (churn) replace random held pages
 * NPG times; then try 64 contiguous pages.  Returns a bitmask: 1 buddy
 * ok, 2 aligned run existed, 4 free list ok (found a run by scanning a
 * bitmap of what it holds), 8 any run existed in the buddy's memory.
 */
static sim_pa_t
o0_alloc(int batched)
{
	return (batched ? sim_batch_alloc(0) : sim_alloc(0, 0));
}

static void
o0_free(int batched, sim_pa_t pa)
{
	if (batched)
		sim_batch_free(pa);
	else
		sim_free(pa, 0);
}

static int
contig_trial(int fill, int freed, int churn, int batched)
{
	static unsigned char freemap[NPG];
	int n = NPG * fill / 100, keep = n - n * freed / 100, rc = 0;

	sim_setup(layout, 1);
	fl_init();
	for (int i = 0; i < n; i++) {
		held[i] = o0_alloc(batched);
		fheld[i] = fl_alloc();
	}
	for (int i = n - 1; i > 0; i--) {	/* the same random half on both sides */
		int j = (int)rnd((unsigned)i + 1);
		sim_pa_t t = held[i]; held[i] = held[j]; held[j] = t;
		struct run *f = fheld[i]; fheld[i] = fheld[j]; fheld[j] = f;
	}
	for (int i = keep; i < n; i++) {
		o0_free(batched, held[i]);
		fl_free(fheld[i]);
	}
	for (int c = 0; churn && c < NPG && keep > 0; c++) {
		int i = (int)rnd((unsigned)keep);
		o0_free(batched, held[i]);
		held[i] = o0_alloc(batched);
		fl_free(fheld[i]);
		fheld[i] = fl_alloc();
	}
	if (batched)		/* as vm_page_alloc_contig does */
		sim_batch_drain();
	for (int i = 0; i < NPG; i++)
		freemap[i] = (unsigned char)sim_is_free(BASE + (sim_pa_t)i * SIM_PAGE);
	rc |= has_run(freemap, 64, 1) ? 2 : 0;
	rc |= has_run(freemap, 64, 0) ? 8 : 0;
	rc |= sim_alloc_contig(64, 0, ~0ull, SIM_PAGE, 0) != SIM_NONE ? 1 : 0;
	memset(freemap, 1, sizeof(freemap));	/* the free list's view: what it holds */
	for (int i = 0; i < keep; i++)
		freemap[fheld[i] - fl_pages] = 0;
	rc |= has_run(freemap, 64, 0) ? 4 : 0;
	return (rc);
}

static void
contig_rates(int fill, int freed, int churn, int trials, int batched)
{
	int buddy = 0, aligned = 0, list = 0, any = 0;

	rs = 88172645463325252ull;	/* the same workloads with and without the batch */
	for (int t = 0; t < trials; t++) {
		int rc = contig_trial(fill, freed, churn, batched);
		buddy += rc & 1, aligned += (rc >> 1) & 1, list += (rc >> 2) & 1, any += rc >> 3;
	}
	printf("RESULT bench=contig fill=%d freed=%d churn=%s batch=%s trials=%d buddy_ok=%d "
	    "aligned_run=%d any_run=%d list_ok=%d\n", fill, freed, churn ? "yes" : "no",
	    batched ? "yes" : "no", trials, buddy, aligned, any, list);
}

/*
 * `bench_buddy PATTERN ALLOC [ROUNDS]`: one row of table a. only, ROUNDS
 * times (default 20), its best printed: for perf (README, "The page batch").
 * ALLOC is buddy, batch, batch+lock or list.
 */
static int
profile(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	double best = 1e30;

	for (int k = 0; k < rounds; k++) {
		double t;

		if (strcmp(argv[2], "list") == 0)
			t = list_pairs(argv[1], 1);
		else if (strcmp(argv[2], "buddy") == 0)
			t = buddy_pairs(argv[1], 0, 0, 0);
		else if (strcmp(argv[2], "batch") == 0)
			t = buddy_pairs(argv[1], 0, 1, 0);
		else if (strcmp(argv[2], "batch+lock") == 0)
			t = buddy_pairs(argv[1], 0, 1, 1);
		else {
			fprintf(stderr, "bench_buddy: unknown allocator '%s' (buddy, batch, "
			    "batch+lock, list)\n", argv[2]);
			return (2);
		}
		best = MIN(best, t);
	}
	result(argv[1], argv[2], "0", best);
	return (0);
}

int
main(int argc, char **argv)
{
	static const char *const patterns[] = { "lifo", "steady", "batch" };

	if (argc >= 3) {
		if (strcmp(argv[1], "lifo") != 0 && strcmp(argv[1], "steady") != 0 &&
		    strcmp(argv[1], "batch") != 0) {
			fprintf(stderr, "bench_buddy: unknown pattern '%s' (lifo, steady, batch)\n",
			    argv[1]);
			return (2);
		}
		return (profile(argc, argv));
	}

	/* Best of three: the machine may be busy with other work. */
	for (int p = 0; p < 3; p++) {
		double b0 = 1e30, l0 = 1e30, b4 = 1e30, l16 = 1e30, q0 = 1e30, ql = 1e30;

		for (int k = 0; k < 3; k++) {
			b0 = MIN(b0, buddy_pairs(patterns[p], 0, 0, 0));
			q0 = MIN(q0, buddy_pairs(patterns[p], 0, 1, 0));
			ql = MIN(ql, buddy_pairs(patterns[p], 0, 1, 1));
			l0 = MIN(l0, list_pairs(patterns[p], 1));
			b4 = MIN(b4, buddy_pairs(patterns[p], 4, 0, 0));
			l16 = MIN(l16, list_pairs(patterns[p], 16));
		}
		result(patterns[p], "buddy", "0", b0);
		result(patterns[p], "batch", "0", q0);
		result(patterns[p], "batch+lock", "0", ql);
		result(patterns[p], "freelist", "0", l0);
		result(patterns[p], "buddy", "4", b4);
		result(patterns[p], "freelist", "16x0", l16);
	}
	/* What each buddy or batch call pays for the free-queue lock (two per pair). */
	double lk = 1e30;
	for (int k = 0; k < 3; k++) {
		double t0 = now();

		for (long n = 0; n < REPS; n++)
			sim_lock_pair();
		lk = MIN(lk, (now() - t0) / REPS);
	}
	printf("RESULT bench=lock ns=%.1f batch_block=%d\n", lk, sim_batch_block());
	/* fill%, freed%, churn: the brief's workload, then harsher ones. */
	static const int rows[][3] = {
		{ 75, 50, 0 }, { 90, 50, 0 }, { 90, 50, 1 }, { 100, 50, 0 },
		{ 100, 90, 0 }, { 100, 95, 0 }, { 100, 95, 1 }, { 100, 98, 0 },
	};
	for (unsigned r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		for (int batched = 0; batched < 2; batched++)
			contig_rates(rows[r][0], rows[r][1], rows[r][2], 100, batched);
	return (0);
}

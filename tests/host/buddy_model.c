/*
 * buddy_model.c - the reference model of buddy_model.h and the checks each
 * operation makes.  What the allocator promises, as checked here:
 *
 *  - a block handed out was free, is aligned to its order and lies in one
 *    segment (so it overlaps no live allocation);
 *  - vm_phys_alloc_pages(pool, k) takes, on the first free list (default,
 *    then ISA DMA) with any block >= k: pool's smallest block >= k, else
 *    the largest block of another pool; it fails only if no free aligned
 *    2^k run exists anywhere (full coalescing makes the two the same);
 *  - vm_phys_alloc_contig returns the head of a free block of the
 *    smallest order >= log2(npages) that fits the constraints, on the
 *    first free list that has one, and fails only if none fits; it
 *    examines block heads only (by design, as FreeBSD 7's did).  A run of
 *    more than 1024 pages takes adjacent free order-10 blocks of one
 *    segment, the first of which is the head that must fit;
 *  - the queues hold exactly the canonical decomposition of the free pages;
 *  - queue order is FreeBSD's: a freed (merged) block is the tail of its
 *    queue, the upper halves a split puts back are the heads of theirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buddy_model.h"

char model_why[512];
struct model_stats model_stats;

#define	FAIL(...) do {							\
	snprintf(model_why, sizeof(model_why), __VA_ARGS__);		\
	return (-1);							\
} while (0)
#define	BLK(o)	(SIM_PAGE << (o))		/* bytes in a block of order o */

struct mseg { sim_pa_t start, end; long base; int fl; };
struct live { sim_pa_t pa; unsigned long npages; int order; };	/* order -1: contig */

static struct mseg segs[SIM_MAXSEG];
static int nsegs;
static long npages, nfree;
static unsigned char *isfree;		/* per page index */
static struct live *lives;
static int nlive, live_cap;

/* ---- Addresses ----------------------------------------------------------- */

static int
seg_of(sim_pa_t pa)
{
	for (int s = 0; s < nsegs; s++)
		if (pa >= segs[s].start && pa < segs[s].end)
			return (s);
	return (-1);
}

static long
idx_of(int s, sim_pa_t pa)
{
	return (segs[s].base + (long)((pa - segs[s].start) / SIM_PAGE));
}

sim_pa_t
model_pa_of(long index)
{
	int s = nsegs - 1;

	while (s > 0 && segs[s].base > index)
		s--;
	return (segs[s].start + (sim_pa_t)(index - segs[s].base) * SIM_PAGE);
}

long model_npages(void) { return (npages); }
long model_nfree(void) { return (nfree); }
int model_nlive(void) { return (nlive); }

/* Is [pa, pa + n pages) inside segment s and all free in the model? */
static bool
run_free(int s, sim_pa_t pa, unsigned long n)
{
	if (pa < segs[s].start || pa + n * SIM_PAGE > segs[s].end || pa + n * SIM_PAGE < pa)
		return (false);
	for (long i = idx_of(s, pa), e = i + (long)n; i < e; i++)
		if (!isfree[i])
			return (false);
	return (true);
}

/* The order of the canonical free block headed by pa, or -1 if none. */
static int
canon_order(int s, sim_pa_t pa)
{
	for (int o = SIM_NORDER - 1; o >= 0; o--) {
		sim_pa_t head = pa & ~(BLK(o) - 1);

		if (run_free(s, head, 1ul << o))
			return (head == pa ? o : -1);
	}
	return (-1);
}

/*
 * The canonical decomposition of all the free pages, in O(pages): per page
 * index, the order of the block it heads, or -1.  Walking each segment up,
 * a free page heads the largest aligned block (<= order 10) that the free
 * run starting there covers; the walk then skips that block.
 */
static signed char *
canon_map(void)
{
	signed char *map = malloc((size_t)npages);
	long *run = malloc((size_t)npages * sizeof(long));

	for (int s = 0; s < nsegs; s++) {
		long first = segs[s].base, end = first + (long)((segs[s].end - segs[s].start) / SIM_PAGE);

		for (long i = end - 1; i >= first; i--)
			run[i] = isfree[i] ? 1 + (i + 1 < end ? run[i + 1] : 0) : 0;
		for (long i = first; i < end; ) {
			sim_pa_t pa = segs[s].start + (sim_pa_t)(i - first) * SIM_PAGE;
			int o = SIM_NORDER - 1;

			map[i] = -1;
			if (!isfree[i]) {
				i++;
				continue;
			}
			while ((pa & (BLK(o) - 1)) != 0 || run[i] < (1L << o))
				o--;
			map[i] = (signed char)o;
			for (long j = 1; j < (1L << o); j++)
				map[i + j] = -1;
			i += 1L << o;
		}
	}
	free(run);
	return (map);
}

/* Does any segment (on freelist fl, or any if fl < 0) have a free aligned 2^k run? */
static bool
aligned_run_exists(int k, int fl)
{
	for (int s = 0; s < nsegs; s++) {
		if (fl >= 0 && segs[s].fl != fl)
			continue;
		for (sim_pa_t a = (segs[s].start + BLK(k) - 1) & ~(BLK(k) - 1);
		    a + BLK(k) <= segs[s].end; a += BLK(k))
			if (run_free(s, a, 1ul << k))
				return (true);
	}
	return (false);
}

/* ---- Setup --------------------------------------------------------------- */

int
model_setup(const struct sim_range *r, int n)
{
	model_teardown();
	nsegs = sim_setup(r, n);
	for (int s = 0; s < nsegs; s++) {
		sim_seg(s, &segs[s].start, &segs[s].end, &segs[s].fl);
		segs[s].base = npages;
		npages += (long)((segs[s].end - segs[s].start) / SIM_PAGE);
	}
	isfree = malloc((size_t)npages);
	memset(isfree, 1, (size_t)npages);
	nfree = npages;
	memset(&model_stats, 0, sizeof(model_stats));
	return (model_full_check());
}

void
model_teardown(void)
{
	free(isfree);
	free(lives);
	isfree = NULL;
	lives = NULL;
	nsegs = 0;
	npages = nfree = 0;
	nlive = live_cap = 0;
}

static void
mark(sim_pa_t pa, unsigned long n, bool free_)
{
	int s = seg_of(pa);

	for (long i = idx_of(s, pa), e = i + (long)n; i < e; i++)
		isfree[i] = free_;
	nfree += free_ ? (long)n : -(long)n;
}

static void
push_live(sim_pa_t pa, unsigned long n, int order)
{
	if (nlive == live_cap) {
		live_cap = live_cap ? 2 * live_cap : 256;
		lives = realloc(lives, (size_t)live_cap * sizeof(*lives));
	}
	lives[nlive++] = (struct live){ pa, n, order };
	mark(pa, n, false);
}

/* Checks every operation makes: the pages it took, and the free counter. */
static int
check_taken(sim_pa_t pa, unsigned long n, int pool)
{
	for (unsigned long i = 0; i < n; i++) {
		sim_pa_t p = pa + i * SIM_PAGE;

		if (sim_is_free(p) || sim_order_of(p) != SIM_NORDER)
			FAIL("page %#llx of a new allocation is still free (order %d)", p,
			    sim_order_of(p));
		if (pool >= 0 && sim_pool_of(p) != pool)
			FAIL("page %#llx of a new allocation is in pool %d, not %d", p,
			    sim_pool_of(p), pool);
	}
	if (sim_free_count() != (unsigned)nfree)
		FAIL("v_free_count %u, the model has %ld free pages", sim_free_count(), nfree);
	return (0);
}

/* ---- Queue order ---------------------------------------------------------- */

/*
 * (A split in vm_phys_alloc_pages puts its halves on empty queues, so only
 * unfree and contig show where halves go.)
 */
struct qend {
	int fl, pool, order;
	sim_pa_t first, last;
};

static void
qend_walk(void *arg, sim_pa_t head, int order, int pool, int fl)
{
	struct qend *q = arg;

	if (fl != q->fl || pool != q->pool || order != q->order)
		return;
	if (q->first == SIM_NONE)
		q->first = head;
	q->last = head;
}

/* The first and last block of queue [fl][pool][order] (SIM_NONE if empty). */
static struct qend
queue_ends(int fl, int pool, int order)
{
	struct qend q = { fl, pool, order, SIM_NONE, SIM_NONE };

	sim_walk_queues(qend_walk, &q);
	return (q);
}

/* ---- Order allocations --------------------------------------------------- */

typedef long qcount_t[SIM_NFREELIST][SIM_NPOOL][SIM_NORDER];

static void
snap(qcount_t q)
{
	for (int f = 0; f < SIM_NFREELIST; f++)
		for (int p = 0; p < SIM_NPOOL; p++)
			for (int o = 0; o < SIM_NORDER; o++)
				q[f][p][o] = sim_queue_len(f, p, o);
}

/*
 * The block the policy must take for (pool, k), from queue counts: sets
 * *fl, *src (pool) and *oind; false if every queue >= k is empty.
 */
static bool
policy(qcount_t q, int pool, int k, int *fl, int *src, int *oind)
{
	for (*fl = 0; *fl < SIM_NFREELIST; (*fl)++) {
		for (*oind = k; *oind < SIM_NORDER; (*oind)++)
			if (q[*fl][pool][*oind] > 0) {
				*src = pool;
				return (true);
			}
		for (*oind = SIM_NORDER - 1; *oind >= k; (*oind)--)
			for (*src = 0; *src < SIM_NPOOL; (*src)++)
				if (*src != pool && q[*fl][*src][*oind] > 0)
					return (true);
	}
	return (false);
}

int
model_alloc(int pool, int k)
{
	qcount_t before, after;
	int fl, src, oind, s;
	sim_pa_t pa;

	snap(before);
	pa = sim_alloc(pool, k);
	if (pa == SIM_NONE) {
		model_stats.alloc_fail++;
		if (aligned_run_exists(k, -1))
			FAIL("alloc(pool %d, order %d) failed, but a free aligned run exists", pool, k);
		return (0);
	}
	model_stats.alloc_ok++;
	if ((s = seg_of(pa)) < 0 || (pa & (BLK(k) - 1)) != 0 || !run_free(s, pa, 1ul << k))
		FAIL("alloc(pool %d, order %d) = %#llx: not a free aligned block in one segment",
		    pool, k, pa);
	if (!policy(before, pool, k, &fl, &src, &oind))
		FAIL("alloc(pool %d, order %d) = %#llx, but every queue was empty", pool, k, pa);
	if (segs[s].fl != fl)
		FAIL("alloc(order %d) = %#llx from free list %d; list %d had a block",
		    k, pa, segs[s].fl, fl);
	if (canon_order(s, pa) != oind)
		FAIL("alloc(pool %d, order %d) = %#llx: expected the head of an order-%d block "
		    "(pool %d); it headed order %d", pool, k, pa, oind, src, canon_order(s, pa));
	/* The queues: the source block gone, one upper half added per split. */
	snap(after);
	before[fl][src][oind]--;
	for (int o = k; o < oind; o++)
		before[fl][pool][o]++;
	if (memcmp(before, after, sizeof(after)) != 0)
		FAIL("alloc(pool %d, order %d): queue counts do not show one order-%d block of "
		    "pool %d split", pool, k, oind, src);
	model_stats.steals += src != pool;
	model_stats.isadma += fl == 1;
	push_live(pa, 1ul << k, k);
	return (check_taken(pa, 1ul << k, pool));
}

/* ---- Frees, unfree -------------------------------------------------------- */

int
model_free(unsigned which)
{
	struct live l;
	int s, o;

	if (nlive == 0)
		return (0);
	which %= (unsigned)nlive;
	l = lives[which];
	lives[which] = lives[--nlive];
	if (l.order >= 0)
		sim_free(l.pa, l.order);
	else
		sim_free_contig(l.pa, l.npages);
	mark(l.pa, l.npages, true);
	model_stats.frees++;
	/* The freed page now lies in its canonical block, merged as far as it goes. */
	s = seg_of(l.pa);
	for (o = SIM_NORDER - 1; o > 0 && !run_free(s, l.pa & ~(BLK(o) - 1), 1ul << o); o--)
		;
	if (!sim_is_free(l.pa) || sim_order_of(l.pa & ~(BLK(o) - 1)) != o)
		FAIL("free(%#llx, %lu pages): the page should be in a free order-%d block at %#llx",
		    l.pa, l.npages, o, l.pa & ~(BLK(o) - 1));
	if (sim_free_count() != (unsigned)nfree)
		FAIL("after free(%#llx): v_free_count %u, model %ld", l.pa, sim_free_count(), nfree);
	/* A freed block (one call, so one merged block) goes in at the tail. */
	if (l.order >= 0) {
		sim_pa_t head = l.pa & ~(BLK(o) - 1);
		struct qend q = queue_ends(segs[s].fl, sim_pool_of(head), o);

		if (q.last != head)
			FAIL("free(%#llx, order %d): the merged order-%d block %#llx should end its "
			    "queue; the tail is %#llx", l.pa, l.order, o, head, q.last);
	}
	return (0);
}

int
model_unfree(long index)
{
	sim_pa_t pa = model_pa_of(index);
	bool was_free = isfree[index];
	int s = seg_of(pa), horder = 0, took;

	/* The order of the free block holding pa, before. */
	if (was_free)
		for (horder = SIM_NORDER - 1; horder > 0 &&
		    !run_free(s, pa & ~(BLK(horder) - 1), 1ul << horder); horder--)
			;
	took = sim_unfree(pa);

	if (took != was_free)
		FAIL("unfree(%#llx) returned %d; the page was %s", pa, took,
		    was_free ? "free" : "allocated");
	if (!took) {
		model_stats.unfree_fail++;
		return (0);
	}
	model_stats.unfree_ok++;
	/* The pieces that are not pa went in at the heads of their queues. */
	for (int o = 0; o < horder; o++) {
		sim_pa_t piece = (pa ^ BLK(o)) & ~(BLK(o) - 1);
		struct qend q = queue_ends(segs[s].fl, sim_pool_of(piece), o);

		if (q.first != piece)
			FAIL("unfree(%#llx): the order-%d piece %#llx should head its queue; the head "
			    "is %#llx", pa, o, piece, q.first);
	}
	push_live(pa, 1, 0);
	return (check_taken(pa, 1, -1));
}

/* ---- Contiguous allocations ---------------------------------------------- */

static bool
fits(sim_pa_t pa, unsigned long n, sim_pa_t low, sim_pa_t high,
    unsigned long alignment, unsigned long boundary)
{
	sim_pa_t last = pa + n * SIM_PAGE - 1;

	if (pa < low || last < pa || last >= high || pa % alignment != 0)
		return (false);
	return (boundary == 0 || pa / boundary == last / boundary);
}

/* For a run of n > 1024 pages from h: are the next order-10 blocks free heads too? */
static bool
top_blocks_follow(const signed char *canon, int s, sim_pa_t h, unsigned long n)
{
	const int top = SIM_NORDER - 1;

	for (unsigned long i = 1; i < (n + (1ul << top) - 1) >> top; i++) {
		sim_pa_t b = h + i * BLK(top);

		if (b + BLK(top) > segs[s].end || canon[idx_of(s, b)] != top)
			return (false);
	}
	return (true);
}

int
model_contig(unsigned long n, sim_pa_t low, sim_pa_t high,
    unsigned long alignment, unsigned long boundary)
{
	int need = 0, best_fl = SIM_NFREELIST, best_o = SIM_NORDER, got_fl = -1, got_o = -1;
	sim_pa_t pa;

	while (need < SIM_NORDER - 1 && (1ul << need) < n)
		need++;
	/* Before: which canonical blocks fit, and the best (free list, order). */
	signed char *canon = canon_map();
	for (int s = 0; s < nsegs; s++)
		for (sim_pa_t h = segs[s].start; h < segs[s].end; h += SIM_PAGE) {
			int o = canon[idx_of(s, h)];

			if (o < need || !fits(h, n, low, high, alignment, boundary) ||
			    !top_blocks_follow(canon, s, h, n))
				continue;
			if (segs[s].fl < best_fl || (segs[s].fl == best_fl && o < best_o))
				best_fl = segs[s].fl, best_o = o;
		}
	pa = sim_alloc_contig(n, low, high, alignment, boundary);
	int s = seg_of(pa);
	if (s >= 0) {
		got_fl = segs[s].fl;
		got_o = canon[idx_of(s, pa)];
	}
	free(canon);
	if (pa == SIM_NONE) {
		model_stats.contig_fail++;
		if (best_fl < SIM_NFREELIST)
			FAIL("contig(%lu pages, [%#llx, %#llx), align %#lx, boundary %#lx) failed; "
			    "a fitting order-%d block exists", n, low, high, alignment, boundary, best_o);
		return (0);
	}
	model_stats.contig_ok++;
	if (got_o < need || !fits(pa, n, low, high, alignment, boundary))
		FAIL("contig(%lu pages, [%#llx, %#llx), align %#lx, boundary %#lx) = %#llx: "
		    "not a fitting free block head", n, low, high, alignment, boundary, pa);
	if (got_fl != best_fl || got_o != best_o)
		FAIL("contig(%lu pages) = %#llx: an order-%d block on list %d; expected "
		    "order %d on list %d", n, pa, got_o, got_fl, best_o, best_fl);
	/* A single block was split down to `need` pages' order: halves at the heads. */
	for (int o = need; (1ul << need) >= n && o < got_o; o++) {
		struct qend q = queue_ends(got_fl, 0, o);

		if (q.first != pa + BLK(o))
			FAIL("contig(%lu pages) = %#llx: the split's order-%d half %#llx should head "
			    "its queue; the head is %#llx", n, pa, o, pa + BLK(o), q.first);
	}
	push_live(pa, n, -1);
	return (check_taken(pa, n, 0));
}

/* ---- The whole state ----------------------------------------------------- */

struct walk { signed char *canon; long blocks; int bad; char why[256]; };

static void
walk_block(void *arg, sim_pa_t head, int order, int pool, int fl)
{
	struct walk *w = arg;
	int s = seg_of(head);

	w->blocks++;
	if (w->bad)
		return;
	if (s < 0 || segs[s].fl != fl || w->canon[idx_of(s, head)] != order) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "queue [%d][%d][%d] holds %#llx, which is "
		    "not a canonical order-%d head (or is queued twice)", fl, pool, order,
		    head, order);
		return;
	}
	w->canon[idx_of(s, head)] = -2;		/* seen */
}

int
model_full_check(void)
{
	struct walk w = { .canon = canon_map() };
	long heads = 0;
	char why[256];
	int rc = -1;

	if (sim_check(why, sizeof(why)) != 0) {
		snprintf(model_why, sizeof(model_why), "vm_phys_check: %s", why);
		goto out;
	}
	for (int s = 0; s < nsegs; s++)
		for (sim_pa_t pa = segs[s].start; pa < segs[s].end; pa += SIM_PAGE) {
			long i = idx_of(s, pa);
			int o = w.canon[i];

			heads += o >= 0;
			if (sim_is_free(pa) != isfree[i] ||
			    sim_order_of(pa) != (o >= 0 ? o : SIM_NORDER)) {
				snprintf(model_why, sizeof(model_why), "page %#llx: PG_FREE %d, order "
				    "%d; the model says free %d, order %d", pa, sim_is_free(pa),
				    sim_order_of(pa), isfree[i], o >= 0 ? o : SIM_NORDER);
				goto out;
			}
		}
	sim_walk_queues(walk_block, &w);
	if (w.bad) {
		snprintf(model_why, sizeof(model_why), "%s", w.why);
		goto out;
	}
	if (w.blocks != heads || sim_count(-1, -1) != heads || sim_free_count() != (unsigned)nfree) {
		snprintf(model_why, sizeof(model_why), "queues hold %ld blocks, count %ld, "
		    "v_free_count %u; the model has %ld blocks, %ld free pages", w.blocks,
		    sim_count(-1, -1), sim_free_count(), heads, nfree);
		goto out;
	}
	rc = 0;
out:
	free(w.canon);
	return (rc);
}

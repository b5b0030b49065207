/*
 * test_batch.c - the order-0 page batch in front of vm_phys
 * (vm_phys_batch.c), under ASan/UBSan.  Kernel side: it calls the kernel
 * through its own headers.
 *
 *   batch_fill_spill_drain  a fill takes one aligned block and hands it out
 *                           lowest page first; a full batch gives its oldest
 *                           block's worth back; vm_phys_drain empties it and
 *                           the buddy is back to its maximal blocks; the
 *                           counts and vm_phys_check hold after every step;
 *   batch_check_detects     vm_phys_check (through vm_phys_batch_check) sees
 *                           a batched page that is not free, is cached, is
 *                           in a batch twice, and a miscounted batch;
 *   batch_never_cached      a block with a cached page in it is not batched,
 *                           and a CACHE-pool page is freed to the buddy;
 *   batch_keeps_free_lists  a freed ISA DMA page is not handed out while the
 *                           default free list has pages;
 *   batch_slow_pages        pages the free fast path does not take (another
 *                           pool, another free list) reach their own batch
 *                           through the slow path, and leave the fast path's
 *                           batch (first list, DEFAULT) alone;
 *   batch_contig_drains     memory full but one aligned block, freed into a
 *                           batch: vm_page_alloc_contig drains and finds it;
 *   batch_model_random      vm_page_alloc / vm_page_free order-0 traffic of
 *                           both pools and classes, interleaved with
 *                           vm_page_alloc_contig runs, their frees, drains and
 *                           the batch switched off and on, against a model
 *                           of which pages are live: it predicts every
 *                           allocation's success (the INTERRUPT class fails
 *                           only with no page free, NORMAL keeps exactly
 *                           v_free_reserved), every contiguous allocation's
 *                           success (after the drain, iff an aligned free
 *                           run exists) and the free count; 3 fixed seeds
 *                           (HOST_SEED moves them).
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>

#include "harness.h"
#include "host_machine.h"

#define	MB	(1024ull * 1024)
#define	TOP	(VM_NFREEORDER - 1)

static unsigned long long rs;

static unsigned
rnd(unsigned bound)
{
	return ((unsigned)(harness_xorshift(&rs) >> 33) % bound);
}

/* A fresh machine of one segment on the default free list (16-48 MiB, or 16-24). */
static void
boot_sized(sim_pa_t size)
{
	const struct sim_range r[] = { { 16 * MB, 16 * MB + size } };
	struct sim_carve c;

	(void)sim_startup(r, 1, &c);
}

static void
boot(void)
{
	boot_sized(32 * MB);
}

static int
phys_check(char *why, size_t size)
{
	int rc;

	mtx_lock(&vm_page_queue_free_mtx);
	rc = vm_phys_check(why, size);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (rc);
}

/* ---- batch_fill_spill_drain --------------------------------------------- */

/*
 * The tests' bodies run under the free-queue lock, taken and dropped by
 * locked() around them, so that a failed CHECK (a return) leaves no lock
 * held for the tests after it.
 */
static void
locked(void (*fn)(void))
{
	mtx_lock(&vm_page_queue_free_mtx);
	fn();
	mtx_unlock(&vm_page_queue_free_mtx);
}

static void
fill_spill_drain(void)
{
	enum { N = VM_PHYS_BATCH_MAX + VM_PHYS_BATCH_BLOCK + 3 };
	vm_page_t m[N];
	u_int total;
	long tops;
	char why[200];

	total = cnt.v_free_count;
	tops = vm_phys_count_free(-1, TOP);
	CHECK(vm_phys_batch_pages() == 0, "a new machine's batches hold %lu pages",
	    vm_phys_batch_pages());
	for (int i = 0; i < N; i++) {
		m[i] = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);
		CHECK(m[i] != NULL && (m[i]->flags & PG_FREE) == 0, "allocation %d", i);
		if (i % VM_PHYS_BATCH_BLOCK == 0)	/* a fill: the block's first page */
			CHECK((atop(m[i]->phys_addr) & (VM_PHYS_BATCH_BLOCK - 1)) == 0,
			    "fill %d starts at %#jx, not a %d-page block", i,
			    (uintmax_t)m[i]->phys_addr, VM_PHYS_BATCH_BLOCK);
		else
			CHECK(m[i] == m[i - 1] + 1, "allocation %d is not the next page of the block", i);
		CHECK(vm_phys_batch_pages() ==
		    (u_long)(VM_PHYS_BATCH_BLOCK - 1 - i % VM_PHYS_BATCH_BLOCK),
		    "after %d allocations the batch holds %lu", i + 1, vm_phys_batch_pages());
		CHECK(cnt.v_free_count == total - (u_int)i - 1, "v_free_count %u, expected %u",
		    cnt.v_free_count, total - (u_int)i - 1);
		CHECK(vm_phys_check(why, sizeof(why)) == 0, "after allocation %d: %s", i, why);
	}
	for (int i = 0; i < N; i++) {
		u_long before = vm_phys_batch_pages();

		vm_phys_batch_free(m[i]);
		CHECK((m[i]->flags & PG_FREE) != 0, "a freed page is not PG_FREE");
		CHECK(vm_phys_batch_pages() == (before == VM_PHYS_BATCH_MAX ?
		    before - VM_PHYS_BATCH_BLOCK + 1 : before + 1),
		    "free %d: the batch went from %lu to %lu pages", i, before,
		    vm_phys_batch_pages());
		CHECK(cnt.v_free_count == total - (u_int)N + (u_int)i + 1, "v_free_count %u",
		    cnt.v_free_count);
		CHECK(vm_phys_check(why, sizeof(why)) == 0, "after free %d: %s", i, why);
	}
	vm_phys_drain();
	CHECK(vm_phys_batch_pages() == 0, "drained, the batches hold %lu", vm_phys_batch_pages());
	CHECK(cnt.v_free_count == total && vm_phys_check(why, sizeof(why)) == 0,
	    "drained: v_free_count %u of %u; %s", cnt.v_free_count, total, why);
	CHECK(vm_phys_count_free(-1, TOP) == tops, "drained: %ld top-order blocks, %ld at boot",
	    vm_phys_count_free(-1, TOP), tops);
	/* Off: straight to the buddy; on again: batched. */
	CHECK(vm_phys_batch_set(false), "the batch was not on");
	m[0] = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);
	CHECK(m[0] != NULL && vm_phys_batch_pages() == 0, "off, an allocation filled a batch");
	vm_phys_batch_free(m[0]);
	CHECK(vm_phys_batch_pages() == 0 && vm_phys_count_free(-1, TOP) == tops,
	    "off, a free went into a batch");
	CHECK(!vm_phys_batch_set(true), "the batch was not off");
}

HOST_TEST(batch_fill_spill_drain)
{
	boot();
	locked(fill_spill_drain);
}

/* ---- batch_check_detects ------------------------------------------------ */

static void
check_detects(void)
{
	struct vm_phys_batch *b = &vm_phys_batches[VM_FREELIST_DEFAULT][VM_FREEPOOL_DEFAULT];
	char why[200] = "";
	vm_page_t m;

	m = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);
	CHECK(m != NULL && b->count == VM_PHYS_BATCH_BLOCK - 1, "no fill");
	CHECK(vm_phys_check(why, sizeof(why)) == 0, "%s", why);

	b->pages[0]->flags &= ~PG_FREE;		/* a batched page that is not free */
	CHECK(vm_phys_check(why, sizeof(why)) != 0 && strncmp(why, "batch", 5) == 0,
	    "a batched page without PG_FREE passed: %s", why);
	b->pages[0]->flags |= PG_FREE;

	b->pages[1]->flags |= PG_CACHED;	/* a cached page in a batch */
	CHECK(vm_phys_check(why, sizeof(why)) != 0, "a cached page in a batch passed");
	b->pages[1]->flags &= ~PG_CACHED;

	b->pages[2]->pool = VM_FREEPOOL_DIRECT;	/* in the wrong pool's batch */
	CHECK(vm_phys_check(why, sizeof(why)) != 0, "a DIRECT page in DEFAULT's batch passed");
	b->pages[2]->pool = VM_FREEPOOL_DEFAULT;

	b->pages[b->count++] = b->pages[3];	/* one page twice */
	cnt.v_free_count++;
	CHECK(vm_phys_check(why, sizeof(why)) != 0, "a page in a batch twice passed");
	b->count--;
	cnt.v_free_count--;

	b->count--;				/* a page lost: the counts disagree */
	CHECK(vm_phys_check(why, sizeof(why)) != 0, "a miscounted batch passed");
	b->count++;

	CHECK(vm_phys_check(why, sizeof(why)) == 0, "restored: %s", why);
	vm_phys_batch_free(m);
	vm_phys_drain();
}

HOST_TEST(batch_check_detects)
{
	boot();
	locked(check_detects);
}

/* ---- batch_never_cached ------------------------------------------------- */

static void
never_cached(void)
{
	char why[200];
	vm_page_t m, base = PHYS_TO_VM_PAGE(16 * MB);

	for (int i = 0; i < VM_PHYS_BATCH_BLOCK; i++) {
		base[i].flags = i == 5 ? PG_CACHED : 0;
		vm_phys_free_pages(&base[i], 0);
	}
	CHECK(cnt.v_cache_count == 1 && vm_phys_check(why, sizeof(why)) == 0, "setup: %s", why);
	for (int i = 0; i < VM_PHYS_BATCH_BLOCK; i++) {
		m = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);
		CHECK(m != NULL, "allocation %d failed", i);
		CHECK(vm_phys_batch_pages() == 0, "a block with a cached page was batched");
		CHECK(vm_phys_check(why, sizeof(why)) == 0, "after allocation %d: %s", i, why);
		if (m->flags & PG_CACHED) {	/* as vm_page_alloc_init would reclaim it */
			m->flags &= ~PG_CACHED;
			CHECK(m == &base[5], "page %#jx came back cached", (uintmax_t)m->phys_addr);
		}
	}
	CHECK(cnt.v_free_count == 0 && cnt.v_cache_count == 0, "free %u cached %u left",
	    cnt.v_free_count, cnt.v_cache_count);
	/* A CACHE-pool page goes to the buddy, never a batch. */
	vm_phys_set_pool(VM_FREEPOOL_CACHE, &base[7], 0);
	vm_phys_batch_free(&base[7]);
	CHECK(vm_phys_batch_pages() == 0 && vm_phys_count_free(VM_FREEPOOL_CACHE, 0) == 1,
	    "a CACHE-pool page was batched");
	CHECK(vm_phys_check(why, sizeof(why)) == 0, "%s", why);
}

HOST_TEST(batch_never_cached)
{
	/* Nothing free but one aligned 16-page block, its page 5 cached. */
	sim_setup_empty((const struct sim_range[]){ { 16 * MB, 17 * MB } }, 1);
	locked(never_cached);
}

/* ---- batch_keeps_free_lists -------------------------------------------- */

/*
 * A freed page of the scarce list (ISA DMA, below 16 MiB) waits in that
 * list's batch: allocations keep coming from the default list while it
 * has pages, as on the bare buddy.
 */
static void
keeps_free_lists(void)
{
	vm_page_t low, m;

	low = vm_phys_alloc_freelist_pages(VM_FREELIST_ISADMA, VM_FREEPOOL_DEFAULT, 0);
	CHECK(low != NULL && low->phys_addr < 16 * MB, "no ISA DMA page");
	vm_phys_batch_free(low);
	for (int i = 0; i < 3 * VM_PHYS_BATCH_MAX; i++) {
		m = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);
		CHECK(m != NULL && m->phys_addr >= 16 * MB, "allocation %d: %#jx, from the ISA DMA "
		    "list while the default list has pages", i, m != NULL ? (uintmax_t)m->phys_addr : 0);
	}
	vm_phys_drain();
}

HOST_TEST(batch_keeps_free_lists)
{
	static const struct sim_range r[] = { { 1 * MB, 15 * MB }, { 16 * MB, 48 * MB } };
	struct sim_carve c;

	(void)sim_startup(r, 2, &c);
	locked(keeps_free_lists);
}

/* ---- batch_slow_pages ---------------------------------------------------- */

/*
 * The free fast path pushes only onto the first list's DEFAULT batch (a
 * constant address: vm_phys_batch.h says why); a DIRECT page and an ISA DMA
 * page must still land in their own batches, on top.
 */
static void
slow_pages(void)
{
	struct vm_phys_batch *fast = &vm_phys_batches[0][VM_FREEPOOL_DEFAULT];
	struct vm_phys_batch *bd = &vm_phys_batches[VM_FREELIST_DEFAULT][VM_FREEPOOL_DIRECT];
	struct vm_phys_batch *bl = &vm_phys_batches[VM_FREELIST_ISADMA][VM_FREEPOOL_DEFAULT];
	vm_page_t d, low, m;
	char why[200];
	int n0;

	d = vm_phys_alloc_freelist_pages(VM_FREELIST_DEFAULT, VM_FREEPOOL_DIRECT, 0);
	low = vm_phys_alloc_freelist_pages(VM_FREELIST_ISADMA, VM_FREEPOOL_DEFAULT, 0);
	m = vm_phys_batch_alloc(VM_FREEPOOL_DEFAULT);	/* fills the fast batch */
	CHECK(d != NULL && d->pool == VM_FREEPOOL_DIRECT && low != NULL &&
	    low->phys_addr < 16 * MB && m != NULL && m->phys_addr >= 16 * MB,
	    "setup: DIRECT %p, ISA DMA %p, DEFAULT %p", d, low, m);
	n0 = fast->count;
	vm_phys_batch_free(d);
	vm_phys_batch_free(low);
	CHECK(fast->count == n0, "the fast batch went from %d to %d pages: a DIRECT or ISA DMA "
	    "page in it", n0, fast->count);
	CHECK(bd->count == 1 && bd->pages[0] == d, "the DIRECT batch holds %d pages, not the "
	    "freed DIRECT page", bd->count);
	CHECK(bl->count == 1 && bl->pages[0] == low, "the ISA DMA batch holds %d pages, not the "
	    "freed ISA DMA page", bl->count);
	vm_phys_batch_free(m);
	CHECK(fast->count == n0 + 1 && fast->pages[n0] == m, "the DEFAULT page is not on top "
	    "of the fast batch");
	CHECK(vm_phys_check(why, sizeof(why)) == 0, "%s", why);
	CHECK(vm_phys_batch_alloc(VM_FREEPOOL_DIRECT) == d, "the DIRECT batch's page did not "
	    "come back first");
	vm_phys_batch_free(d);
	vm_phys_drain();
}

HOST_TEST(batch_slow_pages)
{
	static const struct sim_range r[] = { { 1 * MB, 15 * MB }, { 16 * MB, 48 * MB } };
	struct sim_carve c;

	(void)sim_startup(r, 2, &c);
	locked(slow_pages);
}

/* ---- batch_contig_drains ------------------------------------------------ */

/*
 * Memory full but for one aligned block's worth of pages, all freed into a
 * batch: vm_page_alloc_contig must drain to find the run.
 */
HOST_TEST(batch_contig_drains)
{
	static vm_page_t pages[1 << 13];
	int n = 0, first = -1;
	char why[200];
	vm_page_t m;

	boot();
	while (n < (int)nitems(pages) &&
	    (pages[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NORMAL | VM_ALLOC_INTERRUPT)) != NULL)
		n++;
	CHECK(n > 0 && n < (int)nitems(pages) && cnt.v_free_count == 0, "%d pages, %u free", n,
	    cnt.v_free_count);
	for (int i = 0; i < n && first < 0; i++)	/* a whole aligned block of them */
		if ((atop(pages[i]->phys_addr) & (VM_PHYS_BATCH_BLOCK - 1)) == 0 &&
		    i + VM_PHYS_BATCH_BLOCK <= n &&
		    pages[i + VM_PHYS_BATCH_BLOCK - 1] == pages[i] + VM_PHYS_BATCH_BLOCK - 1)
			first = i;
	CHECK(first >= 0, "no aligned block among the pages");
	for (int i = 0; i < VM_PHYS_BATCH_BLOCK; i++)
		vm_page_free(pages[first + i]);
	CHECK(vm_phys_batch_pages() == VM_PHYS_BATCH_BLOCK, "the batch holds %lu of %d freed",
	    vm_phys_batch_pages(), VM_PHYS_BATCH_BLOCK);
	m = vm_page_alloc_contig(VM_PHYS_BATCH_BLOCK, 0, ~(vm_paddr_t)0,
	    ptoa(VM_PHYS_BATCH_BLOCK), 0, VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT);
	CHECK(m == pages[first], "contig found %#jx, not the drained block at %#jx",
	    m != NULL ? (uintmax_t)m->phys_addr : 0, (uintmax_t)pages[first]->phys_addr);
	vm_page_free_contig(m, VM_PHYS_BATCH_BLOCK);
	for (int i = 0; i < n; i++)
		if (i < first || i >= first + VM_PHYS_BATCH_BLOCK)
			vm_page_free(pages[i]);
	CHECK(vm_page_check(why, sizeof(why)) == 0, "%s", why);
}

/* ---- batch_model_random ------------------------------------------------- */

#define	RSTEPS	8000
#define	NLIVE	(1 << 13)	/* more than the machine's pages: it runs out */
#define	NRUNS	16

struct run {
	vm_page_t	m;
	u_long		n;
};

static uint8_t live[1 << 14];		/* the model: page index in the segment -> allocated */

/* Does the model have an `align`-page-aligned, fully free run of 2^order pages? */
static bool
model_has_run(struct vm_phys_seg *seg, int order, u_long align)
{
	long npg = (long)atop(seg->end - seg->start), first = (long)atop(seg->start);
	long step = (long)MAX(align, 1UL << order);

	for (long p = (first + step - 1) / step * step - first; p + (1L << order) <= npg; p += step) {
		long i = 0;

		while (i < (1L << order) && !live[p + i])
			i++;
		if (i == (1L << order))
			return (true);
	}
	return (false);
}

static void
model_random(unsigned long long seed)
{
	static vm_page_t pages[NLIVE];
	struct run runs[NRUNS];
	struct vm_phys_seg *seg;
	int npages = 0, nruns = 0, outs = 0, contig_ok = 0, contig_no = 0;
	u_int total, nlive = 0;
	char why[200];

	boot_sized(8 * MB);		/* small: the traffic runs it out of memory */
	rs = seed | 1;
	seg = &vm_phys_segs[0];
	CHECK(vm_phys_nsegs == 1 && atop(seg->end - seg->start) <= sizeof(live),
	    "machine: %d segments", vm_phys_nsegs);
	memset(live, 0, sizeof(live));
	total = cnt.v_free_count;
	CHECK(total == atop(seg->end - seg->start), "free %u of %ju pages", total,
	    (uintmax_t)atop(seg->end - seg->start));
	for (int step = 0; step < RSTEPS; step++) {
		unsigned op = rnd(100);
		u_int nfree = total - nlive;

		if (op < 65 && npages < NLIVE) {		/* order 0, either pool, either class */
			int req = (rnd(2) ? VM_ALLOC_NOOBJ : VM_ALLOC_NORMAL) |
			    (rnd(2) ? VM_ALLOC_INTERRUPT : VM_ALLOC_NORMAL);
			bool want = (req & VM_ALLOC_CLASS_MASK) == VM_ALLOC_INTERRUPT ? nfree >= 1 :
			    nfree >= cnt.v_free_reserved + 1;
			vm_page_t m = vm_page_alloc(NULL, 0, req);

			CHECK((m != NULL) == want, "seed %#llx step %d: order-0 allocation (req %#x) "
			    "%s with %u pages free (reserve %u)", seed, step, req,
			    m != NULL ? "succeeded" : "failed", nfree, cnt.v_free_reserved);
			outs += m == NULL && (req & VM_ALLOC_CLASS_MASK) == VM_ALLOC_INTERRUPT;
			if (m != NULL) {
				long i = m - seg->first_page;

				CHECK(!live[i], "seed %#llx step %d: page %#jx handed out twice", seed,
				    step, (uintmax_t)m->phys_addr);
				live[i] = 1;
				nlive++;
				pages[npages++] = m;
			}
		} else if (op < 80 && npages > 0) {		/* free a random order-0 page */
			int k = (int)rnd((unsigned)npages);
			vm_page_t m = pages[k];

			live[m - seg->first_page] = 0;
			nlive--;
			pages[k] = pages[--npages];
			vm_page_free(m);
		} else if (op < 88 && nruns < NRUNS) {		/* a contiguous run */
			u_long n = 1 + rnd(64), align = 1UL << rnd(7);
			int order = 0;
			bool want;
			vm_page_t m;

			while ((1UL << order) < n)
				order++;
			/* vm_page_alloc_contig drains the batches first: the buddy then
			 * holds every free page, and a run exists iff the model has one. */
			want = model_has_run(seg, order, align);
			m = vm_page_alloc_contig(n, 0, ~(vm_paddr_t)0, ptoa(align), 0,
			    VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT);
			CHECK((m != NULL) == want, "seed %#llx step %d: contig(%lu pages, align %lu) "
			    "%s; the model %s a free aligned run", seed, step, n, align,
			    m != NULL ? "succeeded" : "failed", want ? "has" : "has no");
			contig_ok += m != NULL;
			contig_no += m == NULL;
			if (m != NULL) {
				CHECK((atop(m->phys_addr) & (align - 1)) == 0, "run %#jx misaligned",
				    (uintmax_t)m->phys_addr);
				for (u_long i = 0; i < n; i++) {
					CHECK(!live[m - seg->first_page + (long)i], "seed %#llx step %d: "
					    "run page %#jx is live", seed, step,
					    (uintmax_t)m[i].phys_addr);
					live[m - seg->first_page + (long)i] = 1;
				}
				nlive += (u_int)n;
				runs[nruns++] = (struct run){ m, n };
			}
		} else if (op < 95 && nruns > 0) {		/* free a run */
			int k = (int)rnd((unsigned)nruns);

			for (u_long i = 0; i < runs[k].n; i++)
				live[runs[k].m - seg->first_page + (long)i] = 0;
			nlive -= (u_int)runs[k].n;
			vm_page_free_contig(runs[k].m, runs[k].n);
			runs[k] = runs[--nruns];
		} else {					/* drain, or off and on */
			u_long left;

			mtx_lock(&vm_page_queue_free_mtx);
			if (op < 98)
				vm_phys_drain();
			else
				(void)vm_phys_batch_set(!vm_phys_batch_enabled);
			left = vm_phys_batch_pages();
			mtx_unlock(&vm_page_queue_free_mtx);
			CHECK(left == 0, "drained, the batches hold %lu", left);
		}
		CHECK(cnt.v_free_count == total - nlive, "seed %#llx step %d: v_free_count %u, "
		    "the model says %u", seed, step, cnt.v_free_count, total - nlive);
		if (step % 25 == 0 || step == RSTEPS - 1)
			CHECK(vm_page_check(why, sizeof(why)) == 0, "seed %#llx step %d: %s", seed,
			    step, why);
	}
	/* The workload reached its cases: memory ran out, runs were found and not. */
	CHECK(outs > 0 && contig_ok > 0 && contig_no > 0, "seed %#llx: %d times out of memory, "
	    "%d runs found, %d not: the workload misses cases", seed, outs, contig_ok, contig_no);
	/* Everything back and drained: maximal blocks again, as at boot. */
	while (npages > 0)
		vm_page_free(pages[--npages]);
	while (nruns > 0) {
		nruns--;
		vm_page_free_contig(runs[nruns].m, runs[nruns].n);
	}
	mtx_lock(&vm_page_queue_free_mtx);
	(void)vm_phys_batch_set(true);
	vm_phys_drain();
	mtx_unlock(&vm_page_queue_free_mtx);
	CHECK(cnt.v_free_count == total && phys_check(why, sizeof(why)) == 0,
	    "seed %#llx: at the end free %u of %u; %s", seed, cnt.v_free_count, total, why);
}

HOST_TEST(batch_model_random)
{
	for (int k = 0; k < 3; k++)
		model_random(harness_seed() + (unsigned long long)k * 0x9e3779b97f4a7c15ull);
}

/*
 * vm_phys_batch.c - a small batch of free order-0 pages per pool, in front
 * of the buddy allocator.
 *
 * On the bare buddy an order-0 vm_page_alloc splits a block down from up
 * to the top order, and the vm_page_free that follows merges it all the way
 * back: up to ten orders of queue work for one page each way (make
 * bench-vm: 20x the cost of an xv6-style free list when memory is mostly
 * free).  FreeBSD later put per-CPU page caches in front of its buddy and
 * Linux keeps per-CPU page lists for the same reason.  Here, on one CPU, it
 * is one batch per free list and pool (vm_phys_batch.h says why per list):
 *
 *   vm_page_alloc(order 0) --> batch[pool] --empty: fill, one 2^k block--> vm_phys
 *   vm_page_free(order 0)  --> batch[pool] --full: drain the oldest 2^k---> vm_phys
 *
 * so vm_phys sees one order-k allocation per 2^k pages and the pairs in
 * between cost a stack push and pop.  Pages in a batch are free: PG_FREE,
 * counted in v_free_count (so the allocation classes' reserves stay exact),
 * order VM_NFREEORDER, on no buddy queue; vm_phys_check() adds their count
 * and vm_phys_batch_check() checks each.  Never in a batch: cached pages
 * (PG_CACHED; a block a fill gets with one in it goes straight back), pages
 * of the CACHE pool, anything but order 0.
 *
 * vm_phys_drain() empties every batch; it runs before anything that needs
 * maximal blocks or a contiguous run (vm_page_alloc_contig, the monitor's
 * contig, a failed fill, lab 02's tests, which grade the bare buddy and call
 * vm_phys_batch_set(false)).
 *
 * Locking: everything here is called with the free-queue lock held (f).
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>

struct vm_phys_batch vm_phys_batches[VM_NFREELIST][VM_NFREEPOOL];
bool vm_phys_batch_enabled = true;

/* Start-up (vm_page_init_segs): empty batches, on.  A new page array forgets the old. */
void
vm_phys_batch_init(void)
{
	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			vm_phys_batches[fl][p].count = 0;
	vm_phys_batch_enabled = true;
}

/* A pool whose order-0 traffic goes through a batch: not CACHE. */
static inline bool
vm_phys_batch_pool(int pool)
{
	return (vm_phys_batch_enabled && pool != VM_FREEPOOL_CACHE);
}

/*
 * Give the oldest n pages of b (the bottom of the stack) back to vm_phys,
 * one order-0 free each: the buddy merges them as they come.
 */
static void
vm_phys_batch_spill(struct vm_phys_batch *b, int n)
{
	KASSERT(n <= b->count, ("%s: %d of %d pages", __func__, n, b->count));
	for (int i = 0; i < n; i++) {
		vm_page_t m = b->pages[i];

		m->flags &= ~PG_FREE;	/* vm_phys_free_pages sets it and counts it again */
		cnt.v_free_count--;
		vm_phys_free_pages(m, 0);
	}
	b->count -= n;
	memmove(&b->pages[0], &b->pages[n], (size_t)b->count * sizeof(b->pages[0]));
}

/*
 * Fill an empty batch with one block of VM_PHYS_BATCH_BLOCK pages from free
 * list `flind`, stacked so that the lowest address comes out first.  A
 * block holding a cached page goes straight back: cached pages are
 * reclaimed one by one through vm_page_alloc_init, never batched.  False if
 * no block came.
 */
static bool
vm_phys_batch_fill(struct vm_phys_batch *b, int flind, int pool)
{
	vm_page_t m;

	KASSERT(b->count == 0, ("%s: batch holds %d pages", __func__, b->count));
	if ((m = vm_phys_alloc_freelist_pages(flind, pool, VM_PHYS_BATCH_ORDER)) == NULL)
		return (false);
	for (int i = 0; i < VM_PHYS_BATCH_BLOCK; i++)
		if (m[i].flags & PG_CACHED) {
			vm_phys_free_pages(m, VM_PHYS_BATCH_ORDER);
			return (false);
		}
	for (int i = VM_PHYS_BATCH_BLOCK - 1; i >= 0; i--) {
		m[i].flags |= PG_FREE;
		b->pages[b->count++] = &m[i];
	}
	cnt.v_free_count += VM_PHYS_BATCH_BLOCK;
	return (true);
}

/*
 * vm_phys_batch_alloc's slow path, with the first list's batch empty: one
 * page from `pool`, as vm_phys_alloc_pages(pool, 0) gives it (PG_FREE
 * clear, v_free_count down by one, or, for a cached page, v_cache_count),
 * from the same free list: the lists in index order, and on each its batch,
 * a fill, else a single page (so no scarce list's page goes out while the
 * lists before it still have pages).  With nothing on any list, the pages
 * may be in other pools' batches: drain, and try the buddy once more.  NULL
 * only when no page is free.
 */
vm_page_t
vm_phys_batch_alloc_slow(int pool)
{
	vm_page_t m;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	KASSERT(pool >= 0 && pool < VM_NFREEPOOL, ("%s: pool %d", __func__, pool));
	for (int flind = 0; flind < VM_NFREELIST; flind++) {
		struct vm_phys_batch *b = &vm_phys_batches[flind][pool];

		if (b->count > 0 || (vm_phys_batch_pool(pool) && vm_phys_batch_fill(b, flind, pool))) {
			m = b->pages[--b->count];
			m->flags &= ~PG_FREE;
			cnt.v_free_count--;
			return (m);
		}
		if ((m = vm_phys_alloc_freelist_pages(flind, pool, 0)) != NULL)
			return (m);
	}
	if (vm_phys_batch_pages() > 0) {
		vm_phys_drain();
		return (vm_phys_alloc_pages(pool, 0));
	}
	return (NULL);
}

/*
 * vm_phys_batch_free's slow path: a page that does not go into a batch
 * (batches off, the CACHE pool, or what looks like a double free: the
 * buddy's checks panic), a page of another free list or pool than the fast
 * path's, or a full batch, which first gives its oldest block's worth back
 * to vm_phys.
 */
void
vm_phys_batch_free_slow(vm_page_t m)
{
	struct vm_phys_batch *b;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if (!vm_phys_batch_pool(m->pool) || (m->flags & (PG_FREE | PG_CACHED)) != 0) {
		vm_phys_free_pages(m, 0);
		return;
	}
	KASSERT(m->order == VM_NFREEORDER, ("%s: page %p (pa %#jx) heads a free block",
	    __func__, m, (uintmax_t)m->phys_addr));
	b = &vm_phys_batches[vm_phys_segs[m->segind].freelist][m->pool];
	if (b->count == VM_PHYS_BATCH_MAX)
		vm_phys_batch_spill(b, VM_PHYS_BATCH_BLOCK);
	m->flags |= PG_FREE;
	cnt.v_free_count++;
	b->pages[b->count++] = m;
}

/* Every page of every batch back to vm_phys, oldest first. */
void
vm_phys_drain(void)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			if (vm_phys_batches[fl][p].count > 0)
				vm_phys_batch_spill(&vm_phys_batches[fl][p],
				    vm_phys_batches[fl][p].count);
}

/*
 * Drain, then let order-0 traffic through the batches (on) or straight to
 * vm_phys (off: what lab 02's tests grade).  Returns the old setting.
 */
bool
vm_phys_batch_set(bool on)
{
	bool was = vm_phys_batch_enabled;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	vm_phys_drain();
	vm_phys_batch_enabled = on;
	return (was);
}

u_long
vm_phys_batch_pages(void)
{
	u_long n = 0;

	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			n += (u_long)vm_phys_batches[fl][p].count;
	return (n);
}

/*
 * Every page in a batch: free and nothing else (PG_FREE without PG_CACHED,
 * owned by nobody, on no queue, not wired or held), heading no buddy block,
 * of the batch's free list and pool, and in no batch twice.  O(batched^2).
 */
static int
vm_phys_batch_check_one(int fl, int p, char *why, size_t size)
{
	struct vm_phys_batch *b = &vm_phys_batches[fl][p];

	if (b->count < 0 || b->count > VM_PHYS_BATCH_MAX ||
	    (b->count > 0 && !vm_phys_batch_pool(p))) {
		snprintf(why, size, "batch [%d][%d] holds %d pages (at most %d, none if off "
		    "or CACHE)", fl, p, b->count, VM_PHYS_BATCH_MAX);
		return (-1);
	}
	for (int i = 0; i < b->count; i++) {
		vm_page_t m = b->pages[i];

		if ((m->flags & (PG_FREE | PG_CACHED)) != PG_FREE || m->pool != p ||
		    m->segind >= vm_phys_nsegs || vm_phys_segs[m->segind].freelist != fl ||
		    m->order != VM_NFREEORDER || m->object != NULL ||
		    m->queue != PQ_NONE || m->wire_count != 0 || m->hold_count != 0) {
			snprintf(why, size, "batch [%d][%d] page %d (pa %#jx): flags %#x pool %d "
			    "segment %d order %d object %p queue %u wired %u held %u", fl, p, i,
			    (uintmax_t)m->phys_addr, m->flags, m->pool, m->segind, m->order,
			    m->object, m->queue, m->wire_count, m->hold_count);
			return (-1);
		}
		for (int f2 = 0; f2 < VM_NFREELIST; f2++)
			for (int p2 = 0; p2 < VM_NFREEPOOL; p2++)
				for (int j = 0; j < vm_phys_batches[f2][p2].count; j++)
					if (vm_phys_batches[f2][p2].pages[j] == m &&
					    (f2 != fl || p2 != p || j != i)) {
						snprintf(why, size, "batch page %#jx is in batch "
						    "[%d][%d] twice (also [%d][%d])",
						    (uintmax_t)m->phys_addr, fl, p, f2, p2);
						return (-1);
					}
	}
	return (0);
}

int
vm_phys_batch_check(char *why, size_t size)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			if (vm_phys_batch_check_one(fl, p, why, size) != 0)
				return (-1);
	return (0);
}

/*
 * vm_phys.c - the physical memory allocator: a binary buddy system.
 *
 * A free block of order k is 2^k contiguous pages, aligned to 2^k pages, in
 * one segment.  Only its first page (the head) records the order; the other
 * pages say VM_NFREEORDER.  Every page of a free block has PG_FREE - or
 * PG_CACHED, for a cached page, which is free too but still holds an
 * object's data (vm_page_cache) - and all of them share one pool.
 *
 * Allocating order k takes the first block of order >= k and splits it,
 * putting each unused upper half back one order lower:
 *
 *     order 3: [a a a a a a a a]          take it, want order 1
 *     order 2:         [b b b b]  <- upper half back on the order-2 queue
 *     order 1:     [c c]          <- upper quarter back on the order-1 queue
 *     result:  [m m]
 *
 * Freeing goes the other way: a block's buddy lies at  pa XOR (PAGE_SIZE <<
 * order); if the buddy is a free block of the same order, the two merge and
 * the search goes one order up.
 *
 * Queue order is FreeBSD's (2007 on): allocation takes a queue's head; a
 * freed (merged) block goes in at the tail, and only the halves of a split
 * go in at the head.  So free memory ages first in, first out, and memory
 * just split is what the next small request reuses.
 *
 * The twist (FreeBSD, 2007): when a pool has no block big enough, it steals
 * the *largest* block of another pool, so each pool grows in big, physically
 * clustered blocks.  Kernel pages reached through a direct map (DIRECT pool)
 * then share TLB entries: an 18% cut in system time in a buildworld.
 *
 * Locking: every entry point (alloc, free, contig, unfree, check) is
 * called with the free-queue lock, vm_page_queue_free_mtx, held - the
 * callers in vm_page.c take it - and the non-lab ones assert it.
 *
 * This file builds in the hosted harness too (tests/host): it knows the page
 * array only through vm_page_array and the segments.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>

struct vm_phys_seg vm_phys_segs[VM_PHYSSEG_MAX];
int vm_phys_nsegs;
struct vm_freelist vm_phys_free_queues[VM_NFREELIST][VM_NFREEPOOL][VM_NFREEORDER];

static long sparse_next;	/* sparse: next unused vm_page_array index */

void
vm_phys_init(void)
{
	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			for (int o = 0; o < VM_NFREEORDER; o++) {
				TAILQ_INIT(&vm_phys_free_queues[fl][p][o].pl);
				vm_phys_free_queues[fl][p][o].lcnt = 0;
			}
	vm_phys_nsegs = 0;
	sparse_next = 0;
}

/* ---- The page array: physical address <-> struct vm_page ---------------- */

/*
 * The vm_page of the first page of a new segment [start, end).
 *   dense:  the array covers every frame from first_page up, holes
 *           included, so the index is just the frame number's offset;
 *   sparse: the array holds only pages that exist; segments take
 *           consecutive slices, in the order they are added.
 * Segments are added in ascending address order.  Lab 01.
 */
vm_page_t
vm_phys_seg_first_page(vm_paddr_t start, long *npages_left)
{
	/* BEGIN LAB 01 seg_first_page
	 * stub:
	 * (void)start; (void)npages_left; (void)sparse_next;
	 * panic("lab 01: vm_phys_seg_first_page: not implemented");
	 */
#ifdef VM_PHYSSEG_DENSE
	(void)sparse_next;
	*npages_left = vm_page_array_size - (long)(atop(start) - first_page);
	return (&vm_page_array[atop(start) - first_page]);
#else
	vm_page_t m = &vm_page_array[sparse_next];

	(void)start;
	*npages_left = vm_page_array_size - sparse_next;
	return (m);
#endif
	/* END LAB 01 seg_first_page */
}

/*
 * PHYS_TO_VM_PAGE(pa): the vm_page of the page containing pa, or NULL if
 * the kernel has none for it.
 *   dense:  NULL outside [first_page, first_page + vm_page_array_size);
 *           inside, a hole still has an (unused) entry;
 *   sparse: search the segments; NULL for an address in no segment.
 * Lab 01.
 */
vm_page_t
vm_phys_paddr_to_vm_page(vm_paddr_t pa)
{
	/* BEGIN LAB 01 paddr_to_vm_page
	 * stub:
	 * panic("lab 01: PHYS_TO_VM_PAGE(%#jx): not implemented", (uintmax_t)pa);
	 */
#ifdef VM_PHYSSEG_DENSE
	vm_paddr_t pi = atop(pa);	/* compared in vm_paddr_t: a long may be 32 bits */

	if (pi < (vm_paddr_t)first_page ||
	    pi - (vm_paddr_t)first_page >= (vm_paddr_t)vm_page_array_size)
		return (NULL);
	return (&vm_page_array[pi - (vm_paddr_t)first_page]);
#else
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];

		if (pa >= seg->start && pa < seg->end)
			return (&seg->first_page[atop(pa - seg->start)]);
	}
	return (NULL);
#endif
	/* END LAB 01 paddr_to_vm_page */
}

/* Register one segment on one free list; returns its index, or -1. */
static int
vm_phys_create_seg(vm_paddr_t start, vm_paddr_t end, int freelist)
{
	struct vm_phys_seg *seg;
	long room;

	KASSERT(start < end && (start & PAGE_MASK) == 0 && (end & PAGE_MASK) == 0,
	    ("vm_phys_create_seg: bad range [%#jx, %#jx)", (uintmax_t)start, (uintmax_t)end));
	KASSERT(vm_phys_nsegs == 0 || start >= vm_phys_segs[vm_phys_nsegs - 1].end,
	    ("vm_phys_create_seg: segments out of order at %#jx", (uintmax_t)start));
	if (vm_phys_nsegs == VM_PHYSSEG_MAX) {
		printf("vm_phys: more than %d segments; ignoring [%#jx, %#jx)\n",
		    VM_PHYSSEG_MAX, (uintmax_t)start, (uintmax_t)end);
		return (-1);
	}
	seg = &vm_phys_segs[vm_phys_nsegs];
	seg->start = start;
	seg->end = end;
	seg->freelist = freelist;
	seg->free_queues = &vm_phys_free_queues[freelist];
	seg->first_page = vm_phys_seg_first_page(start, &room);
	KASSERT(room >= (long)atop(end - start),
	    ("vm_phys_create_seg: the page array has room for %ld of %ld pages at %#jx",
	    room, (long)atop(end - start), (uintmax_t)start));
	sparse_next += (long)atop(end - start);
	return (vm_phys_nsegs++);
}

/*
 * The free list of the page at pa: the one with the lowest limit above pa.
 * Sets *limit to that list's limit (where the next list begins).
 */
static int
vm_phys_freelist_of(vm_paddr_t pa, uint64_t *limit)
{
	int best = -1;

	for (int fl = 0; fl < VM_NFREELIST; fl++)
		if (pa < vm_phys_freelists[fl].limit &&
		    (best < 0 || vm_phys_freelists[fl].limit < vm_phys_freelists[best].limit))
			best = fl;
	KASSERT(best >= 0, ("vm_phys_freelist_of: %#jx is above every free list",
	    (uintmax_t)pa));
	*limit = vm_phys_freelists[best].limit;
	return (best);
}

/*
 * Add the RAM in [start, end) as segments, cut at every free-list limit
 * inside it, each piece on its own list.  Returns the number of segments
 * made.
 */
int
vm_phys_add_seg(vm_paddr_t start, vm_paddr_t end, vm_page_t unused __unused)
{
	uint64_t limit;
	int fl, n = 0;

	while (start < end) {	/* empty: a range the page-array carve used up */
		vm_paddr_t stop;

		fl = vm_phys_freelist_of(start, &limit);
		stop = limit < (uint64_t)end ? (vm_paddr_t)limit : end;
		n += vm_phys_create_seg(start, stop, fl) >= 0;
		start = stop;
	}
	return (n);
}

/* ---- Queues ------------------------------------------------------------- */

static inline struct vm_phys_seg *
vm_phys_seg_of(vm_page_t m)
{
	KASSERT(m->segind < vm_phys_nsegs, ("page %p (pa %#jx) is in no segment",
	    m, (uintmax_t)m->phys_addr));
	return (&vm_phys_segs[m->segind]);
}

/*
 * Put the block headed by m on fl[order]: at the tail for a freed block, at
 * the head for the halves of a split (FreeBSD's rule; see the top).
 */
static inline void
vm_freelist_add(struct vm_freelist *fl, vm_page_t m, int order, bool tail)
{
	m->order = (uint8_t)order;
	if (tail)
		TAILQ_INSERT_TAIL(&fl[order].pl, m, pageq);
	else
		TAILQ_INSERT_HEAD(&fl[order].pl, m, pageq);
	fl[order].lcnt++;
}

static inline void
vm_freelist_rem(struct vm_freelist *fl, vm_page_t m, int order)
{
	TAILQ_REMOVE(&fl[order].pl, m, pageq);
	fl[order].lcnt--;
	m->order = VM_NFREEORDER;
}

/* Re-tag every page of the block headed by m to `pool`. */
void
vm_phys_set_pool(int pool, vm_page_t m, int order)
{
	for (long i = 0; i < (1L << order); i++)
		m[i].pool = (uint8_t)pool;
}

/*
 * A block's pages enter (free) or leave (!free) the buddy queues: the one
 * place that counts them.  A page the caller marked PG_CACHED before
 * freeing it (vm_page_cache) stays cached and counts in v_cache_count; every
 * other page gets PG_FREE and counts in v_free_count.  Leaving, PG_FREE is
 * cleared, but PG_CACHED stays on the page: that is how vm_phys tells its
 * caller (vm_page_alloc*) that the page it hands back was cached and must
 * first be reclaimed from its old object (vm_page_cache_remove).  PG_ZERO
 * stays: it describes data.
 */
static void
vm_phys_mark_free(vm_page_t m, int order, bool free)
{
	u_int nfree = 0, ncached = 0;

	for (long i = 0; i < (1L << order); i++) {
		if (m[i].flags & PG_CACHED)
			ncached++;
		else {
			nfree++;
			if (free)
				m[i].flags |= PG_FREE;
			else
				m[i].flags &= ~PG_FREE;
		}
	}
	if (free) {
		cnt.v_free_count += nfree;
		cnt.v_cache_count += ncached;
	} else {
		cnt.v_free_count -= nfree;
		cnt.v_cache_count -= ncached;
	}
}

/*
 * Split the block of order oind headed by m (off its queue) down to `order`:
 * each upper half goes back, at the head of its queue in fl, one order lower.
 */
static void
vm_phys_split(struct vm_freelist *fl, vm_page_t m, int oind, int order)
{
	while (oind > order) {
		vm_page_t half = &m[1L << --oind];

		KASSERT(half->order == VM_NFREEORDER,
		    ("vm_phys_split: page %p has unexpected order %d", half, half->order));
		vm_freelist_add(fl, half, oind, false);
	}
}

/* ---- Allocation --------------------------------------------------------- */

/*
 * Allocate 2^order contiguous pages from `pool` on free list `flind` alone:
 * take the head of the pool's lowest non-empty queue of order >= `order`; if
 * there is none, steal the head of the largest non-empty queue of another
 * pool (lowest pool index first) and re-tag its pages.  Keep the block's
 * first 2^order pages and put the upper halves back at the heads of the
 * pool's queues, from order oind - 1 down to `order`.  Returns the first
 * page, with PG_FREE cleared on the 2^order pages (v_free_count down by as
 * many), or NULL, changing nothing.  Lab 02.
 */
vm_page_t
vm_phys_alloc_freelist_pages(int flind, int pool, int order)
{
	/* BEGIN LAB 02 alloc_pages
	 * stub:
	 * struct vm_freelist *fl;
	 * static bool warned;
	 * vm_page_t m;
	 *
	 * if (!warned) {
	 * 	warned = true;
	 * 	printf("lab 02: vm_phys_alloc_freelist_pages: not implemented; slow path: the "
	 * 	    "pool's smallest block or a steal, no splitting: the rest goes back as single pages\n");
	 * }
	 * for (int pass = 0; pass < 2; pass++)
	 * 	for (int k = 0; k < VM_NFREEORDER * VM_NFREEPOOL; k++) {
	 * 		int p = pass == 0 ? pool : k % VM_NFREEPOOL;
	 * 		int o = pass == 0 ? k / VM_NFREEPOOL : VM_NFREEORDER - 1 - k / VM_NFREEPOOL;
	 *
	 * 		fl = vm_phys_free_queues[flind][p];
	 * 		if (o < order || (pass == 1 && p == pool) || fl[o].lcnt == 0)
	 * 			continue;
	 * 		m = TAILQ_FIRST(&fl[o].pl);
	 * 		vm_freelist_rem(fl, m, o);
	 * 		vm_phys_set_pool(pool, m, o);
	 * 		for (long i = 1L << order; i < (1L << o); i++)
	 * 			vm_freelist_add(vm_phys_free_queues[flind][pool], &m[i], 0, false);
	 * 		vm_phys_mark_free(m, order, false);
	 * 		return (m);
	 * 	}
	 * return (NULL);
	 */
	struct vm_freelist (*queues)[VM_NFREEORDER] = vm_phys_free_queues[flind];
	vm_page_t m;
	int oind, p = pool;

	for (oind = order; oind < VM_NFREEORDER; oind++)
		if (queues[pool][oind].lcnt != 0)
			goto found;
	/* The twist: steal the largest block any other pool has. */
	for (oind = VM_NFREEORDER - 1; oind >= order; oind--)
		for (p = 0; p < VM_NFREEPOOL; p++)
			if (p != pool && queues[p][oind].lcnt != 0)
				goto found;
	return (NULL);
found:
	m = TAILQ_FIRST(&queues[p][oind].pl);
	vm_freelist_rem(queues[p], m, oind);
	if (p != pool)
		vm_phys_set_pool(pool, m, oind);
	vm_phys_split(queues[pool], m, oind, order);
	vm_phys_mark_free(m, order, false);
	return (m);
	/* END LAB 02 alloc_pages */
}

/*
 * Allocate 2^order contiguous pages from `pool`, trying the free lists in
 * index order (DEFAULT first, the scarce lists last) with
 * vm_phys_alloc_freelist_pages.  Returns the first page, or NULL.
 */
vm_page_t
vm_phys_alloc_pages(int pool, int order)
{
	vm_page_t m;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	KASSERT(pool >= 0 && pool < VM_NFREEPOOL, ("vm_phys_alloc_pages: pool %d", pool));
	KASSERT(order >= 0 && order < VM_NFREEORDER, ("vm_phys_alloc_pages: order %d", order));
	for (int flind = 0; flind < VM_NFREELIST; flind++)
		if ((m = vm_phys_alloc_freelist_pages(flind, pool, order)) != NULL)
			return (m);
	return (NULL);
}

/* ---- Freeing ------------------------------------------------------------ */

/*
 * Free the block of 2^order pages headed by m into m->pool: set PG_FREE on
 * its pages (v_free_count up by 2^order), then, while the order is below the
 * top, merge it with its buddy (pa XOR (PAGE_SIZE << order)) if the buddy is
 * in m's segment and heads a free block of exactly this order, whatever its
 * pool: the buddy leaves its own queue and takes m's pool.  The merged block
 * goes at the tail of its queue.  vm_phys_free_pages() has checked that m
 * heads 2^order allocated pages.  Lab 02.
 */
static void
vm_phys_free_merge(vm_page_t m, int order)
{
	/* BEGIN LAB 02 free_pages
	 * stub:
	 * static bool warned;
	 *
	 * if (!warned) {
	 * 	warned = true;
	 * 	printf("lab 02: vm_phys_free_merge: not implemented; slow path: "
	 * 	    "freed blocks are not merged\n");
	 * }
	 * vm_phys_mark_free(m, order, true);
	 * vm_freelist_add((*vm_phys_seg_of(m)->free_queues)[m->pool], m, order, true);
	 */
	struct vm_phys_seg *seg = vm_phys_seg_of(m);
	vm_paddr_t pa = m->phys_addr;

	vm_phys_mark_free(m, order, true);
	while (order < VM_NFREEORDER - 1) {
		vm_paddr_t pa_buddy = pa ^ ((vm_paddr_t)PAGE_SIZE << order);
		vm_page_t buddy;

		if (pa_buddy < seg->start || pa_buddy >= seg->end)
			break;
		buddy = &seg->first_page[atop(pa_buddy - seg->start)];
		if (buddy->order != order)
			break;
		vm_freelist_rem((*seg->free_queues)[buddy->pool], buddy, order);
		if (buddy->pool != m->pool)
			vm_phys_set_pool(m->pool, buddy, order);
		order++;
		pa &= ~(((vm_paddr_t)PAGE_SIZE << order) - 1);
		m = &seg->first_page[atop(pa - seg->start)];
	}
	vm_freelist_add((*seg->free_queues)[m->pool], m, order, true);
	/* END LAB 02 free_pages */
}

/*
 * Free the block of 2^order pages headed by m (vm_phys_free_merge), after
 * checking that it is one: a double free or a misaligned block panics here,
 * before it can corrupt the queues.
 */
void
vm_phys_free_pages(vm_page_t m, int order)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	KASSERT(order >= 0 && order < VM_NFREEORDER, ("vm_phys_free_pages: order %d", order));
	KASSERT(m->order == VM_NFREEORDER && (m->flags & PG_FREE) == 0,
	    ("vm_phys_free_pages: double free: page %p (pa %#jx) is already free "
	    "(unexpected order %d)", m, (uintmax_t)m->phys_addr, m->order));
	KASSERT((m->phys_addr & (((vm_paddr_t)PAGE_SIZE << order) - 1)) == 0,
	    ("vm_phys_free_pages: pa %#jx is not aligned to order %d",
	    (uintmax_t)m->phys_addr, order));
	/* The rest of the block too: a free overlapping a free block corrupts the queues. */
	for (long i = 1; i < (1L << order); i++)
		KASSERT((m[i].flags & PG_FREE) == 0,
		    ("vm_phys_free_pages: double free: page %p (pa %#jx) of the order-%d "
		    "block at %#jx is already free", &m[i], (uintmax_t)m[i].phys_addr, order,
		    (uintmax_t)m->phys_addr));
	vm_phys_free_merge(m, order);
}

/* Free `npages` pages from m, in the largest aligned blocks that fit. */
void
vm_phys_free_contig(vm_page_t m, u_long npages)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	while (npages > 0) {
		int order = 0;

		while (order + 1 < VM_NFREEORDER && (1UL << (order + 1)) <= npages &&
		    (atop(m->phys_addr) & ((1UL << (order + 1)) - 1)) == 0)
			order++;
		vm_phys_free_pages(m, order);
		m += 1L << order;
		npages -= 1UL << order;
	}
}

/*
 * Boot: hand [start, end) of one segment to the allocator, in maximal
 * aligned blocks.  Linear in the number of pages, and it touches each page
 * once (vm_phys_mark_free) - no per-page coalescing, no per-page lookups.
 */
void
vm_phys_add_free_range(vm_paddr_t start, vm_paddr_t end)
{
	vm_page_t m = PHYS_TO_VM_PAGE(start);

	KASSERT(m != NULL, ("vm_phys_add_free_range: no page for %#jx", (uintmax_t)start));
	vm_phys_free_contig(m, (u_long)atop(end - start));
}

/*
 * Pull the one page m out of the free block that contains it: the block
 * leaves its queue, and the parts of it that are not m go back to the same
 * pool as free blocks, the largest first (halving toward m, each half that
 * does not hold m at the head of its queue, as a split's halves go).  m ends
 * allocated (vm_phys_mark_free(m, 0, false): PG_FREE clear and v_free_count
 * down by one, or, for a cached page, v_cache_count), on no queue.  False, changing nothing,
 * if m is in no free block.  Lab 02; lab 03's cache queue rests on it.
 */
bool
vm_phys_unfree_page(vm_page_t m)
{
	/* BEGIN LAB 02 unfree_page
	 * stub:
	 * struct vm_phys_seg *seg = vm_phys_seg_of(m);
	 * static bool warned;
	 * vm_page_t b;
	 *
	 * if (!warned) {
	 * 	warned = true;
	 * 	printf("lab 02: vm_phys_unfree_page: not implemented; slow path: "
	 * 	    "a scan of every queue, the rest of the block goes back as single pages\n");
	 * }
	 * for (int p = 0; p < VM_NFREEPOOL; p++)
	 * 	for (int o = 0; o < VM_NFREEORDER; o++)
	 * 		TAILQ_FOREACH(b, &(*seg->free_queues)[p][o].pl, pageq) {
	 * 			if (b->segind != m->segind || m < b || m >= b + (1L << o))
	 * 				continue;
	 * 			vm_freelist_rem((*seg->free_queues)[p], b, o);
	 * 			for (long i = 0; i < (1L << o); i++)
	 * 				if (&b[i] != m)
	 * 					vm_freelist_add((*seg->free_queues)[p], &b[i], 0, true);
	 * 			vm_phys_mark_free(m, 0, false);
	 * 			return (true);
	 * 		}
	 * return (false);
	 */
	struct vm_phys_seg *seg = vm_phys_seg_of(m);
	vm_paddr_t pa = m->phys_addr, pa_half;
	vm_page_t m_set;
	int order;

	/* Find the head of the free block containing m. */
	for (order = 0; order < VM_NFREEORDER; order++) {
		vm_paddr_t head = pa & ~(((vm_paddr_t)PAGE_SIZE << order) - 1);

		if (head < seg->start)
			return (false);
		m_set = &seg->first_page[atop(head - seg->start)];
		if (m_set->order != VM_NFREEORDER)
			break;
	}
	if (order == VM_NFREEORDER || m_set->order < order)
		return (false);
	order = m_set->order;
	vm_freelist_rem((*seg->free_queues)[m_set->pool], m_set, order);
	/* Split toward m, freeing the halves that do not contain it. */
	while (order > 0) {
		order--;
		pa_half = m_set->phys_addr ^ ((vm_paddr_t)PAGE_SIZE << order);
		if (pa >= pa_half) {	/* m is in the upper half: the lower goes back */
			vm_freelist_add((*seg->free_queues)[m_set->pool], m_set, order, false);
			m_set = &seg->first_page[atop(pa_half - seg->start)];
		} else
			vm_freelist_add((*seg->free_queues)[m_set->pool],
			    &seg->first_page[atop(pa_half - seg->start)], order, false);
	}
	KASSERT(m_set == m, ("vm_phys_unfree_page: lost page %p", m));
	vm_phys_mark_free(m, 0, false);
	return (true);
	/* END LAB 02 unfree_page */
}

/* ---- Contiguous allocation --------------------------------------------- */

static bool
vm_phys_run_fits(vm_paddr_t pa, vm_paddr_t size, vm_paddr_t low, vm_paddr_t high,
    vm_paddr_t alignment, vm_paddr_t boundary)
{
	if (pa < low || pa + size > high || pa + size < pa)
		return (false);
	if ((pa & (alignment - 1)) != 0)
		return (false);
	if (boundary != 0 && ((pa ^ (pa + size - 1)) & ~(boundary - 1)) != 0)
		return (false);
	return (true);
}

/* Do the nblocks - 1 largest-order blocks after b's exist, free, in its segment? */
static bool
vm_phys_blocks_free(vm_page_t b, u_long nblocks)
{
	struct vm_phys_seg *seg = vm_phys_seg_of(b);
	vm_paddr_t bsize = (vm_paddr_t)PAGE_SIZE << (VM_NFREEORDER - 1);

	for (u_long i = 1; i < nblocks; i++) {
		vm_paddr_t pa = b->phys_addr + i * bsize;

		if (pa + bsize > seg->end ||
		    seg->first_page[atop(pa - seg->start)].order != VM_NFREEORDER - 1)
			return (false);
	}
	return (true);
}

/*
 * The contiguous search: the first free block head b, in the order free lists
 * (by index: DEFAULT first), then orders (from oind_min up), then pools (by
 * index), then queue position (head first), at which a run of npages pages
 * fits: vm_phys_run_fits(b's address, ptoa(npages), low, high, alignment,
 * boundary), and, for nblocks > 1 (a run longer than the largest block, so
 * oind_min is the top order), vm_phys_blocks_free(b, nblocks).  Returns b,
 * still on its queue (its order, pool and segment say which), or NULL.
 * Lab 02.
 */
static vm_page_t
vm_phys_find_contig(u_long npages, int oind_min, u_long nblocks, vm_paddr_t low,
    vm_paddr_t high, vm_paddr_t alignment, vm_paddr_t boundary)
{
	/* BEGIN LAB 02 find_contig
	 * stub:
	 * static bool warned;
	 *
	 * (void)oind_min; (void)nblocks; (void)low; (void)high; (void)alignment;
	 * (void)boundary; (void)vm_phys_run_fits; (void)vm_phys_blocks_free;
	 * if (!warned) {
	 * 	warned = true;
	 * 	printf("lab 02: vm_phys_find_contig(%lu pages): not implemented; "
	 * 	    "vm_phys_alloc_contig fails\n", npages);
	 * }
	 * return (NULL);
	 */
	vm_paddr_t size = ptoa(npages);
	vm_page_t b;

	for (int flind = 0; flind < VM_NFREELIST; flind++)
		for (int oind = oind_min; oind < VM_NFREEORDER; oind++)
			for (int pool = 0; pool < VM_NFREEPOOL; pool++)
				TAILQ_FOREACH(b, &vm_phys_free_queues[flind][pool][oind].pl, pageq) {
					if (vm_phys_run_fits(b->phys_addr, size, low, high,
					    alignment, boundary) && vm_phys_blocks_free(b, nblocks))
						return (b);
				}
	return (NULL);
	/* END LAB 02 find_contig */
}

/*
 * Take the free block headed by m, and the nblocks - 1 top-order blocks
 * after it, off their queues and re-tag them DEFAULT.  As FreeBSD does: a
 * single block is split down to the least order that holds npages, its
 * unused upper halves going to the heads of DEFAULT's queues; what is left
 * past npages in the kept block(s) is marked allocated with them and then
 * freed (so to the tails of the queues, coalescing).
 */
static vm_page_t
vm_phys_take_blocks(vm_page_t m, u_long nblocks, u_long npages)
{
	struct vm_phys_seg *seg = vm_phys_seg_of(m);
	int oind = m->order, order = 0;

	KASSERT(oind < VM_NFREEORDER && (nblocks == 1 || oind == VM_NFREEORDER - 1),
	    ("vm_phys_take_blocks: page %p (pa %#jx) heads no usable free block (order %d)",
	    m, (uintmax_t)m->phys_addr, oind));
	KASSERT((nblocks << oind) >= npages, ("vm_phys_take_blocks: %lu blocks of order %d "
	    "cannot hold %lu pages", nblocks, oind, npages));
	while (order < oind && (1UL << order) < npages)
		order++;
	for (u_long i = 0; i < nblocks; i++) {
		vm_page_t b = &m[i << oind];

		KASSERT(b->order == oind && (b->flags & (PG_FREE | PG_CACHED)) != 0,
		    ("vm_phys_take_blocks: block %lu (pa %#jx) is not a free order-%d head",
		    i, (uintmax_t)b->phys_addr, oind));
		vm_freelist_rem((*seg->free_queues)[b->pool], b, oind);
		vm_phys_set_pool(VM_FREEPOOL_DEFAULT, b, oind);
	}
	vm_phys_split((*seg->free_queues)[VM_FREEPOOL_DEFAULT], m, oind, order);
	for (u_long i = 0; i < nblocks; i++)
		vm_phys_mark_free(&m[i << order], order, false);
	if ((nblocks << order) > npages)
		vm_phys_free_contig(&m[npages], (nblocks << order) - npages);
	return (m);
}

/*
 * Allocate `npages` physically contiguous pages in [low, high), starting
 * at a multiple of `alignment` bytes and not crossing a multiple of
 * `boundary` bytes (0: no boundary).  Both are powers of two.  Returns the
 * first page, or NULL.  The pages come out of any pool, re-tagged DEFAULT;
 * the rest of the block found goes back (vm_phys_take_blocks).
 */
vm_page_t
vm_phys_alloc_contig(u_long npages, vm_paddr_t low, vm_paddr_t high,
    vm_paddr_t alignment, vm_paddr_t boundary)
{
	vm_page_t m;
	int order = 0, oind_min;
	u_long nblocks = 1;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	KASSERT(npages > 0, ("vm_phys_alloc_contig: npages is 0"));
	KASSERT(alignment != 0 && powerof2(alignment), ("alignment %#jx", (uintmax_t)alignment));
	KASSERT(boundary == 0 || powerof2(boundary), ("boundary %#jx", (uintmax_t)boundary));
	/* No run can be as big as the physical address space. */
	if (npages >= atop(PHYS_ADDR_LIMIT))
		return (NULL);
	/* The least order with 2^order >= npages: fls(npages - 1), which (unlike
	 * shifting 1UL up to npages) ends for npages > 2^31 too. */
	for (u_long n = npages - 1; n != 0; n >>= 1)
		order++;
	/* Runs bigger than the largest block take several adjacent ones. */
	oind_min = MIN(order, VM_NFREEORDER - 1);
	if (order >= VM_NFREEORDER)
		nblocks = (npages >> oind_min) + ((npages & ((1UL << oind_min) - 1)) != 0);
	m = vm_phys_find_contig(npages, oind_min, nblocks, low, high, alignment, boundary);
	if (m == NULL)
		return (NULL);
	return (vm_phys_take_blocks(m, nblocks, npages));
}

/* ---- Counting, checking, printing -------------------------------------- */

long
vm_phys_freelist_pages(int flind)
{
	long n = 0;

	for (int p = 0; p < VM_NFREEPOOL; p++)
		for (int o = 0; o < VM_NFREEORDER; o++)
			n += (long)vm_phys_free_queues[flind][p][o].lcnt << o;
	return (n);
}

long
vm_phys_count_free(int pool, int order)
{
	long n = 0;

	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			for (int o = 0; o < VM_NFREEORDER; o++)
				if ((pool < 0 || p == pool) && (order < 0 || o == order))
					n += vm_phys_free_queues[fl][p][o].lcnt;
	return (n);
}

/*
 * Check every invariant of the free queues; returns 0, or -1 with the first
 * broken one described in `why`.  O(free pages): for tests and the monitor.
 */
int
vm_phys_check(char *why, size_t size)
{
	u_long pages = 0, cached = 0, batched;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	for (int flind = 0; flind < VM_NFREELIST; flind++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			for (int o = 0; o < VM_NFREEORDER; o++) {
				struct vm_freelist *fl = &vm_phys_free_queues[flind][p][o];
				int n = 0;

				vm_page_t m;

				TAILQ_FOREACH(m, &fl->pl, pageq) {
					struct vm_phys_seg *seg = &vm_phys_segs[m->segind];
					vm_paddr_t bsize = (vm_paddr_t)PAGE_SIZE << o;

					n++;
					if (m->order != o) {
						snprintf(why, size, "head %#jx on order-%d queue says order %d",
						    (uintmax_t)m->phys_addr, o, m->order);
						return (-1);
					}
					if ((m->phys_addr & (bsize - 1)) != 0 || m->phys_addr < seg->start ||
					    m->phys_addr + bsize > seg->end || seg->freelist != flind) {
						snprintf(why, size, "block %#jx order %d misaligned or outside "
						    "its segment", (uintmax_t)m->phys_addr, o);
						return (-1);
					}
					for (long i = 0; i < (1L << o); i++) {
						/* exactly one of PG_FREE, PG_CACHED */
						if (m[i].pool != p ||
						    ((m[i].flags & PG_FREE) != 0) ==
						    ((m[i].flags & PG_CACHED) != 0) ||
						    (i > 0 && m[i].order != VM_NFREEORDER)) {
							snprintf(why, size, "page %#jx of block %#jx: pool %d "
							    "(queue's %d), flags %#x, order %d",
							    (uintmax_t)m[i].phys_addr, (uintmax_t)m->phys_addr,
							    m[i].pool, p, m[i].flags, m[i].order);
							return (-1);
						}
						cached += (m[i].flags & PG_CACHED) != 0;
					}
					pages += 1UL << o;
				}
				if (n != fl->lcnt) {
					snprintf(why, size, "queue [%d][%d][%d] has %d blocks, count says %d",
					    flind, p, o, n, fl->lcnt);
					return (-1);
				}
			}
	/* Free pages are on the queues or in the order-0 batches (vm_phys_batch.c). */
	if (vm_phys_batch_check(why, size) != 0)
		return (-1);
	batched = vm_phys_batch_pages();
	if (pages + batched != cnt.v_free_count + cnt.v_cache_count ||
	    cached != cnt.v_cache_count) {
		snprintf(why, size, "queues hold %lu pages (%lu cached) and batches %lu, counters "
		    "say %u free + %u cached", pages, cached, batched, cnt.v_free_count,
		    cnt.v_cache_count);
		return (-1);
	}
	return (0);
}

void
vm_phys_print(void)
{
	for (int flind = 0; flind < VM_NFREELIST; flind++) {
		printf("free list %d (%s, below %#jx):\n%6s", flind, vm_phys_freelists[flind].name,
		    (uintmax_t)vm_phys_freelists[flind].limit, "order");
		for (int p = 0; p < VM_NFREEPOOL; p++)
			printf(" %9s", vm_phys_pool_names[p]);
		printf("\n");
		for (int o = VM_NFREEORDER - 1; o >= 0; o--) {
			printf("%6d", o);
			for (int p = 0; p < VM_NFREEPOOL; p++)
				printf(" %9d", vm_phys_free_queues[flind][p][o].lcnt);
			printf("\n");
		}
	}
	printf("free %u pages (%lu of them in the order-0 batches), cached %u\n",
	    cnt.v_free_count, vm_phys_batch_pages(), cnt.v_cache_count);
}

/*
 * The free lists, one line each, for people and graders (grader/PROTOCOL.md):
 *   vm_phys: free list <index> <name> below <limit> pages <free pages>
 */
void
vm_phys_print_freelists(void)
{
	for (int fl = 0; fl < VM_NFREELIST; fl++)
		printf("vm_phys: free list %d %s below %#jx pages %ld\n", fl,
		    vm_phys_freelists[fl].name, (uintmax_t)vm_phys_freelists[fl].limit,
		    vm_phys_freelist_pages(fl));
}

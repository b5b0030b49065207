/*
 * vm/vm_phys_batch.h - a small batch of free order-0 pages per pool in
 * front of the buddy allocator (vm_phys_batch.c).
 *
 * An order-0 vm_page_alloc/vm_page_free pair on the bare buddy splits a
 * block down from up to the top order and merges it back up again; the
 * batch serves such pairs from a short stack of free pages instead, and
 * talks to vm_phys only in blocks of VM_PHYS_BATCH_BLOCK pages.  Pages in a
 * batch are free (PG_FREE, in v_free_count) but on no buddy queue.
 * Everything here is under the free-queue lock (f).
 */
#ifndef _VM_VM_PHYS_BATCH_H_
#define _VM_VM_PHYS_BATCH_H_

#include <sys/types.h>
#include <vm/vm_page.h>
#include <vm/vmmeter.h>
#include <vm/vm_phys.h>

/*
 * A fill takes one block of 2^VM_PHYS_BATCH_ORDER pages from vm_phys; a
 * full batch (two blocks' worth) gives its oldest block's worth back.
 * Chosen by `make bench-vm` (README, "The page batch"); a -D overrides it
 * for measuring.
 */
#ifndef VM_PHYS_BATCH_ORDER
#define	VM_PHYS_BATCH_ORDER	4
#endif
#define	VM_PHYS_BATCH_BLOCK	(1 << VM_PHYS_BATCH_ORDER)
#define	VM_PHYS_BATCH_MAX	(2 * VM_PHYS_BATCH_BLOCK)

struct vm_phys_batch {
	vm_page_t	pages[VM_PHYS_BATCH_MAX];	/* (f) a stack: the top is the warmest */
	int		count;				/* (f) pages in it */
};

/*
 * One batch per free list and pool: a page goes back to the batch of its
 * own free list, and allocation tries the lists in vm_phys' order, so the
 * batches never hand out a scarce list's page (ISA DMA, below 4 GiB) while
 * an earlier list still has pages - as the bare buddy.
 */
extern struct vm_phys_batch vm_phys_batches[VM_NFREELIST][VM_NFREEPOOL];	/* (f) */
extern bool vm_phys_batch_enabled;	/* (f) false: every call goes to vm_phys */

void	vm_phys_batch_init(void);		/* start-up: empty, on */
vm_page_t vm_phys_batch_alloc_slow(int pool);	/* fill, or the bare buddy */
void	vm_phys_batch_free_slow(vm_page_t m);	/* spill, or the bare buddy */
void	vm_phys_drain(void);			/* every batch back to vm_phys */
bool	vm_phys_batch_set(bool on);		/* drain, switch on/off; the old setting */
u_long	vm_phys_batch_pages(void);		/* pages in all batches */
int	vm_phys_batch_check(char *why, size_t size);	/* 0, or -1 with the broken invariant */

/*
 * The fast paths, inline in vm_page_alloc and vm_page_free, which hold the
 * free-queue lock they took a few lines up (the slow paths assert it):
 * a pop or a push.  A batch with pages in it is on and not CACHE's, so a
 * non-empty batch of the first free list is all the allocation has to check.
 */
static inline vm_page_t
vm_phys_batch_alloc(int pool)		/* one order-0 page, or NULL */
{
	struct vm_phys_batch *b = &vm_phys_batches[0][pool];
	vm_page_t m;

	if (b->count == 0)
		return (vm_phys_batch_alloc_slow(pool));
	m = b->pages[--b->count];
	m->flags &= ~PG_FREE;
	cnt.v_free_count--;
	return (m);
}

/*
 * The free fast path serves the common page only: the first free list's
 * DEFAULT pool, the batch vm_page_alloc fills most.  Its address is a
 * constant, on purpose: computed from m->pool and m->segind, every push
 * (and the pop after it) waited for those two loads, a cache miss on a
 * random page's vm_page, before its store could go (make bench-vm, steady
 * pattern: 11 ns a pair, against 3 ns for the free list).  Now m's fields
 * only decide a predicted branch.  Every other page, and a full batch,
 * take the slow path.
 */
static inline void
vm_phys_batch_free(vm_page_t m)		/* one allocated, uncached order-0 page */
{
	struct vm_phys_batch *b = &vm_phys_batches[0][VM_FREEPOOL_DEFAULT];

	if (m->pool != VM_FREEPOOL_DEFAULT || vm_phys_segs[m->segind].freelist != 0 ||
	    b->count == VM_PHYS_BATCH_MAX || !vm_phys_batch_enabled ||
	    (m->flags & (PG_FREE | PG_CACHED)) != 0) {
		vm_phys_batch_free_slow(m);	/* and the double-free check */
		return;
	}
	m->flags |= PG_FREE;
	cnt.v_free_count++;
	b->pages[b->count++] = m;
}

#endif

/*
 * pmap_pv.c - the x86 pmaps' managed-page half, the same on every port:
 * pv entries and their chunks, and what is asked of a page's mappings
 * (remove them all, write-protect them, read or clear their referenced and
 * modified bits).
 *
 * A managed mapping (a page without PG_UNMANAGED, in any pmap) has a pv
 * entry on its page's list, m->md.pv_list (machine/pmap.h), so these walk
 * every mapping of a page.  The CPU sets PG_A and PG_M in the PTE, not in
 * the page, so whenever a managed mapping is removed or write-protected its
 * PG_M becomes vm_page_dirty(m) and its PG_A PG_REFERENCED (pmap_pte_sync):
 * a page daemon that trusts m->dirty never frees or caches a written page
 * as clean.
 *
 * pv entries come from pv chunks: a page of entries owned by one pmap
 * (an entry finds its pmap through its chunk's header), with a bitmap of
 * free entries; chunks with room sit at the head of the pmap's list.  How
 * a chunk page is reached is the port's (machine/pmap_pv.h):
 *
 *   i386    a KVA window reserved by pmap_init, pmap_kenter'ed per chunk
 *   amd64   the direct map
 *
 * and so is how a PTE is found (a temporary mapping on i386, the direct
 * map on amd64: pmap_pte_map).  Chunk pages come from vm_page_alloc, never
 * malloc; running out makes pmap_enter() return ENOMEM with nothing changed.
 */
#include <sys/systm.h>
#include <machine/param.h>
#include <machine/pte.h>
#include <machine/pmap_pv.h>
#include <vm/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>

CTASSERT(sizeof(struct pv_chunk) <= PAGE_SIZE);

/* A chunk is one page-aligned page, so an entry finds its chunk and pmap. */
static inline struct pv_chunk *
pv_to_chunk(pv_entry_t pv)
{
	return ((struct pv_chunk *)trunc_page((vm_offset_t)(uintptr_t)pv));
}

#define	PV_PMAP(pv)	(pv_to_chunk(pv)->pc_pmap)

/* The bitmap word w of a chunk whose entries are all free. */
static inline uint32_t
pc_freemask(int w)
{
	return (w < _NPCM - 1 || _NPCPV % 32 == 0 ? ~0u : (1u << (_NPCPV % 32)) - 1);
}

/* A new, all-free chunk for pmap, at the head of its list; NULL if no memory. */
static struct pv_chunk *
pv_chunk_alloc(pmap_t pmap)
{
	struct pv_chunk *pc;

	if ((pc = pv_chunk_page_alloc()) == NULL)
		return (NULL);
	pc->pc_pmap = pmap;
	for (int w = 0; w < _NPCM; w++)
		pc->pc_map[w] = pc_freemask(w);
	TAILQ_INSERT_HEAD(&pmap->pm_pvchunk, pc, pc_list);
	return (pc);
}

static void
pv_chunk_free(struct pv_chunk *pc)
{
	TAILQ_REMOVE(&pc->pc_pmap->pm_pvchunk, pc, pc_list);
	pv_chunk_page_free(pc);
}

/*
 * A pv entry for pmap; NULL when there is no memory for one.  Chunks with
 * free entries are kept at the head of pm_pvchunk, full ones at the tail,
 * so only the first chunk needs a look.
 */
pv_entry_t
pv_alloc(pmap_t pmap)
{
	struct pv_chunk *pc = TAILQ_FIRST(&pmap->pm_pvchunk);
	pv_entry_t pv = NULL;
	bool full = true;

	for (int w = 0; pc != NULL && w < _NPCM && pv == NULL; w++)
		if (pc->pc_map[w] != 0) {
			int bit = __builtin_ctz(pc->pc_map[w]);

			pc->pc_map[w] &= ~(1u << bit);
			pv = &pc->pc_pventry[w * 32 + bit];
		}
	if (pv == NULL) {
		if ((pc = pv_chunk_alloc(pmap)) == NULL)
			return (NULL);
		pc->pc_map[0] &= ~1u;
		pv = &pc->pc_pventry[0];
	}
	for (int w = 0; w < _NPCM; w++)
		full = full && pc->pc_map[w] == 0;
	if (full) {
		TAILQ_REMOVE(&pmap->pm_pvchunk, pc, pc_list);
		TAILQ_INSERT_TAIL(&pmap->pm_pvchunk, pc, pc_list);
	}
	return (pv);
}

/* Give back a pv entry (off its page's list); an empty chunk goes too. */
static void
pv_free(pv_entry_t pv)
{
	struct pv_chunk *pc = pv_to_chunk(pv);
	int idx = (int)(pv - pc->pc_pventry);
	bool empty = true;

	KASSERT(idx >= 0 && idx < _NPCPV && (pc->pc_map[idx / 32] & (1u << (idx % 32))) == 0,
	    ("%s: pv %p is not an allocated entry of chunk %p", __func__, pv, pc));
	pc->pc_map[idx / 32] |= 1u << (idx % 32);
	for (int w = 0; w < _NPCM; w++)
		empty = empty && pc->pc_map[w] == pc_freemask(w);
	if (empty) {
		pv_chunk_free(pc);
		return;
	}
	TAILQ_REMOVE(&pc->pc_pmap->pm_pvchunk, pc, pc_list);	/* it has room now */
	TAILQ_INSERT_HEAD(&pc->pc_pmap->pm_pvchunk, pc, pc_list);
}

/* The pv entry of m's mapping at va in pmap, or NULL. */
pv_entry_t
pv_find(vm_page_t m, pmap_t pmap, vm_offset_t va)
{
	pv_entry_t pv;

	TAILQ_FOREACH(pv, &m->md.pv_list, pv_next)
		if (pv->pv_va == va && PV_PMAP(pv) == pmap)
			return (pv);
	return (NULL);
}

/*
 * Apply fn to every managed mapping of m.  fn may remove the mapping (and
 * its pv entry): the next entry is fetched before calling it.
 */
static void
pv_foreach(vm_page_t m, void (*fn)(pmap_t, vm_offset_t, pt_entry_t *, void *), void *arg)
{
	pv_entry_t pv, next;
	pt_entry_t *pte;
	pmap_t pmap;
	void *tmp;

	TAILQ_FOREACH_SAFE(pv, &m->md.pv_list, pv_next, next) {
		pmap = PV_PMAP(pv);
		pte = pmap_pte_map(pmap, pv->pv_va, &tmp);
		KASSERT(pte != NULL && (*pte & (PG_V | PG_MANAGED)) == (PG_V | PG_MANAGED) &&
		    (*pte & PG_FRAME) == VM_PAGE_TO_PHYS(m),
		    ("%s: pv entry of page %p for va %#lx has no mapping", __func__, m,
		    (u_long)pv->pv_va));
		fn(pmap, pv->pv_va, pte, arg);
		pmap_pte_unmap(tmp);
	}
}

bool
pmap_page_managed(vm_page_t m)
{
	return ((m->flags & (PG_UNMANAGED | PG_FICTITIOUS)) == 0);
}

/*
 * Carry what the CPU recorded in a managed PTE that is going away into its
 * page: a write (PG_M) dirties the page, an access (PG_A) references it.
 */
void
pmap_pte_sync(vm_page_t m, pt_entry_t pte)
{
	if ((pte & PG_M) != 0)
		vm_page_dirty(m);
	if ((pte & PG_A) != 0)
		m->flags |= PG_REFERENCED;
}

/*
 * Clear one valid PTE, dropping its pv entry and counts.  A managed
 * mapping's A/M bits go to its page first; the last mapping to go takes
 * PG_WRITEABLE with it.
 */
void
pmap_remove_pte(pmap_t pmap, vm_offset_t va, pt_entry_t *pte)
{
	pt_entry_t old = *pte;
	pv_entry_t pv;
	vm_page_t m;

	*pte = 0;
	pmap_invalidate_page(pmap, va);
	if (pmap != kernel_pmap)
		pmap->pm_resident--;
	if ((old & PG_MANAGED) == 0)
		return;
	m = PHYS_TO_VM_PAGE(old & PG_FRAME);
	pmap_pte_sync(m, old);
	pv = pv_find(m, pmap, va);
	KASSERT(pv != NULL, ("%s: no pv entry for page %p in pmap %p at va %#lx",
	    __func__, m, pmap, (u_long)va));
	TAILQ_REMOVE(&m->md.pv_list, pv, pv_next);
	pv_free(pv);
	if (TAILQ_EMPTY(&m->md.pv_list))
		m->flags &= ~PG_WRITEABLE;
}

/*
 * Make a valid, writable PTE read-only.  A write it saw (PG_M) goes to the
 * page, or a later pmap_remove would not know of it.
 */
void
pmap_pte_write_protect(pmap_t pmap, vm_offset_t va, pt_entry_t *pte)
{
	if ((*pte & (PG_MANAGED | PG_M)) == (PG_MANAGED | PG_M))
		vm_page_dirty(PHYS_TO_VM_PAGE(*pte & PG_FRAME));
	*pte &= ~(pt_entry_t)(PG_RW | PG_M);
	pmap_invalidate_page(pmap, va);
}

/* ---- A page's mappings ------------------------------------------------ */

static void
pv_do_remove(pmap_t pmap, vm_offset_t va, pt_entry_t *pte, void *arg __unused)
{
	pmap_remove_pte(pmap, va, pte);
}

static void
pv_do_write_protect(pmap_t pmap, vm_offset_t va, pt_entry_t *pte, void *arg __unused)
{
	if ((*pte & PG_RW) != 0)
		pmap_pte_write_protect(pmap, va, pte);
}

/* A walk over a page's mappings: count (and maybe clear) some PTE bits. */
struct pv_bits {
	pt_entry_t	bits;
	bool		clear;
	int		count;		/* PTEs with one of `bits` set */
	int		mappings;	/* PTEs visited */
};

static void
pv_do_bits(pmap_t pmap, vm_offset_t va, pt_entry_t *pte, void *arg)
{
	struct pv_bits *b = arg;

	b->mappings++;
	if ((*pte & b->bits) == 0)
		return;
	b->count++;
	if (b->clear) {
		*pte &= ~b->bits;
		pmap_invalidate_page(pmap, va);
	}
}

static struct pv_bits
pmap_page_bits(vm_page_t m, pt_entry_t bits, bool clear)
{
	struct pv_bits b = { .bits = bits, .clear = clear };

	pv_foreach(m, pv_do_bits, &b);
	return (b);
}

/* Remove every managed mapping of m; their A/M bits go to m. */
void
pmap_remove_all(vm_page_t m)
{
	pv_foreach(m, pv_do_remove, NULL);
	KASSERT(TAILQ_EMPTY(&m->md.pv_list) && (m->flags & PG_WRITEABLE) == 0,
	    ("%s: page %p still mapped", __func__, m));
}

/* Make every managed mapping of m read-only; a write they saw dirties m. */
void
pmap_remove_write(vm_page_t m)
{
	pv_foreach(m, pv_do_write_protect, NULL);
	m->flags &= ~PG_WRITEABLE;
}

bool
pmap_is_modified(vm_page_t m)
{
	return (pmap_page_bits(m, PG_M, false).count != 0);
}

bool
pmap_is_referenced(vm_page_t m)
{
	return (pmap_page_bits(m, PG_A, false).count != 0);
}

void
pmap_clear_modify(vm_page_t m)
{
	(void)pmap_page_bits(m, PG_M, true);
}

void
pmap_clear_reference(vm_page_t m)
{
	(void)pmap_page_bits(m, PG_A, true);
}

/* How many mappings of m were referenced since the last call (FreeBSD's). */
int
pmap_ts_referenced(vm_page_t m)
{
	return (pmap_page_bits(m, PG_A, true).count);
}

bool
pmap_page_is_mapped(vm_page_t m)
{
	return (!TAILQ_EMPTY(&m->md.pv_list));
}

int
pmap_page_mapcount(vm_page_t m)
{
	return (pmap_page_bits(m, 0, false).mappings);
}

/* ---- Changing page tables ---------------------------------------------- */

/*
 * pv lists and user page tables change under the page queues lock, as in
 * FreeBSD 7: the page daemon walks a page's pv list (pv_foreach) holding
 * it, and the kernel preempts at the end of a time slice, so an exiting
 * process's pmap_remove could free the entry the daemon was about to
 * visit (and its chunk) - a fork bomb on i386-PAE once the 64-address-
 * space cap was lifted (amd64's pmap had the same hole).  Callers may hold the lock already (none must).
 */
static bool
pmap_pv_lock(void)
{
	if (mtx_owned(&vm_page_queue_mtx))
		return (false);
	vm_page_lock_queues();
	return (true);
}

static void
pmap_pv_unlock(bool took)
{
	if (took)
		vm_page_unlock_queues();
}

int
pmap_enter(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot, u_int flags)
{
	bool took = pmap_pv_lock();
	int error = pmap_enter_locked(pmap, va, m, prot, flags);

	pmap_pv_unlock(took);
	return (error);
}

void
pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	bool took = pmap_pv_lock();

	pmap_remove_locked(pmap, sva, eva);
	pmap_pv_unlock(took);
}

void
pmap_protect(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	bool took = pmap_pv_lock();

	pmap_protect_locked(pmap, sva, eva, prot);
	pmap_pv_unlock(took);
}

/*
 * pmap.c - the i386 physical map, two-level or (with PAE) three-level.
 *
 * Kernel address space.  Every page-table page for KERNBASE..4 GiB is
 * allocated once, at boot, physically contiguous and mapped in the low map,
 * so the kernel's PTEs form one flat array:
 *
 *      KPTmap[(va - KERNBASE) >> PAGE_SHIFT]  is the PTE for kernel va
 *
 * (256 pages = 1 MiB on i386, 512 pages = 2 MiB on PAE).  Kernel page
 * directory entries therefore never change, and every user page directory
 * shares them (i386: copies of PDEs 768..1023; PAE: PDPT[3] points at the
 * kernel's own page directory).  pmap_kenter() never allocates.
 *
 * User address spaces.  Their directory and table pages need not be in the
 * low map, so they are always reached through temporary mappings, one page
 * at a time.  They come from the page
 * allocator's DIRECT pool once it runs, and from a small boot pool before
 * (pmap_ptp_alloc).  A PAE page-directory-pointer table must lie below
 * 4 GiB, since %cr3 holds only 32 bits, so PDPTs come from a pool inside the
 * kernel image.
 *
 * PAE page-directory and page-table pages are kept below 4 GiB too, though
 * the hardware does not need it: QEMU 7.2's qemu-system-i386 does not walk
 * a paging structure above 4 GiB (measured: with the directory, or a table,
 * at 0x17fe02000 every user access through it faults; data pages above
 * 4 GiB work).  They come from the machine's free list below 4 GiB,
 * VM_FREELIST_DMA32 (machine/vmparam.h): a queue pop, where a search of all
 * free blocks for one below 4 GiB took milliseconds once high memory was
 * fragmented.  qemu-system-x86_64 walks them correctly, but then GDB cannot
 * unwind 32-bit stacks, which students need more.
 *
 * Managed mappings.  A mapping of a page without PG_UNMANAGED (in any pmap,
 * the kernel's too) gets a pv entry on the page's own list, m->md.pv_list,
 * so pmap_remove_all()/pmap_remove_write() and the referenced/modified
 * queries visit every mapping of a page.  The PTE says PG_MANAGED.  The CPU
 * sets PG_A and PG_M in the PTE, not in the page, so whenever a managed
 * mapping is removed or replaced its PG_M becomes vm_page_dirty(m) and its
 * PG_A PG_REFERENCED (pmap_pte_sync), and write protection turns PG_M into
 * vm_page_dirty(m): a page daemon that trusts m->dirty never frees or
 * caches a written page as clean.
 *
 * The pv entries, their chunks and every per-page operation (remove all,
 * write-protect, A/M bits) are arch/x86/pmap_pv.c, shared with amd64;
 * this file gives it chunk pages, mapped in a KVA window reserved by
 * pmap_init(), and PTEs through temporary mappings.
 *
 * Locking: the page queues lock covers pv lists and user PTEs: pmap_enter,
 * pmap_remove and pmap_protect take it (callers of the pv walks hold it), as
 * the kernel preempts at the end of a time slice (pmap_pv.c's pmap_pv_lock).
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <machine/param.h>
#include <machine/cpufunc.h>
#include <machine/pte.h>
#include <machine/md_var.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>
#include <machine/pcb.h>
#include <machine/pmap_pv.h>

#define	PTP_POOL_PAGES	128
#define	KMEM_ARENA_SIZE	(2u << 20)
#define	NKPT		((0u - KERNBASE) / NBPDR)	/* kernel page-table pages */

static struct pmap kernel_pmap_store;
#ifdef PAE
/*
 * PDPTs.  In PAE mode %cr3 holds the 32-bit physical address of a 4-entry,
 * 32-byte aligned table - not a page - so the kernel keeps them in slabs
 * of a page (128 tables) below 4 GiB: the first slab static, the others
 * from contigmalloc when more address spaces than that exist at once (a
 * fork bomb), freed when empty.  (It was a static pool of 64: the 65th
 * process could not fork, on this config alone.)  PDPT_SLABS * 128 is far
 * beyond what memory allows: each address space has three page-directory
 * pages and a kernel stack besides.
 */
#define	PDPT_PER_SLAB	((int)(PAGE_SIZE / (NPDPTE * sizeof(uint64_t))))
#define	PDPT_SLABS	64
struct pdpt_slab {
	uint64_t	(*tables)[NPDPTE];	/* NULL: not allocated */
	int		nused;
	bool		used[PDPT_PER_SLAB];
};
static uint64_t kernel_pdpt[NPDPTE] __aligned(32);
static uint64_t pdpt_slab0[PDPT_PER_SLAB][NPDPTE] __aligned(PAGE_SIZE);
static struct pdpt_slab pdpt_slabs[PDPT_SLABS] = { [0] = { .tables = pdpt_slab0 } };
#endif
pmap_t kernel_pmap = &kernel_pmap_store;
static pmap_t curpmap = &kernel_pmap_store;

static pt_entry_t *KPTmap;			/* the flat kernel PTE array */
static vm_paddr_t ptp_pool[PTP_POOL_PAGES];	/* free page-table pages */
static int ptp_pool_free;
static int tmap_depth;

vm_paddr_t boot_alloc_end;

/* ---- Boot-time helpers ------------------------------------------------- */

/* Take zeroed pages right after the kernel; only valid inside the boot map. */
static vm_paddr_t
boot_alloc(int npages)
{
	vm_paddr_t pa = boot_alloc_end;

	boot_alloc_end += ptoa(npages);
	if (boot_alloc_end > (16u << 20))
		panic("pmap_bootstrap: boot allocations pass the 16 MiB boot map");
	memset((void *)(uintptr_t)(pa + KERNBASE), 0, ptoa(npages));
	return (pa);
}

static inline pt_entry_t *
kpte(vm_offset_t va)
{
	return (&KPTmap[(va - KERNBASE) >> PAGE_SHIFT]);
}

/*
 * The boot allocations must lie in RAM: with too little (QEMU -m 2M) the
 * page tables would be written to nowhere and loading %cr3 triple-faults
 * with nothing printed.  Say so and leave instead.
 */
static void
pmap_check_ram(vm_paddr_t first_free)
{
	vm_paddr_t need = first_free + ptoa(NKPT + NPDPTE + atop(KMEM_ARENA_SIZE) + PTP_POOL_PAGES);

	if (physmem_contains(dump_avail, KERNLOAD, need - 1))
		return;
	printf("vmkit: not enough RAM: the kernel and its boot tables need RAM from 1 MiB "
	    "to %ju KiB (%ju MiB of -m at least); boot with more (make qemu MEM=...)\n",
	    (uintmax_t)need >> 10, (uintmax_t)(need + (1 << 20) - 1) >> 20);
	machine_exit(EXIT_FAIL);
}

/*
 * Build the kernel's page tables, the low map and the boot pools, load
 * them, and tell machine-independent start-up (in *bi) which kernel virtual
 * addresses are free and where the boot malloc arena is.
 */
void
pmap_bootstrap(vm_paddr_t first_free, struct mi_bootinfo *bi)
{
	vm_paddr_t kpt, pd, pa;
	pd_entry_t *kpd;

	pmap_check_ram(first_free);
	boot_alloc_end = first_free;
	kpt = boot_alloc(NKPT);
	pd = boot_alloc(NPDPTE);
	bi->arena = (void *)(uintptr_t)(KERNBASE + boot_alloc(KMEM_ARENA_SIZE / PAGE_SIZE));
	bi->arena_size = KMEM_ARENA_SIZE;
	for (int i = 0; i < PTP_POOL_PAGES; i++)
		ptp_pool[ptp_pool_free++] = boot_alloc(1);
	KPTmap = (pt_entry_t *)(uintptr_t)(kpt + KERNBASE);

	/* The low map: physical 0..boot_alloc_end at KERNBASE, 4 KiB pages. */
	for (pa = 0; pa < boot_alloc_end; pa += PAGE_SIZE)
		*kpte(KERNBASE + (vm_offset_t)pa) = pa | PG_RW | PG_V;

	/* Kernel directory entries point at the flat KPT array. */
	for (int i = 0; i < NPDPTE; i++)
		kernel_pmap->pm_pd[i] = pd + ptoa(i);
	kpd = (pd_entry_t *)(uintptr_t)(pd + KERNBASE);
	for (unsigned i = 0; i < NKPT; i++)
		kpd[(KERNBASE >> PDRSHIFT) + i] = (kpt + ptoa(i)) | PG_RW | PG_V;
#ifdef PAE
	kernel_pmap->pm_pdpt = kernel_pdpt;
	for (int i = 0; i < NPDPTE; i++)
		kernel_pmap->pm_pdpt[i] = kernel_pmap->pm_pd[i] | PG_V;
	kernel_pmap->pm_cr3 = (uint32_t)kernel_pmap->pm_pdpt - KERNBASE;
#else
	kernel_pmap->pm_cr3 = (uint32_t)pd;
#endif
	TAILQ_INIT(&kernel_pmap->pm_pvchunk);
	load_cr3(kernel_pmap->pm_cr3);

	physmem_exclude(phys_avail, PHYS_AVAIL_ENTRIES, KERNLOAD, boot_alloc_end);
	bi->kva_start = KERNBASE + (vm_offset_t)round_page(boot_alloc_end);
	bi->kva_end = KVA_END;
}

/* The flat kernel PTE array and its length in entries, for the minidump. */
void *
pmap_kptmap(u_long *nptes)
{
	*nptes = (u_long)NKPT * NPTEPG;
	return (KPTmap);
}

/* ---- Temporary mappings ------------------------------------------------ */

void *
pmap_map_temp(vm_paddr_t pa)
{
	vm_offset_t va;

	KASSERT(tmap_depth < TMAP_SLOTS, ("pmap_map_temp: all %d slots in use", TMAP_SLOTS));
	va = TMAP_BASE + (vm_offset_t)tmap_depth++ * PAGE_SIZE;
	*kpte(va) = trunc_page(pa) | PG_RW | PG_V;
	invlpg(va);
	return ((void *)(uintptr_t)(va + (vm_offset_t)(pa & PAGE_MASK)));
}

void
pmap_unmap_temp(void *p)
{
	vm_offset_t va = trunc_page((vm_offset_t)(uintptr_t)p);

	KASSERT(tmap_depth > 0 && va == TMAP_BASE + (vm_offset_t)(tmap_depth - 1) * PAGE_SIZE,
	    ("pmap_unmap_temp: %p is not the newest temporary mapping", p));
	*kpte(va) = 0;
	invlpg(va);
	tmap_depth--;
}

/*
 * cpu_switch: the slots are one LIFO for the machine, so the outgoing
 * thread's mappings go into its pcb and the incoming thread's come back
 * (none, for almost every switch).
 */
void
pmap_tmap_switch(struct pcb *old, struct pcb *new)
{
	int n = MAX(tmap_depth, (int)new->pcb_tmap_depth);

	KASSERT(tmap_depth <= PCB_TMAP_SAVE, ("%s: a thread switched out holding %d temporary "
	    "mappings", __func__, tmap_depth));
	old->pcb_tmap_depth = tmap_depth;
	for (int i = 0; i < tmap_depth; i++)
		old->pcb_tmap[i] = *kpte(TMAP_BASE + (vm_offset_t)i * PAGE_SIZE);
	for (int i = 0; i < n; i++) {
		vm_offset_t va = TMAP_BASE + (vm_offset_t)i * PAGE_SIZE;

		*kpte(va) = i < (int)new->pcb_tmap_depth ? (pt_entry_t)new->pcb_tmap[i] : 0;
		invlpg(va);
	}
	tmap_depth = (int)new->pcb_tmap_depth;
}

/* ---- Page-table pages -------------------------------------------------- */

static void
pmap_zero_pa(vm_paddr_t pa)
{
	void *p = pmap_map_temp(pa);

	memset(p, 0, PAGE_SIZE);
	pmap_unmap_temp(p);
}

#define	PTP_ALLOC	(VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM)

/* A page for a page directory or table: on PAE from below 4 GiB (see the top). */
static vm_page_t
pmap_ptp_page(void)
{
#ifdef PAE
	vm_page_t m = vm_page_alloc_freelist(PMAP_PTP_FREELIST, PTP_ALLOC);

	return (m != NULL ? m : vm_page_alloc_freelist(VM_FREELIST_ISADMA, PTP_ALLOC));
#else
	return (vm_page_alloc(NULL, 0, PTP_ALLOC));
#endif
}

/* A zeroed page for a page directory or table; 0 when there is none. */
static vm_paddr_t
pmap_ptp_alloc(void)
{
	vm_paddr_t pa;
	vm_page_t m;

	if (vm_page_ready() &&
	    (m = pmap_ptp_page()) != NULL)
		pa = VM_PAGE_TO_PHYS(m);
	else if (ptp_pool_free > 0)
		pa = ptp_pool[--ptp_pool_free];
	else
		return (0);
	pmap_zero_pa(pa);
	return (pa);
}

static void
pmap_ptp_free(vm_paddr_t pa)
{
	/*
	 * The boot pool's pages lie in [KERNLOAD, boot_alloc_end), taken from
	 * phys_avail; every other page came from the page allocator - low
	 * memory below KERNLOAD too, once the higher free lists run dry.
	 */
	if (pa < KERNLOAD || pa >= boot_alloc_end) {
		vm_page_free(PHYS_TO_VM_PAGE(pa));
		return;
	}
	KASSERT(ptp_pool_free < PTP_POOL_PAGES, ("pmap_ptp_free: pool overflow"));
	ptp_pool[ptp_pool_free++] = pa;
}

/*
 * The PTE for `va` in `pmap`.  For a user address the page-table page is
 * mapped temporarily and *tmp is set: the caller must pmap_unmap_temp(*tmp).
 * With `alloc`, a missing page-table page is allocated; without it, NULL
 * means no page table covers va.
 */
static pt_entry_t *
pmap_pte(pmap_t pmap, vm_offset_t va, bool alloc, void **tmp)
{
	pd_entry_t *pd, *pde;
	vm_paddr_t ptpa;
	pt_entry_t *pt;

	*tmp = NULL;
	if (va >= KERNBASE)
		return (kpte(va));
	pd = pmap_map_temp(pmap->pm_pd[NPDPTE == 1 ? 0 : va >> 30]);
	pde = &pd[(va >> PDRSHIFT) & (NPDEPG - 1)];
	if ((*pde & PG_V) == 0) {
		if (!alloc || (ptpa = pmap_ptp_alloc()) == 0) {
			pmap_unmap_temp(pd);
			return (NULL);
		}
		*pde = ptpa | PG_U | PG_RW | PG_V;
	}
	ptpa = *pde & PG_FRAME;
	pmap_unmap_temp(pd);
	pt = pmap_map_temp(ptpa);
	*tmp = pt;
	return (&pt[(va >> PAGE_SHIFT) & (NPTEPG - 1)]);
}

static void
pmap_pte_release(void *tmp)
{
	if (tmp != NULL)
		pmap_unmap_temp(tmp);
}

/* An existing PTE for pmap_pv.c, mapped until pmap_pte_unmap(*cookie). */
pt_entry_t *
pmap_pte_map(pmap_t pmap, vm_offset_t va, void **cookie)
{
	return (pmap_pte(pmap, va, false, cookie));
}

void
pmap_pte_unmap(void *cookie)
{
	pmap_pte_release(cookie);
}

void
pmap_invalidate_page(pmap_t pmap, vm_offset_t va)
{
	if (pmap == kernel_pmap || pmap == curpmap || va >= KERNBASE)
		invlpg(va);
}

/* ---- pv entries -------------------------------------------------------- */

#define	PV_CHUNK_PAGES	512		/* KVA window: 512 chunks, 172032 mappings */
CTASSERT(PV_CHUNK_PAGES % 32 == 0);

static vm_offset_t pv_chunk_kva;			/* the window, 0 until pmap_init() */
static uint32_t pv_chunk_used[PV_CHUNK_PAGES / 32];	/* bit set: slot mapped */

/*
 * The pmap's per-page machinery, once pages exist (vm_mem_init): reserve
 * the KVA window pv chunks are mapped in.  Reserved at start-up, not on the
 * first pmap_enter(), so that running out of kernel VA later cannot turn
 * into a pmap_enter() failure that looks like a lack of memory.
 */
void
pmap_init(void)
{
	pv_chunk_kva = kva_alloc(ptoa(PV_CHUNK_PAGES));
	if (pv_chunk_kva == 0)
		panic("pmap_init: no kernel virtual space for %d pv chunk pages", PV_CHUNK_PAGES);
}

/* A free slot in the window, or -1. */
static int
pv_chunk_slot(void)
{
	if (pv_chunk_kva == 0)		/* no pmap_init(): the VM system is off */
		return (-1);
	for (int w = 0; w < PV_CHUNK_PAGES / 32; w++)
		if (pv_chunk_used[w] != ~0u)
			return (w * 32 + __builtin_ctz(~pv_chunk_used[w]));
	return (-1);
}

/* A page for a pv chunk, mapped in the window; NULL if none (pmap_pv.c). */
struct pv_chunk *
pv_chunk_page_alloc(void)
{
	struct pv_chunk *pc;
	vm_page_t m;
	int slot;

	if ((slot = pv_chunk_slot()) < 0 || (m = vm_page_alloc(NULL, 0, PV_ALLOC)) == NULL)
		return (NULL);
	pv_chunk_used[slot / 32] |= 1u << (slot % 32);
	pc = (struct pv_chunk *)(uintptr_t)(pv_chunk_kva + ptoa(slot));
	pmap_kenter((vm_offset_t)(uintptr_t)pc, VM_PAGE_TO_PHYS(m));
	return (pc);
}

void
pv_chunk_page_free(struct pv_chunk *pc)
{
	vm_offset_t va = (vm_offset_t)(uintptr_t)pc;
	int slot = (int)((va - pv_chunk_kva) >> PAGE_SHIFT);
	vm_page_t m = PHYS_TO_VM_PAGE(pmap_kextract(va));

	pmap_kremove(va);
	pv_chunk_used[slot / 32] &= ~(1u << (slot % 32));
	vm_page_free(m);
}

/* ---- Address spaces ---------------------------------------------------- */

#ifdef PAE
/* A free PDPT from the slabs (a new slab if all are full), or NULL. */
static uint64_t *
pdpt_alloc(void)
{
	struct pdpt_slab *sl;

	for (int i = 0; i < PDPT_SLABS; i++) {
		sl = &pdpt_slabs[i];
		if (sl->tables == NULL || sl->nused == PDPT_PER_SLAB)
			continue;
		for (int k = 0; k < PDPT_PER_SLAB; k++)
			if (!sl->used[k]) {
				sl->used[k] = true;
				sl->nused++;
				return (sl->tables[k]);
			}
	}
	for (int i = 1; i < PDPT_SLABS; i++) {
		sl = &pdpt_slabs[i];
		if (sl->tables != NULL)
			continue;
		sl->tables = contigmalloc(PAGE_SIZE, 0, (vm_paddr_t)0xffffffffu, PAGE_SIZE, 0);
		if (sl->tables == NULL)
			return (NULL);
		sl->used[0] = true;
		sl->nused = 1;
		return (sl->tables[0]);
	}
	return (NULL);
}

static void
pdpt_free(uint64_t *pdpt)
{
	for (int i = 0; i < PDPT_SLABS; i++) {
		struct pdpt_slab *sl = &pdpt_slabs[i];
		uintptr_t off = (uintptr_t)pdpt - (uintptr_t)sl->tables;

		if (sl->tables == NULL || off >= PAGE_SIZE)
			continue;
		sl->used[off / sizeof(sl->tables[0])] = false;
		if (--sl->nused == 0 && i > 0) {
			contigfree(sl->tables, PAGE_SIZE);
			sl->tables = NULL;
		}
		return;
	}
	panic("pdpt_free: %p is in no slab", pdpt);
}
#endif

pmap_t
pmap_create(void)
{
	pmap_t pmap = malloc(sizeof(*pmap));
	pd_entry_t *pd;

	if (pmap == NULL)
		return (NULL);
	memset(pmap, 0, sizeof(*pmap));
	TAILQ_INIT(&pmap->pm_pvchunk);
#ifdef PAE
	if ((pmap->pm_pdpt = pdpt_alloc()) == NULL) {
		free(pmap);
		return (NULL);
	}
	for (int i = 0; i < NPDPTE - 1; i++)
		if ((pmap->pm_pd[i] = pmap_ptp_alloc()) == 0) {
			/* Out of memory (a fork bomb): fail, as malloc would. */
			while (i-- > 0)
				pmap_ptp_free(pmap->pm_pd[i]);
			pdpt_free(pmap->pm_pdpt);
			free(pmap);
			return (NULL);
		}
	pmap->pm_pd[NPDPTE - 1] = kernel_pmap->pm_pd[NPDPTE - 1];	/* shared */
	for (int i = 0; i < NPDPTE; i++)
		pmap->pm_pdpt[i] = pmap->pm_pd[i] | PG_V;
	pmap->pm_cr3 = (uint32_t)pmap_kextract((vm_offset_t)pmap->pm_pdpt);
	(void)pd;
#else
	if ((pmap->pm_pd[0] = pmap_ptp_alloc()) == 0) {	/* out of memory: fail, as malloc would */
		free(pmap);
		return (NULL);
	}
	pd = pmap_map_temp(pmap->pm_pd[0]);
	memcpy(&pd[KERNBASE >> PDRSHIFT],
	    (void *)(uintptr_t)(kernel_pmap->pm_pd[0] + KERNBASE + (KERNBASE >> PDRSHIFT) * sizeof(*pd)),
	    NKPT * sizeof(*pd));
	pmap_unmap_temp(pd);
	pmap->pm_cr3 = (uint32_t)pmap->pm_pd[0];
#endif
	return (pmap);
}

void
pmap_destroy(pmap_t pmap)
{
	KASSERT(pmap != kernel_pmap, ("pmap_destroy: the kernel pmap"));
	if (curpmap == pmap)
		pmap_activate(kernel_pmap);
	pmap_remove(pmap, 0, VM_MAXUSER_ADDRESS);
	KASSERT(pmap->pm_resident == 0, ("pmap_destroy: %d pages still mapped", pmap->pm_resident));
	KASSERT(TAILQ_EMPTY(&pmap->pm_pvchunk), ("pmap_destroy: pv chunks left"));
	/* The page-table pages: each page directory mapped once, not once per entry. */
	for (vm_offset_t va = 0; va < VM_MAXUSER_ADDRESS;) {
		int dir = NPDPTE == 1 ? 0 : (int)(va >> 30);
		pd_entry_t *pd = pmap_map_temp(pmap->pm_pd[dir]);

		for (; va < VM_MAXUSER_ADDRESS && (NPDPTE == 1 || (int)(va >> 30) == dir);
		    va += NBPDR) {
			pd_entry_t pde = pd[(va >> PDRSHIFT) & (NPDEPG - 1)];

			if ((pde & PG_V) != 0)
				pmap_ptp_free(pde & PG_FRAME);
		}
		pmap_unmap_temp(pd);
	}
	for (int i = 0; i < (NPDPTE == 1 ? 1 : NPDPTE - 1); i++)
		pmap_ptp_free(pmap->pm_pd[i]);
#ifdef PAE
	pdpt_free(pmap->pm_pdpt);
#endif
	free(pmap);
}

void
pmap_activate(pmap_t pmap)
{
	curpmap = pmap;
	load_cr3(pmap->pm_cr3);
}

/* ---- Translations ------------------------------------------------------ */

/* The PTE pmap_enter() writes for m at va. */
static pt_entry_t
pmap_enter_pte(vm_page_t m, vm_offset_t va, vm_prot_t prot, u_int flags)
{
	pt_entry_t npte = VM_PAGE_TO_PHYS(m) | PG_V;

	if ((prot & VM_PROT_WRITE) != 0)
		npte |= PG_RW;
	if (va < VM_MAXUSER_ADDRESS)
		npte |= PG_U;
	if (pmap_page_managed(m))
		npte |= PG_MANAGED;
	if ((flags & PMAP_ENTER_WIRED) != 0)
		npte |= PG_W;
	return (npte);
}

/*
 * Map m at va, replacing what was there.  A managed page needs a pv entry,
 * taken before anything changes, so ENOMEM (no page-table page, no pv
 * chunk) leaves the old mapping, if any, as it was.
 */
int
pmap_enter_locked(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot, u_int flags)
{
	pt_entry_t old, npte, *pte;
	pv_entry_t pv = NULL;
	bool same;
	void *tmp;

	KASSERT((va & PAGE_MASK) == 0, ("%s: unaligned va %#x", __func__, va));
	KASSERT(pmap == kernel_pmap ? va >= KERNBASE && va < KVA_END : va < VM_MAXUSER_ADDRESS,
	    ("%s: va %#x in the wrong address space", __func__, va));
	KASSERT((flags & ~PMAP_ENTER_WIRED) == 0, ("%s: unknown flags %#x", __func__, flags));
	npte = pmap_enter_pte(m, va, prot, flags);
	pte = pmap_pte(pmap, va, true, &tmp);
	if (pte == NULL)
		return (ENOMEM);
	old = *pte;
	same = (old & PG_V) != 0 && (old & PG_FRAME) == VM_PAGE_TO_PHYS(m);
	if ((npte & PG_MANAGED) != 0 && !(same && (old & PG_MANAGED) != 0) &&
	    (pv = pv_alloc(pmap)) == NULL) {
		pmap_pte_release(tmp);
		return (ENOMEM);
	}
	if (same) {
		/* A protection or wiring change: A/M stay in the PTE. */
		npte |= old & (PG_A | PG_M);
	} else {
		if ((old & PG_V) != 0)
			pmap_remove_pte(pmap, va, pte);
		if (pmap != kernel_pmap)
			pmap->pm_resident++;
	}
	if (pv != NULL) {
		pv->pv_va = va;
		TAILQ_INSERT_TAIL(&m->md.pv_list, pv, pv_next);
	}
	if ((npte & (PG_MANAGED | PG_RW)) == (PG_MANAGED | PG_RW))
		m->flags |= PG_WRITEABLE;
	*pte = npte;
	pmap_invalidate_page(pmap, va);
	pmap_pte_release(tmp);
	return (0);
}

void
pmap_remove_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	pt_entry_t *pte;
	void *tmp;

	vm_offset_t lim;

	/* One page-table page at a time, as pmap_protect (which says why). */
	for (vm_offset_t va = trunc_page(sva); va < eva && va >= trunc_page(sva);) {
		lim = rounddown2(va, NBPDR) + NBPDR;
		if (lim == 0 || lim > eva)
			lim = eva;
		pte = pmap_pte(pmap, va, false, &tmp);
		if (pte == NULL) {		/* no page table: skip the whole PDE */
			va = lim;
			continue;
		}
		for (; va < lim; va += PAGE_SIZE, pte++)
			if ((*pte & PG_V) != 0)
				pmap_remove_pte(pmap, va, pte);
		pmap_pte_release(tmp);
	}
}

/*
 * Take write away from [sva, eva).  One page-table page at a time: without
 * a direct map each pmap_pte() costs two temporary mappings (four invlpgs,
 * each a soft-TLB flush under TCG), and a fork write-protects every page
 * of the parent - done per page it made i386's fork of a 16 MiB process
 * ten times amd64's (tools/bench-user.py).
 */
void
pmap_protect_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	pt_entry_t *pte;
	vm_offset_t lim;
	void *tmp;

	if ((prot & VM_PROT_READ) == 0) {
		pmap_remove_locked(pmap, sva, eva);
		return;
	}
	if ((prot & VM_PROT_WRITE) != 0)
		return;		/* pmap_protect only takes rights away */
	for (vm_offset_t va = trunc_page(sva); va < eva && va >= trunc_page(sva);) {
		lim = rounddown2(va, NBPDR) + NBPDR;	/* the end of this page-table page */
		if (lim == 0 || lim > eva)
			lim = eva;
		pte = pmap_pte(pmap, va, false, &tmp);
		if (pte == NULL) {
			va = lim;
			continue;
		}
		for (; va < lim; va += PAGE_SIZE, pte++)
			if ((*pte & (PG_V | PG_RW)) == (PG_V | PG_RW))
				pmap_pte_write_protect(pmap, va, pte);
		pmap_pte_release(tmp);
	}
}

vm_paddr_t
pmap_extract(pmap_t pmap, vm_offset_t va)
{
	pt_entry_t *pte;
	vm_paddr_t pa = 0;
	void *tmp;

	pte = pmap_pte(pmap, trunc_page(va), false, &tmp);
	if (pte != NULL && (*pte & PG_V) != 0)
		pa = (*pte & PG_FRAME) | (va & PAGE_MASK);
	pmap_pte_release(tmp);
	return (pa);
}

void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	KASSERT(va >= KERNBASE && va < KVA_END, ("pmap_kenter: va %#x outside KVA", va));
	*kpte(va) = trunc_page(pa) | PG_RW | PG_V;
	invlpg(va);
}

void
pmap_kremove(vm_offset_t va)
{
	KASSERT(va >= KERNBASE && va < KVA_END, ("pmap_kremove: va %#x outside KVA", va));
	*kpte(va) = 0;
	invlpg(va);
}

/*
 * Map the physical range [start, end) for the kernel, read-write, and
 * return its virtual address.  i386 has no direct map: the range goes at
 * *virt, page by page, and *virt moves past it.  (amd64 will return the
 * range's direct-map address and leave *virt alone.)
 */
vm_offset_t
pmap_map(vm_offset_t *virt, vm_paddr_t start, vm_paddr_t end, int prot __unused)
{
	vm_offset_t va = *virt, sva = *virt;

	KASSERT((start & PAGE_MASK) == 0 && start <= end,
	    ("pmap_map: bad range [%#jx, %#jx)", (uintmax_t)start, (uintmax_t)end));
	for (vm_paddr_t pa = start; pa < end; pa += PAGE_SIZE, va += PAGE_SIZE)
		pmap_kenter(va, pa);
	*virt = va;
	return (sva);
}

/* Map `count` pages, in order, at kernel va (unmanaged, read-write). */
void
pmap_qenter(vm_offset_t va, vm_page_t *ma, int count)
{
	for (int i = 0; i < count; i++)
		pmap_kenter(va + ptoa(i), VM_PAGE_TO_PHYS(ma[i]));
}

/* Undo pmap_qenter: unmap `count` pages from kernel va. */
void
pmap_qremove(vm_offset_t va, int count)
{
	for (int i = 0; i < count; i++)
		pmap_kremove(va + ptoa(i));
}

vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	pt_entry_t pte = *kpte(va);

	return ((pte & PG_V) != 0 ? (pte & PG_FRAME) | (va & PAGE_MASK) : 0);
}

/* ---- Physical pages ---------------------------------------------------- */

void
pmap_zero_page(vm_page_t m)
{
	pmap_zero_pa(VM_PAGE_TO_PHYS(m));
}

void
pmap_copy_page(vm_page_t src, vm_page_t dst)
{
	void *s = pmap_map_temp(VM_PAGE_TO_PHYS(src)), *d = pmap_map_temp(VM_PAGE_TO_PHYS(dst));

	memcpy(d, s, PAGE_SIZE);
	pmap_unmap_temp(d);
	pmap_unmap_temp(s);
}

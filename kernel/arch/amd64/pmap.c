/*
 * pmap.c - the amd64 physical map: four levels, and a direct map.
 *
 * The direct map.  All RAM (up to the highest address in dump_avail) is
 * mapped at DMAP_MIN_ADDRESS + pa, read-write, no-execute, with 1 GiB pages
 * when the CPU has them (CPUID pdpe1gb) and 2 MiB pages otherwise, as
 * FreeBSD's PHYS_TO_DMAP().  It is what makes the DIRECT pool real: pages
 * the kernel takes without an object (page-table pages, pv chunks,
 * malloc's slabs, contigmalloc) need no mapping of their own, and the
 * buddy allocator's stealing keeps them in a few large blocks, so the
 * direct map's large TLB entries cover them.  pmap_map() returns
 * direct-map addresses, pmap_zero_page()/pmap_copy_page() write through it,
 * and "temporary mappings" are direct-map addresses (the LIFO discipline
 * of pmap_map_temp is still checked, so code stays correct on i386).
 *
 * Kernel address space.  The kernel image and its boot allocations are
 * mapped with 4 KiB pages at KERNBASE + pa (the low map: text executable,
 * everything else PG_NX), and kernel virtual memory follows, up to
 * KVA_END = KERNBASE + 1 GiB.  The page-table pages for that gigabyte are
 * allocated at boot, physically contiguous, so the kernel's PTEs form one
 * flat array, as on i386:
 *
 *      KPTmap[(va - KERNBASE) >> PAGE_SHIFT]  is the PTE for kernel va
 *
 * The kernel's PML4 entries (511: KERNBASE; 496: the direct map) never
 * change after boot, so every user PML4 is given copies of them.
 *
 * User address spaces: PML4 -> PDPT -> PD -> PT, every table page from the
 * DIRECT pool (vm_page_alloc with VM_ALLOC_NOOBJ) and reached through the
 * direct map; before the page allocator runs, from a small boot pool.
 * Missing tables are allocated on the way down; ENOMEM leaves the levels
 * already allocated in place (empty tables, freed by pmap_destroy).
 *
 * Managed mappings, pv entries and the A/M bits are arch/x86/pmap_pv.c,
 * shared with i386; pv chunk pages and PTEs are reached through the
 * direct map.
 *
 * Locking: the page queues lock covers pv lists and user PTEs, as on
 * i386 (pmap_pv.c's pmap_enter, pmap_remove and pmap_protect take it).
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
#include <machine/pcb.h>
#include <machine/pmap_pv.h>

#define	PTP_POOL_PAGES	128
#define	KMEM_ARENA_SIZE	(2u << 20)
#define	NKPT		((KVA_END - KERNBASE) / NBPDR)	/* kernel page-table pages: 512 */
#define	TMAP_SLOTS	16
#define	BOOT_MAP_END	NBPDP		/* locore.S maps physical 0..1 GiB */

static struct pmap kernel_pmap_store;
pmap_t kernel_pmap = &kernel_pmap_store;
static pmap_t curpmap = &kernel_pmap_store;

static pt_entry_t *KPTmap;			/* the flat kernel PTE array */
static vm_paddr_t ptp_pool[PTP_POOL_PAGES];	/* free page-table pages */
static vm_paddr_t ptp_pool_lo, ptp_pool_hi;	/* where the pool's pages are */
static int ptp_pool_free;
static vm_offset_t tmap_stack[TMAP_SLOTS];
static int tmap_depth;
static pt_entry_t pg_nx;			/* PG_NX if the CPU has NX, else 0 */
static vm_paddr_t dmap_end;			/* the direct map covers [0, dmap_end) */
static bool pmap_initialized;

vm_paddr_t boot_alloc_end;

/* ---- Boot-time helpers ------------------------------------------------- */

static inline void *
pmap_dmap(vm_paddr_t pa)
{
	return ((void *)PHYS_TO_DMAP(pa));
}

/* Take zeroed pages right after the kernel; only valid inside the boot map. */
static vm_paddr_t
boot_alloc(u_long npages)
{
	vm_paddr_t pa = boot_alloc_end;

	boot_alloc_end += ptoa(npages);
	if (boot_alloc_end > BOOT_MAP_END)
		panic("pmap_bootstrap: boot allocations pass the 1 GiB boot map");
	memset((void *)(KERNBASE + pa), 0, ptoa(npages));
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
pmap_check_ram(vm_paddr_t first_free, u_long tables)
{
	vm_paddr_t need = first_free + ptoa(tables + atop(KMEM_ARENA_SIZE) + PTP_POOL_PAGES);

	if (need <= BOOT_MAP_END && physmem_contains(dump_avail, KERNLOAD, need - 1))
		return;
	printf("vmkit: not enough RAM: the kernel and its boot tables need RAM from 1 MiB "
	    "to %ju KiB (%ju MiB of -m at least); boot with more (make qemu MEM=...)\n",
	    (uintmax_t)need >> 10, (uintmax_t)(need + (1 << 20) - 1) >> 20);
	machine_exit(EXIT_FAIL);
}

/* The end of the highest RAM range, rounded up to a 1 GiB direct-map page. */
static vm_paddr_t
pmap_dmap_size(void)
{
	vm_paddr_t end = 0;

	for (int i = 0; dump_avail[2 * i + 1] != 0; i++)
		end = MAX(end, dump_avail[2 * i + 1]);
	return (roundup2(end, NBPDP));
}

/*
 * Fill the direct map's PDPT (one PML4 slot): 1 GiB pages, or a page
 * directory of 2 MiB pages per gigabyte at `pd`.
 */
static void
pmap_dmap_build(pdp_entry_t *pdpt, vm_paddr_t pd, u_long ngb, bool use1g)
{
	for (u_long i = 0; i < ngb; i++) {
		if (use1g) {
			pdpt[i] = (i << PDPSHIFT) | PG_PS | PG_RW | PG_V | pg_nx;
			continue;
		}
		pd_entry_t *pde = (pd_entry_t *)(KERNBASE + pd + ptoa(i));

		pdpt[i] = (pd + ptoa(i)) | PG_RW | PG_V;
		for (u_long j = 0; j < NPDEPG; j++)
			pde[j] = ((i << PDPSHIFT) + (j << PDRSHIFT)) | PG_PS | PG_RW | PG_V | pg_nx;
	}
}

/*
 * Build the kernel's page tables (PML4, the KERNBASE gigabyte's PDPT, PD
 * and flat PTE array; the direct map), load them, and tell machine-
 * independent start-up (in *bi) which kernel virtual addresses are free
 * and where the boot malloc arena is.
 */
void
pmap_bootstrap(vm_paddr_t first_free, struct mi_bootinfo *bi)
{
	vm_paddr_t pml4, kpdpt, kpd, kpt, dmpdpt, dmpd = 0, pa;
	vm_paddr_t text_lo = (vm_offset_t)kernel_start - KERNBASE;
	vm_paddr_t text_hi = round_page((vm_offset_t)etext - KERNBASE);
	bool use1g = (amd_feature & AMDID_PAGE1GB) != 0;
	u_long ngb;

	pg_nx = (amd_feature & AMDID_NX) != 0 ? PG_NX : 0;
	dmap_end = pmap_dmap_size();
	ngb = atop(dmap_end) >> (PDPSHIFT - PAGE_SHIFT);
	pmap_check_ram(first_free, 4 + NKPT + (use1g ? 0 : ngb));
	boot_alloc_end = first_free;
	pml4 = boot_alloc(1);
	kpdpt = boot_alloc(1);
	kpd = boot_alloc(1);
	kpt = boot_alloc(NKPT);
	dmpdpt = boot_alloc(1);
	if (!use1g)
		dmpd = boot_alloc(ngb);
	bi->arena = (void *)(KERNBASE + boot_alloc(KMEM_ARENA_SIZE / PAGE_SIZE));
	bi->arena_size = KMEM_ARENA_SIZE;
	ptp_pool_lo = boot_alloc_end;
	for (int i = 0; i < PTP_POOL_PAGES; i++)
		ptp_pool[ptp_pool_free++] = boot_alloc(1);
	ptp_pool_hi = boot_alloc_end;
	KPTmap = (pt_entry_t *)(KERNBASE + kpt);

	/* The low map: physical 0..boot_alloc_end at KERNBASE; only text runs. */
	for (pa = 0; pa < boot_alloc_end; pa += PAGE_SIZE)
		*kpte(KERNBASE + pa) = pa | PG_RW | PG_V |
		    (pa >= text_lo && pa < text_hi ? 0 : pg_nx);
	for (u_long i = 0; i < NKPT; i++)
		((pd_entry_t *)(KERNBASE + kpd))[i] = (kpt + ptoa(i)) | PG_RW | PG_V;
	((pdp_entry_t *)(KERNBASE + kpdpt))[KPDPI] = kpd | PG_RW | PG_V;
	((pml4_entry_t *)(KERNBASE + pml4))[KPML4I] = kpdpt | PG_RW | PG_V;

	pmap_dmap_build((pdp_entry_t *)(KERNBASE + dmpdpt), dmpd, ngb, use1g);
	((pml4_entry_t *)(KERNBASE + pml4))[DMAP_PML4I] = dmpdpt | PG_RW | PG_V;

	kernel_pmap->pm_pml4 = pml4;
	kernel_pmap->pm_cr3 = pml4;
	TAILQ_INIT(&kernel_pmap->pm_pvchunk);
	load_cr3(kernel_pmap->pm_cr3);

	physmem_exclude(phys_avail, PHYS_AVAIL_ENTRIES, KERNLOAD, boot_alloc_end);
	bi->kva_start = KERNBASE + round_page(boot_alloc_end);
	bi->kva_end = KVA_END;
	printf("pmap: direct map of %ju MiB at %#lx with %s pages%s\n", (uintmax_t)dmap_end >> 20,
	    DMAP_MIN_ADDRESS, use1g ? "1 GiB" : "2 MiB", pg_nx != 0 ? ", NX" : "");
}

/* The flat kernel PTE array and its length in entries, for the minidump. */
void *
pmap_kptmap(u_long *nptes)
{
	*nptes = (u_long)NKPT * NPTEPG;
	return (KPTmap);
}

/* The direct map covers [0, pmap_dmap_end()). */
vm_paddr_t
pmap_dmap_end(void)
{
	return (dmap_end);
}

/* ---- Temporary mappings: direct-map addresses, LIFO-checked ------------ */

void *
pmap_map_temp(vm_paddr_t pa)
{
	KASSERT(tmap_depth < TMAP_SLOTS, ("pmap_map_temp: all %d slots in use", TMAP_SLOTS));
	KASSERT(pa < dmap_end, ("pmap_map_temp: %#jx is beyond the direct map", (uintmax_t)pa));
	tmap_stack[tmap_depth++] = PHYS_TO_DMAP(trunc_page(pa));
	return (pmap_dmap(pa));
}

void
pmap_unmap_temp(void *p)
{
	vm_offset_t va = trunc_page((vm_offset_t)p);

	KASSERT(tmap_depth > 0 && va == tmap_stack[tmap_depth - 1],
	    ("pmap_unmap_temp: %p is not the newest temporary mapping", p));
	tmap_depth--;
}

/*
 * cpu_switch: the LIFO of temporary mappings is the machine's, so the
 * outgoing thread's entries go into its pcb and the incoming thread's come
 * back (none, for almost every switch); direct-map addresses need no PTE.
 */
void
pmap_tmap_switch(struct pcb *old, struct pcb *new)
{
	KASSERT(tmap_depth <= PCB_TMAP_SAVE, ("%s: a thread switched out holding %d temporary "
	    "mappings", __func__, tmap_depth));
	old->pcb_tmap_depth = tmap_depth;
	for (int i = 0; i < tmap_depth; i++)
		old->pcb_tmap[i] = tmap_stack[i];
	for (int i = 0; i < (int)new->pcb_tmap_depth; i++)
		tmap_stack[i] = new->pcb_tmap[i];
	tmap_depth = (int)new->pcb_tmap_depth;
}

/* ---- Page-table pages -------------------------------------------------- */

#define	PTP_ALLOC	(VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM)

/* A zeroed page for a paging structure; 0 when there is none. */
static vm_paddr_t
pmap_ptp_alloc(void)
{
	vm_paddr_t pa;
	vm_page_t m;

	if (vm_page_ready() && (m = vm_page_alloc(NULL, 0, PTP_ALLOC)) != NULL)
		pa = VM_PAGE_TO_PHYS(m);
	else if (ptp_pool_free > 0)
		pa = ptp_pool[--ptp_pool_free];
	else
		return (0);
	memset(pmap_dmap(pa), 0, PAGE_SIZE);
	return (pa);
}

static void
pmap_ptp_free(vm_paddr_t pa)
{
	if (pa < ptp_pool_lo || pa >= ptp_pool_hi) {	/* from the page allocator */
		vm_page_free(PHYS_TO_VM_PAGE(pa));
		return;
	}
	KASSERT(ptp_pool_free < PTP_POOL_PAGES, ("pmap_ptp_free: pool overflow"));
	ptp_pool[ptp_pool_free++] = pa;
}

static const int pmap_level_shift[] = { PML4SHIFT, PDPSHIFT, PDRSHIFT };

/*
 * The PTE for `va` in `pmap`, or NULL.  A kernel address has its PTE in
 * KPTmap (NULL outside [KERNBASE, KVA_END): the direct map has no PTEs).
 * A user address is walked down from the PML4; with `alloc`, missing
 * tables are allocated.  When NULL is returned, *next (if given) is the
 * first address after va that may have a PTE: the end of the hole.
 */
static pt_entry_t *
pmap_pte(pmap_t pmap, vm_offset_t va, bool alloc, vm_offset_t *next)
{
	pt_entry_t *tab, *e;
	vm_paddr_t pa;

	if (va >= VM_MAXUSER_ADDRESS) {
		if (va >= KERNBASE && va < KVA_END)
			return (kpte(va));
		if (next != NULL)
			*next = va < KERNBASE ? KERNBASE : ~(vm_offset_t)PAGE_MASK;
		return (NULL);
	}
	tab = pmap_dmap(pmap->pm_pml4);
	for (int l = 0; l < 3; l++) {
		e = &tab[(va >> pmap_level_shift[l]) & (NPTEPG - 1)];
		if ((*e & PG_V) == 0) {
			if (!alloc || (pa = pmap_ptp_alloc()) == 0) {
				if (next != NULL)
					*next = rounddown2(va, 1ul << pmap_level_shift[l]) +
					    (1ul << pmap_level_shift[l]);
				return (NULL);
			}
			*e = pa | PG_U | PG_RW | PG_V;
		}
		tab = pmap_dmap(*e & PG_FRAME);
	}
	return (&tab[pmap_pte_index(va)]);
}

/* An existing PTE for pmap_pv.c: through the direct map, nothing to undo. */
pt_entry_t *
pmap_pte_map(pmap_t pmap, vm_offset_t va, void **cookie)
{
	*cookie = NULL;
	return (pmap_pte(pmap, va, false, NULL));
}

void
pmap_pte_unmap(void *cookie __unused)
{
}

void
pmap_invalidate_page(pmap_t pmap, vm_offset_t va)
{
	if (pmap == kernel_pmap || pmap == curpmap || va >= VM_MAXUSER_ADDRESS)
		invlpg(va);
}

/* ---- pv entries -------------------------------------------------------- */


/* The pmap's per-page machinery, once pages exist (vm_mem_init). */
void
pmap_init(void)
{
	pmap_initialized = true;
}

/* A page for a pv chunk, through the direct map; NULL if none (pmap_pv.c). */
struct pv_chunk *
pv_chunk_page_alloc(void)
{
	vm_page_t m;

	if (!pmap_initialized || (m = vm_page_alloc(NULL, 0, PV_ALLOC)) == NULL)
		return (NULL);
	return (pmap_dmap(VM_PAGE_TO_PHYS(m)));
}

void
pv_chunk_page_free(struct pv_chunk *pc)
{
	vm_page_free(PHYS_TO_VM_PAGE(DMAP_TO_PHYS((vm_offset_t)pc)));
}

/* ---- Address spaces ---------------------------------------------------- */

pmap_t
pmap_create(void)
{
	pmap_t pmap = malloc(sizeof(*pmap));
	pml4_entry_t *pml4, *kpml4;

	if (pmap == NULL)
		return (NULL);
	memset(pmap, 0, sizeof(*pmap));
	TAILQ_INIT(&pmap->pm_pvchunk);
	if ((pmap->pm_pml4 = pmap_ptp_alloc()) == 0) {
		free(pmap);
		return (NULL);
	}
	/* The upper half (kernel, direct map) is the kernel's own. */
	pml4 = pmap_dmap(pmap->pm_pml4);
	kpml4 = pmap_dmap(kernel_pmap->pm_pml4);
	for (int i = NPTEPG / 2; i < NPTEPG; i++)
		pml4[i] = kpml4[i];
	pmap->pm_cr3 = pmap->pm_pml4;
	return (pmap);
}

/* Free a user paging structure at `level` (0: PDPT, 1: PD, 2: PT) and below. */
static void
pmap_free_level(vm_paddr_t pa, int level)
{
	pt_entry_t *tab = pmap_dmap(pa);

	for (int i = 0; level < 2 && i < NPTEPG; i++)
		if ((tab[i] & PG_V) != 0)
			pmap_free_level(tab[i] & PG_FRAME, level + 1);
	pmap_ptp_free(pa);
}

void
pmap_destroy(pmap_t pmap)
{
	pml4_entry_t *pml4;

	KASSERT(pmap != kernel_pmap, ("pmap_destroy: the kernel pmap"));
	if (curpmap == pmap)
		pmap_activate(kernel_pmap);
	pmap_remove(pmap, 0, VM_MAXUSER_ADDRESS);
	KASSERT(pmap->pm_resident == 0, ("pmap_destroy: %d pages still mapped", pmap->pm_resident));
	KASSERT(TAILQ_EMPTY(&pmap->pm_pvchunk), ("pmap_destroy: pv chunks left"));
	pml4 = pmap_dmap(pmap->pm_pml4);
	for (int i = 0; i < NPTEPG / 2; i++)
		if ((pml4[i] & PG_V) != 0)
			pmap_free_level(pml4[i] & PG_FRAME, 0);
	pmap_ptp_free(pmap->pm_pml4);
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

	if ((prot & VM_PROT_EXECUTE) == 0)
		npte |= pg_nx;		/* user text runs: only what may execute lacks NX */
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

	KASSERT((va & PAGE_MASK) == 0, ("%s: unaligned va %#lx", __func__, va));
	KASSERT(pmap == kernel_pmap ? va >= KERNBASE && va < KVA_END : va < VM_MAXUSER_ADDRESS,
	    ("%s: va %#lx in the wrong address space", __func__, va));
	KASSERT((flags & ~PMAP_ENTER_WIRED) == 0, ("%s: unknown flags %#x", __func__, flags));
	npte = pmap_enter_pte(m, va, prot, flags);
	pte = pmap_pte(pmap, va, true, NULL);
	if (pte == NULL)
		return (ENOMEM);
	old = *pte;
	same = (old & PG_V) != 0 && (old & PG_FRAME) == VM_PAGE_TO_PHYS(m);
	if ((npte & PG_MANAGED) != 0 && !(same && (old & PG_MANAGED) != 0) &&
	    (pv = pv_alloc(pmap)) == NULL)
		return (ENOMEM);
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
	return (0);
}

void
pmap_remove_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva)
{
	vm_offset_t next;
	pt_entry_t *pte;

	for (vm_offset_t va = trunc_page(sva); va < eva && va >= trunc_page(sva);) {
		pte = pmap_pte(pmap, va, false, &next);
		if (pte == NULL) {		/* no table: skip what it would map */
			va = next;
			continue;
		}
		if ((*pte & PG_V) != 0)
			pmap_remove_pte(pmap, va, pte);
		va += PAGE_SIZE;
	}
}

void
pmap_protect_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	vm_offset_t next;
	pt_entry_t *pte;

	if ((prot & VM_PROT_READ) == 0) {
		pmap_remove_locked(pmap, sva, eva);
		return;
	}
	if ((prot & VM_PROT_WRITE) != 0)
		return;		/* pmap_protect only takes rights away */
	for (vm_offset_t va = trunc_page(sva); va < eva && va >= trunc_page(sva);) {
		pte = pmap_pte(pmap, va, false, &next);
		if (pte == NULL) {
			va = next;
			continue;
		}
		if ((*pte & (PG_V | PG_RW)) == (PG_V | PG_RW))
			pmap_pte_write_protect(pmap, va, pte);
		va += PAGE_SIZE;
	}
}

vm_paddr_t
pmap_extract(pmap_t pmap, vm_offset_t va)
{
	pt_entry_t *pte;

	if (pmap == kernel_pmap && VA_IS_DMAP(va))
		return (DMAP_TO_PHYS(va));
	pte = pmap_pte(pmap, trunc_page(va), false, NULL);
	if (pte != NULL && (*pte & PG_V) != 0)
		return ((*pte & PG_FRAME) | (va & PAGE_MASK));
	return (0);
}

void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	KASSERT(va >= KERNBASE && va < KVA_END, ("pmap_kenter: va %#lx outside KVA", va));
	*kpte(va) = trunc_page(pa) | PG_RW | PG_V | pg_nx;
	invlpg(va);
}

void
pmap_kremove(vm_offset_t va)
{
	KASSERT(va >= KERNBASE && va < KVA_END, ("pmap_kremove: va %#lx outside KVA", va));
	*kpte(va) = 0;
	invlpg(va);
}

/*
 * Map the physical range [start, end) for the kernel: amd64 has it in the
 * direct map already, so this returns its direct-map address and leaves
 * *virt alone (the caller gives back the KVA it reserved).
 */
vm_offset_t
pmap_map(vm_offset_t *virt __unused, vm_paddr_t start, vm_paddr_t end, int prot __unused)
{
	KASSERT((start & PAGE_MASK) == 0 && start <= end && end <= dmap_end,
	    ("pmap_map: bad range [%#jx, %#jx)", (uintmax_t)start, (uintmax_t)end));
	return (PHYS_TO_DMAP(start));
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
	pt_entry_t pte;

	if (VA_IS_DMAP(va))
		return (DMAP_TO_PHYS(va));
	if (va < KERNBASE || va >= KVA_END)
		return (0);
	pte = *kpte(va);
	return ((pte & PG_V) != 0 ? (pte & PG_FRAME) | (va & PAGE_MASK) : 0);
}

/* ---- Physical pages: through the direct map ---------------------------- */

void
pmap_zero_page(vm_page_t m)
{
	memset(pmap_dmap(VM_PAGE_TO_PHYS(m)), 0, PAGE_SIZE);
}

void
pmap_copy_page(vm_page_t src, vm_page_t dst)
{
	memcpy(pmap_dmap(VM_PAGE_TO_PHYS(dst)), pmap_dmap(VM_PAGE_TO_PHYS(src)), PAGE_SIZE);
}

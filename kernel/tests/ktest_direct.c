/*
 * ktest_direct.c - what the DIRECT pool buys: a benchmark workload, run by
 * tools/bench-direct.py (make bench), never graded.
 *
 * The seeds' claim: kernel pages reached through a direct map (malloc's
 * pages, page-table pages, pv chunks: everything allocated VM_ALLOC_NOOBJ)
 * kept in a few large physical blocks by the DIRECT pool need few 2 MiB
 * direct-map TLB entries; mixed with user pages they spread over many.
 * The workload interleaves malloc/free churn, page-table growth in a few
 * address spaces and user-style page allocations (held and freed at random),
 * then counts the kernel's pages (allocated, PG_UNMANAGED) and the distinct
 * 2 MiB and 1 GiB regions they occupy: the 4 KiB translations the kernel's
 * pages would need without large pages, against the 2 MiB direct-map entries
 * that cover them.  Boot with vm.direct_pool=0 to send NOOBJ pages to the
 * DEFAULT pool instead (vm_page.c) and compare.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>

#define	DC_ROUNDS	6000
#define	DC_MALLOCS	512
#define	DC_USER		4096
#define	DC_PMAPS	4
#define	DC_REGION_SHIFT	21		/* 2 MiB */

static void *dc_mem[DC_MALLOCS];
static vm_page_t dc_user[DC_USER];

/* Kernel pages now, and the distinct 2 MiB and 1 GiB regions they lie in. */
static void
direct_count(long *pages, long *regions, long *gigs)
{
	vm_paddr_t last = ~(vm_paddr_t)0, lastg = ~(vm_paddr_t)0;

	*pages = *regions = *gigs = 0;
	for (int s = 0; s < vm_phys_nsegs; s++) {	/* segments and pages in address order */
		struct vm_phys_seg *seg = &vm_phys_segs[s];
		vm_page_t m = seg->first_page;

		for (vm_paddr_t pa = seg->start; pa < seg->end; pa += PAGE_SIZE, m++) {
			if ((m->flags & (PG_FREE | PG_UNMANAGED)) != PG_UNMANAGED)
				continue;
			(*pages)++;
			if (pa >> DC_REGION_SHIFT != last)
				(*regions)++;
			if (pa >> 30 != lastg)
				(*gigs)++;
			last = pa >> DC_REGION_SHIFT;
			lastg = pa >> 30;
		}
	}
}

KTEST(direct_cluster, KTEST_VM | KTEST_EXPLICIT)
{
	pmap_t pm[DC_PMAPS];
	vm_page_t target = vm_page_alloc(NULL, 0, VM_ALLOC_NORMAL | VM_ALLOC_NOBUSY);
	long pages, regions, gigs, nuser = 0, maps = 0;
	uint64_t on = 1;

	(void)tunable_u64("vm.direct_pool", &on);
	KT_CHECK(t, target != NULL, "no page to map");
	for (int i = 0; i < DC_PMAPS; i++) {
		pm[i] = pmap_create();
		KT_CHECK(t, pm[i] != NULL, "pmap_create failed");
	}
	for (int round = 0; round < DC_ROUNDS && !t->failed; round++) {
		uint32_t r = rng_below(&t->rng, 10), k;

		if (r < 4) {				/* malloc churn */
			k = rng_below(&t->rng, DC_MALLOCS);
			free(dc_mem[k]);
			dc_mem[k] = malloc(64 + rng_below(&t->rng, 8192));
		} else if (r < 5) {			/* page-table growth: a new 2 MiB each time */
			uint32_t nreg = (uint32_t)MIN(VM_MAXUSER_ADDRESS >> 21, (vm_offset_t)1 << 15);
			vm_offset_t va = ((vm_offset_t)rng_below(&t->rng, nreg) << 21) +
			    (vm_offset_t)ptoa(rng_below(&t->rng, 512));

			if (pmap_enter(pm[rng_below(&t->rng, DC_PMAPS)], va, target, VM_PROT_RW, 0) == 0)
				maps++;
		} else {				/* user pages, held and dropped */
			k = rng_below(&t->rng, DC_USER);
			if (dc_user[k] != NULL) {
				vm_page_free(dc_user[k]);
				dc_user[k] = NULL;
				nuser--;
			}
			if (r < 9 && (dc_user[k] = vm_page_alloc(NULL, 0, VM_ALLOC_NORMAL |
			    VM_ALLOC_NOBUSY)) != NULL)
				nuser++;
		}
	}
	direct_count(&pages, &regions, &gigs);
	ktest_detail(t, "direct_pool=%ju kernel_pages=%ld regions_2m=%ld regions_1g=%ld "
	    "user_pages=%ld mappings=%ld", (uintmax_t)on, pages, regions, gigs, nuser, maps);
	for (int i = 0; i < DC_PMAPS; i++)
		if (pm[i] != NULL)
			pmap_destroy(pm[i]);
	for (int k = 0; k < DC_MALLOCS; k++) {
		free(dc_mem[k]);
		dc_mem[k] = NULL;
	}
	for (int k = 0; k < DC_USER; k++)
		if (dc_user[k] != NULL) {
			vm_page_free(dc_user[k]);
			dc_user[k] = NULL;
		}
	if (target != NULL)
		vm_page_free(target);
}

/*
 * sim_phys.c - the simulated machine behind sim_phys.h.  Compiled like
 * kernel code (kernel headers, hostnames.h) because it is the one place
 * outside the kernel that touches struct vm_page; it boots vm_phys.c the
 * way vm_page_startup() does and translates physical addresses to pages
 * for the callers, which only see sim_pa_t.
 *
 * Dense or sparse page array follows VM_PHYSSEG_DENSE / _SPARSE, exactly
 * as vm_phys.c is compiled, so the benchmarks can build it both ways.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vmmeter.h>

#include "sim_phys.h"

/*
 * The page array comes from the host's C library, not the kernel's
 * malloc (hostnames.h renamed that to vmk_*): undo the renaming here.
 */
#undef calloc
#undef free
void	*calloc(size_t, size_t);
void	free(void *);

/* What vm_page.c defines in the kernel; the hosted build has no vm_page.c. */
vm_page_t vm_page_array;
long vm_page_array_size;
long first_page;

CTASSERT(SIM_NORDER == VM_NFREEORDER && SIM_NPOOL == VM_NFREEPOOL);
CTASSERT(SIM_NFREELIST == VM_NFREELIST && SIM_MAXSEG == VM_PHYSSEG_MAX);

/* Size and allocate the page array for the ranges, as vm_page_array_carve(). */
static void
sim_make_array(const struct sim_range *r, int n)
{
	long pages = 0;

	for (int i = 0; i < n; i++)
		pages += (long)atop(r[i].end - r[i].start);
#ifdef VM_PHYSSEG_DENSE
	pages = (long)(atop(r[n - 1].end) - atop(r[0].start));
#endif
	free(vm_page_array);
	vm_page_array = calloc((size_t)pages, sizeof(struct vm_page));
	KASSERT(vm_page_array != NULL, ("sim: no host memory for %ld pages", pages));
	vm_page_array_size = pages;
	first_page = (long)atop(r[0].start);
}

/* vm_page_startup() steps 4 and 5: segments, then a vm_page per page. */
static int
sim_boot(const struct sim_range *r, int n)
{
	KASSERT(n > 0, ("sim_setup: no ranges"));
	sim_make_array(r, n);
	cnt = (struct vmmeter){ 0 };
	vm_phys_init();
	for (int i = 0; i < n; i++)
		vm_phys_add_seg(r[i].start, r[i].end, NULL);
#ifdef VM_PHYSSEG_DENSE
	for (long i = 0; i < vm_page_array_size; i++)
		vm_page_init_page(&vm_page_array[i], ptoa(first_page + i), VM_PHYSSEG_NONE);
#endif
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];
		long npg = (long)atop(seg->end - seg->start);

		for (long i = 0; i < npg; i++)
			vm_page_init_page(&seg->first_page[i], seg->start + ptoa(i), s);
		cnt.v_page_count += (u_int)npg;
	}
	return (vm_phys_nsegs);
}

int
sim_setup_empty(const struct sim_range *r, int n)
{
	return (sim_boot(r, n));
}

int
sim_setup(const struct sim_range *r, int n)
{
	sim_boot(r, n);
	for (int s = 0; s < vm_phys_nsegs; s++)
		vm_phys_add_free_range(vm_phys_segs[s].start, vm_phys_segs[s].end);
	return (vm_phys_nsegs);
}

int
sim_nsegs(void)
{
	return (vm_phys_nsegs);
}

void
sim_seg(int i, sim_pa_t *start, sim_pa_t *end, int *freelist)
{
	*start = vm_phys_segs[i].start;
	*end = vm_phys_segs[i].end;
	*freelist = vm_phys_segs[i].freelist;
}

/* The page at pa; a test asking about a page that does not exist is a bug. */
static vm_page_t
sim_page(sim_pa_t pa)
{
	vm_page_t m = PHYS_TO_VM_PAGE(pa);

	KASSERT(m != NULL, ("sim: no page at %#jx", (uintmax_t)pa));
	return (m);
}

sim_pa_t
sim_alloc(int pool, int order)
{
	vm_page_t m = vm_phys_alloc_pages(pool, order);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

void
sim_free(sim_pa_t pa, int order)
{
	vm_phys_free_pages(sim_page(pa), order);
}

sim_pa_t
sim_alloc_contig(unsigned long npages, sim_pa_t low, sim_pa_t high,
    unsigned long alignment, unsigned long boundary)
{
	vm_page_t m = vm_phys_alloc_contig(npages, low, high, alignment, boundary);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

void
sim_free_contig(sim_pa_t pa, unsigned long npages)
{
	vm_phys_free_contig(sim_page(pa), npages);
}

int
sim_unfree(sim_pa_t pa)
{
	return (vm_phys_unfree_page(sim_page(pa)));
}

void
sim_add_free_range(sim_pa_t start, sim_pa_t end)
{
	vm_phys_add_free_range(start, end);
}

int
sim_check(char *why, unsigned long size)
{
	return (vm_phys_check(why, size));
}

long
sim_count(int pool, int order)
{
	return (vm_phys_count_free(pool, order));
}

long
sim_queue_len(int freelist, int pool, int order)
{
	return (vm_phys_free_queues[freelist][pool][order].lcnt);
}

unsigned
sim_free_count(void)
{
	return (cnt.v_free_count);
}

int
sim_pool_of(sim_pa_t pa)
{
	return (sim_page(pa)->pool);
}

int
sim_order_of(sim_pa_t pa)
{
	return (sim_page(pa)->order);
}

int
sim_is_free(sim_pa_t pa)
{
	return ((sim_page(pa)->flags & PG_FREE) != 0);
}

int
sim_has_page(sim_pa_t pa)
{
	return (PHYS_TO_VM_PAGE(pa) != NULL);
}

void
sim_walk_queues(void (*fn)(void *, sim_pa_t, int, int, int), void *arg)
{
	vm_page_t m;

	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			for (int o = 0; o < VM_NFREEORDER; o++)
				TAILQ_FOREACH(m, &vm_phys_free_queues[fl][p][o].pl, pageq)
					fn(arg, m->phys_addr, o, p, fl);
}

sim_pa_t
sim_lookup(sim_pa_t pa)
{
	vm_page_t m = PHYS_TO_VM_PAGE(pa);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

int
sim_is_dense(void)
{
#ifdef VM_PHYSSEG_DENSE
	return (1);
#else
	return (0);
#endif
}

void *
sim_alloc_m(int pool, int order)
{
	return (vm_phys_alloc_pages(pool, order));
}

void
sim_free_m(void *m, int order)
{
	vm_phys_free_pages(m, order);
}

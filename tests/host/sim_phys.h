/*
 * sim_phys.h - a simulated machine for the buddy allocator (vm_phys.c),
 * as a plain C API the host tests, the fuzz target and the benchmarks call.
 *
 * The tests cannot include kernel headers (they clash with libc), so
 * everything that touches struct vm_page lives in sim_phys.c, which is
 * compiled like kernel code.  This header uses only built-in C types so
 * both sides can include it.  Physical addresses are 64-bit everywhere.
 *
 * There is no simulated RAM: the allocator only reads and writes the page
 * structures, so a "machine" is a page array plus a list of segments.
 */
#ifndef SIM_PHYS_H
#define SIM_PHYS_H

typedef unsigned long long sim_pa_t;

#define	SIM_PAGE	4096ull
#define	SIM_NONE	(~0ull)		/* "no page": a failed allocation */
#define	SIM_NORDER	11		/* VM_NFREEORDER */
#define	SIM_NPOOL	3		/* VM_NFREEPOOL: 0 default, 1 cache, 2 direct */
#define	SIM_NFREELIST	2		/* 0 default, 1 ISA DMA (below 16 MiB) */
#define	SIM_MAXSEG	32

struct sim_range { sim_pa_t start, end; };	/* [start, end), page-aligned */

/*
 * Boot a machine over the ranges (ascending, disjoint), as vm_page_startup()
 * does: segments (a range crossing 16 MiB becomes two), page structures,
 * then every page freed.  Throws away the previous machine.  Returns the
 * number of segments.
 */
int	sim_setup(const struct sim_range *r, int n);

/* The same, but leaves every page allocated (nothing on the queues). */
int	sim_setup_empty(const struct sim_range *r, int n);

/* The segments vm_phys made. */
int	sim_nsegs(void);
void	sim_seg(int i, sim_pa_t *start, sim_pa_t *end, int *freelist);

/* The allocator's calls, by physical address. */
sim_pa_t sim_alloc(int pool, int order);
void	sim_free(sim_pa_t pa, int order);
sim_pa_t sim_alloc_contig(unsigned long npages, sim_pa_t low, sim_pa_t high,
	    unsigned long alignment, unsigned long boundary);
void	sim_free_contig(sim_pa_t pa, unsigned long npages);
int	sim_unfree(sim_pa_t pa);		/* 1 if it took the page */
void	sim_add_free_range(sim_pa_t start, sim_pa_t end);

/* What the allocator's structures say. */
int	sim_check(char *why, unsigned long size);	/* vm_phys_check() */
long	sim_count(int pool, int order);		/* vm_phys_count_free; -1 = any */
long	sim_queue_len(int freelist, int pool, int order);
unsigned sim_free_count(void);			/* cnt.v_free_count */
int	sim_pool_of(sim_pa_t pa);
int	sim_order_of(sim_pa_t pa);		/* m->order: SIM_NORDER if no head */
int	sim_is_free(sim_pa_t pa);		/* PG_FREE */
int	sim_has_page(sim_pa_t pa);		/* PHYS_TO_VM_PAGE(pa) != NULL */

/* Call fn for every block on every queue, in queue order. */
void	sim_walk_queues(void (*fn)(void *arg, sim_pa_t head, int order, int pool,
	    int freelist), void *arg);

/* Benchmarks: the raw lookup, returning the page's own address field. */
sim_pa_t sim_lookup(sim_pa_t pa);
int	sim_is_dense(void);		/* built with VM_PHYSSEG_DENSE */

/* Benchmarks: alloc and free by page structure (opaque), with no lookup. */
void	*sim_alloc_m(int pool, int order);
void	sim_free_m(void *m, int order);

#endif

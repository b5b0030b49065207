/*
 * host_machine.h - the machine the host tests run the kernel's VM code on,
 * as a plain C API for the test programs, the fuzz target and the
 * benchmarks, which are built with the host's C library and so cannot
 * include kernel headers.  Only built-in C types here, so both sides can
 * include it.  Physical addresses are 64-bit everywhere.
 *
 * There is no simulated RAM: the VM code only reads and writes the page
 * structures, so a "machine" is phys_avail plus the page array that the
 * kernel's own vm_page.c carves and initialises (host_machine.c).  The
 * sim_* calls translate physical addresses to struct vm_page for the
 * callers, which only see sim_pa_t.
 */
#ifndef HOST_MACHINE_H
#define HOST_MACHINE_H

typedef unsigned long long sim_pa_t;

#define	SIM_PAGE	4096ull
#define	SIM_NONE	(~0ull)		/* "no page": a failed allocation */
#define	SIM_NORDER	11		/* VM_NFREEORDER */
#define	SIM_NPOOL	3		/* VM_NFREEPOOL: 0 default, 1 cache, 2 direct */
#define	SIM_NFREELIST	2		/* 0 default, 1 ISA DMA (below 16 MiB) */
#define	SIM_MAXSEG	32

struct sim_range { sim_pa_t start, end; };	/* [start, end), page-aligned */

/*
 * Boot a machine over the ranges (ascending, disjoint, at most 31) with
 * vm_page_startup()'s own steps: the carve (vm_page_array_carve: the
 * largest range is grown first by exactly what the carve takes from its
 * top, so the segments are the ranges as given), segments (a range
 * crossing 16 MiB becomes two) and page structures (vm_page_init_segs),
 * then every page freed (vm_page_free_segs).  Throws away the previous
 * machine.  Returns the number of segments.
 */
int	sim_setup(const struct sim_range *r, int n);

/* The same, but leaves every page allocated (nothing on the queues). */
int	sim_setup_empty(const struct sim_range *r, int n);

/*
 * Boot with the whole of vm_page_startup(), carve included, over phys_avail
 * = the ranges: what the kernel does at boot.  Returns 1 if the VM system
 * came up (vm_page_ready()), and what the carve made.
 */
struct sim_carve {
	sim_pa_t	array_pa, dump_pa;	/* where the array and bitmap were carved */
	long		array_size;		/* entries (vm_page_array_size) */
	long		first_page;		/* dense: frame of entry 0 */
	unsigned long	page_bytes;		/* sizeof(struct vm_page) */
	unsigned long	dump_bytes;		/* vm_page_dump_size */
};
int	sim_startup(const struct sim_range *r, int n, struct sim_carve *out);
int	sim_phys_avail(int i, sim_pa_t *start, sim_pa_t *end);	/* 0 past the last */

/* The page layer: contiguous pages as contigmalloc takes and gives them. */
sim_pa_t sim_page_alloc_contig(unsigned long npages, sim_pa_t low, sim_pa_t high);
void	sim_page_free_contig(sim_pa_t pa, unsigned long npages);
void	sim_page_free(sim_pa_t pa);				/* vm_page_free */
int	sim_page_is_wired(sim_pa_t pa);
unsigned sim_wire_count(void);				/* cnt.v_wire_count */

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

/*
 * The order-0 batches in front of vm_phys (vm_phys_batch.c): alloc and free
 * as vm_page_alloc/vm_page_free make them, drain, switch (returns the old
 * setting), pages held, whether a page is in a batch; the batch's block (a
 * fill or a drain: VM_PHYS_BATCH_BLOCK) and the most one batch holds.
 */
int	sim_batch_block(void);
int	sim_batch_max(void);
void	*sim_batch_alloc_m(int pool);
void	sim_batch_free_m(void *m);
sim_pa_t sim_batch_alloc(int pool);
void	sim_batch_free(sim_pa_t pa);
void	sim_batch_drain(void);
int	sim_batch_set(int on);
long	sim_batch_pages(void);
int	sim_batch_holds(sim_pa_t pa);
void	sim_lock_pair(void);		/* one lock+unlock of the free-queue lock */
/*
 * Benchmarks: take the free-queue lock (1) for the sim_*_m calls that
 * follow, which then leave it alone, or give it back (0): the allocators'
 * own cost, without the lock's.
 */
void	sim_hold_lock(int on);

/*
 * The host side of the machine (host_mem.c, with the C library): memory
 * for vm_page_map_range (after `guard` inaccessible bytes), all of it given
 * back at the next boot, a clock for cpu_ticks() and a console for
 * cons_putc().
 */
void	*host_mem_map(unsigned long size, unsigned long guard);
void	host_mem_unmap_all(void);
unsigned long long host_ticks(void);
void	host_putc(int c);

/*
 * Where panic() and KASSERT failures go, with the message the kernel's
 * printf made: the test harness (harness.c) fails the running test; the
 * fuzz target and the benchmarks (sim_panic.c) print it and abort.
 */
void	host_panic(const char *msg) __attribute__((noreturn));

#endif

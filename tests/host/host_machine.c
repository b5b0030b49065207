/*
 * host_machine.c - the machine behind host_machine.h, and the few machine
 * services the kernel's files call: vm_page_map_range() (vm_kmem.c in the
 * kernel), cpu_ticks(), cons_putc(), panic() and kassert_panic(), each
 * checked against the kernel's own prototype.  Compiled like kernel code
 * (kernel headers, hostnames.h).  It re-implements nothing: the page array
 * is carved, sized and initialised by kernel/vm/vm_page.c, the segments and
 * queues by kernel/vm/vm_phys.c; this file sets phys_avail, calls them, and
 * translates physical addresses to pages for the libc side.
 *
 * Dense or sparse page array follows VM_PHYSSEG_DENSE / _SPARSE, exactly as
 * the kernel files are compiled, so the benchmarks can build it both ways.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/msgbuf.h>
#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_lock.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/pmap.h>
#include <vm/vmmeter.h>

#include "host_machine.h"

CTASSERT(SIM_NORDER == VM_NFREEORDER && SIM_NPOOL == VM_NFREEPOOL);
CTASSERT(SIM_NFREELIST == VM_NFREELIST && SIM_MAXSEG == VM_PHYSSEG_MAX);

/* ---- Machine services the kernel's VM files call ------------------------ */

/* The host has no physical memory to map: the "mapping" is host memory. */
vm_offset_t
vm_page_map_range(vm_paddr_t pa __unused, vm_size_t size, vm_size_t guard)
{
	void *p = host_mem_map(size, guard);

	if (p == NULL)
		panic("vm_page_map_range: no host memory for %zu bytes", size);
	return ((vm_offset_t)p);
}

uint64_t
cpu_ticks(void)
{
	return (host_ticks());
}

void
cons_putc(int c)
{
	host_putc(c);
}

/* The kernel's message buffer (subr_msgbuf.c) is not built here. */
void
msgbuf_putc(int c __unused)
{
}

static void host_locks_release(void);

/* panic(9) and KASSERT: the kernel's printf formats, the host side decides. */
static void __noreturn
host_vpanic(const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	host_locks_release();
	host_panic(msg);
}

/*
 * A kernel panic never returns; the harness returns from one (longjmp) to
 * the test or the runner.  Whatever the thread held is released first, so
 * a caught panic leaves no mutex owned and the witness no stale held lock
 * to record a false order against.
 */
static void
host_locks_release(void)
{
	struct thread *td = curthread;

	while (td->td_nlocks > 0) {
		struct mtx *m = td->td_locks[--td->td_nlocks];

		m->mtx_owner = NULL;
		m->mtx_recurse = 0;
	}
	td->td_spinlocks = 0;
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vpanic(fmt, ap);
}

void
kassert_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vpanic(fmt, ap);
}

/*
 * The pmap's page-level calls the page layer makes (vm/pmap.h).  The host
 * has no page tables, so no page is ever mapped: nothing to remove; and no
 * simulated RAM (see host_machine.h), so nothing to zero or copy.
 */
void
pmap_remove_all(vm_page_t m __unused)
{
}

void
pmap_zero_page(vm_page_t m __unused)
{
}

void
pmap_remove_write(vm_page_t m __unused)
{
}

/* vm_page_cowfault's and vm_object_copy's (the eager fork): no simulated RAM, nothing to copy. */
void
pmap_copy_page(vm_page_t src __unused, vm_page_t dst __unused)
{
}

/*
 * Address spaces (vm_map.c): a pmap is only a token here, and with no page
 * tables there is never a mapping to remove or protect.
 */
static struct host_pmap { int dummy; } host_pmaps;

pmap_t
pmap_create(void)
{
	return ((pmap_t)&host_pmaps);
}

void
pmap_destroy(pmap_t pmap __unused)
{
}

void
pmap_remove(pmap_t pmap __unused, vm_offset_t sva __unused, vm_offset_t eva __unused)
{
}

void
pmap_protect(pmap_t pmap __unused, vm_offset_t sva __unused, vm_offset_t eva __unused,
    vm_prot_t prot __unused)
{
}

/*
 * kern_mutex.c blocks a contender with mi_switch(); the host has one
 * thread, so a sleep mutex found owned can only be a lock leak or a
 * recursion the kernel would deadlock on.
 */
void
mi_switch(void)
{
	panic("host: mi_switch: a mutex would block (held by a leaked owner?)");
}

/*
 * Sleep and wakeup (kern_synch.c): the host has one thread and no page
 * daemon, so nothing may sleep (a VM_WAIT or a busy page would be a
 * deadlock) and a wakeup has nobody to wake.
 */
int
msleep(const void *chan __unused, struct mtx *mtx __unused, int pri __unused,
    const char *wmesg, int timo __unused)
{
	panic("host: msleep(\"%s\"): nothing can wake a sleeper here", wmesg);
}

void
wakeup(const void *chan __unused)
{
}

/*
 * The swap pager (swap_pager.c) needs the disk layer, which the host does
 * not build: there is never swap here, so anonymous objects stay
 * OBJT_DEFAULT and the pager switch (vm_pager.c) is tested without it.
 */
struct pagerops swap_pager_ops;

bool
swap_pager_on(void)
{
	return (false);
}

bool
swap_pager_convert(vm_object_t object __unused)
{
	return (false);
}

/* ---- Booting ------------------------------------------------------------ */

/* A fresh machine: nothing mapped, no counts, phys_avail = the ranges. */
static void
sim_reset(const struct sim_range *r, int n)
{
	KASSERT(n > 0 && n < PHYS_AVAIL_ENTRIES, ("sim: %d ranges (1 to %d)", n,
	    PHYS_AVAIL_ENTRIES - 1));
	host_mem_unmap_all();
	vm_page_locks_init();		/* fresh, unowned locks: a failed test may leave one held */
	vm_page_array = NULL;
	vm_page_dump = NULL;
	cnt = (struct vmmeter){ 0 };
	for (int i = 0; i < n; i++) {
		phys_avail[2 * i] = r[i].start;
		phys_avail[2 * i + 1] = r[i].end;
	}
	phys_avail[2 * n] = phys_avail[2 * n + 1] = 0;
}

/*
 * vm_page_array_carve() with the largest range grown by what the carve
 * takes, found by iteration (the array grows a little with the range), so
 * that it leaves phys_avail exactly as the ranges.  Anything else - another
 * range cut, the wrong amount taken - is a carve bug: panic, failing the test.
 */
static void
sim_carve(const struct sim_range *r, int n)
{
	int big = 0, error;
	vm_paddr_t extra = 0, taken;

	for (int i = 1; i < n; i++)
		if (r[i].end - r[i].start > r[big].end - r[big].start)
			big = i;
	for (int tries = 0;; tries++) {
		KASSERT(tries < 8, ("sim: the carve does not settle on a size"));
		sim_reset(r, n);
		phys_avail[2 * big + 1] += extra;
		if ((error = vm_page_array_carve()) != 0)
			panic("sim: vm_page_array_carve failed (error %d)", error);
		for (int i = 0; i < n; i++)
			KASSERT(phys_avail[2 * i] == r[i].start && (i == big ||
			    phys_avail[2 * i + 1] == r[i].end),
			    ("sim: the carve cut range %d [%#jx, %#jx), not only the top of "
			    "the largest, %d", i, (uintmax_t)r[i].start, (uintmax_t)r[i].end, big));
		taken = r[big].end + extra - phys_avail[2 * big + 1];
		KASSERT(phys_avail[2 * big + 1] <= r[big].end + extra &&
		    vm_page_array_pa == phys_avail[2 * big + 1],
		    ("sim: the array is not carved from the top of range %d", big));
		if (taken == extra)
			return;
		extra = taken;
	}
}

static int
sim_boot(const struct sim_range *r, int n, bool free)
{
	sim_carve(r, n);
	vm_page_init_segs();
	if (free)
		vm_page_free_segs();
	return (vm_phys_nsegs);
}

int
sim_setup_empty(const struct sim_range *r, int n)
{
	return (sim_boot(r, n, false));
}

int
sim_setup(const struct sim_range *r, int n)
{
	return (sim_boot(r, n, true));
}

int
sim_startup(const struct sim_range *r, int n, struct sim_carve *out)
{
	sim_reset(r, n);
	vm_page_startup();
	*out = (struct sim_carve){
		.array_pa = vm_page_array_pa,
		.dump_pa = vm_page_dump_pa,
		.array_size = vm_page_array_size,
		.first_page = first_page,
		.page_bytes = sizeof(struct vm_page),
		.dump_bytes = vm_page_dump_size,
	};
	return (vm_page_ready());
}

int
sim_phys_avail(int i, sim_pa_t *start, sim_pa_t *end)
{
	if (i < 0 || i >= PHYS_AVAIL_ENTRIES || phys_avail[2 * i + 1] == 0)
		return (0);
	*start = phys_avail[2 * i];
	*end = phys_avail[2 * i + 1];
	return (1);
}

/* ---- The page layer ----------------------------------------------------- */

/* The page at pa; a test asking about a page that does not exist is a bug. */
static vm_page_t
sim_page(sim_pa_t pa)
{
	vm_page_t m = PHYS_TO_VM_PAGE(pa);

	KASSERT(m != NULL, ("sim: no page at %#jx", (uintmax_t)pa));
	return (m);
}

void
sim_page_free_contig(sim_pa_t pa, unsigned long npages)
{
	vm_page_free_contig(sim_page(pa), npages);
}

void
sim_page_free(sim_pa_t pa)
{
	vm_page_free(sim_page(pa));
}

int
sim_page_is_wired(sim_pa_t pa)
{
	return (sim_page(pa)->wire_count != 0);
}

sim_pa_t
sim_page_alloc_contig(unsigned long npages, sim_pa_t low, sim_pa_t high)
{
	vm_page_t m = vm_page_alloc_contig(npages, low, high, PAGE_SIZE, 0,
	    VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

unsigned
sim_wire_count(void)
{
	return (cnt.v_wire_count);
}

/* ---- The allocator, by physical address ------------------------------- */

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


sim_pa_t
sim_alloc(int pool, int order)
{
	vm_page_t m;

	mtx_lock(&vm_page_queue_free_mtx);
	m = vm_phys_alloc_pages(pool, order);
	mtx_unlock(&vm_page_queue_free_mtx);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

void
sim_free(sim_pa_t pa, int order)
{
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_free_pages(sim_page(pa), order);
	mtx_unlock(&vm_page_queue_free_mtx);
}

sim_pa_t
sim_alloc_contig(unsigned long npages, sim_pa_t low, sim_pa_t high,
    unsigned long alignment, unsigned long boundary)
{
	vm_page_t m;

	mtx_lock(&vm_page_queue_free_mtx);
	m = vm_phys_alloc_contig(npages, low, high, alignment, boundary);
	mtx_unlock(&vm_page_queue_free_mtx);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

void
sim_free_contig(sim_pa_t pa, unsigned long npages)
{
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_free_contig(sim_page(pa), npages);
	mtx_unlock(&vm_page_queue_free_mtx);
}

int
sim_unfree(sim_pa_t pa)
{
	int rv;

	mtx_lock(&vm_page_queue_free_mtx);
	rv = vm_phys_unfree_page(sim_page(pa));
	mtx_unlock(&vm_page_queue_free_mtx);
	return (rv);
}

void
sim_add_free_range(sim_pa_t start, sim_pa_t end)
{
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_add_free_range(start, end);
	mtx_unlock(&vm_page_queue_free_mtx);
}

int
sim_check(char *why, unsigned long size)
{
	int rv;

	mtx_lock(&vm_page_queue_free_mtx);
	rv = vm_phys_check(why, size);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (rv);
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

/* sim_hold_lock(1): the benchmarks' calls below run under one lock taken here. */
static int sim_held;

void
sim_hold_lock(int on)
{
	if (on)
		mtx_lock(&vm_page_queue_free_mtx);
	else
		mtx_unlock(&vm_page_queue_free_mtx);
	sim_held = on;
}

void *
sim_alloc_m(int pool, int order)
{
	void *rv;

	if (!sim_held)
		mtx_lock(&vm_page_queue_free_mtx);
	rv = vm_phys_alloc_pages(pool, order);
	if (!sim_held)
		mtx_unlock(&vm_page_queue_free_mtx);
	return (rv);
}

void
sim_free_m(void *m, int order)
{
	if (!sim_held)
		mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_free_pages(m, order);
	if (!sim_held)
		mtx_unlock(&vm_page_queue_free_mtx);
}

/* The order-0 batches in front of vm_phys (vm_phys_batch.c), as vm_page.c calls them. */
void *
sim_batch_alloc_m(int pool)
{
	void *rv;

	if (!sim_held)
		mtx_lock(&vm_page_queue_free_mtx);
	rv = vm_phys_batch_alloc(pool);
	if (!sim_held)
		mtx_unlock(&vm_page_queue_free_mtx);
	return (rv);
}

void
sim_batch_free_m(void *m)
{
	if (!sim_held)
		mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_batch_free(m);
	if (!sim_held)
		mtx_unlock(&vm_page_queue_free_mtx);
}

sim_pa_t
sim_batch_alloc(int pool)
{
	vm_page_t m = sim_batch_alloc_m(pool);

	return (m != NULL ? m->phys_addr : SIM_NONE);
}

void
sim_batch_free(sim_pa_t pa)
{
	sim_batch_free_m(sim_page(pa));
}

void
sim_batch_drain(void)
{
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_drain();
	mtx_unlock(&vm_page_queue_free_mtx);
}

int
sim_batch_set(int on)
{
	int was;

	mtx_lock(&vm_page_queue_free_mtx);
	was = vm_phys_batch_set(on != 0);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (was);
}

long
sim_batch_pages(void)
{
	return ((long)vm_phys_batch_pages());
}

int
sim_batch_holds(sim_pa_t pa)
{
	vm_page_t m = sim_page(pa);

	for (int fl = 0; fl < VM_NFREELIST; fl++)
		for (int p = 0; p < VM_NFREEPOOL; p++)
			for (int i = 0; i < vm_phys_batches[fl][p].count; i++)
				if (vm_phys_batches[fl][p].pages[i] == m)
					return (1);
	return (0);
}

int
sim_batch_block(void)
{
	return (VM_PHYS_BATCH_BLOCK);
}

int
sim_batch_max(void)
{
	return (VM_PHYS_BATCH_MAX);
}

/* One lock and unlock of the free-queue lock: what every call above pays. */
void
sim_lock_pair(void)
{
	mtx_lock(&vm_page_queue_free_mtx);
	mtx_unlock(&vm_page_queue_free_mtx);
}

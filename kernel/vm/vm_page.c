/*
 * vm_page.c - the page array and page allocation.
 *
 * vm_page_startup() turns phys_avail[] into managed pages.  Physical memory
 * after it, with the page array and the minidump bitmap carved from the top
 * of the largest range:
 *
 *   0        640K  1M  kernel+boot    ...       largest range            end
 *   |RAM RAM |hole |   |kern|boot|  RAM RAM  RAM ... RAM |vm_page_array|bitmap|
 *    phys_avail[0]          phys_avail[1] ----------->|  ^ carved: no longer
 *                                                     |    in phys_avail
 *
 * In kernel virtual memory each gets a fresh range, and the array's starts
 * with an unmapped guard page, so an underrun (vm_page_array[-1]) faults
 * instead of scribbling over whatever lies below:
 *
 *   kva:  | bitmap | guard (unmapped) | vm_page_array ...                  |
 *
 * Then every page gets its struct vm_page, the segments are registered with
 * vm_phys, and every page not on the vm.blacklist tunable is freed into the
 * buddy queues.  All of it is linear in the number of pages, with no
 * tunable lookups or printing per page.
 *
 * This file is the page layer's arithmetic - carving, per-page state,
 * allocation and freeing, objects' page trees, the paging queues and the
 * cache queue - and maps nothing itself: the mapping of the
 * array and bitmap is vm_page_map_range() in vm_kmem.c.  So the hosted build
 * (tests/host) compiles this very file, with its own vm_page_map_range().
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/vm_pageout.h>
#include <vm/pmap.h>
#include <vm/vmmeter.h>
#include <sys/proc.h>
#include <sys/kernel.h>

vm_page_t vm_page_array;
long vm_page_array_size;
long first_page;
uint32_t *vm_page_dump;
vm_size_t vm_page_dump_size;
vm_paddr_t vm_page_array_pa;
vm_paddr_t vm_page_dump_pa;
static bool vm_page_started;
static vm_page_t vm_page_cache_reactivate(struct vm_object *object, vm_pindex_t pindex);
uint64_t vm_page_startup_cycles;	/* cpu_ticks() spent in vm_page_startup() */
struct mtx vm_page_queue_mtx;		/* the paging queues (vm_lock.h) */
struct mtx vm_page_queue_free_mtx;	/* the buddy queues and cache trees (vm_lock.h) */

#define	BLACKLIST_MAX	32
static vm_paddr_t blacklist[BLACKLIST_MAX];
static int blacklist_n;

bool
vm_page_ready(void)
{
	return (vm_page_started);
}

/*
 * Size the page array and the minidump bitmap, carve both from the top of
 * the largest phys_avail range, map them (the array behind a guard page),
 * and shrink phys_avail to exclude them.  Sets vm_page_array,
 * vm_page_array_size, first_page, vm_page_dump and vm_page_dump_size.
 *   dense:  one entry per frame from the lowest available frame to the
 *           highest, holes included;
 *   sparse: one entry per available page.
 * Returns 0, or an errno if there is no room.  Lab 01.
 */
int
vm_page_array_carve(void)
{
	/* BEGIN LAB 01 page_array_carve
	 * stub:
	 * printf("lab 01: vm_page_array_carve: not implemented; the VM system stays off\n");
	 * return (ENOSYS);
	 */
	vm_paddr_t low = phys_avail[0], high = 0, pages = 0, biggest_size = 0;
	vm_size_t array_bytes, dump_bytes;
	int biggest = -1;

	for (int i = 0; phys_avail[2 * i + 1] != 0; i++) {
		vm_paddr_t size = phys_avail[2 * i + 1] - phys_avail[2 * i];

		pages += atop(size);
		high = phys_avail[2 * i + 1];
		if (size > biggest_size) {
			biggest_size = size;
			biggest = i;
		}
	}
	if (biggest < 0)
		return (ENOMEM);
#ifdef VM_PHYSSEG_DENSE
	pages = atop(high) - atop(low);
#endif
	array_bytes = round_page((vm_size_t)pages * sizeof(struct vm_page));
	dump_bytes = round_page((vm_size_t)((atop(high) + 31) / 32 * sizeof(uint32_t)));
	if (biggest_size < (vm_paddr_t)array_bytes + dump_bytes)
		return (ENOMEM);

	vm_page_dump_pa = phys_avail[2 * biggest + 1] - dump_bytes;
	vm_page_array_pa = vm_page_dump_pa - array_bytes;
	vm_page_dump = (uint32_t *)vm_page_map_range(vm_page_dump_pa, dump_bytes, 0);
	vm_page_dump_size = dump_bytes;
	memset(vm_page_dump, 0, dump_bytes);
	vm_page_array = (vm_page_t)vm_page_map_range(vm_page_array_pa, array_bytes, PAGE_SIZE);
	vm_page_array_size = (long)pages;
	first_page = (long)atop(low);
	phys_avail[2 * biggest + 1] = vm_page_array_pa;
	return (0);
	/* END LAB 01 page_array_carve */
}

/*
 * Read vm.blacklist=pa[,pa...] once; sorted so the free loop can walk it.
 * Every address must parse, be one this configuration can address and be
 * RAM, and there may be at most BLACKLIST_MAX: otherwise the whole tunable
 * is refused with a message (kenv_reject), never applied in part.
 */
static void
vm_page_blacklist_load(void)
{
	const char *s = kenv_get("vm.blacklist");
	char *end;
	uint64_t v;
	int error;

	blacklist_n = 0;
	for (const char *p = s; p != NULL && *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		error = kstrtou64(p, &end, PADDR_MAX, &v);
		if (error == 0 && *end != ',' && *end != '\0')
			error = EINVAL;
		if (error == EINVAL) {
			kenv_reject("vm.blacklist", "\"%s\" is not an address", p);
			goto refuse;
		}
		if (error == ERANGE) {
			kenv_reject("vm.blacklist", "%.*s is above %#jx, the last address %s can use",
			    (int)(end - p), p, (uintmax_t)PADDR_MAX, MACHINE_CONFIG);
			goto refuse;
		}
		if (!physmem_contains(dump_avail, (vm_paddr_t)v, (vm_paddr_t)v)) {
			kenv_reject("vm.blacklist", "%#jx is not RAM (see meminfo's dump_avail)",
			    (uintmax_t)v);
			goto refuse;
		}
		if (blacklist_n == BLACKLIST_MAX) {
			kenv_reject("vm.blacklist", "more than %d addresses", BLACKLIST_MAX);
			goto refuse;
		}
		int i = blacklist_n++;
		for (; i > 0 && blacklist[i - 1] > trunc_page((vm_paddr_t)v); i--)
			blacklist[i] = blacklist[i - 1];
		blacklist[i] = trunc_page((vm_paddr_t)v);
	}
	for (int i = 0; i < blacklist_n; i++)
		printf("vm_page_startup: blacklisted page %#jx will not be used\n",
		    (uintmax_t)blacklist[i]);
	return;
refuse:
	blacklist_n = 0;
}

/* Give [start, end) to the allocator, minus blacklisted pages. */
static void
vm_page_free_range_checked(vm_paddr_t start, vm_paddr_t end)
{
	for (int i = 0; i < blacklist_n && start < end; i++) {
		if (blacklist[i] < start || blacklist[i] >= end)
			continue;
		if (blacklist[i] > start)
			vm_phys_add_free_range(start, blacklist[i]);
		start = blacklist[i] + PAGE_SIZE;
	}
	if (start < end)
		vm_phys_add_free_range(start, end);
}

#ifdef VM_PHYSSEG_DENSE
/*
 * Dense: entries for frames in no segment (holes, the kernel, the carve)
 * are initialised too, once, and marked absent; they are never handed out.
 */
static void
vm_page_init_holes(void)
{
	long next = 0;		/* first array index not yet initialised */

	for (int s = 0; s <= vm_phys_nsegs; s++) {
		long stop = s < vm_phys_nsegs ?
		    (long)(atop(vm_phys_segs[s].start) - first_page) : vm_page_array_size;

		for (; next < stop; next++)
			vm_page_init_page(&vm_page_array[next], ptoa(first_page + next),
			    VM_PHYSSEG_NONE);
		if (s < vm_phys_nsegs)
			next = (long)(atop(vm_phys_segs[s].end) - first_page);
	}
}
#endif

/*
 * vm_page_startup() steps 4 and 5: a segment per phys_avail range (vm_phys
 * cuts them at its free-list boundaries), then a struct vm_page for every
 * page in them; in a dense array, for the frames between them too.
 */
void
vm_page_init_segs(void)
{
	vm_phys_init();
	vm_phys_batch_init();
	vm_pageq_init();
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++)
		vm_phys_add_seg(phys_avail[2 * i], phys_avail[2 * i + 1], NULL);
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];
		long n = (long)atop(seg->end - seg->start);

		for (long i = 0; i < n; i++)
			vm_page_init_page(&seg->first_page[i], seg->start + ptoa(i), s);
		cnt.v_page_count += (u_int)n;
	}
#ifdef VM_PHYSSEG_DENSE
	vm_page_init_holes();
#endif
}

/* Step 6: every page of every segment not on vm.blacklist to the buddy allocator. */
void
vm_page_free_segs(void)
{
	vm_page_blacklist_load();
	mtx_lock(&vm_page_queue_free_mtx);
	for (int s = 0; s < vm_phys_nsegs; s++)
		vm_page_free_range_checked(vm_phys_segs[s].start, vm_phys_segs[s].end);
	mtx_unlock(&vm_page_queue_free_mtx);
}

/* The VM's two global locks, named as FreeBSD names them (vm_lock.h). */
void
vm_page_locks_init(void)
{
	mtx_init(&vm_page_queue_mtx, "vm page queue mutex", NULL, MTX_DEF);
	mtx_init(&vm_page_queue_free_mtx, "vm page queue free mutex", NULL, MTX_DEF);
}

void
vm_page_startup(void)
{
	uint64_t t0 = cpu_ticks();
	int error;

	vm_page_started = false;	/* until this run completes (the host boots many times) */
	vm_page_locks_init();

	/* 1. Page-align every range (vm_physmem keeps them aligned; be sure). */
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++) {
		phys_avail[2 * i] = round_page(phys_avail[2 * i]);
		phys_avail[2 * i + 1] = trunc_page(phys_avail[2 * i + 1]);
	}
	/* 2, 3. The array and the bitmap, carved from the top of the largest range. */
	if ((error = vm_page_array_carve()) != 0) {
		printf("vm_page_startup: no page array (error %d): the VM system is off\n", error);
		return;
	}
	/* 4, 5. Segments, and a struct vm_page for every page in them. */
	vm_page_init_segs();
	/* 6. Everything not blacklisted goes to the buddy allocator. */
	vm_page_free_segs();
	cnt.v_free_reserved = 32 + cnt.v_page_count / 512;
	cnt.v_interrupt_free_min = 8;
	vm_page_started = true;
	vm_page_startup_cycles = cpu_ticks() - t0;
	printf("vm_page_startup: %ld pages in vm_page_array (%ju KiB, %s), "
	    "bitmap %ju KiB, %d segments, %u pages free\n",
	    vm_page_array_size,
	    (uintmax_t)((uintmax_t)vm_page_array_size * sizeof(struct vm_page)) >> 10,
#ifdef VM_PHYSSEG_DENSE
	    "dense",
#else
	    "sparse",
#endif
	    (uintmax_t)vm_page_dump_size >> 10, vm_phys_nsegs, cnt.v_free_count);
}

/* ---- Allocation --------------------------------------------------------- */

int vm_pages_needed;		/* (f) the daemon was asked to run */
int vm_page_waiters;		/* (f) threads asleep in vm_wait */
u_int vm_pageout_oom_gen;	/* (f) the daemon's give-ups, for vm_wait */
struct thread *vm_pageout_td;	/* (c) the page daemon (vm_pageout_start) */

/*
 * Ask the page daemon to run (FreeBSD 7's pagedaemon_wakeup): the first
 * request after it caught up is counted and wakes it; later ones find it
 * already asked.  Free-queue lock held (vm_pages_needed is (f)).
 */
void
pagedaemon_wakeup(void)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if (!vm_pages_needed && curthread != vm_pageout_td) {
		vm_pages_needed = 1;
		cnt.v_pdwakeups++;
		wakeup(&vm_pages_needed);
	}
}

/*
 * VM_WAIT: sleep until the daemon has made memory (free + cached back at
 * v_free_min), after asking it to.  Returns 0, or ENOMEM when the daemon
 * found nothing more to reclaim while we slept - the caller gives up
 * instead of sleeping for ever.  No locks held; the daemon never waits here.
 */
int
vm_wait(void)
{
	u_int gen;
	int error;

	KASSERT(curthread != vm_pageout_td, ("%s: the page daemon would wait for itself",
	    __func__));
	mtx_lock(&vm_page_queue_free_mtx);
	if (!vm_page_count_min()) {		/* memory came back meanwhile */
		mtx_unlock(&vm_page_queue_free_mtx);
		return (0);
	}
	pagedaemon_wakeup();
	gen = vm_pageout_oom_gen;
	cnt.v_vmwait++;
	vm_page_waiters++;
	msleep(&cnt.v_free_count, &vm_page_queue_free_mtx, 0, "vmwait", 0);
	vm_page_waiters--;
	error = vm_pageout_oom_gen != gen ? ENOMEM : 0;
	mtx_unlock(&vm_page_queue_free_mtx);
	return (error);
}

/* A page became free or cached: wake VM_WAIT sleepers once there is enough.  Free lock held. */
void
vm_page_free_wakeup(void)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if (vm_page_waiters > 0 && !vm_page_count_min())
		wakeup(&cnt.v_free_count);
}

/*
 * Allocate a page.  The class decides how far into the reserves it may go:
 * NORMAL leaves v_free_reserved pages, SYSTEM leaves v_interrupt_free_min,
 * INTERRUPT may take the last one.  Free and cached pages both count: a
 * cached page is reclaimed as easily as a free one is taken.
 */
/* May an allocation of this class take `npages` more? */
static bool
vm_page_admit(int req, u_long npages)
{
	u_int avail = cnt.v_free_count + cnt.v_cache_count, floor;

	switch (req & VM_ALLOC_CLASS_MASK) {
	case VM_ALLOC_INTERRUPT:
		floor = 0;
		break;
	case VM_ALLOC_SYSTEM:
		floor = cnt.v_interrupt_free_min;
		break;
	default:
		floor = cnt.v_free_reserved;
		break;
	}
	if (!vm_page_started || avail < floor + npages) {
		pagedaemon_wakeup();
		return (false);
	}
	return (true);
}

/*
 * Make a page just taken from the free queues ready for its new owner.  A
 * page vm_phys handed back still PG_CACHED belonged to an object's cache:
 * reclaim it from there first (vm_page_cache_remove).  Free-queue lock held.
 */
static void
vm_page_alloc_init(vm_page_t m, int req)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if (m->flags & PG_CACHED)
		vm_page_cache_remove(m);
	KASSERT(m->queue == PQ_NONE && m->wire_count == 0 && m->hold_count == 0 &&
	    m->object == NULL && (m->flags & PG_FREE) == 0,
	    ("vm_page_alloc: page %p is in use", m));
	m->flags = (req & VM_ALLOC_ZERO) ? (m->flags & PG_ZERO) : 0;
	if (req & VM_ALLOC_NOOBJ)
		m->flags |= PG_UNMANAGED;
	m->oflags = (req & (VM_ALLOC_NOBUSY | VM_ALLOC_NOOBJ)) ? 0 : VPO_BUSY;
	if (req & VM_ALLOC_WIRED) {
		m->wire_count = 1;
		cnt.v_wire_count++;
	}
	m->valid = m->dirty = 0;
	m->act_count = 0;
}

/*
 * The pool object-less pages come from: DIRECT, or DEFAULT when booted with
 * vm.direct_pool=0 - a switch for measuring what the pool buys (ktest
 * direct_cluster, tools/bench-direct.py); read on the first allocation.
 */
static int
vm_page_noobj_pool(void)
{
	static int pool = -1;
	uint64_t on = 1;

	if (pool < 0) {
		(void)tunable_u64("vm.direct_pool", &on);
		pool = on != 0 ? VM_FREEPOOL_DIRECT : VM_FREEPOOL_DEFAULT;
	}
	return (pool);
}

/*
 * A page for (object, pindex), or with VM_ALLOC_NOOBJ (object NULL) a page
 * of the kernel's own, unmanaged.  object NULL without NOOBJ: a managed page
 * that belongs to no object (the pmap's tests use them).  With an object,
 * the page is inserted at pindex (object lock held); if the object has a
 * cached page there, that very page comes back, its data and valid bits
 * intact (reactivation: the caller sees m->valid and skips the pager);
 * otherwise the page is new, valid 0.  Busy unless VM_ALLOC_NOBUSY.
 */
vm_page_t
vm_page_alloc(struct vm_object *object, vm_pindex_t pindex, int req)
{
	vm_page_t m;
	uint8_t valid;

	KASSERT(object == NULL || (req & VM_ALLOC_NOOBJ) == 0,
	    ("%s: VM_ALLOC_NOOBJ with object %p", __func__, object));
	if (object != NULL) {
		VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
		KASSERT(vm_page_tree_find(object->root, pindex) == NULL,
		    ("%s: object %p already has a page at %ju", __func__, object,
		    (uintmax_t)pindex));
	}
	mtx_lock(&vm_page_queue_free_mtx);
	if (object != NULL && object->cache != NULL &&
	    (m = vm_page_cache_reactivate(object, pindex)) != NULL) {
		valid = m->valid;
		vm_page_alloc_init(m, req);
		m->valid = valid;
	} else {
		if (!vm_page_admit(req, 1)) {
			mtx_unlock(&vm_page_queue_free_mtx);
			return (NULL);
		}
		m = vm_phys_batch_alloc((req & VM_ALLOC_NOOBJ) ? vm_page_noobj_pool() :
		    VM_FREEPOOL_DEFAULT);
		if (m == NULL) {
			pagedaemon_wakeup();
			mtx_unlock(&vm_page_queue_free_mtx);
			return (NULL);
		}
		vm_page_alloc_init(m, req);
	}
	if (vm_paging_needed())
		pagedaemon_wakeup();	/* before the reserves are reached, not after */
	mtx_unlock(&vm_page_queue_free_mtx);
	if (object != NULL)
		vm_page_insert(m, object, pindex);
	return (m);
}

/*
 * A page from free list `flind` (VM_FREELIST_*) only, set up as
 * vm_page_alloc() would with `req` (which must include VM_ALLOC_NOOBJ): for
 * callers that need memory the machine keeps apart, such as the PAE pmap's
 * page directories below 4 GiB.
 */
vm_page_t
vm_page_alloc_freelist(int flind, int req)
{
	vm_page_t m;

	KASSERT(flind >= 0 && flind < VM_NFREELIST, ("vm_page_alloc_freelist: free list %d",
	    flind));
	KASSERT((req & VM_ALLOC_NOOBJ) != 0,
	    ("vm_page_alloc_freelist: a page without VM_ALLOC_NOOBJ"));
	mtx_lock(&vm_page_queue_free_mtx);
	if (!vm_page_admit(req, 1)) {
		mtx_unlock(&vm_page_queue_free_mtx);
		return (NULL);
	}
	/* The batches mix free lists: the list's last pages may be in one. */
	if ((m = vm_phys_alloc_freelist_pages(flind, VM_FREEPOOL_DIRECT, 0)) == NULL) {
		vm_phys_drain();
		m = vm_phys_alloc_freelist_pages(flind, VM_FREEPOOL_DIRECT, 0);
	}
	if (m == NULL) {
		mtx_unlock(&vm_page_queue_free_mtx);
		return (NULL);
	}
	vm_page_alloc_init(m, req);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (m);
}

/*
 * `npages` physically contiguous pages in [low, high), aligned, not crossing
 * `boundary` (see vm_phys_alloc_contig), each set up as vm_page_alloc would
 * with `req` (which must include VM_ALLOC_NOOBJ: contiguous pages have no
 * object).  Cached pages inside the run are reclaimed from their objects
 * (vm_page_alloc_init); cached pages in the part of the block vm_phys gave
 * back stay cached.  Free them one by one with vm_page_free, or together
 * with vm_page_free_contig.
 */
vm_page_t
vm_page_alloc_contig(u_long npages, vm_paddr_t low, vm_paddr_t high, vm_paddr_t alignment,
    vm_paddr_t boundary, int req)
{
	vm_page_t m;

	KASSERT((req & VM_ALLOC_NOOBJ) != 0, ("vm_page_alloc_contig: pages without VM_ALLOC_NOOBJ"));
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_drain();	/* a run needs every free page in the buddy */
	if (!vm_page_admit(req, npages) ||
	    (m = vm_phys_alloc_contig(npages, low, high, alignment, boundary)) == NULL) {
		mtx_unlock(&vm_page_queue_free_mtx);
		return (NULL);
	}
	for (u_long i = 0; i < npages; i++)
		vm_page_alloc_init(&m[i], req);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (m);
}

/* ---- Freeing ------------------------------------------------------------ */

/*
 * Make an allocated page ready for the free queues: owned by nobody, on no
 * paging queue, its wiring (a NOOBJ page may be freed wired) and its data
 * state gone.  Only PG_ZERO may survive, when the caller knows it holds.
 */
static void
vm_page_free_prep(vm_page_t m, bool zeroed)
{
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0,
	    ("%s: freeing free page %p (pa %#jx)", __func__, m, (uintmax_t)m->phys_addr));
	KASSERT(m->object == NULL && m->queue == PQ_NONE && m->hold_count == 0,
	    ("%s: page %p (pa %#jx) is still in use: object %p, queue %u, hold_count %u",
	    __func__, m, (uintmax_t)m->phys_addr, m->object, m->queue, m->hold_count));
	if (m->wire_count != 0) {
		KASSERT(m->wire_count == 1 && cnt.v_wire_count > 0,
		    ("%s: page %p (pa %#jx) wired %u times", __func__, m,
		    (uintmax_t)m->phys_addr, m->wire_count));
		cnt.v_wire_count--;
		m->wire_count = 0;
	}
	m->flags = zeroed ? PG_ZERO : 0;
	m->oflags = 0;
	m->valid = m->dirty = 0;
	m->act_count = 0;
}

/*
 * Free a page: off its paging queue and out of its object first.  A held
 * page cannot go yet (someone still reads it): it waits on PQ_HOLD, owned
 * by nobody, until vm_page_unhold drops the last hold and frees it.
 */
static void
vm_page_free_toq(vm_page_t m, bool zeroed)
{
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0,
	    ("%s: freeing %s page %p (pa %#jx)", __func__,
	    (m->flags & PG_CACHED) ? "cached" : "free", m, (uintmax_t)m->phys_addr));
	KASSERT(m->busy == 0, ("%s: page %p has I/O in progress", __func__, m));
	if (m->queue != PQ_NONE)
		vm_pageq_remove(m);
	if (m->object != NULL)
		vm_page_remove(m);
	if (m->hold_count != 0) {
		if (m->wire_count != 0) {
			KASSERT(m->wire_count == 1, ("%s: page %p wired %u times", __func__,
			    m, m->wire_count));
			m->wire_count = 0;
			cnt.v_wire_count--;
		}
		m->flags &= ~PG_ZERO;
		vm_pageq_enqueue(PQ_HOLD, m);
		return;
	}
	vm_page_free_prep(m, zeroed);
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_batch_free(m);
	vm_page_free_wakeup();
	mtx_unlock(&vm_page_queue_free_mtx);
}

void
vm_page_free(vm_page_t m)
{
	vm_page_free_toq(m, false);
}

/* Free a page the caller knows to be all zeroes: PG_ZERO saves a later clear. */
void
vm_page_free_zero(vm_page_t m)
{
	vm_page_free_toq(m, true);
}

/*
 * Free `npages` contiguous pages from m, as vm_page_alloc_contig() (or
 * contigmalloc) returned them: no object, unmanaged, each wired at most once.
 * Each page is reset as vm_page_free would; then the run goes back in the
 * largest aligned blocks (vm_phys_free_contig), not page by page.
 */
void
vm_page_free_contig(vm_page_t m, u_long npages)
{
	KASSERT(npages > 0, ("%s: npages is 0", __func__));
	for (u_long i = 0; i < npages; i++) {
		KASSERT((m[i].flags & PG_FREE) == 0, ("%s: freeing free page %p (pa %#jx)",
		    __func__, &m[i], (uintmax_t)m[i].phys_addr));
		KASSERT((m[i].flags & PG_UNMANAGED) != 0,
		    ("%s: page %lu of %lu (pa %#jx) is managed: not from vm_page_alloc_contig",
		    __func__, i, npages, (uintmax_t)m[i].phys_addr));
		KASSERT(i == 0 || m[i].phys_addr == m[0].phys_addr + ptoa(i),
		    ("%s: page %lu (pa %#jx) does not follow %#jx", __func__, i,
		    (uintmax_t)m[i].phys_addr, (uintmax_t)m[0].phys_addr));
		vm_page_free_prep(&m[i], false);
	}
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_free_contig(m, npages);
	mtx_unlock(&vm_page_queue_free_mtx);
}

/* ---- Objects' pages: the splay trees ------------------------------------ */

/*
 * Top-down splay (Sleator and Tarjan), as FreeBSD 7's vm_page_splay: the
 * page with `pindex`, or the last page on the search path for it (its
 * predecessor or successor), becomes the root of the tree; returns it.
 * Nodes link through m->left and m->right; an object's resident tree and its
 * cache tree are two such trees.
 *
 *   left tree (all < pindex)   root   right tree (all > pindex)
 *   built down its right spine  |     built down its left spine
 */
vm_page_t
vm_page_splay(vm_pindex_t pindex, vm_page_t root)
{
	struct vm_page dummy;
	vm_page_t lefttreemax, righttreemin, y;

	if (root == NULL)
		return (NULL);
	dummy.left = dummy.right = NULL;
	lefttreemax = righttreemin = &dummy;
	for (;; root = y) {
		if (pindex < root->pindex) {
			if ((y = root->left) == NULL)
				break;
			if (pindex < y->pindex) {	/* zig-zig: rotate right */
				root->left = y->right;
				y->right = root;
				root = y;
				if ((y = root->left) == NULL)
					break;
			}
			righttreemin->left = root;	/* root joins the right tree */
			righttreemin = root;
		} else if (pindex > root->pindex) {
			if ((y = root->right) == NULL)
				break;
			if (pindex > y->pindex) {	/* zag-zag: rotate left */
				root->right = y->left;
				y->left = root;
				root = y;
				if ((y = root->right) == NULL)
					break;
			}
			lefttreemax->right = root;	/* root joins the left tree */
			lefttreemax = root;
		} else
			break;
	}
	lefttreemax->right = root->left;
	righttreemin->left = root->right;
	root->left = dummy.right;
	root->right = dummy.left;
	return (root);
}

/* Insert m (m->pindex set) into the tree at root; returns the new root, m. */
static vm_page_t
vm_page_tree_insert(vm_page_t root, vm_page_t m)
{
	if (root == NULL) {
		m->left = m->right = NULL;
		return (m);
	}
	root = vm_page_splay(m->pindex, root);
	KASSERT(root->pindex != m->pindex, ("%s: pages %p and %p both at pindex %ju of "
	    "object %p", __func__, root, m, (uintmax_t)m->pindex, m->object));
	if (m->pindex < root->pindex) {
		m->left = root->left;
		m->right = root;
		root->left = NULL;
	} else {
		m->right = root->right;
		m->left = root;
		root->right = NULL;
	}
	return (m);
}

/* Remove m from the tree at root; returns the new root. */
static vm_page_t
vm_page_tree_remove(vm_page_t root, vm_page_t m)
{
	if (root != m)
		root = vm_page_splay(m->pindex, root);
	KASSERT(root == m, ("%s: page %p is not in the tree (pindex %ju)", __func__, m,
	    (uintmax_t)m->pindex));
	if (m->left == NULL)
		root = m->right;
	else {
		root = vm_page_splay(m->pindex, m->left);	/* m's predecessor, no right child */
		root->right = m->right;
	}
	m->left = m->right = NULL;
	return (root);
}

/*
 * The page with the least pindex >= `pindex` in the tree *rootp (splayed),
 * or NULL.  Only the cache queue uses it: __unused for lab trees, where
 * those functions are stubs.
 */
static __unused vm_page_t
vm_page_tree_ge(vm_page_t *rootp, vm_pindex_t pindex)
{
	vm_page_t root = *rootp;

	if (root == NULL)
		return (NULL);
	*rootp = root = vm_page_splay(pindex, root);
	if (root->pindex >= pindex)
		return (root);
	/* root is the predecessor: everything to its right is > pindex */
	if (root->right == NULL)
		return (NULL);
	root->right = vm_page_splay(pindex, root->right);
	return (root->right);
}

/* The page at pindex, searched without splaying (for checks that must not move things). */
vm_page_t
vm_page_tree_find(vm_page_t root, vm_pindex_t pindex)
{
	while (root != NULL && root->pindex != pindex)
		root = pindex < root->pindex ? root->left : root->right;
	return (root);
}

/* ---- Objects' pages ----------------------------------------------------- */

/*
 * Make m the object's page at pindex: into the resident tree and, in pindex
 * order, memq.  A cached page of the object at the same pindex holds older
 * data than m: it becomes free (a page is never both resident and cached).
 */
void
vm_page_insert(vm_page_t m, struct vm_object *object, vm_pindex_t pindex)
{
	vm_page_t root;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(m->object == NULL, ("%s: page %p already in object %p", __func__, m,
	    m->object));
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0, ("%s: page %p is free or cached",
	    __func__, m));
	if (object->cache != NULL)
		vm_page_cache_free(object, pindex, pindex + 1);
	m->object = object;
	m->pindex = pindex;
	root = object->root;
	if (root == NULL)
		TAILQ_INSERT_TAIL(&object->memq, m, listq);
	else {
		object->root = root = vm_page_splay(pindex, root);
		/* root is m's neighbour in pindex order: memq goes beside it */
		if (pindex < root->pindex)
			TAILQ_INSERT_BEFORE(root, m, listq);
		else
			TAILQ_INSERT_AFTER(&object->memq, root, m, listq);
	}
	object->root = vm_page_tree_insert(object->root, m);
	object->resident_page_count++;
}

/*
 * Take m out of its object (resident tree and memq); it keeps its queue and
 * wiring.  The page is no longer the object's to be busy for: VPO_BUSY goes.
 */
void
vm_page_remove(vm_page_t m)
{
	struct vm_object *object = m->object;

	if (object == NULL)
		return;
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	m->oflags &= ~(VPO_BUSY | VPO_WANTED);
	object->root = vm_page_tree_remove(object->root, m);
	TAILQ_REMOVE(&object->memq, m, listq);
	KASSERT(object->resident_page_count > 0, ("%s: object %p counts no pages", __func__,
	    object));
	object->resident_page_count--;
	m->object = NULL;
}

/* The object's resident page at pindex, or NULL (cached pages are not resident). */
vm_page_t
vm_page_lookup(struct vm_object *object, vm_pindex_t pindex)
{
	vm_page_t m;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	if ((m = object->root) != NULL && m->pindex != pindex)
		object->root = m = vm_page_splay(pindex, m);
	return (m != NULL && m->pindex == pindex ? m : NULL);
}

/*
 * Move m to new_pindex of new_object (both locked).  Its data now belongs to
 * an object whose backing store has never seen it: dirty.
 */
void
vm_page_rename(vm_page_t m, struct vm_object *new_object, vm_pindex_t new_pindex)
{
	vm_page_remove(m);
	vm_page_insert(m, new_object, new_pindex);
	vm_page_dirty(m);
}

/*
 * The object's page at pindex, busy (unless VM_ALLOC_NOBUSY) and wired with
 * VM_ALLOC_WIRED: the resident one, or a reactivated cached one, or a new
 * one (zeroed with VM_ALLOC_ZERO).  A resident page that is busy (a pager
 * writing it) or memory that is short: with VM_ALLOC_RETRY, sleep
 * (vm_page_sleep, VM_WAIT: the object lock is dropped meanwhile) and look
 * again, NULL only when the page daemon has nothing left to reclaim;
 * without it, NULL at once (for callers that must not sleep).  Object locked.
 */
vm_page_t
vm_page_grab(struct vm_object *object, vm_pindex_t pindex, int allocflags)
{
	vm_page_t m;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
retrylookup:
	if ((m = vm_page_lookup(object, pindex)) != NULL) {
		if ((m->oflags & VPO_BUSY) != 0 || m->busy != 0) {
			if ((allocflags & VM_ALLOC_RETRY) == 0)
				return (NULL);
			vm_page_sleep(m, "pgrbwt");
			goto retrylookup;
		}
		if (allocflags & VM_ALLOC_WIRED) {
			vm_page_lock_queues();
			vm_page_wire(m);
			vm_page_unlock_queues();
		}
		if ((allocflags & VM_ALLOC_NOBUSY) == 0)
			m->oflags |= VPO_BUSY;
		return (m);
	}
	m = vm_page_alloc(object, pindex, allocflags & ~VM_ALLOC_RETRY);
	if (m == NULL) {
		if ((allocflags & VM_ALLOC_RETRY) == 0)
			return (NULL);
		VM_OBJECT_UNLOCK(object);
		if (VM_WAIT != 0) {
			VM_OBJECT_LOCK(object);
			return (NULL);		/* out of memory: nothing to reclaim */
		}
		VM_OBJECT_LOCK(object);
		goto retrylookup;
	}
	if ((allocflags & VM_ALLOC_ZERO) != 0 && m->valid == 0 && (m->flags & PG_ZERO) == 0)
		pmap_zero_page(m);
	return (m);
}

/*
 * Sleep until m is neither busy nor under I/O (the object lock is dropped
 * meanwhile and held again on return); the page may be gone by then, so
 * callers look it up again.  Object locked.
 */
void
vm_page_sleep(vm_page_t m, const char *wmesg)
{
	struct vm_object *object = m->object;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	m->oflags |= VPO_WANTED;
	cnt.v_pgsleep++;
	msleep(m, &object->mtx, 0, wmesg, 0);
}

/* The caller is done with a busy page: wake whoever waits for it. */
void
vm_page_wakeup(vm_page_t m)
{
	KASSERT(m->oflags & VPO_BUSY, ("%s: page %p is not busy", __func__, m));
	if (m->object != NULL)
		VM_OBJECT_LOCK_ASSERT(m->object, MA_OWNED);
	m->oflags &= ~VPO_BUSY;
	if (m->oflags & VPO_WANTED) {
		m->oflags &= ~VPO_WANTED;
		wakeup(m);
	}
}

/* Pager I/O starts on m (m->busy, FreeBSD's vm_page_io_start).  Object locked. */
void
vm_page_io_start(vm_page_t m)
{
	VM_OBJECT_LOCK_ASSERT(m->object, MA_OWNED);
	m->busy++;
	KASSERT(m->busy != 0, ("%s: page %p busy overflow", __func__, m));
}

/* Pager I/O on m is done; the last one wakes sleepers.  Object locked. */
void
vm_page_io_finish(vm_page_t m)
{
	VM_OBJECT_LOCK_ASSERT(m->object, MA_OWNED);
	KASSERT(m->busy > 0, ("%s: page %p has no I/O in progress", __func__, m));
	if (--m->busy == 0 && (m->oflags & VPO_WANTED) != 0 && (m->oflags & VPO_BUSY) == 0) {
		m->oflags &= ~VPO_WANTED;
		wakeup(m);
	}
}

/* ---- Page states: the paging queues ------------------------------------ */

struct vpgqueues vm_page_queues[PQ_COUNT];

void
vm_pageq_init(void)
{
	static u_int none;

	vm_page_queues[PQ_NONE].cnt = &none;
	vm_page_queues[PQ_INACTIVE].cnt = &cnt.v_inactive_count;
	vm_page_queues[PQ_ACTIVE].cnt = &cnt.v_active_count;
	vm_page_queues[PQ_HOLD].cnt = &cnt.v_hold_count;
	for (int q = 0; q < PQ_COUNT; q++)
		TAILQ_INIT(&vm_page_queues[q].pl);
}

/* Put m, on no queue, at the tail of `queue`, counted. */
void
vm_pageq_enqueue(int queue, vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(queue > PQ_NONE && queue < PQ_COUNT && m->queue == PQ_NONE,
	    ("%s: page %p to queue %d from %u", __func__, m, queue, m->queue));
	TAILQ_INSERT_TAIL(&vm_page_queues[queue].pl, m, pageq);
	m->queue = (uint8_t)queue;
	(*vm_page_queues[queue].cnt)++;
}

/* Take m off whatever paging queue it is on. */
void
vm_pageq_remove(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	if (m->queue == PQ_NONE)
		return;
	TAILQ_REMOVE(&vm_page_queues[m->queue].pl, m, pageq);
	(*vm_page_queues[m->queue].cnt)--;
	m->queue = PQ_NONE;
}

/* Move m to the tail of the queue it is on (the daemon's "look again later"). */
void
vm_pageq_requeue(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	if (m->queue == PQ_NONE)
		return;
	TAILQ_REMOVE(&vm_page_queues[m->queue].pl, m, pageq);
	TAILQ_INSERT_TAIL(&vm_page_queues[m->queue].pl, m, pageq);
}

static bool
vm_page_managed(vm_page_t m)
{
	return ((m->flags & (PG_UNMANAGED | PG_FICTITIOUS)) == 0);
}

/* In use: to the tail of the active queue (unless wired), act_count at least ACT_INIT. */
void
vm_page_activate(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0 && m->queue != PQ_HOLD,
	    ("%s: page %p is free, cached or freed-and-held", __func__, m));
	if (m->queue != PQ_ACTIVE) {
		vm_pageq_remove(m);
		if (m->wire_count == 0 && vm_page_managed(m))
			vm_pageq_enqueue(PQ_ACTIVE, m);
	}
	if (m->act_count < ACT_INIT)
		m->act_count = ACT_INIT;
}

/* Unused lately: to the tail of the inactive queue (unless wired), where the daemon looks. */
void
vm_page_deactivate(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0 && m->queue != PQ_HOLD,
	    ("%s: page %p is free, cached or freed-and-held", __func__, m));
	if (m->queue == PQ_INACTIVE)
		return;
	vm_pageq_remove(m);
	if (m->wire_count == 0 && vm_page_managed(m)) {
		m->flags &= ~PG_WINATCFLS;
		vm_pageq_enqueue(PQ_INACTIVE, m);
	}
}

/* Pin m in memory: off the paging queues while wire_count > 0. */
void
vm_page_wire(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT((m->flags & (PG_FREE | PG_CACHED)) == 0, ("%s: page %p is free or cached",
	    __func__, m));
	if (m->wire_count == 0) {
		if (vm_page_managed(m))
			vm_pageq_remove(m);
		cnt.v_wire_count++;
	}
	m->wire_count++;
	KASSERT(m->wire_count != 0, ("%s: page %p wire_count overflow", __func__, m));
}

/* Drop a wiring; the last one puts a managed page back on the active or inactive queue. */
void
vm_page_unwire(vm_page_t m, int activate)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(m->wire_count > 0, ("%s: page %p is not wired", __func__, m));
	if (--m->wire_count != 0)
		return;
	cnt.v_wire_count--;
	if (!vm_page_managed(m))
		return;
	if (activate)
		vm_pageq_enqueue(PQ_ACTIVE, m);
	else {
		m->flags &= ~PG_WINATCFLS;
		vm_pageq_enqueue(PQ_INACTIVE, m);
	}
}

/* Keep m from being freed under a reader; it stays in its state meanwhile. */
void
vm_page_hold(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	m->hold_count++;
	KASSERT(m->hold_count != 0, ("%s: page %p hold_count overflow", __func__, m));
}

/* Drop a hold; a page freed while held (on PQ_HOLD) is freed by the last one. */
void
vm_page_unhold(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(m->hold_count > 0, ("%s: page %p is not held", __func__, m));
	if (--m->hold_count == 0 && m->queue == PQ_HOLD)
		vm_page_free_toq(m, false);
}

/* ---- The cache queue (lab 03) ------------------------------------------- */

/*
 * Cache m: its data stays valid, but the page is free for any allocation to
 * reclaim.  Preconditions: managed, in an object, not busy, not held, not
 * wired, clean once unmapped.  Unmap it first (pmap_remove_all): a mapping
 * left behind could dirty the page after it was found clean.  An invalid
 * page, or one of an object with no backing store (OBJT_DEFAULT: nothing
 * could page it back in), is just freed.  Otherwise it leaves its queue and
 * the resident tree, joins the object's cache tree (still carrying object,
 * pindex and valid), becomes PG_CACHED and goes into the buddy queues, CACHE
 * pool, counted in v_cache_count.  Object and page-queues locks held.
 */
void
vm_page_cache(vm_page_t m)
{
	/* BEGIN LAB 03 cache
	 * stub:
	 * static bool warned;
	 *
	 * if (!warned) {
	 * 	warned = true;
	 * 	printf("lab 03: vm_page_cache: not implemented; slow path: pages are freed, "
	 * 	    "never cached (no reactivation)\n");
	 * }
	 * pmap_remove_all(m);
	 * vm_page_free(m);
	 */
	struct vm_object *object = m->object;
	vm_pindex_t pindex = m->pindex;

	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(object != NULL, ("%s: page %p belongs to no object", __func__, m));
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(vm_page_managed(m), ("%s: page %p is not managed", __func__, m));
	KASSERT((m->oflags & VPO_BUSY) == 0 && m->busy == 0,
	    ("%s: page %p is busy", __func__, m));
	KASSERT(m->hold_count == 0 && m->wire_count == 0,
	    ("%s: page %p is held (%u) or wired (%u)", __func__, m, m->hold_count,
	    m->wire_count));
	KASSERT(m->queue != PQ_HOLD, ("%s: page %p was freed", __func__, m));
	pmap_remove_all(m);
	KASSERT(m->dirty == 0, ("%s: page %p (pa %#jx, object %p pindex %ju) is dirty",
	    __func__, m, (uintmax_t)m->phys_addr, object, (uintmax_t)pindex));
	if (m->valid == 0 || object->type == OBJT_DEFAULT) {
		vm_page_free(m);
		return;
	}
	vm_pageq_remove(m);
	vm_page_remove(m);
	m->object = object;		/* the cache tree keeps the identity */
	m->pindex = pindex;
	m->flags = (m->flags & ~(PG_ZERO | PG_REFERENCED | PG_WRITEABLE)) | PG_CACHED;
	mtx_lock(&vm_page_queue_free_mtx);
	object->cache = vm_page_tree_insert(object->cache, m);
	object->cache_count++;
	vm_phys_set_pool(VM_FREEPOOL_CACHE, m, 0);
	vm_phys_free_pages(m, 0);	/* counted in v_cache_count, as PG_CACHED */
	mtx_unlock(&vm_page_queue_free_mtx);
	/* END LAB 03 cache */
}

/*
 * Reclaim: m, a cached page vm_phys just handed to an allocation (so
 * already out of the buddy queues and out of v_cache_count), leaves its old
 * object's cache tree and loses its data (valid bits, PG_CACHED).  The cache
 * tree is under the free-queue lock, which the caller holds: the old
 * object's lock is not needed - the point of the 2007 design.
 */
void
vm_page_cache_remove(vm_page_t m)
{
	/* BEGIN LAB 03 cache_remove
	 * stub:
	 * panic("lab 03: vm_page_cache_remove: not implemented (page %p was reclaimed from a cache)",
	 *     m);
	 */
	struct vm_object *object = m->object;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	KASSERT((m->flags & (PG_CACHED | PG_FREE)) == PG_CACHED && object != NULL,
	    ("%s: page %p (flags %#x, object %p) is not a reclaimed cached page", __func__, m,
	    m->flags, object));
	object->cache = vm_page_tree_remove(object->cache, m);
	object->cache_count--;
	m->object = NULL;
	m->valid = 0;
	m->flags &= ~PG_CACHED;
	/* END LAB 03 cache_remove */
}

/* The object's cached page at pindex, or NULL.  Free-queue lock held. */
vm_page_t
vm_page_cache_lookup(struct vm_object *object, vm_pindex_t pindex)
{
	/* BEGIN LAB 03 cache_lookup
	 * stub:
	 * mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	 * return (NULL);
	 */
	vm_page_t m;

	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if ((m = object->cache) == NULL)
		return (NULL);
	object->cache = m = vm_page_splay(pindex, m);
	return (m->pindex == pindex ? m : NULL);
	/* END LAB 03 cache_lookup */
}

/*
 * Reactivation: if the object has a cached page at pindex, take exactly
 * that page back out of the buddy queues (vm_phys_unfree_page, wherever
 * merges left it) and out of the cache tree, data and valid bits intact, and
 * count it (v_reactivated).  Returns it, allocated and owned by nobody, for
 * vm_page_alloc to insert; or NULL.  Free-queue lock held.
 */
static vm_page_t
vm_page_cache_reactivate(struct vm_object *object, vm_pindex_t pindex)
{
	/* BEGIN LAB 03 cache_lookup
	 * stub:
	 * return (NULL);
	 */
	vm_page_t m;

	if ((m = vm_page_cache_lookup(object, pindex)) == NULL)
		return (NULL);
	if (!vm_phys_unfree_page(m))
		panic("%s: cached page %p (pa %#jx) is not in the buddy queues", __func__, m,
		    (uintmax_t)m->phys_addr);
	vm_phys_set_pool(VM_FREEPOOL_DEFAULT, m, 0);
	object->cache = vm_page_tree_remove(object->cache, m);
	object->cache_count--;
	m->object = NULL;
	m->flags &= ~PG_CACHED;
	cnt.v_reactivated++;
	return (m);
	/* END LAB 03 cache_lookup */
}

/*
 * Turn the object's cached pages in [start, end) (end 0: to the end) into
 * free pages: out of the cache tree, identity and valid bits gone, PG_FREE
 * instead of PG_CACHED, counted from v_cache_count into v_free_count.  They
 * stay where they are in the buddy queues.  vm_object_page_remove calls it
 * even for an object with no resident pages: else a file truncated and
 * regrown would find its old data again.
 */
void
vm_page_cache_free(struct vm_object *object, vm_pindex_t start, vm_pindex_t end)
{
	/* BEGIN LAB 03 cache_free
	 * stub:
	 * bool empty;
	 *
	 * mtx_lock(&vm_page_queue_free_mtx);
	 * empty = object->cache == NULL;
	 * mtx_unlock(&vm_page_queue_free_mtx);
	 * if (!empty)
	 * 	panic("lab 03: vm_page_cache_free: not implemented (object %p has cached pages)",
	 * 	    object);
	 */
	vm_page_t m;

	mtx_lock(&vm_page_queue_free_mtx);
	while ((m = vm_page_tree_ge(&object->cache, start)) != NULL &&
	    (end == 0 || m->pindex < end)) {
		KASSERT((m->flags & (PG_CACHED | PG_FREE)) == PG_CACHED,
		    ("%s: page %p in object %p's cache tree is not cached", __func__, m, object));
		object->cache = vm_page_tree_remove(object->cache, m);
		object->cache_count--;
		m->object = NULL;
		m->valid = 0;
		m->flags = (m->flags & ~PG_CACHED) | PG_FREE;
		cnt.v_cache_count--;
		cnt.v_free_count++;
	}
	mtx_unlock(&vm_page_queue_free_mtx);
	/* END LAB 03 cache_free */
}

/*
 * An object is being split, or collapsed into its shadow: move
 * orig_object's cached pages from offidxstart on to new_object, re-based to
 * start at 0 - unless new_object already has that pindex, resident or
 * cached (its copy is newer: the page stays in orig_object, to be freed
 * with it).  Pages that would land at or past new_object's size stay in
 * orig_object.  Both objects locked.
 */
void
vm_page_cache_transfer(struct vm_object *orig_object, vm_pindex_t offidxstart,
    struct vm_object *new_object)
{
	/* BEGIN LAB 03 cache_transfer
	 * stub:
	 * bool empty;
	 *
	 * mtx_lock(&vm_page_queue_free_mtx);
	 * empty = orig_object->cache == NULL;
	 * mtx_unlock(&vm_page_queue_free_mtx);
	 * if (!empty)
	 * 	panic("lab 03: vm_page_cache_transfer: not implemented (object %p has cached pages)",
	 * 	    orig_object);
	 */
	vm_pindex_t from = offidxstart;
	vm_page_t m;

	VM_OBJECT_LOCK_ASSERT(orig_object, MA_OWNED);
	VM_OBJECT_LOCK_ASSERT(new_object, MA_OWNED);
	mtx_lock(&vm_page_queue_free_mtx);
	while ((m = vm_page_tree_ge(&orig_object->cache, from)) != NULL &&
	    m->pindex - offidxstart < new_object->size) {
		from = m->pindex + 1;
		if (vm_page_tree_find(new_object->cache, m->pindex - offidxstart) != NULL ||
		    vm_page_lookup(new_object, m->pindex - offidxstart) != NULL)
			continue;		/* new_object's own copy: this one stays */
		orig_object->cache = vm_page_tree_remove(orig_object->cache, m);
		orig_object->cache_count--;
		m->object = new_object;
		m->pindex -= offidxstart;
		new_object->cache = vm_page_tree_insert(new_object->cache, m);
		new_object->cache_count++;
	}
	mtx_unlock(&vm_page_queue_free_mtx);
	/* END LAB 03 cache_transfer */
}

/* ---- Copy-on-write loans (zero-copy send; lab 04) ---------------------- */

/*
 * FreeBSD's page-level copy-on-write, for pages loaned to I/O without a
 * copy (kern_send.c's zero-copy send).  The lender wires the page and calls
 * vm_page_cowsetup: m->cow counts the loans, and no mapping of the page is
 * writable while any is out, so the device reads what the page held at send
 * time.  A write to it faults; vm_fault finds the page in the entry's own
 * object with m->cow != 0 and calls vm_page_cowfault, which gives the
 * object a copy and leaves the original to the loans.  When a loan ends the
 * lender calls vm_page_cowclear and unwires; a page the copy replaced is
 * then in no object, and its last loan frees it.
 */

/*
 * Loan m: one more m->cow, every mapping made read-only (pmap_remove_write),
 * so the next write faults.  The caller has wired m for the loan.  Object
 * (m's) and page-queues locks held; EBUSY if the count would overflow.
 */
int
vm_page_cowsetup(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(m->object != NULL, ("%s: page %p belongs to no object", __func__, m));
	VM_OBJECT_LOCK_ASSERT(m->object, MA_OWNED);
	KASSERT(m->wire_count > m->cow, ("%s: page %p: %u loans, %u wirings", __func__, m,
	    m->cow, m->wire_count));
	if (m->cow == 0xffff)
		return (EBUSY);
	m->cow++;
	pmap_remove_write(m);
	return (0);
}

/*
 * A loan of m ended: one less m->cow.  The caller unwires it next (and
 * frees it if that was its last wiring and it is in no object: the page a
 * vm_page_cowfault replaced).  Page-queues lock held.
 */
void
vm_page_cowclear(vm_page_t m)
{
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(m->cow > 0 && m->wire_count >= m->cow,
	    ("%s: page %p: %u loans, %u wirings", __func__, m, m->cow, m->wire_count));
	m->cow--;
}

/*
 * A write to m, which is loaned (m->cow > 0): replace m in its object, at
 * the same pindex, with a copy the writer may change, and leave m itself to
 * the loans.  Every mapping of m goes first (pmap_remove_all), not only the
 * faulting one: another process mapping the same page, or the kernel's
 * copyout, would otherwise go on writing into the page being sent.  The
 * wirings split: the copy takes those that are not the loans' (m->wire_count
 * - m->cow, e.g. an mlock), m keeps exactly m->cow, and leaves its object:
 * its last loan frees it (kern_send.c).  v_cowfaults_loan counts the copies.
 *
 * With no free page it sleeps (VM_WAIT, object unlocked), and on waking
 * tries again only if m is still the object's page at pindex: while it
 * slept the loan may have ended, the page been unwired and then freed,
 * cached or moved elsewhere (the seed's fix - without the check it would
 * take a page that is no longer this object's).  If the loans ended while it
 * slept (m->cow == 0) there is nothing to copy: m stays where it is.
 *
 * Called from vm_fault: m's object locked, with paging in progress (so the
 * object outlives the sleep), m not busy.  Returns 0 - the caller looks up
 * pindex again, whatever page is there now - or ENOMEM when the page daemon
 * found nothing to reclaim.
 */
int
vm_page_cowfault(vm_page_t m)
{
	/* BEGIN LAB 04 cowfault
	 * stub:
	 * panic("lab 04: vm_page_cowfault: not implemented (page %p, %u loans)", m, m->cow);
	 */
	struct vm_object *object = m->object;
	vm_pindex_t pindex = m->pindex;
	vm_page_t mnew;

	KASSERT(object != NULL, ("%s: page %p belongs to no object", __func__, m));
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(object->paging_in_progress != 0,
	    ("%s: object %p has no paging in progress", __func__, object));
	KASSERT((m->oflags & VPO_BUSY) == 0, ("%s: page %p is busy", __func__, m));
retry:
	vm_page_lock_queues();
	pmap_remove_all(m);
	vm_page_remove(m);
	mnew = vm_page_alloc(object, pindex, VM_ALLOC_NORMAL | VM_ALLOC_NOBUSY);
	if (mnew == NULL) {
		vm_page_insert(m, object, pindex);
		vm_page_unlock_queues();
		VM_OBJECT_UNLOCK(object);
		if (VM_WAIT != 0) {
			VM_OBJECT_LOCK(object);
			return (ENOMEM);
		}
		VM_OBJECT_LOCK(object);
		if (vm_page_lookup(object, pindex) != m)
			return (0);		/* gone while we slept: not ours to replace */
		goto retry;
	}
	if (m->cow == 0) {
		/* the loans ended while we slept: put things back */
		vm_page_free(mnew);
		vm_page_insert(m, object, pindex);
	} else {
		pmap_copy_page(m, mnew);
		mnew->valid = VM_PAGE_BITS_ALL;
		vm_page_dirty(mnew);
		mnew->wire_count = m->wire_count - m->cow;
		if (mnew->wire_count > 0)
			cnt.v_wire_count++;
		m->wire_count = m->cow;
		cnt.v_cowfaults_loan++;
	}
	vm_page_unlock_queues();
	return (0);
	/* END LAB 04 cowfault */
}

/* ---- Checking ----------------------------------------------------------- */

#define	CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		snprintf(why, size, __VA_ARGS__);			\
		return (-1);						\
	}								\
} while (0)

/*
 * Walk one of an object's trees in order without recursion or splaying
 * (Morris: threads through empty right links, undone on the way): every
 * node must belong to `object`, be cached or not as the tree says, and come
 * in strictly increasing pindex order.  Returns the node count, or -1 with
 * why set (the walk still finishes, so the tree is left as it was).
 */
static long
vm_page_tree_check(vm_page_t root, struct vm_object *object, bool cache, char *why,
    size_t size)
{
	vm_page_t cur = root, pre;
	long n = 0;
	bool bad = false;
	vm_pindex_t last = 0;

	while (cur != NULL) {
		if (cur->left != NULL) {
			for (pre = cur->left; pre->right != NULL && pre->right != cur; pre = pre->right)
				;
			if (pre->right == NULL) {
				pre->right = cur;
				cur = cur->left;
				continue;
			}
			pre->right = NULL;
		}
		if (!bad && ((n > 0 && cur->pindex <= last) || cur->object != object ||
		    ((cur->flags & PG_CACHED) != 0) != cache)) {
			snprintf(why, size, "object %p's %s tree: page %p (pa %#jx) at pindex %ju: "
			    "object %p, flags %#x, previous pindex %ju", object,
			    cache ? "cache" : "resident", cur, (uintmax_t)cur->phys_addr,
			    (uintmax_t)cur->pindex, cur->object, cur->flags, (uintmax_t)last);
			bad = true;
		}
		last = cur->pindex;
		n++;
		cur = cur->right;
	}
	return (bad ? -1 : n);
}

/* One page: in exactly one state, consistent with its object.  Counts it in st[]. */
enum { ST_FREE, ST_CACHED, ST_WIRED, ST_QUEUE, ST_OTHER = ST_QUEUE + PQ_COUNT, ST_N };

static int
vm_page_check_page(vm_page_t m, u_int *st, char *why, size_t size)
{
	bool f = (m->flags & PG_FREE) != 0, c = (m->flags & PG_CACHED) != 0;
	uintmax_t pa = (uintmax_t)m->phys_addr;

	CHECK(!(f && c), "page %#jx is both PG_FREE and PG_CACHED", pa);
	if (f || c) {
		CHECK(m->queue == PQ_NONE && m->wire_count == 0 && m->hold_count == 0,
		    "%s page %#jx is on queue %u, wired %u, held %u", f ? "free" : "cached", pa,
		    m->queue, m->wire_count, m->hold_count);
		if (f) {
			CHECK(m->object == NULL, "free page %#jx belongs to object %p", pa, m->object);
			st[ST_FREE]++;
			return (0);
		}
		CHECK(m->dirty == 0 && m->valid != 0, "cached page %#jx: valid %#x dirty %#x",
		    pa, m->valid, m->dirty);
		CHECK(m->object != NULL && vm_page_tree_find(m->object->cache, m->pindex) == m,
		    "cached page %#jx (object %p pindex %ju) is not in its object's cache tree",
		    pa, m->object, (uintmax_t)m->pindex);
		CHECK(vm_page_tree_find(m->object->root, m->pindex) == NULL,
		    "object %p has page %#jx both cached and resident (page %p) at pindex %ju",
		    m->object, pa, vm_page_tree_find(m->object->root, m->pindex),
		    (uintmax_t)m->pindex);
		st[ST_CACHED]++;
		return (0);
	}
	if (m->object != NULL)
		CHECK(vm_page_tree_find(m->object->root, m->pindex) == m,
		    "page %#jx (object %p pindex %ju) is not in its object's resident tree", pa,
		    m->object, (uintmax_t)m->pindex);
	if (m->wire_count > 0) {
		CHECK(m->queue == PQ_NONE, "wired page %#jx is on queue %u", pa, m->queue);
		st[ST_WIRED]++;
	} else if (m->queue != PQ_NONE) {
		CHECK(m->queue < PQ_COUNT, "page %#jx: queue %u", pa, m->queue);
		CHECK(m->queue != PQ_HOLD || (m->object == NULL && m->hold_count > 0),
		    "page %#jx on PQ_HOLD: object %p, hold_count %u", pa, m->object, m->hold_count);
		st[ST_QUEUE + m->queue]++;
	} else {
		/* Unmanaged kernel pages, managed pages of no object, and an
		 * object's page being set up (busy) have no state of their own. */
		CHECK(m->object == NULL || (m->oflags & VPO_BUSY) != 0,
		    "page %#jx of object %p pindex %ju is in no state: not wired, on no queue, "
		    "not busy", pa, m->object, (uintmax_t)m->pindex);
		st[ST_OTHER]++;
	}
	return (0);
}

/*
 * Every page-state invariant, O(pages + objects' pages): the buddy queues
 * (vm_phys_check); each page in exactly one state, a cached page clean,
 * valid and in exactly its object's cache tree, no page both resident and
 * cached; the paging queues and objects' trees and lists as their counters
 * say; free + cached + active + inactive + hold + wired + no-state pages =
 * v_page_count.  Returns 0, or -1 with the first broken one in why.
 */
static int
vm_page_check_locked(char *why, size_t size)
{
	u_int st[ST_N] = { 0 };
	struct vm_object *object;
	u_long cached = 0, sum = 0;
	vm_page_t m;
	long n;

	if (vm_phys_check(why, size) != 0)
		return (-1);
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];

		for (m = seg->first_page; m < seg->first_page + atop(seg->end - seg->start); m++)
			if (vm_page_check_page(m, st, why, size) != 0)
				return (-1);
	}
	CHECK(st[ST_FREE] == cnt.v_free_count && st[ST_CACHED] == cnt.v_cache_count &&
	    st[ST_WIRED] == cnt.v_wire_count, "pages: %u free, %u cached, %u wired; counters: "
	    "%u, %u, %u", st[ST_FREE], st[ST_CACHED], st[ST_WIRED], cnt.v_free_count,
	    cnt.v_cache_count, cnt.v_wire_count);
	for (int q = PQ_NONE + 1; q < PQ_COUNT; q++) {
		n = 0;
		TAILQ_FOREACH(m, &vm_page_queues[q].pl, pageq) {
			CHECK(m->queue == q, "page %#jx on queue %d says queue %u",
			    (uintmax_t)m->phys_addr, q, m->queue);
			n++;
		}
		CHECK((u_long)n == st[ST_QUEUE + q] && n == (long)*vm_page_queues[q].cnt,
		    "queue %d: %ld pages linked, %u pages say so, counter %u", q, n,
		    st[ST_QUEUE + q], *vm_page_queues[q].cnt);
	}
	TAILQ_FOREACH(object, &vm_object_list, object_list) {
		vm_pindex_t last = 0;

		n = 0;
		TAILQ_FOREACH(m, &object->memq, listq) {
			CHECK(m->object == object && (n == 0 || m->pindex > last),
			    "object %p memq: page %#jx (object %p) at pindex %ju after %ju", object,
			    (uintmax_t)m->phys_addr, m->object, (uintmax_t)m->pindex, (uintmax_t)last);
			last = m->pindex;
			n++;
		}
		CHECK(n == object->resident_page_count, "object %p: memq has %ld pages, "
		    "resident_page_count %d", object, n, object->resident_page_count);
		if ((n = vm_page_tree_check(object->root, object, false, why, size)) < 0)
			return (-1);
		CHECK(n == object->resident_page_count, "object %p: resident tree has %ld pages, "
		    "resident_page_count %d", object, n, object->resident_page_count);
		if ((n = vm_page_tree_check(object->cache, object, true, why, size)) < 0)
			return (-1);
		CHECK(n == object->cache_count, "object %p: cache tree has %ld pages, cache_count %d",
		    object, n, object->cache_count);
		cached += (u_long)n;
	}
	CHECK(cached == cnt.v_cache_count, "objects' cache trees hold %lu pages, v_cache_count %u",
	    cached, cnt.v_cache_count);
	for (int i = 0; i < ST_N; i++)
		sum += st[i];
	CHECK(sum == cnt.v_page_count, "%lu pages in states, v_page_count %u", sum,
	    cnt.v_page_count);
	return (0);
}

/* vm_page_check under the page-queue and free-queue locks (vm_lock.h's order). */
int
vm_page_check(char *why, size_t size)
{
	int rc;

	vm_page_lock_queues();
	mtx_lock(&vm_page_queue_free_mtx);
	rc = vm_page_check_locked(why, size);
	mtx_unlock(&vm_page_queue_free_mtx);
	vm_page_unlock_queues();
	return (rc);
}

#undef CHECK

/* ---- The minidump bitmap ------------------------------------------------ */

void
dump_add_page(vm_paddr_t pa)
{
	vm_paddr_t idx = atop(pa);

	if (vm_page_dump != NULL && idx / 32 < vm_page_dump_size / sizeof(uint32_t))
		vm_page_dump[idx / 32] |= 1u << (idx % 32);
}

void
dump_drop_page(vm_paddr_t pa)
{
	vm_paddr_t idx = atop(pa);

	if (vm_page_dump != NULL && idx / 32 < vm_page_dump_size / sizeof(uint32_t))
		vm_page_dump[idx / 32] &= ~(1u << (idx % 32));
}

/* ---- Inspection --------------------------------------------------------- */

const char *
vm_page_state(vm_page_t m)
{
	if (m->segind == VM_PHYSSEG_NONE)
		return ("absent");
	if (m->flags & PG_CACHED)
		return ("cached");
	if (m->flags & PG_FREE)
		return ("free");
	if (m->wire_count > 0)
		return ("wired");
	switch (m->queue) {
	case PQ_ACTIVE:
		return ("active");
	case PQ_INACTIVE:
		return ("inactive");
	case PQ_HOLD:
		return ("hold");
	}
	return ("allocated");
}

void
vm_page_print(vm_page_t m)
{
	printf("vm_page %p: pa %#jx, %s\n", m, (uintmax_t)m->phys_addr, vm_page_state(m));
	printf("  flags %#x oflags %#x queue %u order %u pool %u segind %u\n",
	    m->flags, m->oflags, m->queue, m->order, m->pool, m->segind);
	printf("  object %p pindex %ju valid %#x dirty %#x busy %u\n",
	    m->object, (uintmax_t)m->pindex, m->valid, m->dirty, m->busy);
	printf("  wire_count %u hold_count %u cow %u\n", m->wire_count, m->hold_count, m->cow);
}

MONITOR_CMD(pages, "[check]", "segments, the page array, page counts by state")
{
	static const char *const states[] = { "free", "cached", "wired", "active",
	    "inactive", "hold", "allocated" };
	u_long count[nitems(states)] = { 0 };
	char why[200];

	if (!vm_page_started) {
		printf("the VM system is off: no page array\n");
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		if (vm_page_check(why, sizeof(why)) == 0)
			printf("all page-state invariants hold\n");
		else
			printf("BROKEN: %s\n", why);
		return (0);
	}
	printf("vm_page_array %p..%p: %ld entries of %zu bytes (pa %#jx)\n",
	    vm_page_array, vm_page_array + vm_page_array_size, vm_page_array_size,
	    sizeof(struct vm_page), (uintmax_t)vm_page_array_pa);
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];

		printf("  seg %d: %#011jx - %#011jx %8ju pages, first_page %p, free list %d\n", s,
		    (uintmax_t)seg->start, (uintmax_t)seg->end,
		    (uintmax_t)atop(seg->end - seg->start), seg->first_page, seg->freelist);
		for (vm_page_t m = seg->first_page; m < seg->first_page + atop(seg->end - seg->start); m++)
			for (unsigned k = 0; k < nitems(states); k++)
				if (strcmp(vm_page_state(m), states[k]) == 0) {
					count[k]++;
					break;
				}
	}
	for (unsigned k = 0; k < nitems(states); k++)
		printf("  %-9s %8lu\n", states[k], count[k]);
	mtx_lock(&vm_page_queue_free_mtx);
	printf("  (free: %lu in the order-0 batches, the rest in the buddy queues)\n",
	    vm_phys_batch_pages());
	mtx_unlock(&vm_page_queue_free_mtx);
	return (0);
}

MONITOR_CMD(page, "<paddr>", "print the struct vm_page of a physical address")
{
	vm_page_t m;
	char *end;
	vm_paddr_t pa;
	uint64_t v;
	int error;

	if (argc != 2) {
		printf("usage: page <paddr>\n");
		return (0);
	}
	error = kstrtou64(argv[1], &end, PADDR_MAX, &v);
	if (error == ERANGE && *end == '\0') {
		printf("page: %s is above %#jx, the last address %s can use\n", argv[1],
		    (uintmax_t)PADDR_MAX, MACHINE_CONFIG);
		return (0);
	}
	if (error != 0 || *end != '\0') {
		printf("page: \"%s\" is not an address\n", argv[1]);
		return (0);
	}
	pa = (vm_paddr_t)v;
	if (!vm_page_started || (m = PHYS_TO_VM_PAGE(pa)) == NULL) {
		printf("no vm_page for %#jx\n", (uintmax_t)pa);
		return (0);
	}
	vm_page_print(m);
	return (0);
}

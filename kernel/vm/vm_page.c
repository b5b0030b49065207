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
 * allocation and freeing - and maps nothing itself: the mapping of the
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
#include <vm/vmmeter.h>

vm_page_t vm_page_array;
long vm_page_array_size;
long first_page;
uint32_t *vm_page_dump;
vm_size_t vm_page_dump_size;
vm_paddr_t vm_page_array_pa;
vm_paddr_t vm_page_dump_pa;
static bool vm_page_started;
uint64_t vm_page_startup_cycles;	/* cpu_ticks() spent in vm_page_startup() */

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
	for (int s = 0; s < vm_phys_nsegs; s++)
		vm_page_free_range_checked(vm_phys_segs[s].start, vm_phys_segs[s].end);
}

void
vm_page_startup(void)
{
	uint64_t t0 = cpu_ticks();
	int error;

	vm_page_started = false;	/* until this run completes (the host boots many times) */

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

static void
pagedaemon_wakeup(void)
{
	cnt.v_pdwakeups++;	/* no page daemon yet: count the request */
}

/*
 * Allocate a page.  The class decides how far into the reserves it may go:
 * NORMAL leaves v_free_reserved pages, SYSTEM leaves v_interrupt_free_min,
 * INTERRUPT may take the last one.  Until objects exist (lab 03) `object`
 * must be NULL.
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

/* Make a page just taken from the free queues ready for its new owner. */
static void
vm_page_alloc_init(vm_page_t m, int req)
{
	KASSERT(m->queue == PQ_NONE && m->wire_count == 0 && m->hold_count == 0 &&
	    m->object == NULL, ("vm_page_alloc: page %p is in use", m));
	m->flags = (req & VM_ALLOC_ZERO) ? (m->flags & PG_ZERO) : 0;
	if (req & VM_ALLOC_NOOBJ)
		m->flags |= PG_UNMANAGED;
	m->oflags = (req & (VM_ALLOC_NOBUSY | VM_ALLOC_NOOBJ)) ? 0 : VPO_BUSY;
	if (req & VM_ALLOC_WIRED) {
		m->wire_count = 1;
		cnt.v_wire_count++;
	}
	m->valid = m->dirty = 0;
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

vm_page_t
vm_page_alloc(struct vm_object *object, vm_pindex_t pindex, int req)
{
	vm_page_t m;

	KASSERT(object == NULL, ("vm_page_alloc: objects are not supported yet"));
	(void)pindex;
	if (!vm_page_admit(req, 1))
		return (NULL);
	m = vm_phys_alloc_pages((req & VM_ALLOC_NOOBJ) ? vm_page_noobj_pool() : VM_FREEPOOL_DEFAULT, 0);
	if (m == NULL) {
		pagedaemon_wakeup();
		return (NULL);
	}
	vm_page_alloc_init(m, req);
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
	if (!vm_page_admit(req, 1))
		return (NULL);
	if ((m = vm_phys_alloc_freelist_pages(flind, VM_FREEPOOL_DIRECT, 0)) == NULL)
		return (NULL);
	vm_page_alloc_init(m, req);
	return (m);
}

/*
 * `npages` physically contiguous pages in [low, high), aligned, not crossing
 * `boundary` (see vm_phys_alloc_contig), each set up as vm_page_alloc would
 * with `req` (which must include VM_ALLOC_NOOBJ: contiguous pages have no
 * object).  Free them one by one with vm_page_free, or together with
 * vm_page_free_contig.
 */
vm_page_t
vm_page_alloc_contig(u_long npages, vm_paddr_t low, vm_paddr_t high, vm_paddr_t alignment,
    vm_paddr_t boundary, int req)
{
	vm_page_t m;

	KASSERT((req & VM_ALLOC_NOOBJ) != 0, ("vm_page_alloc_contig: pages without VM_ALLOC_NOOBJ"));
	if (!vm_page_admit(req, npages))
		return (NULL);
	if ((m = vm_phys_alloc_contig(npages, low, high, alignment, boundary)) == NULL)
		return (NULL);
	for (u_long i = 0; i < npages; i++)
		vm_page_alloc_init(&m[i], req);
	return (m);
}

/*
 * Make an allocated page ready for the free queues: owned by nobody, on no
 * paging queue, its wiring (a NOOBJ page may be freed wired) and its data
 * state gone.  Only PG_ZERO may survive, when the caller knows it holds.
 */
static void
vm_page_free_prep(vm_page_t m, bool zeroed)
{
	KASSERT((m->flags & PG_FREE) == 0,
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
}

static void
vm_page_free_toq(vm_page_t m, bool zeroed)
{
	vm_page_free_prep(m, zeroed);
	vm_phys_free_pages(m, 0);
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
	vm_phys_free_contig(m, npages);
}

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

MONITOR_CMD(pages, "", "segments, the page array, page counts by state")
{
	static const char *const states[] = { "free", "cached", "wired", "active",
	    "inactive", "hold", "allocated" };
	u_long count[nitems(states)] = { 0 };

	if (!vm_page_started) {
		printf("the VM system is off: no page array\n");
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

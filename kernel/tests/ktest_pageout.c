/*
 * ktest_pageout.c - the page daemon and the swap pager under memory
 * pressure (vm_pageout.c, vm_pager.c, swap_pager.c).
 *
 *   pageout_pressure  an OBJT_TEST object of pageout.pages= pages - more
 *                     than the machine's RAM at the grader's -m - written
 *                     in full, then pageout.steps= seeded steps of writes
 *                     (a new version of a page) and reads, then read back
 *                     in full.  Reads are folded, 64 at a time, into
 *                     "reads <chunk> <hash>" lines the grader recomputes
 *                     from the seed (grader/tests/test_pageout.py); the
 *                     daemon must launder and cache pages for the workload
 *                     to fit at all, and every re-read page must hold what
 *                     was last written to it.
 *   swap_pressure     the same workload on anonymous memory (OBJT_DEFAULT)
 *                     with a swap disk: the swap pager takes it over; the
 *                     grader also counts the disk's requests in QEMU's trace.
 *   map_swap          swap_pressure's workload through an address space:
 *                     each access is a fault (vm_fault: zero fill, swap-in,
 *                     reactivation) and then a load or store through the
 *                     mapping the fault made, as a user program's would be.
 *   kmem_swap         the same workload on pageable kernel memory
 *                     (kmem_alloc_pageable, vm_kmap.c): plain loads and
 *                     stores at kernel addresses, each fault taken by the
 *                     kernel's page-fault handler and resolved by vm_fault
 *                     on the kernel map.
 *   pageout_nopager   dirty anonymous pages beyond RAM with no swap (or a
 *                     swap disk too small): vm_page_grab(VM_ALLOC_RETRY)
 *                     must end in NULL (ENOMEM) with a message, not hang.
 *
 * pageout_pressure's pager is the test's own (OBJT_TEST, vm_pager_register): a backing
 * store for pages of one form only - word 0 and 1 a 64-bit key, every
 * other word low32(mix(key + i * golden)) - so it stores a key per page
 * instead of 4 KiB.  A put checks the whole page has that form (a page
 * corrupted in memory is refused and counted as bad); a get rebuilds it.
 * Puts are asynchronous: a completion thread ("ktpagerio") reports them
 * with vm_pageout_io_done, as a disk's thread will.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_map.h>
#include <vm/vm_kern.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	PAGE_WORDS	(PAGE_SIZE / sizeof(uint32_t))
#define	KTP_RING	128		/* puts in flight; more complete at once */
#define	READ_CHUNK	64		/* reads folded into one KDATA line */

/* ---- The page form the test pager stores --------------------------------- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

static uint32_t
form_word(uint64_t key, size_t i)
{
	if (i < 2)
		return ((uint32_t)(key >> (32 * i)));
	return ((uint32_t)mix64(key + i * 0x9e3779b97f4a7c15ull));
}

static void
form_fill(vm_page_t m, uint64_t key)
{
	uint32_t *w = pmap_map_temp(VM_PAGE_TO_PHYS(m));

	for (size_t i = 0; i < PAGE_WORDS; i++)
		w[i] = form_word(key, i);
	pmap_unmap_temp(w);
}

/* The page's key if the whole page has the form, else 0. */
static uint64_t
form_key(vm_page_t m)
{
	uint32_t *w = pmap_map_temp(VM_PAGE_TO_PHYS(m));
	uint64_t key = w[0] | (uint64_t)w[1] << 32;

	for (size_t i = 2; i < PAGE_WORDS && key != 0; i++)
		if (w[i] != form_word(key, i))
			key = 0;
	pmap_unmap_temp(w);
	return (key);
}

/* FNV-1a, 64 bits, over the page's 32-bit words (as ktest_object.c; the grader's copy). */
static uint64_t
page_sum(vm_page_t m)
{
	uint32_t *w = pmap_map_temp(VM_PAGE_TO_PHYS(m));
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < PAGE_WORDS; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	pmap_unmap_temp(w);
	return (h);
}

/* ---- The test pager -------------------------------------------------------- */

struct ktp_req {
	vm_object_t	obj;
	vm_page_t	ma[16];
	int		count;
};

static struct ktp {
	struct mtx	mtx;		/* the ring, stop, exited */
	uint64_t	*keys;		/* (object lock) the store: a key per pindex, 0 none */
	vm_pindex_t	npages;
	struct ktp_req	ring[KTP_RING];
	u_int		head, tail;	/* (mtx) */
	bool		stop, exited;	/* (mtx) */
	u_int		puts, put_pages, gets, bad, sync;	/* (object lock) */
} ktp;

static int
ktp_getpages(vm_object_t object, vm_page_t *ma, int count __unused, int reqpage)
{
	vm_page_t m = ma[reqpage];

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	if (m->pindex >= ktp.npages || ktp.keys[m->pindex] == 0)
		return (VM_PAGER_BAD);
	form_fill(m, ktp.keys[m->pindex]);
	m->valid = VM_PAGE_BITS_ALL;
	vm_page_undirty(m);
	ktp.gets++;
	return (VM_PAGER_OK);
}

/*
 * Store each page's key now (the data leaves memory at the write, as with
 * DMA); report the put later from the completion thread, or at once when
 * the ring is full.
 */
static void
ktp_putpages(vm_object_t object, vm_page_t *ma, int count, int flags __unused, int *rtvals)
{
	bool queued = false;
	uint64_t key;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(count <= 16, ("%s: count %d", __func__, count));
	ktp.puts++;
	for (int i = 0; i < count; i++) {
		if ((key = form_key(ma[i])) == 0 || ma[i]->pindex >= ktp.npages) {
			ktp.bad++;
			rtvals[i] = VM_PAGER_ERROR;
			continue;
		}
		ktp.keys[ma[i]->pindex] = key;
		ktp.put_pages++;
		rtvals[i] = VM_PAGER_OK;
	}
	mtx_lock(&ktp.mtx);
	if (ktp.tail - ktp.head < KTP_RING) {
		struct ktp_req *r = &ktp.ring[ktp.tail % KTP_RING];

		r->obj = object;
		r->count = 0;
		for (int i = 0; i < count; i++)
			if (rtvals[i] == VM_PAGER_OK) {
				r->ma[r->count++] = ma[i];
				rtvals[i] = VM_PAGER_PEND;
			}
		ktp.tail++;
		queued = true;
		wakeup(&ktp.ring);
	}
	mtx_unlock(&ktp.mtx);
	if (!queued)
		ktp.sync++;
}

static bool
ktp_haspage(vm_object_t object __unused, vm_pindex_t pindex)
{
	return (pindex < ktp.npages && ktp.keys[pindex] != 0);
}

static struct pagerops ktp_ops = {
	.pgo_name = "ktest",
	.pgo_getpages = ktp_getpages,
	.pgo_putpages = ktp_putpages,
	.pgo_haspage = ktp_haspage,
};

/* The completion thread: report each queued put, as a disk's thread would. */
static void
ktp_iothread(void *arg __unused)
{
	struct ktp_req r;

	mtx_lock(&ktp.mtx);
	for (;;) {
		while (ktp.head == ktp.tail && !ktp.stop)
			msleep(&ktp.ring, &ktp.mtx, 0, "ktpio", 0);
		if (ktp.head == ktp.tail)
			break;
		r = ktp.ring[ktp.head % KTP_RING];
		ktp.head++;
		mtx_unlock(&ktp.mtx);
		if (r.count > 0)
			vm_pageout_io_done(r.obj, r.ma, r.count, 0);
		mtx_lock(&ktp.mtx);
	}
	ktp.exited = true;
	wakeup(&ktp.exited);
	mtx_unlock(&ktp.mtx);
}

static bool
ktp_start(vm_pindex_t npages)
{
	memset(&ktp, 0, sizeof(ktp));
	if ((ktp.keys = calloc(npages, sizeof(uint64_t))) == NULL)
		return (false);
	ktp.npages = npages;
	mtx_init(&ktp.mtx, "ktest pager", NULL, MTX_DEF);
	if (kthread_create(ktp_iothread, NULL, NULL, "ktpagerio") != 0) {
		free(ktp.keys);
		return (false);
	}
	vm_pager_register(OBJT_TEST, &ktp_ops);
	return (true);
}

/* After the object is gone (so no put is pending): stop the thread, drop the pager. */
static void
ktp_stop(void)
{
	mtx_lock(&ktp.mtx);
	ktp.stop = true;
	wakeup(&ktp.ring);
	while (!ktp.exited)
		msleep(&ktp.exited, &ktp.mtx, 0, "ktpstop", 0);
	mtx_unlock(&ktp.mtx);
	mtx_destroy(&ktp.mtx);
	vm_pager_register(OBJT_TEST, NULL);
	free(ktp.keys);
	ktp.keys = NULL;
}

/* ---- The workload ---------------------------------------------------------- */

/*
 * The page at p, valid, busy: grab it (waiting for memory or for a write in
 * progress), and read it in from the pager if it is not resident with its
 * data.  *fresh says it was not resident (a new page, on no queue).
 */
static vm_page_t
page_get(struct ktest_ctx *t, vm_object_t obj, vm_pindex_t p, bool want_data, bool *fresh)
{
	vm_page_t m;
	int rv;

	VM_OBJECT_LOCK_ASSERT(obj, MA_OWNED);
	if ((m = vm_page_grab(obj, p, VM_ALLOC_NORMAL | VM_ALLOC_RETRY)) == NULL) {
		ktest_fail(t, "vm_page_grab(%ju) found no memory (VM_WAIT said ENOMEM)",
		    (uintmax_t)p);
		return (NULL);
	}
	*fresh = m->queue == PQ_NONE;
	if (want_data && m->valid != VM_PAGE_BITS_ALL &&
	    (rv = vm_pager_get_pages(obj, &m, 1, 0)) != VM_PAGER_OK) {
		ktest_fail(t, "page %ju: the pager could not read it back: %s", (uintmax_t)p,
		    vm_pager_strerror(rv));
		vm_page_lock_queues();
		vm_page_free(m);
		vm_page_unlock_queues();
		return (NULL);
	}
	return (m);
}

/* Done with m: a new page goes inactive (as read-ahead would), an old one is marked used. */
static void
page_put(vm_page_t m, bool fresh)
{
	vm_page_lock_queues();
	if (fresh)
		vm_page_deactivate(m);
	else
		m->flags |= PG_REFERENCED;
	vm_page_unlock_queues();
	vm_page_wakeup(m);
}

/*
 * map_swap's accesses: fault va in, then, with preemption off so that the
 * page daemon cannot take the page meanwhile, use the page the pmap maps
 * there - as a CPU would through its TLB.  A page gone again (unmapped) or
 * busy with a pageout (a store must wait for the write, as a write fault
 * would on a write-protected page) means fault again.  A store dirties the
 * page itself: the mapping may have been cleaned since the fault.
 */
static struct vmspace *pressure_vm;
static vm_offset_t pressure_base;

static vm_page_t
map_access_begin(struct ktest_ctx *t, vm_pindex_t p, bool write)
{
	vm_offset_t va = pressure_base + ptoa(p);
	vm_paddr_t pa;
	vm_page_t m;
	int rv;

	for (;;) {
		rv = vm_fault(&pressure_vm->vm_map, va, write ? VM_PROT_RW : VM_PROT_READ, 0);
		if (rv != KERN_SUCCESS) {
			ktest_fail(t, "fault on page %ju: %s", (uintmax_t)p, vm_fault_result_name(rv));
			return (NULL);
		}
		critical_enter();
		if ((pa = pmap_extract(vmspace_pmap(pressure_vm), va)) != 0) {
			m = PHYS_TO_VM_PAGE(pa);
			if (!write || (m->busy == 0 && (m->oflags & VPO_BUSY) == 0))
				return (m);		/* in a critical section */
		}
		critical_exit();
	}
}

static bool
map_page_write(struct ktest_ctx *t, vm_pindex_t p, uint64_t key)
{
	vm_page_t m = map_access_begin(t, p, true);

	if (m == NULL)
		return (false);
	vm_page_dirty(m);
	form_fill(m, key);
	critical_exit();
	return (true);
}

static bool
map_page_read(struct ktest_ctx *t, vm_pindex_t p, uint64_t *sum)
{
	vm_page_t m = map_access_begin(t, p, false);

	if (m == NULL)
		return (false);
	*sum = page_sum(m);
	critical_exit();
	return (true);
}

/*
 * kmem_swap's accesses: plain stores and loads at kernel virtual addresses
 * in the kernel map.  Nothing here faults pages in: the CPU's faults do,
 * through trap_kfault, at any word - a page taken by the daemon in the
 * middle of a fill comes back with the words already written.
 */
static vm_offset_t pressure_kmem;

static void
kmem_page_write(vm_pindex_t p, uint64_t key)
{
	volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)(pressure_kmem + (vm_offset_t)ptoa(p));

	for (size_t i = 0; i < PAGE_WORDS; i++)
		w[i] = form_word(key, i);
}

static uint64_t
kmem_page_sum(vm_pindex_t p)
{
	volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)(pressure_kmem + (vm_offset_t)ptoa(p));
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < PAGE_WORDS; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return (h);
}

static bool
page_write(struct ktest_ctx *t, vm_object_t obj, vm_pindex_t p, uint64_t key)
{
	vm_page_t m;
	bool fresh;

	if (pressure_kmem != 0) {
		kmem_page_write(p, key);
		return (true);
	}
	if (pressure_vm != NULL)
		return (map_page_write(t, p, key));
	VM_OBJECT_LOCK(obj);
	if ((m = page_get(t, obj, p, false, &fresh)) != NULL) {
		vm_page_dirty(m);
		vm_pager_page_unswapped(m);	/* the stored copy is stale now */
		form_fill(m, key);
		m->valid = VM_PAGE_BITS_ALL;
		vm_page_dirty(m);
		page_put(m, fresh);
	}
	VM_OBJECT_UNLOCK(obj);
	return (m != NULL);
}

static bool
page_read(struct ktest_ctx *t, vm_object_t obj, vm_pindex_t p, uint64_t *sum)
{
	vm_page_t m;
	bool fresh;

	if (pressure_kmem != 0) {
		*sum = kmem_page_sum(p);
		return (true);
	}
	if (pressure_vm != NULL)
		return (map_page_read(t, p, sum));
	VM_OBJECT_LOCK(obj);
	if ((m = page_get(t, obj, p, true, &fresh)) != NULL) {
		*sum = page_sum(m);
		page_put(m, fresh);
	}
	VM_OBJECT_UNLOCK(obj);
	return (m != NULL);
}

struct reads {
	u_int		n;		/* reads so far */
	uint64_t	hash;		/* FNV-1a of this chunk's page sums */
};

static bool
read_one(struct ktest_ctx *t, vm_object_t obj, vm_pindex_t p, struct reads *rd)
{
	uint64_t sum;

	if (!page_read(t, obj, p, &sum))
		return (false);
	if (rd->n % READ_CHUNK == 0)
		rd->hash = 0xcbf29ce484222325ull;
	rd->hash = (rd->hash ^ sum) * 0x100000001b3ull;
	if (++rd->n % READ_CHUNK == 0)
		ktest_data(t, "reads %u %016jx", rd->n / READ_CHUNK - 1, (uintmax_t)rd->hash);
	return (true);
}

static void
report_check(struct ktest_ctx *t, const char *when)
{
	char why[200];
	int rc = vm_page_check(why, sizeof(why));

	ktest_data(t, "check %s %s", when, rc == 0 ? "yes" : "no");
	if (rc != 0)
		ktest_fail(t, "%s: pages check: %s", when, why);
}

/*
 * Write pages 0..N-1 in order, each key = rng_next() | 1; then S steps:
 * p = below(N), op = below(4): 0 writes p with a new key, else reads it;
 * then read 0..N-1 in order.  Reads are reported in chunks (read_one).
 * The object is `type`: OBJT_TEST with the test pager, or OBJT_DEFAULT,
 * which the swap pager takes over; accessed `via` the object itself, an
 * address space and vm_fault, or the kernel map and the CPU's faults.
 */
enum pressure_via { VIA_OBJECT, VIA_MAP, VIA_KMAP };

static void
pressure_run(struct ktest_ctx *t, objtype_t type, enum pressure_via via)
{
	uint64_t npages = 0, steps = 0;
	struct vmmeter c0 = cnt;
	struct reads rd = { 0 };
	vm_object_t obj;
	u_int kfaults0 = 0;

	if (!ktest_need_vm(t))
		return;
	KT_SKIP_UNLESS(t, tunable_u64("pageout.pages", &npages) &&
	    tunable_u64("pageout.steps", &steps), "needs pageout.pages= and pageout.steps=");
	KT_CHECK(t, npages > 0 && npages <= (1u << 20) && steps <= (1u << 24),
	    "pageout.pages=%ju (1 to %u) or pageout.steps=%ju (at most %u) out of range",
	    (uintmax_t)npages, 1u << 20, (uintmax_t)steps, 1u << 24);
	KT_SKIP_UNLESS(t, type != OBJT_DEFAULT || swap_pager_on(), "needs a swap disk");
	ktest_data(t, "params pages %ju steps %ju free %u", (uintmax_t)npages,
	    (uintmax_t)steps, cnt.v_free_count + cnt.v_cache_count);
	if (type == OBJT_TEST)
		KT_CHECK(t, ktp_start(npages), "no memory for the test pager");
	obj = vm_object_allocate(type, npages);
	KT_CHECK(t, obj != NULL, "vm_object_allocate failed");
	if (via == VIA_MAP) {
		pressure_vm = vmspace_alloc(0x400000, 0x400000 + ptoa(npages + 1));
		pressure_base = 0x400000;
		KT_CHECK(t, pressure_vm != NULL && vm_map_insert(&pressure_vm->vm_map, obj, 0,
		    pressure_base, pressure_base + ptoa(npages), VM_PROT_RW, VM_PROT_ALL, 0) ==
		    KERN_SUCCESS, "mapping the object failed");
		vm_object_reference(obj);		/* the map's; ours is dropped below */
	}
	if (via == VIA_KMAP) {
		vm_offset_t addr = kernel_map != NULL ? kernel_map->min_offset : 0;

		KT_CHECK(t, kernel_map != NULL && vm_map_find(kernel_map, obj, 0, &addr,
		    ptoa(npages), true, VM_PROT_RW, VM_PROT_RW, 0) == KERN_SUCCESS,
		    "no room for %ju pages in the kernel map", (uintmax_t)npages);
		vm_object_reference(obj);		/* the kernel map's */
		pressure_kmem = addr;
		kfaults0 = cnt.v_vm_faults;
	}
	for (vm_pindex_t p = 0; p < npages && !t->failed; p++)
		(void)page_write(t, obj, p, rng_next(&t->rng) | 1);
	for (uint64_t i = 0; i < steps && !t->failed; i++) {
		vm_pindex_t p = rng_below(&t->rng, (uint32_t)npages);

		if (rng_below(&t->rng, 4) == 0)
			(void)page_write(t, obj, p, rng_next(&t->rng) | 1);
		else
			(void)read_one(t, obj, p, &rd);
	}
	for (vm_pindex_t p = 0; p < npages && !t->failed; p++)
		(void)read_one(t, obj, p, &rd);
	if (rd.n % READ_CHUNK != 0)
		ktest_data(t, "reads %u %016jx", rd.n / READ_CHUNK, (uintmax_t)rd.hash);
	ktest_data(t, "daemon passes %u wakeups %u cached %u laundered %u done %u errors %u "
	    "reactivated %u pageins %u", cnt.v_pdpasses - c0.v_pdpasses,
	    cnt.v_pdwakeups - c0.v_pdwakeups, cnt.v_pdcached - c0.v_pdcached,
	    cnt.v_pageout_pages - c0.v_pageout_pages, cnt.v_pageout_done - c0.v_pageout_done,
	    cnt.v_pageout_errors - c0.v_pageout_errors, cnt.v_reactivated - c0.v_reactivated,
	    cnt.v_pagein_pages - c0.v_pagein_pages);
	mtx_lock(&vm_page_queue_free_mtx);
	ktest_data(t, "cpu cycles %ju switched %u %ju reclaimed %u rate %ju",
	    (uintmax_t)(cnt.v_pdcycles - c0.v_pdcycles), cnt.v_pdswitched - c0.v_pdswitched,
	    (uintmax_t)(cnt.v_pdswcycles - c0.v_pdswcycles),
	    (cnt.v_pdcached - c0.v_pdcached) + (cnt.v_pdfreed - c0.v_pdfreed),
	    (uintmax_t)cpu_tickrate());
	mtx_unlock(&vm_page_queue_free_mtx);
	if (type == OBJT_TEST)
		ktest_data(t, "pager puts %u pages %u gets %u bad %u sync %u", ktp.puts,
		    ktp.put_pages, ktp.gets, ktp.bad, ktp.sync);
	report_check(t, "end");
	if (pressure_vm != NULL) {
		vmspace_free(pressure_vm);
		pressure_vm = NULL;
	}
	if (pressure_kmem != 0) {
		ktest_data(t, "kfaults %u", cnt.v_vm_faults - kfaults0);
		kmem_free_pageable(pressure_kmem, ptoa(npages));
		pressure_kmem = 0;
	}
	vm_object_deallocate(obj);
	if (type == OBJT_TEST)
		ktp_stop();
	report_check(t, "freed");
}

KTEST(pageout_pressure, KTEST_VM | KTEST_EXPLICIT)
{
	pressure_run(t, OBJT_TEST, VIA_OBJECT);
}

/*
 * swap_pressure: pageout_pressure's workload on anonymous memory
 * (OBJT_DEFAULT) with a swap disk: the swap pager takes the object over
 * at its first pageout.  The grader also counts the disk's requests.
 */
KTEST(swap_pressure, KTEST_VM | KTEST_EXPLICIT)
{
	pressure_run(t, OBJT_DEFAULT, VIA_OBJECT);
}

/* map_swap: swap_pressure through an address space and vm_fault. */
KTEST(map_swap, KTEST_VM | KTEST_EXPLICIT)
{
	pressure_run(t, OBJT_DEFAULT, VIA_MAP);
}

/* kmem_swap: swap_pressure on pageable kernel memory, by loads and stores. */
KTEST(kmem_swap, KTEST_VM | KTEST_EXPLICIT)
{
	pressure_run(t, OBJT_DEFAULT, VIA_KMAP);
}

/*
 * pageout_nopager: dirty anonymous pages (OBJT_DEFAULT, no pager, no swap)
 * more than memory holds.  The daemon can launder none of them, so
 * vm_page_grab(VM_ALLOC_RETRY) must come back NULL (VM_WAIT's ENOMEM) once
 * nothing is reclaimable - never sleep for ever.  Reports the page at
 * which it did ("full <pindex>") and the daemon's skips.
 */
KTEST(pageout_nopager, KTEST_VM | KTEST_EXPLICIT)
{
	uint64_t npages = 0;
	struct vmmeter c0 = cnt;
	vm_object_t obj;
	vm_pindex_t p;
	vm_page_t m = NULL;

	if (!ktest_need_vm(t))
		return;
	KT_SKIP_UNLESS(t, tunable_u64("pageout.pages", &npages), "needs pageout.pages=");
	KT_CHECK(t, npages > 0 && npages <= (1u << 20), "pageout.pages=%ju out of range (1 to %u)",
	    (uintmax_t)npages, 1u << 20);
	ktest_data(t, "params pages %ju free %u", (uintmax_t)npages,
	    cnt.v_free_count + cnt.v_cache_count);
	obj = vm_object_allocate(OBJT_DEFAULT, npages);
	KT_CHECK(t, obj != NULL, "vm_object_allocate failed");
	VM_OBJECT_LOCK(obj);
	for (p = 0; p < npages; p++) {
		if ((m = vm_page_grab(obj, p, VM_ALLOC_NORMAL | VM_ALLOC_RETRY)) == NULL)
			break;
		form_fill(m, p + 1);
		m->valid = VM_PAGE_BITS_ALL;
		vm_page_dirty(m);
		page_put(m, true);
	}
	VM_OBJECT_UNLOCK(obj);
	ktest_data(t, "full %ju resident %d", (uintmax_t)p, obj->resident_page_count);
	ktest_data(t, "daemon oom %u nopager %u laundered %u", cnt.v_pdoom - c0.v_pdoom,
	    cnt.v_pdnopager - c0.v_pdnopager, cnt.v_pageout_pages - c0.v_pageout_pages);
	report_check(t, "full");
	vm_object_deallocate(obj);
	report_check(t, "freed");
	KT_CHECK(t, m == NULL, "all %ju pages fit in memory: pageout.pages= is too small",
	    (uintmax_t)npages);
}

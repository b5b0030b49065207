/*
 * ktest_cache.c - the cache queue (lab 03: vm_page_cache, the reclaim of a
 * cached page, reactivation, vm_page_cache_free, vm_page_cache_transfer),
 * judged through what the kernel cannot fake: files of an image the grader
 * wrote (tools/mkfs.py, vmkit.flatfs), read back after QEMU exits, and
 * QEMU's own trace of the disk reads it served (grader/tests/test_lab03.py,
 * grader/hidden/test_lab03_hidden.py).  Between steps a test reads the
 * disk's block 0 (the superblock, which the file system reads only when it
 * mounts): a mark in QEMU's trace, so the grader counts each step's reads
 * of a file on their own.  A page read from the cache costs no disk read; a
 * page the cache lost costs exactly one.  All explicit (they need the
 * grader's image).  KDATA grammars: grader/vmkit/kdata.py.
 *
 * cache_reread ("big", larger than free memory): read forward, mark, read
 * backward (the pages the first pass left cached come first), mark:
 *   reread <pages> <crc1> <crc2> <reactivated> <pdcached>
 * cache_reclaim ("a"): read, mark, cache every page; allocate pages of an
 * anonymous object B (each filled with B's pattern) until half of a's
 * cached pages were reclaimed; free B's other pages; mark; read
 * a again (the reclaimed pages miss, the rest reactivate); mark:
 *   cached <n> <cache_count>
 *   reclaim <allocated> <stolen> <cache_left>
 *   reread <crc> <reactivated>
 *   bcheck <bad>                  B's pages that lost B's pattern
 * cache_truncate ("t"; cache.trunc, cache.grow, cache.byte; then "u" with
 * cache.utrunc, cache.ugrow, cache.ubyte): read, mark, cache every page,
 * truncate, write the byte at grow, read 0..grow, sync, mark:
 *   cut <file> <cached> <crc> <reactivated> <error>
 * cache_transfer ("s"; cache.off, cache.size): read, mark, cache every
 * page, move the cached pages from off on to a new object N of `size`
 * pages (vm_page_cache_transfer, as an object split would), grab N's pages,
 * free N, mark, read s again, mark:
 *   moved <n_cache> <s_cache>
 *   page <i> <valid:hex> <crc>
 *   reread <crc> <reactivated>
 * cache_contig ("c"): read, mark, cache every page; find an aligned run
 * of 4 pages all cached pages of c and ask vm_page_alloc_contig for
 * exactly that range (only reclaiming them can meet it); free the run;
 * mark; read c again; mark:
 *   cpage <pindex> <pa:hex>       c's cached pages before the run
 *   contig <ok:yesno> <pa:hex> <free> <cache> <cache_after>   (pa 0: no such run)
 *   reread <crc> <reactivated>
 * cache_mixed ("m"; cache.ops): a directed prologue (below), then a seeded
 * script over m's pages (the stream is t->rng; grader: vmkit.krng): op =
 * below(4), lo = below(P), n = 1 + below(min(8, P - lo)) for P the pages
 * of m; a mark after each op:
 *   op <k> <kind:word> <lo> <n> <resident> <cached> <crc>
 *       read: read pages lo..lo+n (crc of the bytes); cache: vm_page_cache
 *       the clean idle resident ones; remove: vm_object_page_remove (gone);
 *       squeeze: allocate NOOBJ pages until lo+1 cached pages of the
 *       machine were reclaimed (or none are left), give them back
 * every test ends with
 *   check <when:word> <ok:yesno>  vm_page_check()
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	KC_CONTIG	4		/* pages of cache_contig's run */

static uint32_t
kc_crc32(uint32_t c, const uint8_t *p, size_t len)
{
	c = ~c;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (uint32_t)-(int32_t)(c & 1));
	}
	return (~c);
}

/*
 * A read of block 0: QEMU's trace shows where one step ends and the next
 * begins.  Into a page taken once, at the first mark (every test marks
 * before it caches anything), and kept: a page allocated at each mark
 * could reclaim a cached page and spoil the count of the step after.
 */
static void
kc_mark(void)
{
	static vm_page_t m;

	if (m == NULL && (m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_SYSTEM)) == NULL)
		panic("%s: no page for the mark", __func__);
	(void)disk_read(flatfs_disk(), 0, &m, 1);
}

static void
kc_check(struct ktest_ctx *t, const char *when)
{
	char why[160];
	int error = vm_page_check(why, sizeof(why));

	ktest_data(t, "check %s %s", when, error == 0 ? "yes" : "no");
	if (error != 0)
		ktest_detail(t, "%s: %s", when, why);
}

static vm_pindex_t
kc_pages(struct file *f)
{
	return (OFF_TO_IDX(round_page(file_size(f))));
}

/* Read pages [lo, hi) of f, forward or backward: the CRC of the bytes in that order. */
static uint32_t
kc_read(struct file *f, vm_pindex_t lo, vm_pindex_t hi, bool backward, uint8_t *buf, bool *ok)
{
	uint32_t crc = 0;
	size_t n;

	for (vm_pindex_t k = 0; k < hi - lo; k++) {
		vm_pindex_t p = backward ? hi - 1 - k : lo + k;
		uint64_t off = IDX_TO_OFF(p);

		if (off >= file_size(f))
			break;
		if (file_read(f, off, buf, (size_t)MIN(PAGE_SIZE, file_size(f) - off), &n) != 0 ||
		    n == 0) {
			*ok = false;
			break;
		}
		crc = kc_crc32(crc, buf, n);
	}
	return (crc);
}

/* Cache every clean, idle resident page of f in [lo, hi) (hi 0: to the end); how many. */
static int
kc_cache(struct file *f, vm_pindex_t lo, vm_pindex_t hi)
{
	vm_page_t m, next;
	int n = 0;

	VM_OBJECT_LOCK(f->f_obj);
	vm_page_lock_queues();
	for (m = TAILQ_FIRST(&f->f_obj->memq); m != NULL; m = next) {
		next = TAILQ_NEXT(m, listq);
		if (m->pindex < lo || (hi != 0 && m->pindex >= hi) || m->dirty != 0 ||
		    m->busy != 0 || (m->oflags & VPO_BUSY) != 0 || m->hold_count != 0 ||
		    m->wire_count != 0)
			continue;
		vm_page_cache(m);
		n++;
	}
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(f->f_obj);
	return (n);
}

static int
kc_cache_count(struct vm_object *object)
{
	int n;

	mtx_lock(&vm_page_queue_free_mtx);
	n = object->cache_count;
	mtx_unlock(&vm_page_queue_free_mtx);
	return (n);
}

/* Open `name` and read it whole once (every page comes from the disk), then mark. */
static struct file *
kc_open_read(struct ktest_ctx *t, const char *name, uint8_t *buf)
{
	struct file *f;
	bool ok = true;

	if (file_open(name, &f) != 0) {
		ktest_fail(t, "file_open(%s) failed", name);
		return (NULL);
	}
	(void)kc_read(f, 0, kc_pages(f), false, buf, &ok);
	kc_mark();
	if (!ok) {
		ktest_fail(t, "a read of %s failed", name);
		file_close(f);
		return (NULL);
	}
	return (f);
}

/* The CRC of m's whole page. */
static uint32_t
kc_page_crc(vm_page_t m)
{
	void *p = pmap_map_temp(VM_PAGE_TO_PHYS(m));
	uint32_t crc = kc_crc32(0, p, PAGE_SIZE);

	pmap_unmap_temp(p);
	return (crc);
}

KTEST(cache_reread, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *f;
	uint8_t *buf;
	uint32_t c1, c2;
	u_int react, pdc = cnt.v_pdcached;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL, "needs a file system (the grader's image)");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	KT_CHECK(t, file_open("big", &f) == 0, "file_open(big) failed");
	c1 = kc_read(f, 0, kc_pages(f), false, buf, &ok);
	kc_mark();
	react = cnt.v_reactivated;
	c2 = kc_read(f, 0, kc_pages(f), true, buf, &ok);
	kc_mark();
	ktest_data(t, "reread %ju %u %u %u %u", (uintmax_t)kc_pages(f), c1, c2,
	    cnt.v_reactivated - react, cnt.v_pdcached - pdc);
	if (!ok)
		ktest_fail(t, "a read of big failed");
	file_close(f);
	free(buf);
	kc_check(t, "end");
}

KTEST(cache_reclaim, KTEST_EXPLICIT | KTEST_VM)
{
	struct vm_object *b;
	struct file *f;
	vm_page_t *bp, m;
	uint8_t *buf, *stolen;
	uint32_t crc, *w;
	u_int max = cnt.v_page_count, nb = 0, nstolen = 0, react, bad = 0;
	int n, before, left;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL, "needs a file system (the grader's image)");
	buf = malloc(PAGE_SIZE);
	bp = malloc(max * sizeof(*bp));
	stolen = malloc(max);
	KT_CHECK(t, buf != NULL && bp != NULL && stolen != NULL, "malloc");
	if ((f = kc_open_read(t, "a", buf)) == NULL)
		return;
	n = kc_cache(f, 0, 0);
	ktest_data(t, "cached %d %d", n, kc_cache_count(f->f_obj));
	b = vm_object_allocate(OBJT_DEFAULT, max);
	KT_CHECK(t, b != NULL, "vm_object_allocate failed");
	/* B's allocations run the free pages out, then take a's cached pages. */
	while (nb < max && (left = kc_cache_count(f->f_obj)) > n / 2) {
		VM_OBJECT_LOCK(b);
		m = vm_page_alloc(b, nb, VM_ALLOC_SYSTEM);
		if (m != NULL) {
			w = pmap_map_temp(VM_PAGE_TO_PHYS(m));
			for (size_t i = 0; i < PAGE_SIZE / 4; i++)
				w[i] = 0xb0b00000u ^ nb ^ ((uint32_t)i << 20);
			pmap_unmap_temp(w);
			m->valid = VM_PAGE_BITS_ALL;
			vm_page_wakeup(m);
		}
		VM_OBJECT_UNLOCK(b);
		if (m == NULL)
			break;
		before = left;
		stolen[nb] = kc_cache_count(f->f_obj) < before;
		nstolen += stolen[nb];
		bp[nb++] = m;
	}
	ktest_data(t, "reclaim %u %u %d", nb, nstolen, kc_cache_count(f->f_obj));
	/*
	 * Room for a's misses: free every page of B that was never a's (with
	 * fewer, the misses' allocations would reclaim more of a's pages).
	 */
	VM_OBJECT_LOCK(b);
	vm_page_lock_queues();
	for (u_int i = 0; i < nb; i++)
		if (!stolen[i]) {
			vm_page_free(bp[i]);
			bp[i] = NULL;
		}
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(b);
	kc_mark();
	react = cnt.v_reactivated;
	crc = kc_read(f, 0, kc_pages(f), false, buf, &ok);
	kc_mark();
	ktest_data(t, "reread %u %u", crc, cnt.v_reactivated - react);
	/* B's pages taken from a's cache must still hold B's pattern. */
	VM_OBJECT_LOCK(b);
	for (u_int i = 0; i < nb; i++) {
		if (bp[i] == NULL)
			continue;
		w = pmap_map_temp(VM_PAGE_TO_PHYS(bp[i]));
		bad += bp[i]->object != b || bp[i]->pindex != i ||
		    w[1] != (0xb0b00000u ^ i ^ (1u << 20));
		pmap_unmap_temp(w);
	}
	VM_OBJECT_UNLOCK(b);
	ktest_data(t, "bcheck %u", bad);
	vm_object_deallocate(b);
	if (!ok)
		ktest_fail(t, "a read of a failed");
	file_close(f);
	free(stolen);
	free(bp);
	free(buf);
	kc_check(t, "end");
}

/* cache_truncate on one file: cache its pages, truncate to tr, write byte at g, read, sync. */
static void
kc_truncate(struct ktest_ctx *t, const char *name, uint64_t tr, uint64_t g, uint8_t byte,
    uint8_t *buf)
{
	struct file *f;
	uint32_t crc;
	u_int react;
	int n, error;
	bool ok = true;

	if ((f = kc_open_read(t, name, buf)) == NULL)
		return;
	n = kc_cache(f, 0, 0);
	react = cnt.v_reactivated;
	if ((error = file_truncate(f, tr)) == 0)
		error = file_write(f, g, &byte, 1);
	crc = error == 0 ? kc_read(f, 0, kc_pages(f), false, buf, &ok) : 0;
	if (error == 0)
		error = file_sync(f);
	kc_mark();
	ktest_data(t, "cut %s %d %u %u %d", name, n, crc, cnt.v_reactivated - react, error);
	if (!ok)
		ktest_fail(t, "a read of %s failed", name);
	file_close(f);
}

KTEST(cache_truncate, KTEST_EXPLICIT | KTEST_VM)
{
	uint64_t tr, g, byte, utr, ug, ubyte;
	uint8_t *buf;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL && tunable_u64("cache.trunc", &tr) &&
	    tunable_u64("cache.grow", &g) && tunable_u64("cache.byte", &byte) && g > tr &&
	    tunable_u64("cache.utrunc", &utr) && tunable_u64("cache.ugrow", &ug) &&
	    tunable_u64("cache.ubyte", &ubyte) && ug > utr,
	    "needs a file system and cache.[u]trunc < cache.[u]grow, cache.[u]byte");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	kc_truncate(t, "t", tr, g, (uint8_t)byte, buf);
	kc_truncate(t, "u", utr, ug, (uint8_t)ubyte, buf);
	free(buf);
	kc_check(t, "end");
}

KTEST(cache_transfer, KTEST_EXPLICIT | KTEST_VM)
{
	struct vm_object *nobj;
	struct file *f;
	uint64_t off, size;
	uint8_t *buf;
	uint32_t crc;
	u_int react;
	vm_page_t m;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL && tunable_u64("cache.off", &off) &&
	    tunable_u64_max("cache.size", 64, &size) && size > 0,
	    "needs a file system, cache.off and cache.size=1..64");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	if ((f = kc_open_read(t, "s", buf)) == NULL)
		return;
	(void)kc_cache(f, 0, 0);
	nobj = vm_object_allocate(OBJT_VNODE, size);
	KT_CHECK(t, nobj != NULL, "vm_object_allocate failed");
	/* As an object split would: f's object first, the new one (nobody else's) second. */
	VM_OBJECT_LOCK(f->f_obj);
	VM_OBJECT_LOCK(nobj);
	vm_page_cache_transfer(f->f_obj, off, nobj);
	VM_OBJECT_UNLOCK(f->f_obj);
	ktest_data(t, "moved %d %d", kc_cache_count(nobj), kc_cache_count(f->f_obj));
	for (vm_pindex_t i = 0; i < size; i++) {
		m = vm_page_grab(nobj, i, VM_ALLOC_NORMAL | VM_ALLOC_ZERO | VM_ALLOC_RETRY);
		if (m == NULL) {
			ktest_fail(t, "vm_page_grab(N, %ju) failed", (uintmax_t)i);
			break;
		}
		ktest_data(t, "page %ju %#x %u", (uintmax_t)i, m->valid, kc_page_crc(m));
		vm_page_lock_queues();
		vm_page_activate(m);
		vm_page_unlock_queues();
		vm_page_wakeup(m);
	}
	VM_OBJECT_UNLOCK(nobj);
	vm_object_deallocate(nobj);
	kc_mark();
	react = cnt.v_reactivated;
	crc = kc_read(f, 0, kc_pages(f), false, buf, &ok);
	kc_mark();
	ktest_data(t, "reread %u %u", crc, cnt.v_reactivated - react);
	if (!ok)
		ktest_fail(t, "a read of s failed");
	file_close(f);
	free(buf);
	kc_check(t, "end");
}

/* Is the run of KC_CONTIG pages from pa all cached pages of object?  Free-queue lock held. */
static bool
kc_cached_run(struct vm_object *object, vm_paddr_t pa)
{
	vm_page_t m;

	for (int i = 0; i < KC_CONTIG; i++)
		if ((m = PHYS_TO_VM_PAGE(pa + (vm_paddr_t)i * PAGE_SIZE)) == NULL ||
		    (m->flags & PG_CACHED) == 0 || m->object != object)
			return (false);
	return (true);
}

KTEST(cache_contig, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *f;
	vm_page_t m, run = NULL;
	vm_paddr_t pa, at = 0;
	uint8_t *buf;
	uint32_t crc;
	u_int react, free0, cache0, cache1;
	vm_pindex_t np;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL, "needs a file system (the grader's image)");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	if ((f = kc_open_read(t, "c", buf)) == NULL)
		return;
	(void)kc_cache(f, 0, 0);
	np = kc_pages(f);
	/*
	 * An aligned run of KC_CONTIG pages all cached pages of c: a request
	 * for exactly that range can only be met by reclaiming them.
	 */
	mtx_lock(&vm_page_queue_free_mtx);
	for (vm_pindex_t p = 0; p < np; p++) {
		if ((m = vm_page_cache_lookup(f->f_obj, p)) == NULL)
			continue;
		pa = VM_PAGE_TO_PHYS(m);
		ktest_data(t, "cpage %ju %#jx", (uintmax_t)p, (uintmax_t)pa);
		if (at == 0 && pa % (KC_CONTIG * PAGE_SIZE) == 0 && kc_cached_run(f->f_obj, pa))
			at = pa;
	}
	free0 = cnt.v_free_count;
	cache0 = cnt.v_cache_count;
	mtx_unlock(&vm_page_queue_free_mtx);
	if (at != 0)
		run = vm_page_alloc_contig(KC_CONTIG, at, at + KC_CONTIG * PAGE_SIZE,
		    KC_CONTIG * PAGE_SIZE, 0, VM_ALLOC_NOOBJ | VM_ALLOC_NORMAL);
	cache1 = cnt.v_cache_count;
	ktest_data(t, "contig %s %#jx %u %u %u", run != NULL ? "yes" : "no", (uintmax_t)at, free0,
	    cache0, cache1);
	vm_page_lock_queues();
	for (int i = 0; run != NULL && i < KC_CONTIG; i++)
		vm_page_free(&run[i]);
	vm_page_unlock_queues();
	kc_mark();
	react = cnt.v_reactivated;
	crc = kc_read(f, 0, np, false, buf, &ok);
	kc_mark();
	ktest_data(t, "reread %u %u", crc, cnt.v_reactivated - react);
	if (!ok)
		ktest_fail(t, "a read of c failed");
	file_close(f);
	free(buf);
	kc_check(t, "end");
}

/* Allocate NOOBJ pages until `want` cached pages were reclaimed or none are left; give them back. */
static void
kc_squeeze(u_int want)
{
	struct pglist taken;
	vm_page_t m;
	u_int cache0;

	TAILQ_INIT(&taken);
	critical_enter();
	cache0 = cnt.v_cache_count;
	while (cnt.v_cache_count > 0 && cache0 - cnt.v_cache_count < want &&
	    (m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT)) != NULL)
		TAILQ_INSERT_TAIL(&taken, m, pageq);
	critical_exit();
	vm_page_lock_queues();
	while ((m = TAILQ_FIRST(&taken)) != NULL) {
		TAILQ_REMOVE(&taken, m, pageq);
		vm_page_free(m);
	}
	vm_page_unlock_queues();
}

/* One op of cache_mixed on pages [lo, lo + n) of f: 0 read, 1 cache, 2 remove, 3 squeeze. */
static uint32_t
kc_mixed_op(struct file *f, int kind, vm_pindex_t lo, vm_pindex_t n, uint8_t *buf, bool *ok)
{
	switch (kind) {
	case 0:
		return (kc_read(f, lo, lo + n, false, buf, ok));
	case 1:
		(void)kc_cache(f, lo, lo + n);
		break;
	case 2:
		VM_OBJECT_LOCK(f->f_obj);
		vm_object_page_remove(f->f_obj, lo, lo + n);
		VM_OBJECT_UNLOCK(f->f_obj);
		break;
	default:
		kc_squeeze((u_int)lo + 1);
		break;
	}
	return (0);
}

KTEST(cache_mixed, KTEST_EXPLICIT | KTEST_VM)
{
	static const char *const kinds[] = { "read", "cache", "remove", "squeeze" };
	struct file *f;
	vm_pindex_t np, lo, n;
	uint64_t ops, k;
	uint8_t *buf;
	uint32_t crc;
	int kind, res;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL && tunable_u64_max("cache.ops", 4096, &ops),
	    "needs a file system and cache.ops=N");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	KT_CHECK(t, file_open("m", &f) == 0, "file_open(m) failed");
	np = kc_pages(f);
	KT_CHECK(t, np >= 4, "m has fewer than 4 pages");
	/*
	 * The directed prologue (every seed): all read, all cached, one page
	 * removed in the middle, all read again (one miss), the last page
	 * cached and squeezed out of the machine, read again (one miss).
	 */
	const struct { int kind; vm_pindex_t lo, n; } directed[] = {
		{ 0, 0, np }, { 1, 0, np }, { 2, np / 3, 1 }, { 0, 0, np },
		{ 1, np - 1, 1 }, { 3, 0, 1 }, { 0, np - 1, 1 },
	};
	for (k = 0; k < nitems(directed) + ops && ok; k++) {
		if (k < nitems(directed)) {
			kind = directed[k].kind;
			lo = directed[k].lo;
			n = directed[k].n;
		} else {
			kind = (int)rng_below(&t->rng, 4);
			lo = rng_below(&t->rng, (uint32_t)np);
			n = 1 + rng_below(&t->rng, (uint32_t)MIN(8, np - lo));
		}
		crc = kc_mixed_op(f, kind, lo, n, buf, &ok);
		kc_mark();
		VM_OBJECT_LOCK(f->f_obj);
		res = f->f_obj->resident_page_count;
		VM_OBJECT_UNLOCK(f->f_obj);
		ktest_data(t, "op %ju %s %ju %ju %d %d %u", (uintmax_t)k, kinds[kind],
		    (uintmax_t)lo, (uintmax_t)n, res, kc_cache_count(f->f_obj), crc);
	}
	if (!ok)
		ktest_fail(t, "a read of m failed");
	file_close(f);
	free(buf);
	kc_check(t, "end");
}

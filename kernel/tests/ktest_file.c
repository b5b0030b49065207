/*
 * ktest_file.c - the flat file system and the file pager, against images
 * the grader makes with tools/mkfs.py and reads back after QEMU exits
 * (grader/tests/test_file.py).  They need a grader's disk, so they run only
 * when named.  KDATA grammars: grader/vmkit/kdata.py.
 *
 * file_ops (files "w", "r" of the grader's image; the stream is t->rng):
 *   open w len <bytes> blocks <n>
 *   w <i> <off> <len> <error>          3 + below(4) writes: off = below(extent - 1),
 *       len = 1 + below(min(3 pages, extent - off)), then ceil(len / 8)
 *       rng_next() words (little endian), the first len bytes written
 *   sync <error>
 *   cut <t> <g> <cached> <zeros:yesno> <error> left <resident> <cached>   truncate-then-regrow: the
 *       pages past t made clean and cached (vm_page_cache), truncate to
 *       t = below(length), then write byte rng_next() & 0xff at g = t + 1 +
 *       below(2 pages); the bytes t..g read back zero?
 *   sync <error>
 *   reread <pages> <crc> <crc2> <crc3> <reactivated>   r read whole three
 *       times: resident, then every page cached (v_reactivated delta)
 *   bad <case> <error>   noent write_past truncate_past read_past(bytes)
 *   check <ok:yesno>                   vm_page_check() at the end
 *
 * file_pressure (file.chunk=<pages>; files "big", "out"): read big whole in
 * chunks, writing each chunk to out at the same offset, then sync out:
 *   chunk <i> <crc>     crc32 of chunk i of big as read
 *   sync <error> daemon <passes> reactivated <n> laundered <pages> synced <pages>
 *       (the file pager's pages written before file_sync - the daemon's - and by it)
 *   check <ok:yesno>
 *
 * file_reread (file.passes=<1..16>; file "big"): read big whole, a page at a
 * time, `passes` times - a re-read workload for `make bench-pagecache`, with
 * the cache queue on or off (vm.pageout_nocache=1); the grader counts the
 * disk reads in QEMU's trace:
 *   params pages <n> free <free + cached> nocache <yesno>
 *   pass <i> <crc>      crc32 of big as read in pass i
 *   daemon passes <n> cached <pages> freed <pages> reactivated <n> pageins <pages>
 *   check <ok:yesno>
 *
 * file_pressure and file_reread also report the daemon's CPU (vmstat):
 *   cpu cycles <cpu_ticks in passes> switched <passes switched out> <their
 *       cpu_ticks> reclaimed <pages freed or cached by it> rate <cpu_ticks per second>
 *
 * file_badimage (fsdev=0 on a disk without the magic):
 *   open <error>
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/mutex.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>
#include <vm/vm_pageout.h>

#define	KF_MAXWRITE	(3 * PAGE_SIZE)

static uint32_t
kf_crc32(uint32_t c, const uint8_t *p, size_t len)
{
	c = ~c;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (uint32_t)-(int32_t)(c & 1));
	}
	return (~c);
}

/* len bytes of the stream: ceil(len / 8) words, little endian. */
static void
kf_fill(struct rng *r, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = rng_next(r);

		for (size_t k = 0; k < 8 && i + k < len; k++)
			buf[i + k] = (uint8_t)(w >> (8 * k));
	}
}

/* Cache every clean, idle resident page of f from pindex start on; returns how many. */
static int
kf_cache_from(struct file *f, vm_pindex_t start)
{
	vm_page_t m, next;
	int n = 0;

	VM_OBJECT_LOCK(f->f_obj);
	vm_page_lock_queues();
	for (m = TAILQ_FIRST(&f->f_obj->memq); m != NULL; m = next) {
		next = TAILQ_NEXT(m, listq);
		if (m->pindex < start || m->dirty != 0 || m->busy != 0 ||
		    (m->oflags & VPO_BUSY) != 0 || m->hold_count != 0 || m->wire_count != 0)
			continue;
		vm_page_cache(m);
		n++;
	}
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(f->f_obj);
	return (n);
}

/* Read f whole: its CRC (and *ok false on a short read or error). */
static uint32_t
kf_crc_file(struct file *f, uint8_t *buf, bool *ok)
{
	uint32_t crc = 0;
	uint64_t off = 0;
	size_t n;

	while (off < file_size(f)) {
		if (file_read(f, off, buf, PAGE_SIZE, &n) != 0 || n == 0) {
			*ok = false;
			break;
		}
		crc = kf_crc32(crc, buf, n);
		off += n;
	}
	return (crc);
}

/* The daemon's CPU since c0 (the `cpu` line; make bench-pageout). */
static void
kf_cpu(struct ktest_ctx *t, const struct vmmeter *c0)
{
	mtx_lock(&vm_page_queue_free_mtx);
	ktest_data(t, "cpu cycles %ju switched %u %ju reclaimed %u rate %ju",
	    (uintmax_t)(cnt.v_pdcycles - c0->v_pdcycles), cnt.v_pdswitched - c0->v_pdswitched,
	    (uintmax_t)(cnt.v_pdswcycles - c0->v_pdswcycles),
	    (cnt.v_pdcached - c0->v_pdcached) + (cnt.v_pdfreed - c0->v_pdfreed),
	    (uintmax_t)cpu_tickrate());
	mtx_unlock(&vm_page_queue_free_mtx);
}

static void
kf_check(struct ktest_ctx *t)
{
	char why[160];

	ktest_data(t, "check %s", vm_page_check(why, sizeof(why)) == 0 ? "yes" : "no");
}

static void
kf_writes(struct ktest_ctx *t, struct file *f, uint8_t *buf)
{
	uint64_t ext = (uint64_t)f->f_nblocks * PAGE_SIZE;
	int nw = 3 + (int)rng_below(&t->rng, 4);

	for (int i = 0; i < nw; i++) {
		uint64_t off = rng_below(&t->rng, (uint32_t)(ext - 1));
		size_t len = 1 + rng_below(&t->rng, (uint32_t)MIN(KF_MAXWRITE, ext - off));

		kf_fill(&t->rng, buf, len);
		ktest_data(t, "w %d %ju %zu %d", i, (uintmax_t)off, len,
		    file_write(f, off, buf, len));
	}
	ktest_data(t, "sync %d", file_sync(f));
}

/* Truncate to t with the pages past it cached, regrow to g + 1: t..g must read zero. */
static void
kf_cut(struct ktest_ctx *t, struct file *f, uint8_t *buf)
{
	uint64_t tr = rng_below(&t->rng, (uint32_t)file_size(f));
	uint64_t g = tr + 1 + rng_below(&t->rng, 2 * PAGE_SIZE);
	uint8_t b = (uint8_t)(rng_next(&t->rng) & 0xff);
	int cached, error, left = 0, lcache;
	vm_page_t m;
	bool zeros = true;
	size_t n;

	if (g >= (uint64_t)f->f_nblocks * PAGE_SIZE)
		g = (uint64_t)f->f_nblocks * PAGE_SIZE - 1;
	(void)file_sync(f);
	cached = kf_cache_from(f, OFF_TO_IDX(tr));
	error = file_truncate(f, tr);
	VM_OBJECT_LOCK(f->f_obj);
	TAILQ_FOREACH(m, &f->f_obj->memq, listq)
		left += m->pindex >= OFF_TO_IDX(round_page(tr));
	mtx_lock(&vm_page_queue_free_mtx);
	lcache = f->f_obj->cache_count;
	mtx_unlock(&vm_page_queue_free_mtx);
	VM_OBJECT_UNLOCK(f->f_obj);
	if (error == 0)
		error = file_write(f, g, &b, 1);
	for (uint64_t off = tr; error == 0 && off < g; off += n) {
		if ((error = file_read(f, off, buf, (size_t)MIN(PAGE_SIZE, g - off), &n)) != 0)
			break;
		for (size_t i = 0; i < n; i++)
			zeros = zeros && buf[i] == 0;
		if (n == 0)
			break;
	}
	ktest_data(t, "cut %ju %ju %d %s %d left %d %d", (uintmax_t)tr, (uintmax_t)g, cached,
	    zeros ? "yes" : "no", error, left, lcache);
	ktest_data(t, "sync %d", file_sync(f));
}

static void
kf_reread(struct ktest_ctx *t, uint8_t *buf)
{
	struct file *f;
	uint32_t c1, c2, c3;
	u_int react;
	bool ok = true;

	if (file_open("r", &f) != 0) {
		ktest_fail(t, "file_open(r) failed");
		return;
	}
	c1 = kf_crc_file(f, buf, &ok);
	c2 = kf_crc_file(f, buf, &ok);
	(void)kf_cache_from(f, 0);
	react = cnt.v_reactivated;
	c3 = kf_crc_file(f, buf, &ok);
	ktest_data(t, "reread %ju %u %u %u %u", (uintmax_t)OFF_TO_IDX(round_page(file_size(f))),
	    c1, c2, c3, cnt.v_reactivated - react);
	if (!ok)
		ktest_fail(t, "a read of r failed");
	file_close(f);
}

static void
kf_bad(struct ktest_ctx *t, struct file *f, uint8_t *buf)
{
	struct file *nf;
	uint64_t ext = (uint64_t)f->f_nblocks * PAGE_SIZE;
	size_t n = 99;

	ktest_data(t, "bad noent %d", file_open("no-such-file", &nf));
	ktest_data(t, "bad write_past %d", file_write(f, ext - 1, buf, 2));
	ktest_data(t, "bad truncate_past %d", file_truncate(f, ext + 1));
	(void)file_read(f, file_size(f) + 5, buf, 10, &n);
	ktest_data(t, "bad read_past %zu", n);
}

KTEST(file_ops, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *f;
	uint8_t *buf;
	int error;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL, "needs a file system (the grader's image)");
	if ((error = file_open("w", &f)) != 0) {
		ktest_fail(t, "file_open(w): error %d", error);
		return;
	}
	buf = malloc(KF_MAXWRITE);
	KT_CHECK(t, buf != NULL, "malloc");
	ktest_data(t, "open w len %ju blocks %u", (uintmax_t)file_size(f), f->f_nblocks);
	kf_writes(t, f, buf);
	kf_cut(t, f, buf);
	kf_bad(t, f, buf);
	file_close(f);
	kf_reread(t, buf);
	free(buf);
	kf_check(t);
}

KTEST(file_pressure, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *big, *out;
	uint64_t chunk, off;
	uint8_t *buf;
	u_int passes = cnt.v_pdpasses, react = cnt.v_reactivated, r, w, po, e, po0;
	struct vmmeter c0 = cnt;
	size_t n;
	int i = 0, error = 0;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL && tunable_u64("file.chunk", &chunk) &&
	    chunk > 0 && chunk <= 64, "needs a file system and file.chunk=1..64");
	KT_CHECK(t, file_open("big", &big) == 0 && file_open("out", &out) == 0,
	    "file_open(big/out) failed");
	buf = malloc((size_t)chunk * PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	for (off = 0; off < file_size(big) && error == 0; off += n, i++) {
		if ((error = file_read(big, off, buf, (size_t)chunk * PAGE_SIZE, &n)) != 0)
			break;
		ktest_data(t, "chunk %d %u", i, kf_crc32(0, buf, n));
		error = file_write(out, off, buf, n);
	}
	vnode_pager_stats(&r, &w, &po0, &e);
	error = error != 0 ? error : file_sync(out);
	vnode_pager_stats(&r, &w, &po, &e);
	ktest_data(t, "sync %d daemon %u reactivated %u laundered %u synced %u", error,
	    cnt.v_pdpasses - passes, cnt.v_reactivated - react, po0, po - po0);
	kf_cpu(t, &c0);
	free(buf);
	file_close(big);
	file_close(out);
	kf_check(t);
}

KTEST(file_reread, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *big;
	struct vmmeter c0;
	uint64_t passes;
	uint8_t *buf;
	u_int r0, r1, w, po, e;
	bool ok = true;

	KT_SKIP_UNLESS(t, flatfs_disk() != NULL && tunable_u64("file.passes", &passes) &&
	    passes > 0 && passes <= 16, "needs a file system and file.passes=1..16");
	KT_CHECK(t, file_open("big", &big) == 0, "file_open(big) failed");
	buf = malloc(PAGE_SIZE);
	KT_CHECK(t, buf != NULL, "malloc");
	ktest_data(t, "params pages %ju free %u nocache %s",
	    (uintmax_t)OFF_TO_IDX(round_page(file_size(big))),
	    cnt.v_free_count + cnt.v_cache_count, vm_pageout_nocache ? "yes" : "no");
	c0 = cnt;
	vnode_pager_stats(&r0, &w, &po, &e);
	for (uint64_t i = 0; i < passes && ok; i++)
		ktest_data(t, "pass %ju %u", (uintmax_t)i, kf_crc_file(big, buf, &ok));
	vnode_pager_stats(&r1, &w, &po, &e);
	ktest_data(t, "daemon passes %u cached %u freed %u reactivated %u pageins %u",
	    cnt.v_pdpasses - c0.v_pdpasses, cnt.v_pdcached - c0.v_pdcached,
	    cnt.v_pdfreed - c0.v_pdfreed, cnt.v_reactivated - c0.v_reactivated, r1 - r0);
	kf_cpu(t, &c0);
	if (!ok)
		ktest_fail(t, "a read of big failed");
	free(buf);
	file_close(big);
	kf_check(t);
}

KTEST(file_badimage, KTEST_EXPLICIT | KTEST_VM)
{
	struct file *f;

	ktest_data(t, "open %d", file_open("anything", &f));
}

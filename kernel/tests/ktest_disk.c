/*
 * ktest_disk.c - tests of the disk layer and its driver, against images the
 * grader writes before boot and reads back after QEMU exits
 * (grader/tests/test_disk.py).  They need a grader's disks, so they run
 * only when named (KTEST_EXPLICIT).  KDATA grammars: grader/vmkit/kdata.py.
 *
 * disk_rw (disk0, read-write; the stream is t->rng, which the grader
 * replays with vmkit.krng):
 *   disk sectors <n> ro <yes|no>
 *   r <i> <blkno> <npages> <error> <crc32 of the data read>
 *       nreads = 4 + below(5) reads: #0 is sector 0, #1 the last whole page
 *       (sector n - 8), the others npages = 1 + below(4) at
 *       blkno = below(n - 8 * npages + 1), drawn in that order;
 *   w <i> <blkno> <npages> <error> <crc32 written> <crc32 read back>
 *       then nwrites = 2 + below(4) writes, each drawing npages and blkno as
 *       above, then npages * 512 words of rng_next() as its data (little
 *       endian); each is read back;
 *   stats 0 reads <r> writes <w> bytes_read <br> bytes_written <bw> errors <e>
 *
 * disk_bounds (every disk the boot has; each request is one the disk layer
 * must refuse with an errno and a message, except read0 and rewrite):
 *   disk <unit> sectors <n> ro <yes|no>
 *   case <unit> <name> <error>      read0 rewrite past_end straddle npages0
 *                                   negative huge strategy_past_end
 *   stats <unit> reads ... (as above)
 *   nodisk count <disk_count()> get_null <yes|no> read <error of disk_read(NULL)>
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>

#define	KT_MAXPAGES	4		/* the largest request the tests make */
#define	SECTORS_PER_PAGE (PAGE_SIZE / DEV_BSIZE)

/* A buffer of KT_MAXPAGES pages, mapped at buf, and its pages. */
struct ktbuf {
	uint8_t		*buf;
	vm_page_t	 ma[KT_MAXPAGES];
};

static bool
ktbuf_alloc(struct ktest_ctx *t, struct ktbuf *b)
{
	vm_paddr_t pa;

	b->buf = contigmalloc(KT_MAXPAGES * PAGE_SIZE, 0, (vm_paddr_t)~(vm_paddr_t)0, PAGE_SIZE, 0);
	if (b->buf == NULL) {
		ktest_fail(t, "contigmalloc of %d pages failed", KT_MAXPAGES);
		return (false);
	}
	pa = pmap_kextract((vm_offset_t)b->buf);
	for (int i = 0; i < KT_MAXPAGES; i++)
		b->ma[i] = PHYS_TO_VM_PAGE(pa + (vm_paddr_t)i * PAGE_SIZE);
	return (true);
}

static void
ktbuf_free(struct ktbuf *b)
{
	contigfree(b->buf, KT_MAXPAGES * PAGE_SIZE);
}

/* CRC-32 (IEEE, as zlib's crc32), bit by bit. */
static uint32_t
kt_crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return (~c);
}

static void
kt_stats(struct ktest_ctx *t, struct disk *dp)
{
	ktest_data(t, "stats %d reads %ju writes %ju bytes_read %ju bytes_written %ju errors %ju",
	    dp->d_unit, (uintmax_t)dp->d_reads, (uintmax_t)dp->d_writes,
	    (uintmax_t)dp->d_bytes_read, (uintmax_t)dp->d_bytes_written, (uintmax_t)dp->d_errors);
}

/* A seeded request: npages = 1 + below(4), a blkno where it fits. */
static void
kt_pick(struct ktest_ctx *t, uint64_t nsec, daddr_t *blkno, int *npages)
{
	*npages = 1 + (int)rng_below(&t->rng, KT_MAXPAGES);
	*blkno = rng_below(&t->rng, (uint32_t)(nsec - (uint64_t)*npages * SECTORS_PER_PAGE + 1));
}

KTEST(disk_rw, KTEST_VM | KTEST_EXPLICIT)
{
	struct disk *dp = disk_get(0);
	struct ktbuf b;
	uint64_t nsec, *w;
	uint32_t crc_w;
	daddr_t blkno;
	int n, np, error;

	if (!ktest_need_vm(t))
		return;
	KT_CHECK(t, dp != NULL, "no disk0: the test needs a disk image (vm.run(..., disks=...))");
	nsec = dp->d_sectors;
	ktest_data(t, "disk sectors %ju ro %s", (uintmax_t)nsec, dp->d_ro ? "yes" : "no");
	KT_CHECK(t, nsec >= 64 && nsec < UINT32_MAX, "disk0 has %ju sectors: the test needs "
	    "64 to 2^32", (uintmax_t)nsec);
	if (!ktbuf_alloc(t, &b))
		return;
	n = 4 + (int)rng_below(&t->rng, 5);
	for (int i = 0; i < n; i++) {
		if (i < 2) {
			np = 1;
			blkno = i == 0 ? 0 : (daddr_t)nsec - SECTORS_PER_PAGE;
		} else
			kt_pick(t, nsec, &blkno, &np);
		error = disk_read(dp, blkno, b.ma, np);
		ktest_data(t, "r %d %jd %d %d %08x", i, (intmax_t)blkno, np, error,
		    kt_crc32(b.buf, (size_t)np * PAGE_SIZE));
		if (error != 0)
			ktest_fail(t, "read %d of %d pages at sector %jd: error %d", i, np,
			    (intmax_t)blkno, error);
	}
	n = 2 + (int)rng_below(&t->rng, 4);
	for (int i = 0; i < n; i++) {
		kt_pick(t, nsec, &blkno, &np);
		w = (uint64_t *)b.buf;
		for (size_t k = 0; k < (size_t)np * PAGE_SIZE / sizeof(*w); k++)
			w[k] = rng_next(&t->rng);
		crc_w = kt_crc32(b.buf, (size_t)np * PAGE_SIZE);
		error = disk_write(dp, blkno, b.ma, np);
		memset(b.buf, 0, (size_t)np * PAGE_SIZE);
		if (error == 0)
			error = disk_read(dp, blkno, b.ma, np);
		ktest_data(t, "w %d %jd %d %d %08x %08x", i, (intmax_t)blkno, np, error, crc_w,
		    kt_crc32(b.buf, (size_t)np * PAGE_SIZE));
		if (error != 0)
			ktest_fail(t, "write %d of %d pages at sector %jd: error %d", i, np,
			    (intmax_t)blkno, error);
	}
	kt_stats(t, dp);
	ktbuf_free(&b);
}

static int kt_async_error;

static void
kt_async_done(struct bio *bp)
{
	kt_async_error = bp->bio_error;
	*(volatile bool *)bp->bio_caller1 = true;
}

/* disk_strategy past the end: the bio comes back through bio_done, refused. */
static int
kt_strategy_past_end(struct disk *dp, struct ktbuf *b)
{
	volatile bool done = false;
	struct bio bio = { .bio_cmd = BIO_READ, .bio_blkno = (daddr_t)dp->d_sectors,
	    .bio_ma = b->ma, .bio_npages = 1, .bio_done = kt_async_done, .bio_caller1 = (void *)(uintptr_t)&done };

	kt_async_error = -1;
	disk_strategy(dp, &bio);
	while (!done)		/* a refused request is done at once; never waits on the device */
		;
	return (kt_async_error);
}

static void
kt_bounds_disk(struct ktest_ctx *t, struct disk *dp, struct ktbuf *b)
{
	int64_t nsec = (int64_t)dp->d_sectors;
	struct {
		const char	*name;
		int		 error;
	} c[8];
	int n = 0;

	ktest_data(t, "disk %d sectors %jd ro %s", dp->d_unit, (intmax_t)nsec,
	    dp->d_ro ? "yes" : "no");
	c[n].name = "read0";
	c[n++].error = disk_read(dp, 0, b->ma, 1);
	c[n].name = "rewrite";		/* sector 0's page, back where it came from */
	c[n++].error = disk_write(dp, 0, b->ma, 1);
	c[n].name = "past_end";
	c[n++].error = disk_read(dp, nsec, b->ma, 1);
	c[n].name = "straddle";
	c[n++].error = disk_read(dp, MAX(nsec - SECTORS_PER_PAGE / 2, 0), b->ma, 1);
	c[n].name = "npages0";
	c[n++].error = disk_read(dp, 0, b->ma, 0);
	c[n].name = "negative";
	c[n++].error = disk_read(dp, -SECTORS_PER_PAGE, b->ma, 1);
	c[n].name = "huge";
	c[n++].error = disk_read(dp, (daddr_t)0x7ffffffffffffff0LL, b->ma, 1);
	c[n].name = "strategy_past_end";
	c[n++].error = kt_strategy_past_end(dp, b);
	for (int i = 0; i < n; i++)
		ktest_data(t, "case %d %s %d", dp->d_unit, c[i].name, c[i].error);
	kt_stats(t, dp);
}

KTEST(disk_bounds, KTEST_VM | KTEST_EXPLICIT)
{
	struct ktbuf b;

	if (!ktest_need_vm(t) || !ktbuf_alloc(t, &b))
		return;
	memset(b.buf, 0, KT_MAXPAGES * PAGE_SIZE);
	for (int u = 0; u < disk_count(); u++)
		kt_bounds_disk(t, disk_get(u), &b);
	ktest_data(t, "nodisk count %d get_null %s read %d", disk_count(),
	    disk_get(disk_count()) == NULL && disk_get(-1) == NULL ? "yes" : "no",
	    disk_read(NULL, 0, b.ma, 1));
	ktbuf_free(&b);
}

/*
 * disk_bench (tools/bench-disk.py): write, then read, disk.bench_mib MiB
 * (default 8) of disk0 from sector 0 in requests of disk.bench_pages pages
 * (default 64), timed with cpu_ticks():
 *   rate cycles_per_ms <c>                 (the TSC against the clock)
 *   bench <mode> <write|read> bytes <n> pages <p> cycles <c>
 */
static uint64_t
kt_cycles_per_ms(void)
{
	volatile uint64_t start = ticks;
	uint64_t t0;

	while (ticks == start)
		cpu_idle();
	t0 = cpu_ticks();
	start = ticks;
	while (ticks < start + 5)
		cpu_idle();
	return ((cpu_ticks() - t0) / (5 * 1000 / HZ));
}

static uint64_t
kt_kenv_num(const char *key, uint64_t dflt)
{
	const char *s = kenv_get(key);

	return (s == NULL ? dflt : strtoull(s, NULL, 0));
}

static int
kt_bench_sync(struct disk *dp, int cmd, vm_page_t *ma, int pages, uint64_t bytes)
{
	int error = 0;

	for (uint64_t off = 0; off < bytes && error == 0; off += (uint64_t)pages * PAGE_SIZE) {
		daddr_t blkno = (daddr_t)(off / DEV_BSIZE);

		error = cmd == BIO_READ ? disk_read(dp, blkno, ma, pages) :
		    disk_write(dp, blkno, ma, pages);
	}
	return (error);
}

KTEST(disk_bench, KTEST_VM | KTEST_EXPLICIT)
{
	struct disk *dp = disk_get(0);
	uint64_t mib = kt_kenv_num("disk.bench_mib", 8);
	int pages = (int)kt_kenv_num("disk.bench_pages", 64);
	uint64_t bytes = mib << 20, t0;
	vm_page_t *ma;
	char *buf;
	vm_paddr_t pa;
	int error;

	if (!ktest_need_vm(t))
		return;
	KT_CHECK(t, dp != NULL, "no disk0: the benchmark needs a disk image");
	KT_CHECK(t, pages >= 1 && pages <= 1024 && bytes % ((uint64_t)pages * PAGE_SIZE) == 0 &&
	    bytes / DEV_BSIZE <= dp->d_sectors, "disk.bench_mib %ju / bench_pages %d do not fit "
	    "disk0 (%ju sectors)", (uintmax_t)mib, pages, (uintmax_t)dp->d_sectors);
	buf = contigmalloc((vm_size_t)pages * PAGE_SIZE, 0, (vm_paddr_t)~(vm_paddr_t)0, PAGE_SIZE, 0);
	ma = malloc(sizeof(*ma) * (size_t)pages);
	KT_CHECK(t, buf != NULL && ma != NULL, "no memory for %d pages", pages);
	pa = pmap_kextract((vm_offset_t)buf);
	for (int i = 0; i < pages; i++)
		ma[i] = PHYS_TO_VM_PAGE(pa + (vm_paddr_t)i * PAGE_SIZE);
	memset(buf, 0x5a, (size_t)pages * PAGE_SIZE);
	ktest_data(t, "rate cycles_per_ms %ju", (uintmax_t)kt_cycles_per_ms());
	for (int op = 0; op < 2; op++) {
		int cmd = op == 0 ? BIO_WRITE : BIO_READ;

		t0 = cpu_ticks();
		error = kt_bench_sync(dp, cmd, ma, pages, bytes);
		KT_CHECK(t, error == 0, "sync %s: error %d", cmd == BIO_READ ? "read" : "write", error);
		ktest_data(t, "bench sync %s bytes %ju pages %d cycles %ju",
		    cmd == BIO_READ ? "read" : "write", (uintmax_t)bytes, pages,
		    (uintmax_t)(cpu_ticks() - t0));
	}
	free(ma);
	contigfree(buf, (vm_size_t)pages * PAGE_SIZE);
}

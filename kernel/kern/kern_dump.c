/*
 * kern_dump.c - the minidump writer (FreeBSD's minidumpsys, machine-
 * independent half; sys/kerneldump.h has the format) and the monitor's
 * `dump`.
 *
 * Called by panic (after the message and the backtrace), by `dump`, or by a
 * test.  It runs with interrupts off and writes through the disk layer's
 * polled path (disk_dump_write, the driver's d_dump), which takes no lock
 * and never sleeps: in a panic no other thread will run again, and the
 * disk mutex may be held by one of them.  The order:
 *
 *   1. pick the dump disk: dumpdev=N, or the only disk; never one that
 *      swapdev=, fsdev= or senddev= names, nor a read-only one;
 *   2. mark the bitmap (vm_page_dump): every frame mapped in kernel virtual
 *      memory (minidump_md_walk), the bitmap and the page array themselves
 *      (on amd64 they may be reached through the direct map only); then
 *      drop every bit outside dump_avail;
 *   3. write header (not yet complete), msgbuf, bitmap, kernel PTEs, then
 *      the frames in ascending order, as many as fit on the disk;
 *   4. write the header again, complete (and truncated if pages were left).
 *
 * A panic while dumping (a fault in here, say) finds `dumping` set and does
 * not dump again: it exits as a nested panic does.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/kenv.h>
#include <sys/monitor.h>
#include <sys/msgbuf.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <sys/kerneldump.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/pmap.h>
#include <machine/cpufunc.h>

#define	DUMP_BATCH	64		/* pages handed to disk_dump_write at once */
#define	SECTORS_PER_PAGE (PAGE_SIZE / DEV_BSIZE)

CTASSERT(sizeof(struct minidumphdr) <= PAGE_SIZE);

static char dump_hdr_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static int dumping;			/* a dump is being written: never recurse */
static uint64_t dump_test_panic_after;	/* dump.test_panic=N: panic after N pages (tests) */

/* Whether kenv `key` names disk `unit` (swapdev=N, fsdev=N). */
static bool
dump_kenv_names(const char *key, int unit)
{
	uint64_t v;

	return (kenv_get(key) != NULL && tunable_u64_max(key, DISK_MAX - 1, &v) &&
	    v == (uint64_t)unit);
}

/* The dump disk, or NULL after saying why there is none. */
static struct disk *
dump_disk(void)
{
	struct disk *dp;
	uint64_t unit;

	if (kenv_get("dumpdev") != NULL) {
		if (!tunable_u64_max("dumpdev", DISK_MAX - 1, &unit) ||
		    (dp = disk_get((int)unit)) == NULL) {
			printf("dump: dumpdev=%s: no such disk; no dump\n", kenv_get("dumpdev"));
			return (NULL);
		}
	} else if (disk_count() == 1)
		dp = disk_get(0);
	else {
		printf("dump: no dump disk (%s); no dump\n", disk_count() == 0 ?
		    "no disk attached" : "several disks and no dumpdev= on the command line");
		return (NULL);
	}
	if (dump_kenv_names("swapdev", dp->d_unit) || dump_kenv_names("fsdev", dp->d_unit) ||
	    dump_kenv_names("senddev", dp->d_unit)) {
		printf("dump: disk%d holds %s; no dump\n", dp->d_unit,
		    dump_kenv_names("swapdev", dp->d_unit) ? "swap (swapdev=)" :
		    dump_kenv_names("fsdev", dp->d_unit) ? "the file system (fsdev=)" :
		    "the zero-copy sends (senddev=)");
		return (NULL);
	}
	if (dp->d_ro || dp->d_dump == NULL) {
		printf("dump: disk%d is %s; no dump\n", dp->d_unit,
		    dp->d_ro ? "read-only" : "not one a dump can be written to");
		return (NULL);
	}
	return (dp);
}

/* minidump_md_walk's callback: a frame the kernel maps. */
static void
dump_walk_add(vm_paddr_t pa)
{
	dump_add_page(pa);
}

static void
dump_add_range(vm_paddr_t pa, vm_size_t size)
{
	for (vm_size_t off = 0; off < size; off += PAGE_SIZE)
		dump_add_page(pa + off);
}

/*
 * The page array's pages: only those that describe something, so that a
 * freshly booted machine with GiBs of free pages dumps megabytes (the array
 * alone is 1.7% of RAM).  A page of the array goes in if one of its entries
 * is not free, or heads a free block (vmbuddy walks the heads), and the
 * first page always (p vm_page_array[5]).  Whatever the machine's walk put
 * in the bitmap for the array (i386 maps it in kernel VA) is dropped first.
 */
static void
dump_page_array(void)
{
	vm_size_t bytes = round_page((vm_size_t)vm_page_array_size * sizeof(struct vm_page));
	vm_offset_t va0 = (vm_offset_t)vm_page_array;

	for (vm_size_t off = 0; off < bytes; off += PAGE_SIZE)
		dump_drop_page(vm_page_array_pa + off);
	for (long i = 0; i < vm_page_array_size; i++) {
		vm_page_t m = &vm_page_array[i];
		vm_size_t off = trunc_page((vm_offset_t)m - va0);

		if (off == 0 || (m->flags & PG_FREE) == 0 || m->order != VM_NFREEORDER) {
			dump_add_page(vm_page_array_pa + off);
			dump_add_page(vm_page_array_pa +
			    trunc_page((vm_offset_t)(m + 1) - 1 - va0));	/* it may straddle */
		}
	}
}

/* Mark the frames to dump, drop those outside dump_avail; returns the count. */
static uint64_t
dump_bitmap_build(void)
{
	size_t nwords = vm_page_dump_size / sizeof(uint32_t);
	uint64_t n = 0;

	minidump_md_walk(dump_walk_add);
	dump_add_range(vm_page_dump_pa, vm_page_dump_size);
	dump_page_array();
	for (size_t w = 0; w < nwords; w++) {
		for (u_int b = 0; b < 32 && vm_page_dump[w] != 0; b++) {
			vm_paddr_t pa = ptoa((vm_paddr_t)w * 32 + b);

			if ((vm_page_dump[w] & (1u << b)) == 0)
				continue;
			if (!physmem_contains(dump_avail, pa, pa + PAGE_SIZE - 1))
				dump_drop_page(pa);
			else
				n++;
		}
	}
	return (n);
}

/* Write `bytes` (whole pages) of physically contiguous memory at *blk. */
static int
dump_write_contig(struct disk *dp, daddr_t *blk, vm_paddr_t pa, uint64_t bytes)
{
	vm_paddr_t pas[DUMP_BATCH];
	uint64_t npages = bytes / PAGE_SIZE;
	int n, error;

	while (npages > 0) {
		n = (int)MIN(npages, (uint64_t)DUMP_BATCH);
		for (int i = 0; i < n; i++)
			pas[i] = pa + ptoa((vm_paddr_t)i);
		if ((error = disk_dump_write(dp, *blk, pas, n)) != 0)
			return (error);
		*blk += (daddr_t)n * SECTORS_PER_PAGE;
		pa += ptoa((vm_paddr_t)n);
		npages -= (uint64_t)n;
	}
	return (0);
}

static int
dump_write_header(struct disk *dp, const struct minidumphdr *h)
{
	daddr_t blk = 0;

	memset(dump_hdr_page, 0, sizeof(dump_hdr_page));
	memcpy(dump_hdr_page, h, sizeof(*h));
	return (dump_write_contig(dp, &blk, pmap_kextract((vm_offset_t)dump_hdr_page), PAGE_SIZE));
}

/* The bitmap's frames in ascending order, at most `max`; returns pages written. */
static int
dump_write_pages(struct disk *dp, daddr_t *blk, uint64_t max, uint64_t *written)
{
	size_t nwords = vm_page_dump_size / sizeof(uint32_t);
	vm_paddr_t pas[DUMP_BATCH];
	int n = 0, error;

	*written = 0;
	for (size_t w = 0; w < nwords && *written + (uint64_t)n < max; w++) {
		for (u_int b = 0; b < 32 && *written + (uint64_t)n < max; b++) {
			if ((vm_page_dump[w] & (1u << b)) == 0)
				continue;
			pas[n++] = ptoa((vm_paddr_t)w * 32 + b);
			if (n < DUMP_BATCH)
				continue;
			if ((error = disk_dump_write(dp, *blk, pas, n)) != 0)
				return (error);
			*blk += (daddr_t)n * SECTORS_PER_PAGE;
			*written += (uint64_t)n;
			n = 0;
			if (dump_test_panic_after != 0 && *written >= dump_test_panic_after)
				panic("dump: dump.test_panic: a panic while dumping");
		}
	}
	if (n > 0) {
		if ((error = disk_dump_write(dp, *blk, pas, n)) != 0)
			return (error);
		*blk += (daddr_t)n * SECTORS_PER_PAGE;
		*written += (uint64_t)n;
	}
	return (0);
}

/* Header fields other than the machine's and the outcome's. */
static void
dump_header_init(struct minidumphdr *h, const char *why, bool panic, uint32_t ptesize,
    uint64_t npages)
{
	memset(h, 0, sizeof(*h));
	strlcpy(h->magic, MINIDUMP_MAGIC, sizeof(h->magic));
	h->version = MINIDUMP_VERSION;
	h->flags = panic ? MINIDUMP_PANIC : 0;
	h->msgbufsize = MSGBUF_SIZE;
	h->bitmapsize = (uint32_t)vm_page_dump_size;
	h->ptesize = ptesize;
	h->npages = npages;
	h->physmem = physmem_total(dump_avail);
	h->tickrate = cpu_tickrate();
	strlcpy(h->panicstr, why, sizeof(h->panicstr));
	minidump_md_header(h);
}

static int
dump_write_all(struct disk *dp, struct minidumphdr *h, vm_paddr_t ptes_pa, uint64_t t0)
{
	uint64_t cap = dp->d_sectors / SECTORS_PER_PAGE, meta, fit, written;
	daddr_t blk = SECTORS_PER_PAGE;
	int error;

	meta = 1 + MSGBUF_SIZE / PAGE_SIZE + h->bitmapsize / PAGE_SIZE + h->ptesize / PAGE_SIZE;
	if (cap < meta) {
		printf("dump: disk%d has %ju pages, the header, msgbuf, bitmap and page tables "
		    "alone need %ju; no dump\n", dp->d_unit, (uintmax_t)cap, (uintmax_t)meta);
		return (ENOSPC);
	}
	fit = MIN(h->npages, cap - meta);
	if (fit < h->npages) {
		printf("dump: disk%d is too small: %ju of %ju pages fit; the dump is truncated\n",
		    dp->d_unit, (uintmax_t)fit, (uintmax_t)h->npages);
		h->flags |= MINIDUMP_TRUNCATED;
	}
	if ((error = dump_write_header(dp, h)) != 0)
		return (error);
	h->msgbufseq = msgbuf_seq;
	if ((error = dump_write_contig(dp, &blk, pmap_kextract((vm_offset_t)msgbuf_data),
	    MSGBUF_SIZE)) != 0 ||
	    (error = dump_write_contig(dp, &blk, vm_page_dump_pa, h->bitmapsize)) != 0 ||
	    (error = dump_write_contig(dp, &blk, ptes_pa, h->ptesize)) != 0 ||
	    (error = dump_write_pages(dp, &blk, fit, &written)) != 0)
		return (error);
	h->pageswritten = written;
	h->dumpsize = (uint64_t)blk * DEV_BSIZE;
	h->dumptime = cpu_ticks() - t0;
	h->flags |= MINIDUMP_COMPLETE;
	return (dump_write_header(dp, h));
}

int
dumpsys(const char *why, bool panic)
{
	struct minidumphdr h;
	struct disk *dp;
	register_t ef;
	uint32_t ptesize;
	vm_paddr_t ptes_pa;
	uint64_t t0 = cpu_ticks(), npages, ms;
	int error;

	if (dumping++ > 0) {
		printf("dump: already dumping; not dumping again\n");
		return (EBUSY);
	}
	if (vm_page_dump == NULL) {
		printf("dump: the VM system is not up (no dump bitmap); no dump\n");
		dumping = 0;
		return (ENXIO);
	}
	if ((dp = dump_disk()) == NULL) {
		dumping = 0;
		return (ENODEV);
	}
	if (kenv_get("dump.test_panic") != NULL)
		(void)tunable_u64("dump.test_panic", &dump_test_panic_after);
	ef = intr_disable();
	npages = dump_bitmap_build();
	ptes_pa = minidump_md_ptes(&ptesize);
	dump_header_init(&h, why, panic, ptesize, npages);
	/*
	 * The caller's registers as they will be when dumpsys returns (frame
	 * pointers are kept in every build): its pc, its frame pointer (saved
	 * at our frame's base) and its stack pointer (past our saved frame
	 * pointer and return address).  A core's registers (tools/minidump.py
	 * core), so that GDB's bt starts in the panic.
	 */
	h.pc = (uint64_t)(uintptr_t)__builtin_return_address(0);
	h.fp = (uint64_t)*(uintptr_t *)__builtin_frame_address(0);
	h.sp = (uint64_t)(uintptr_t)__builtin_frame_address(0) + 2 * sizeof(uintptr_t);
	printf("dump: disk%d: kernbase %#jx ptesize %u bitmapsize %u msgbufsize %u "
	    "npages %ju physmem %ju\n", dp->d_unit, (uintmax_t)h.kernbase, h.ptesize,
	    h.bitmapsize, h.msgbufsize, (uintmax_t)h.npages, (uintmax_t)h.physmem);
	error = dump_write_all(dp, &h, ptes_pa, t0);
	intr_restore(ef);
	ms = h.tickrate != 0 ? (cpu_ticks() - t0) * 1000 / h.tickrate : 0;
	if (error != 0)
		printf("dump: failed: error %d\n", error);
	else
		printf("dump: %ju of %ju pages, %ju KiB written%s in %ju ms, %ju cpu ticks "
		    "(%ju.%02ju%% of RAM)\n",
		    (uintmax_t)h.pageswritten, (uintmax_t)h.npages, (uintmax_t)h.dumpsize >> 10,
		    (h.flags & MINIDUMP_TRUNCATED) != 0 ? " (truncated)" : "", (uintmax_t)ms,
		    (uintmax_t)h.dumptime,
		    (uintmax_t)(h.dumpsize * 100 / h.physmem),
		    (uintmax_t)(h.dumpsize * 10000 / h.physmem % 100));
	dumping = 0;
	return (error);
}

MONITOR_CMD(dump, "", "write a minidump to the dump disk (dumpdev=N, or the only disk)")
{
	return (dumpsys("monitor: dump", false) == 0 ? 0 : 1);
}

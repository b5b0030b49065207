/*
 * swap_pager.c - anonymous memory paged out to a swap disk (FreeBSD's
 * swap_pager.c, cut down).
 *
 * The swap disk is the one `swapdev=N` names; without it (or with
 * swapdev=none) there is no swap, and the boot says so (swap_pager_swapon).
 * Never a default: swapping overwrites the disk, and the one disk attached
 * may well hold a file system someone wants to keep.  An anonymous object (OBJT_DEFAULT)
 * becomes OBJT_SWAP the first time the page daemon launders one of its
 * pages (default_pager_putpages in vm_pager.c sends it here).
 *
 *   swap space: a bitmap, one bit per page-sized block of the disk, and a
 *     next-fit cursor.  Why not FreeBSD's blist: the blist earns its radix
 *     tree on swap of many GiB with fragmented free space; vmkit's swap
 *     disks are MiBs (a 64 MiB disk is a 2 KiB bitmap), a run of n free
 *     blocks is found by a linear scan from the cursor in microseconds,
 *     and `swapinfo` can check the bitmap against the counters bit by bit.
 *   where a page is: a per-object array of block numbers by pindex
 *     (object->handle), allocated when the object first pages out.
 *     Objects here have a fixed size, so the array is O(1) to search and
 *     4 bytes per page; FreeBSD's hash of 16-page swblocks saves memory for
 *     sparse objects of huge size, which vmkit does not have.
 *
 *   put (the daemon, object and page-queues locks held, pages busy):
 *     each page's old block freed, a run of blocks for the cluster (or
 *     smaller runs if swap is fragmented), one write per run through
 *     disk_strategy; swp_iodone, in the disk's thread, reports it with
 *     vm_pageout_io_done.  No space: VM_PAGER_FAIL and a message.
 *   get: the page's block read synchronously, the object unlocked
 *     meanwhile (the disk's thread may need it for a write's completion);
 *     the block is kept, so the clean page can be cached and dropped
 *     without another write.
 *   a page dirtied again (vm_pager_page_unswapped), or removed, or its
 *   object gone: its block freed.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/mutex.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>

#define	SWAPBLK_NONE	(-1)
#define	SWAP_CLUSTER	16		/* pages in one write, at most */
#define	SECTORS_PER_BLK	(PAGE_SIZE / DEV_BSIZE)

typedef int32_t swblk_t;

/* The swap device and its bitmap: the "swap" mutex, a leaf. */
static struct swdev {
	struct mtx	mtx;
	struct disk	*disk;		/* (c) NULL: no swap */
	u_int		nblks;		/* (c) page-sized blocks */
	uint32_t	*bitmap;	/* (mtx) one bit per block, 1 = in use */
	u_int		used;		/* (mtx) */
	u_int		cursor;		/* (mtx) next fit starts here */
	u_int		failed;		/* (mtx) allocations that found no room */
	bool		full_said;	/* (mtx) the out-of-space message was printed */
} sw;

/* Counters of the pager's own (object locks): what it asked of the disk. */
static u_int swp_writes, swp_pages_out, swp_reads, swp_write_errors, swp_read_errors;

struct swbio {
	struct bio	bio;
	vm_object_t	object;
	vm_page_t	ma[SWAP_CLUSTER];
};

static bool
swp_bit(u_int b)
{
	return ((sw.bitmap[b / 32] >> (b % 32)) & 1);
}

static void
swp_setbits(u_int b, u_int n, bool on)
{
	for (u_int i = b; i < b + n; i++) {
		KASSERT(swp_bit(i) != on, ("%s: block %u is already %s", __func__, i,
		    on ? "in use" : "free"));
		if (on)
			sw.bitmap[i / 32] |= 1u << (i % 32);
		else
			sw.bitmap[i / 32] &= ~(1u << (i % 32));
	}
	sw.used = on ? sw.used + n : sw.used - n;
}

/* A run of n free blocks, next fit from the cursor: its first block, or SWAPBLK_NONE. */
static swblk_t
swp_alloc(u_int n)
{
	swblk_t found = SWAPBLK_NONE;
	u_int run = 0;

	mtx_lock(&sw.mtx);
	for (u_int k = 0; k < sw.nblks + n && found == SWAPBLK_NONE; k++) {
		u_int b = (sw.cursor + k) % sw.nblks;

		if (b == 0)
			run = 0;		/* a run does not wrap */
		run = swp_bit(b) ? 0 : run + 1;
		if (run == n)
			found = (swblk_t)(b + 1 - n);
	}
	if (found != SWAPBLK_NONE) {
		swp_setbits((u_int)found, n, true);
		sw.cursor = ((u_int)found + n) % sw.nblks;
	}
	mtx_unlock(&sw.mtx);
	return (found);
}

static void
swp_free(swblk_t blk)
{
	if (blk == SWAPBLK_NONE)
		return;
	mtx_lock(&sw.mtx);
	swp_setbits((u_int)blk, 1, false);
	mtx_unlock(&sw.mtx);
}

/* ---- Per-object metadata ---------------------------------------------------- */

static swblk_t *
swp_meta(vm_object_t object)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	return (object->type == OBJT_SWAP ? object->handle : NULL);
}

/*
 * An anonymous object is about to page out: make it OBJT_SWAP with an
 * array of blocks, all none.  false if there is no memory for it.
 */
bool
swap_pager_convert(vm_object_t object)
{
	swblk_t *meta;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(object->type == OBJT_DEFAULT, ("%s: object %p has type %u", __func__, object,
	    object->type));
	if ((meta = malloc((size_t)object->size * sizeof(swblk_t))) == NULL)
		return (false);
	for (vm_pindex_t i = 0; i < object->size; i++)
		meta[i] = SWAPBLK_NONE;
	object->handle = meta;
	object->type = OBJT_SWAP;
	return (true);
}

/* Free the blocks of pindex [start, end) (end 0: to the end). Object locked. */
static void
swap_pager_freespace(vm_object_t object, vm_pindex_t start, vm_pindex_t end)
{
	swblk_t *meta = swp_meta(object);

	if (meta == NULL)
		return;
	if (end == 0 || end > object->size)
		end = object->size;
	for (vm_pindex_t i = start; i < end; i++) {
		swp_free(meta[i]);
		meta[i] = SWAPBLK_NONE;
	}
}

/* The object is going: every block back, the array freed. Object locked. */
static void
swap_pager_dealloc(vm_object_t object)
{
	swap_pager_freespace(object, 0, 0);
	free(object->handle);
	object->handle = NULL;
}

/* m was dirtied again: its copy on swap is stale, free the block. Object locked. */
static void
swap_pager_unswapped(vm_page_t m)
{
	swblk_t *meta = swp_meta(m->object);

	if (meta != NULL && m->pindex < m->object->size) {
		swp_free(meta[m->pindex]);
		meta[m->pindex] = SWAPBLK_NONE;
	}
}

static bool
swap_pager_haspage(vm_object_t object, vm_pindex_t pindex)
{
	swblk_t *meta = swp_meta(object);

	return (meta != NULL && pindex < object->size && meta[pindex] != SWAPBLK_NONE);
}

/*
 * A collapse (vm_object_backing_merge): src's blocks for dst's window
 * [off, off + dst->size) move to dst at pindex - off, re-based; where dst
 * has a block of its own (a newer copy) src's is freed.  Blocks outside the
 * window stay in src (freed with it).  Both locked; dst is a swap object
 * (vm_pager_transfer_ready made it one).
 */
static void
swap_pager_transfer(vm_object_t src, vm_pindex_t off, vm_object_t dst)
{
	swblk_t *from = swp_meta(src), *to = swp_meta(dst);

	if (from == NULL)
		return;
	KASSERT(to != NULL, ("%s: object %p (type %u) cannot take object %p's blocks", __func__,
	    dst, dst->type, src));
	for (vm_pindex_t q = 0; q < dst->size && off + q < src->size; q++) {
		if (from[off + q] == SWAPBLK_NONE)
			continue;
		if (to[q] == SWAPBLK_NONE)
			to[q] = from[off + q];
		else
			swp_free(from[off + q]);
		from[off + q] = SWAPBLK_NONE;
	}
}

/* ---- I/O -------------------------------------------------------------------- */

/*
 * Read the page's block in, synchronously; the object is unlocked
 * meanwhile (the page is busy, and paging_in_progress keeps the object).
 */
static int
swap_pager_getpages(vm_object_t object, vm_page_t *ma, int count __unused, int reqpage)
{
	vm_page_t m = ma[reqpage];
	swblk_t *meta = swp_meta(object);
	swblk_t blk;
	int error;

	if (meta == NULL || m->pindex >= object->size || (blk = meta[m->pindex]) == SWAPBLK_NONE)
		return (VM_PAGER_BAD);
	vm_object_pip_add(object, 1);
	VM_OBJECT_UNLOCK(object);
	error = disk_read(sw.disk, (daddr_t)blk * SECTORS_PER_BLK, &m, 1);
	VM_OBJECT_LOCK(object);
	vm_object_pip_wakeup(object);
	if (error != 0) {
		swp_read_errors++;
		printf("swap_pager: read of page %ju of object %p from block %d failed "
		    "(error %d)\n", (uintmax_t)m->pindex, object, blk, error);
		return (VM_PAGER_ERROR);
	}
	swp_reads++;
	m->valid = VM_PAGE_BITS_ALL;
	vm_page_undirty(m);
	return (VM_PAGER_OK);
}

/* A write finished, in the disk's thread: a failed one gives its blocks back. */
static void
swp_iodone(struct bio *bp)
{
	struct swbio *sb = bp->bio_caller1;
	vm_object_t object = sb->object;

	if (bp->bio_error != 0) {
		VM_OBJECT_LOCK(object);
		swp_write_errors++;
		printf("swap_pager: write of %d pages to block %jd failed (error %d)\n",
		    bp->bio_npages, (intmax_t)(bp->bio_blkno / SECTORS_PER_BLK), bp->bio_error);
		for (int i = 0; i < bp->bio_npages; i++)
			swap_pager_unswapped(sb->ma[i]);
		VM_OBJECT_UNLOCK(object);
	}
	vm_pageout_io_done(object, sb->ma, bp->bio_npages, bp->bio_error);
	free(sb);
}

/* Write ma[0..n) (adjacent pages) to blocks blk.. in one request. */
static bool
swp_write(vm_object_t object, vm_page_t *ma, int n, swblk_t blk)
{
	swblk_t *meta = object->handle;
	struct swbio *sb = malloc(sizeof(*sb));

	if (sb == NULL)
		return (false);
	memset(sb, 0, sizeof(*sb));
	sb->object = object;
	for (int i = 0; i < n; i++) {
		sb->ma[i] = ma[i];
		meta[ma[i]->pindex] = blk + i;
	}
	sb->bio.bio_cmd = BIO_WRITE;
	sb->bio.bio_blkno = (daddr_t)blk * SECTORS_PER_BLK;
	sb->bio.bio_ma = sb->ma;
	sb->bio.bio_npages = n;
	sb->bio.bio_done = swp_iodone;
	sb->bio.bio_caller1 = sb;
	swp_writes++;
	swp_pages_out += (u_int)n;
	disk_strategy(sw.disk, &sb->bio);
	return (true);
}

static void
swp_say_full(int count)
{
	mtx_lock(&sw.mtx);
	sw.failed++;
	if (!sw.full_said)
		printf("swap_pager: out of swap space: %u of %u blocks in use, %d pages not "
		    "written (they stay in memory)\n", sw.used, sw.nblks, count);
	sw.full_said = true;
	mtx_unlock(&sw.mtx);
}

/*
 * Write the cluster: old blocks freed, then runs as long as swap allows
 * (halving the run when no run that long is free), one request each.
 * Pages that found no room are VM_PAGER_FAIL.  Object and page-queues
 * locks held (see vm_pager.h); nothing here sleeps.
 */
static void
swap_pager_putpages(vm_object_t object, vm_page_t *ma, int count, int flags __unused,
    int *rtvals)
{
	int i = 0, n, maxrun = MIN(SWAP_CLUSTER, sw.disk != NULL ? sw.disk->d_maxpages : 1);
	swblk_t blk = SWAPBLK_NONE;

	KASSERT(object->type == OBJT_SWAP && count <= SWAP_CLUSTER,
	    ("%s: object %p type %u, %d pages", __func__, object, object->type, count));
	for (int k = 0; k < count; k++) {
		swap_pager_unswapped(ma[k]);
		rtvals[k] = VM_PAGER_FAIL;
	}
	if (sw.disk == NULL)
		return;
	while (i < count) {
		for (n = MIN(count - i, maxrun); n > 0; n /= 2)
			if ((blk = swp_alloc((u_int)n)) != SWAPBLK_NONE)
				break;
		if (n == 0) {
			swp_say_full(count - i);
			return;
		}
		if (!swp_write(object, &ma[i], n, blk)) {
			mtx_lock(&sw.mtx);
			swp_setbits((u_int)blk, (u_int)n, false);
			mtx_unlock(&sw.mtx);
			return;
		}
		for (int k = i; k < i + n; k++)
			rtvals[k] = VM_PAGER_PEND;
		i += n;
	}
}

struct pagerops swap_pager_ops = {
	.pgo_name = "swap",
	.pgo_getpages = swap_pager_getpages,
	.pgo_putpages = swap_pager_putpages,
	.pgo_haspage = swap_pager_haspage,
	.pgo_dealloc = swap_pager_dealloc,
	.pgo_freespace = swap_pager_freespace,
	.pgo_unswapped = swap_pager_unswapped,
	.pgo_transfer = swap_pager_transfer,
};

/* Is there swap to page anonymous memory out to? */
bool
swap_pager_on(void)
{
	return (sw.disk != NULL);
}

/*
 * After the disks are found (mi_startup): pick the swap disk, or say why
 * there is none.  swapdev=N names it; without it, or with swapdev=none,
 * there is no swap.  A read-only or missing one is refused with a message.
 */
void
swap_pager_swapon(void)
{
	const char *name = kenv_get("swapdev");
	uint64_t unit = 0;
	struct disk *dp = NULL;

	mtx_init(&sw.mtx, "swap", NULL, MTX_DEF);
	if (name == NULL || strcmp(name, "none") == 0) {
		printf("swap: none (%s)\n", name == NULL ? "no swapdev= on the command line" :
		    "swapdev=none");
		return;
	}
	if (!tunable_u64_max("swapdev", DISK_MAX - 1, &unit))
		return;				/* refused, with kenv's message */
	if ((dp = disk_get((int)unit)) == NULL) {
		printf("swap: swapdev=%ju: no such disk; no swap\n", (uintmax_t)unit);
		return;
	}
	if (dp->d_ro || dp->d_sectors < SECTORS_PER_BLK) {
		printf("swap: disk%d is %s; no swap\n", dp->d_unit,
		    dp->d_ro ? "read-only" : "smaller than a page");
		return;
	}
	sw.nblks = (u_int)MIN(dp->d_sectors / SECTORS_PER_BLK, (uint64_t)0x7fffffff);
	if ((sw.bitmap = calloc((sw.nblks + 31) / 32, sizeof(uint32_t))) == NULL) {
		printf("swap: no memory for the bitmap of %u blocks; no swap\n", sw.nblks);
		return;
	}
	sw.disk = dp;
	vm_pager_register(OBJT_SWAP, &swap_pager_ops);
	printf("swap: disk%d, %u pages (%u KiB), bitmap allocator\n", dp->d_unit, sw.nblks,
	    sw.nblks * (PAGE_SIZE / 1024));
}

MONITOR_CMD(swapinfo, "", "the swap disk: blocks in use, free, the pager's I/O")
{
	u_int bits = 0;

	if (sw.disk == NULL) {
		printf("no swap (see the boot's swap: line)\n");
		return (0);
	}
	mtx_lock(&sw.mtx);
	for (u_int b = 0; b < sw.nblks; b++)
		bits += swp_bit(b);
	printf("disk%d: %u blocks of %u KiB, %u used, %u free, %u allocations failed\n",
	    sw.disk->d_unit, sw.nblks, PAGE_SIZE / 1024, sw.used, sw.nblks - sw.used, sw.failed);
	printf("bitmap: %u bits set, %s\n", bits, bits == sw.used ? "agrees" : "DISAGREES");
	mtx_unlock(&sw.mtx);
	printf("pager: %u writes of %u pages (%u failed), %u page reads (%u failed)\n",
	    swp_writes, swp_pages_out, swp_write_errors, swp_reads, swp_read_errors);
	return (0);
}

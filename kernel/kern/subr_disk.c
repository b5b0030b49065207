/*
 * subr_disk.c - the machine-independent disk layer: the registry of disks,
 * the checks every request passes before a device sees it, the queue in
 * front of each device, the per-disk counters and the monitor's `disks`.
 *
 * Drivers (dev/virtio_blk.c) register a disk with disk_create() when the
 * machine's bus probe (disk_bus_probe) finds their device, and report each
 * finished request with disk_done().  A request's life:
 *
 *   disk_strategy(bp) --check--> d_waitq --disk_kick: d_start--> device
 *        |  refused: bio_error = EINVAL/EROFS/EIO, no I/O                |
 *        v                                                              v
 *   BIO_DONE, counters  <------- disk_done(bp, error) <------- d_poll: used ring
 *
 * The wait for a finished request is disk_wait(): it polls the device (no
 * interrupt is needed), bounded by DISK_TIMEOUT ticks, so a dead device is
 * an EIO and the disk goes offline, never a hang.  Asynchronous requests
 * (disk_strategy) run their bio_done from the caller's side of disk_wait,
 * never from inside the driver.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <vm/vm_param.h>
#include <machine/cpufunc.h>

#define	SECTORS_PER_PAGE	(PAGE_SIZE / DEV_BSIZE)

static struct disk *disks[DISK_MAX];	/* unit -> disk; set at probe, then fixed */
static int ndisks;

static const char *
disk_cmdname(int cmd)
{
	return (cmd == BIO_READ ? "read" : cmd == BIO_WRITE ? "write" : "request");
}

struct disk *
disk_create(const char *kind, uint64_t sectors, bool ro, int maxpages, disk_start_t *start,
    disk_poll_t *poll, disk_stop_t *stop, void *softc)
{
	struct disk *dp;

	KASSERT(maxpages > 0, ("%s: %s with maxpages %d", __func__, kind, maxpages));
	if (ndisks == DISK_MAX) {
		printf("disk: a %s beyond the %d disks the kernel keeps is ignored\n", kind, DISK_MAX);
		return (NULL);
	}
	if ((dp = malloc(sizeof(*dp))) == NULL)
		return (NULL);
	memset(dp, 0, sizeof(*dp));
	dp->d_unit = ndisks;
	dp->d_kind = kind;
	dp->d_sectors = sectors;
	dp->d_ro = ro;
	dp->d_maxpages = maxpages;
	dp->d_start = start;
	dp->d_poll = poll;
	dp->d_stop = stop;
	dp->d_softc = softc;
	TAILQ_INIT(&dp->d_waitq);
	disks[ndisks++] = dp;
	return (dp);
}

void
disk_init(void)
{
	disk_bus_probe();
	for (int i = 0; i < ndisks; i++) {
		struct disk *dp = disks[i];

		printf("disk%d: %s, %ju sectors (%ju KiB), %s\n", dp->d_unit, dp->d_kind,
		    (uintmax_t)dp->d_sectors, (uintmax_t)dp->d_sectors / 2,
		    dp->d_ro ? "read-only" : "read-write");
	}
}

struct disk *
disk_get(int unit)
{
	if (unit < 0 || unit >= ndisks)
		return (NULL);
	return (disks[unit]);
}

int
disk_count(void)
{
	return (ndisks);
}

/*
 * Whether the device may see bp: 0, or the errno, after saying why on the
 * console.  The range check is written so that no sum can overflow: a
 * blkno near INT64_MAX is past the end, not a wrap to the start.
 */
static int
disk_check(struct disk *dp, const struct bio *bp)
{
	const char *what = disk_cmdname(bp->bio_cmd);
	uint64_t nsec;

	if (bp->bio_cmd != BIO_READ && bp->bio_cmd != BIO_WRITE) {
		printf("disk%d: unknown command %d\n", dp->d_unit, bp->bio_cmd);
		return (EINVAL);
	}
	if (bp->bio_npages <= 0 || bp->bio_ma == NULL) {
		printf("disk%d: %s of %d pages at sector %jd: a request needs at least one page\n",
		    dp->d_unit, what, bp->bio_npages, (intmax_t)bp->bio_blkno);
		return (EINVAL);
	}
	if (bp->bio_blkno < 0) {
		printf("disk%d: %s at sector %jd: a sector number is never negative\n",
		    dp->d_unit, what, (intmax_t)bp->bio_blkno);
		return (EINVAL);
	}
	nsec = (uint64_t)bp->bio_npages * SECTORS_PER_PAGE;
	if ((uint64_t)bp->bio_blkno > dp->d_sectors || nsec > dp->d_sectors - bp->bio_blkno) {
		printf("disk%d: %s of sectors %jd-%ju is past the end: the disk has %ju sectors\n",
		    dp->d_unit, what, (intmax_t)bp->bio_blkno,
		    (uintmax_t)bp->bio_blkno + nsec - 1, (uintmax_t)dp->d_sectors);
		return (EINVAL);
	}
	if (bp->bio_cmd == BIO_WRITE && dp->d_ro) {
		printf("disk%d: write at sector %jd: the disk is read-only\n", dp->d_unit,
		    (intmax_t)bp->bio_blkno);
		return (EROFS);
	}
	if (dp->d_offline) {
		printf("disk%d: %s at sector %jd: the disk is offline (it stopped answering)\n",
		    dp->d_unit, what, (intmax_t)bp->bio_blkno);
		return (EIO);
	}
	return (0);
}

/* Hand queued requests to the device while it has room. */
static void
disk_kick(struct disk *dp)
{
	struct bio *bp;

	while (!dp->d_offline && (bp = TAILQ_FIRST(&dp->d_waitq)) != NULL) {
		if (dp->d_start(dp, bp) == EBUSY)
			break;
		TAILQ_REMOVE(&dp->d_waitq, bp, bio_queue);
		dp->d_inflight++;
	}
}

/* bp is finished, with `error`: count it and mark it done. */
static void
disk_finish(struct disk *dp, struct bio *bp, int error)
{
	size_t bytes = (size_t)bp->bio_npages * PAGE_SIZE;

	if (error != 0)
		dp->d_errors++;
	else if (bp->bio_cmd == BIO_READ) {
		dp->d_reads++;
		dp->d_bytes_read += bytes;
	} else {
		dp->d_writes++;
		dp->d_bytes_written += bytes;
	}
	bp->bio_error = error;
	bp->bio_flags |= BIO_DONE;
}

/* The driver: the device finished bp (it was given to it by d_start). */
void
disk_done(struct disk *dp, struct bio *bp, int error)
{
	KASSERT(dp->d_inflight > 0, ("%s: disk%d: bio %p done with none in flight",
	    __func__, dp->d_unit, bp));
	dp->d_inflight--;
	disk_finish(dp, bp, error);
	disk_kick(dp);
}

/*
 * The device stopped answering: reset it (its d_stop fails, with EIO, every
 * request it held) and fail whatever was still waiting for it.
 */
static void
disk_offline(struct disk *dp)
{
	struct bio *bp;

	printf("disk%d: the %s did not finish a request in %d ticks; the disk is now offline\n",
	    dp->d_unit, dp->d_kind, DISK_TIMEOUT);
	dp->d_offline = true;
	dp->d_stop(dp);
	while ((bp = TAILQ_FIRST(&dp->d_waitq)) != NULL) {
		TAILQ_REMOVE(&dp->d_waitq, bp, bio_queue);
		disk_finish(dp, bp, EIO);
	}
}

/*
 * Wait until bp is done: poll the device, at most DISK_TIMEOUT ticks.  The
 * time-out needs the clock, so interrupts are on while waiting (start-up
 * runs with them off until something waits); the device's own interrupt
 * stays masked, so nothing but the clock and the console runs meanwhile.
 */
static void
disk_wait(struct disk *dp, struct bio *bp)
{
	uint64_t deadline = ticks + DISK_TIMEOUT;
	register_t s = intr_disable();

	enable_intr();
	while ((bp->bio_flags & BIO_DONE) == 0) {
		dp->d_poll(dp);
		if ((bp->bio_flags & BIO_DONE) == 0 && ticks > deadline)
			disk_offline(dp);
	}
	intr_restore(s);
}

/* Accept bp (or refuse it, done at once with the errno) and queue it. */
static void
disk_start(struct disk *dp, struct bio *bp)
{
	int error;

	bp->bio_flags = 0;
	bp->bio_error = 0;
	if ((error = disk_check(dp, bp)) != 0) {
		disk_finish(dp, bp, error);
		return;
	}
	TAILQ_INSERT_TAIL(&dp->d_waitq, bp, bio_queue);
	disk_kick(dp);
}

void
disk_strategy(struct disk *dp, struct bio *bp)
{
	KASSERT(bp->bio_done != NULL, ("%s: disk%d: async bio %p without bio_done",
	    __func__, dp->d_unit, bp));
	disk_start(dp, bp);
	disk_wait(dp, bp);
	bp->bio_done(bp);
}

/*
 * A synchronous request, split into requests of at most d_maxpages pages.
 * The whole range is checked first, so a request past the end moves no
 * data at all.
 */
static int
disk_rw(struct disk *dp, int cmd, daddr_t blkno, struct vm_page **ma, int npages)
{
	struct bio whole = { .bio_cmd = cmd, .bio_blkno = blkno, .bio_ma = ma,
	    .bio_npages = npages };
	struct bio b;
	int error, n;

	if (dp == NULL) {
		printf("disk: %s at sector %jd: no such disk\n", disk_cmdname(cmd), (intmax_t)blkno);
		return (ENXIO);
	}
	if ((error = disk_check(dp, &whole)) != 0) {
		dp->d_errors++;
		return (error);
	}
	for (int done = 0; done < npages; done += n) {
		n = MIN(npages - done, dp->d_maxpages);
		memset(&b, 0, sizeof(b));
		b.bio_cmd = cmd;
		b.bio_blkno = blkno + (daddr_t)done * SECTORS_PER_PAGE;
		b.bio_ma = ma + done;
		b.bio_npages = n;
		disk_start(dp, &b);
		disk_wait(dp, &b);
		if (b.bio_error != 0)
			return (b.bio_error);
	}
	return (0);
}

int
disk_read(struct disk *dp, daddr_t blkno, struct vm_page **ma, int npages)
{
	return (disk_rw(dp, BIO_READ, blkno, ma, npages));
}

int
disk_write(struct disk *dp, daddr_t blkno, struct vm_page **ma, int npages)
{
	return (disk_rw(dp, BIO_WRITE, blkno, ma, npages));
}

/* ---- The monitor ------------------------------------------------------ */

MONITOR_CMD(disks, "", "the disks: unit, kind, size, mode, I/O counters")
{
	if (ndisks == 0) {
		printf("no disks (attach an image: make qemu DISK=path)\n");
		return (0);
	}
	printf("unit kind         size MiB  mode   reads  writes  KiB read  KiB written  errors\n");
	for (int i = 0; i < ndisks; i++) {
		struct disk *dp = disks[i];
		uint64_t kib = dp->d_sectors / 2;

		printf("%-4d %-12s %5ju.%02ju  %-5s %6ju  %6ju  %8ju  %11ju  %6ju%s\n", dp->d_unit,
		    dp->d_kind, (uintmax_t)kib / 1024, (uintmax_t)(kib % 1024) * 100 / 1024,
		    dp->d_ro ? "ro" : "rw", (uintmax_t)dp->d_reads, (uintmax_t)dp->d_writes,
		    (uintmax_t)dp->d_bytes_read / 1024, (uintmax_t)dp->d_bytes_written / 1024,
		    (uintmax_t)dp->d_errors, dp->d_offline ? "  offline" : "");
	}
	return (0);
}

/*
 * sys/disk.h - the disk layer: the registry of the machine's disks, the
 * requests callers make of them, and the interface a driver implements.
 *
 *   caller                 kern/subr_disk.c                  driver (dev/virtio_blk.c)
 *   disk_read/disk_write   check range, split by d_maxpages,
 *     (sync: msleep)  ---> queue on d_waitq, d_start() ----> descriptors, notify
 *   disk_strategy                                             ... DMA, interrupt ...
 *     (async)              done queue, wakeup  <------------- disk_done(bp, error)
 *                          "diskdone" thread: counters,        (interrupt handler)
 *                          BIO_DONE, wakeup(bp) or bio_done()
 *
 * A request is whole pages (bio.h) at any sector; the layer refuses, with a
 * message and an errno, what no device should see: a negative block, no
 * pages, a run past the end of the disk (EINVAL), a write to a read-only
 * disk (EROFS).  A device that does not finish a request within
 * DISK_TIMEOUT ticks is reset and taken offline: that request and every
 * later one get EIO.
 *
 * Locks: the "disk" sleep mutex covers every disk's wait queue, in-flight
 * count, counters and offline flag, and the calls into d_start/d_stop; the
 * "disk done queue" spin mutex covers the queue interrupt handlers fill.
 * A driver's own spin mutex comes after "disk" (d_start is called with it
 * held) and before "disk done queue" (its handler calls disk_done).
 */
#ifndef _SYS_DISK_H_
#define _SYS_DISK_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/bio.h>

struct vm_page;
struct disk;

/* The driver's half.  d_start queues a request on the device: 0, or EBUSY
 * while its queue is full (the layer retries after the next completion).
 * d_poll hands every finished request to disk_done() without waiting for
 * the interrupt (the layer's check for a lost interrupt before a time-out).
 * d_stop resets the device, so that it touches no memory again, and hands
 * every request it held to disk_done() with EIO.  All three are called with
 * the disk mutex held. */
typedef int	disk_start_t(struct disk *dp, struct bio *bp);
typedef void	disk_poll_t(struct disk *dp);
typedef void	disk_stop_t(struct disk *dp);
/* d_dump (optional) writes physical pages and waits for them by polling, with
 * interrupts off and no lock taken: the minidump's path (kern_dump.c), when
 * no thread can run.  Set by the driver after disk_create. */
typedef int	disk_dump_t(struct disk *dp, daddr_t blkno, const vm_paddr_t *pa, int npages);

struct disk {
	int		 d_unit;	/* disk_get(unit); fixed at creation */
	const char	*d_kind;	/* "virtio-blk" */
	uint64_t	 d_sectors;	/* size in DEV_BSIZE sectors (may be 0) */
	bool		 d_ro;		/* the device refuses writes */
	bool		 d_offline;	/* timed out: every request is EIO */
	int		 d_maxpages;	/* most pages in one request to the device */
	disk_start_t	*d_start;
	disk_poll_t	*d_poll;
	disk_stop_t	*d_stop;
	disk_dump_t	*d_dump;	/* NULL: the disk cannot take a dump */
	void		*d_softc;	/* the driver's */
	TAILQ_HEAD(, bio) d_waitq;	/* accepted, not yet given to the device */
	int		 d_inflight;	/* given to the device, not yet done */
	/* counters (disk mutex), of requests the device finished; errors: refused or failed */
	uint64_t	 d_reads;
	uint64_t	 d_writes;
	uint64_t	 d_bytes_read;
	uint64_t	 d_bytes_written;
	uint64_t	 d_errors;
};

#define	DISK_MAX	8		/* units 0..7 */
#define	DISK_TIMEOUT	(10 * HZ)	/* ticks a request may take before EIO */

/* Callers. */
void	disk_init(void);		/* probe the machine's buses: mi_startup */
struct disk *disk_get(int unit);	/* NULL if there is no such disk */
int	disk_count(void);
int	disk_read(struct disk *dp, daddr_t blkno, struct vm_page **ma, int npages);	/* sync: 0 or errno */
int	disk_write(struct disk *dp, daddr_t blkno, struct vm_page **ma, int npages);
void	disk_strategy(struct disk *dp, struct bio *bp);	/* async: bp->bio_done runs later */
int	disk_dump_write(struct disk *dp, daddr_t blkno, const vm_paddr_t *pa, int npages);

/* Drivers. */
struct disk *disk_create(const char *kind, uint64_t sectors, bool ro, int maxpages,
	    disk_start_t *start, disk_poll_t *poll, disk_stop_t *stop, void *softc);
void	disk_done(struct bio *bp, int error);	/* the device finished bp; from its interrupt handler */

/* The machine's: find disk controllers and attach their drivers (dev/pci.c on a PC). */
void	disk_bus_probe(void);

#endif /* !_SYS_DISK_H_ */

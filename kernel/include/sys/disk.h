/*
 * sys/disk.h - the disk layer: the registry of the machine's disks, the
 * requests callers make of them, and the interface a driver implements.
 *
 *   caller                 kern/subr_disk.c                   driver (dev/virtio_blk.c)
 *   disk_read/disk_write   check range, split by d_maxpages,
 *     (sync: waits)   ---> queue on d_waitq, d_start() -----> descriptors, notify
 *   disk_strategy                                              ... DMA ...
 *     (async)              disk_done(): counters, BIO_DONE <-- d_poll(): used ring
 *                          bio_done() for async requests
 *
 * A request is whole pages (bio.h) at any sector; the layer refuses, with a
 * message and an errno, what no device should see: a negative block, no
 * pages, a run past the end of the disk (EINVAL), a write to a read-only
 * disk (EROFS).  A device that does not answer within DISK_TIMEOUT ticks is
 * reset and taken offline: that request and every later one get EIO.
 */
#ifndef _SYS_DISK_H_
#define _SYS_DISK_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/bio.h>

struct vm_page;
struct disk;

/* The driver's half: d_start queues a request on the device (0, or EBUSY
 * while its queue is full: the layer retries after the next completion);
 * d_poll hands each finished request to disk_done(); d_stop resets the
 * device so that it touches no memory again. */
typedef int	disk_start_t(struct disk *dp, struct bio *bp);
typedef void	disk_poll_t(struct disk *dp);
typedef void	disk_stop_t(struct disk *dp);

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
	void		*d_softc;	/* the driver's */
	TAILQ_HEAD(, bio) d_waitq;	/* accepted, not yet given to the device */
	int		 d_inflight;	/* given to the device, not yet done */
	/* counters, of requests the device finished (errors: refused or failed) */
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

/* Drivers. */
struct disk *disk_create(const char *kind, uint64_t sectors, bool ro, int maxpages,
	    disk_start_t *start, disk_poll_t *poll, disk_stop_t *stop, void *softc);
void	disk_done(struct disk *dp, struct bio *bp, int error);	/* the device finished bp */

/* The machine's: find disk controllers and attach their drivers (dev/pci.c on a PC). */
void	disk_bus_probe(void);

#endif /* !_SYS_DISK_H_ */

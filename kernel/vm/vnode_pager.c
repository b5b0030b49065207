/*
 * vnode_pager.c - the file pager: OBJT_VNODE objects, one per open file of
 * the flat file system (kern/vfs_flat.c), whose handle is the struct file.
 * Page i of the object is block f_first + i of the file's extent, so a page
 * moves whole, by DMA, in one request:
 *
 *   getpages   disk_read of the page's block and of the read-ahead pages
 *              after it, one request (the object unlocked while it
 *              sleeps), then the bytes past the file's length zeroed:
 *              a file truncated and regrown never shows old blocks
 *   putpages   each run of adjacent pages in one disk_write (file_sync,
 *              VM_PAGER_PUT_SYNC) or one disk_strategy whose completion,
 *              in the disk's thread, reports to vm_pageout_io_done (the
 *              page daemon laundering: VM_PAGER_PEND, nothing sleeps)
 *   haspage    the page lies inside the extent
 *
 * There is no allocation: a file's blocks are fixed when the image is made.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/vm_lock.h>
#include <vm/pmap.h>

#define	VNP_CLUSTER	16		/* most pages in one request */
#define	SECTORS_PER_PAGE (PAGE_SIZE / DEV_BSIZE)

struct vnp_bio {
	struct bio	 bio;
	vm_object_t	 object;
	vm_page_t	 ma[VNP_CLUSTER];
};

/* Pages read (read-ahead included), write requests, pages written, failed requests. */
static u_int vnp_reads, vnp_writes, vnp_pages_out, vnp_errors;

static struct file *
vnp_file(vm_object_t object)
{
	KASSERT(object->type == OBJT_VNODE && object->handle != NULL,
	    ("%s: object %p (type %u) has no file", __func__, object, object->type));
	return (object->handle);
}

static daddr_t
vnp_sector(struct file *f, vm_pindex_t pindex)
{
	return ((daddr_t)(f->f_first + pindex) * SECTORS_PER_PAGE);
}

/* Zero page m from byte `from` on (a page straddling the end of the file).  Object locked. */
static void
vnp_zero_tail(struct file *f, vm_page_t m, size_t from)
{
	pmap_qenter(f->f_win, &m, 1);
	memset((uint8_t *)f->f_win + from, 0, PAGE_SIZE - from);
	pmap_qremove(f->f_win, 1);
}

/*
 * The read-ahead pages of a read that failed: not busy, and freed (they
 * hold nothing).  Object locked.
 */
static void
vnp_drop_readahead(vm_page_t *ma, int count, int reqpage)
{
	for (int i = 0; i < count; i++)
		if (i != reqpage)
			vm_page_wakeup(ma[i]);
	vm_page_lock_queues();
	for (int i = 0; i < count; i++)
		if (i != reqpage)
			vm_page_free(ma[i]);
	vm_page_unlock_queues();
}

/*
 * Read ma[0..count) - adjacent pages, ma[reqpage] the one the caller needs,
 * the others read-ahead (vfs_flat.c's file_page_read) - in one disk
 * request: their blocks are adjacent too.  The bytes past the file's length
 * are zeroed.  The read-ahead pages end valid, not busy and inactive (cheap
 * to reclaim if nobody reads them); on a failure they are freed.
 */
static int
vnode_pager_getpages(vm_object_t object, vm_page_t *ma, int count, int reqpage)
{
	struct file *f = vnp_file(object);
	vm_page_t m = ma[reqpage];
	int error;

	for (int i = 0; i < count; i++)
		KASSERT(ma[i]->pindex == ma[0]->pindex + (vm_pindex_t)i, ("%s: page %d of %d "
		    "(pindex %ju) does not follow pindex %ju", __func__, i, count,
		    (uintmax_t)ma[i]->pindex, (uintmax_t)ma[0]->pindex));
	if (ma[count - 1]->pindex >= f->f_nblocks) {
		vnp_drop_readahead(ma, count, reqpage);
		return (VM_PAGER_BAD);
	}
	vm_object_pip_add(object, 1);
	VM_OBJECT_UNLOCK(object);
	error = disk_read(f->f_disk, vnp_sector(f, ma[0]->pindex), ma, count);
	VM_OBJECT_LOCK(object);
	vm_object_pip_wakeup(object);
	if (error != 0) {
		vnp_errors++;
		printf("vnode_pager: %s: read of pages %ju-%ju (blocks %ju-) failed (error %d)\n",
		    f->f_name, (uintmax_t)ma[0]->pindex, (uintmax_t)ma[count - 1]->pindex,
		    (uintmax_t)(f->f_first + ma[0]->pindex), error);
		vnp_drop_readahead(ma, count, reqpage);
		return (VM_PAGER_ERROR);
	}
	vnp_reads += (u_int)count;
	for (int i = 0; i < count; i++) {
		uint64_t off = IDX_TO_OFF(ma[i]->pindex);

		if (off + PAGE_SIZE > f->f_length)
			vnp_zero_tail(f, ma[i], off >= f->f_length ? 0 :
			    (size_t)(f->f_length - off));
		ma[i]->valid = VM_PAGE_BITS_ALL;
		vm_page_undirty(ma[i]);
		if (i != reqpage)
			vm_page_wakeup(ma[i]);
	}
	if (count > 1) {
		vm_page_lock_queues();
		for (int i = 0; i < count; i++)
			if (i != reqpage)
				vm_page_deactivate(ma[i]);
		vm_page_unlock_queues();
	}
	KASSERT(m->valid == VM_PAGE_BITS_ALL, ("%s: page %p invalid", __func__, m));
	return (VM_PAGER_OK);
}

/* An asynchronous write finished, in the disk's thread. */
static void
vnp_iodone(struct bio *bp)
{
	struct vnp_bio *vb = bp->bio_caller1;

	if (bp->bio_error != 0) {
		vnp_errors++;
		printf("vnode_pager: write of %d pages at sector %jd failed (error %d)\n",
		    bp->bio_npages, (intmax_t)bp->bio_blkno, bp->bio_error);
	}
	vm_pageout_io_done(vb->object, vb->ma, bp->bio_npages, bp->bio_error);
	free(vb);
}

/* One run of adjacent pages: VM_PAGER_OK or _ERROR (sync), _PEND or _FAIL (async). */
static int
vnp_write_run(vm_object_t object, struct file *f, vm_page_t *ma, int n, bool sync)
{
	struct vnp_bio *vb;
	int error;

	vnp_writes++;
	vnp_pages_out += (u_int)n;
	if (sync) {
		VM_OBJECT_UNLOCK(object);
		error = disk_write(f->f_disk, vnp_sector(f, ma[0]->pindex), ma, n);
		VM_OBJECT_LOCK(object);
		if (error != 0)
			vnp_errors++;
		return (error == 0 ? VM_PAGER_OK : VM_PAGER_ERROR);
	}
	if ((vb = malloc(sizeof(*vb))) == NULL)
		return (VM_PAGER_FAIL);
	memset(vb, 0, sizeof(*vb));
	vb->object = object;
	for (int i = 0; i < n; i++)
		vb->ma[i] = ma[i];
	vb->bio.bio_cmd = BIO_WRITE;
	vb->bio.bio_blkno = vnp_sector(f, ma[0]->pindex);
	vb->bio.bio_ma = vb->ma;
	vb->bio.bio_npages = n;
	vb->bio.bio_done = vnp_iodone;
	vb->bio.bio_caller1 = vb;
	disk_strategy(f->f_disk, &vb->bio);
	return (VM_PAGER_PEND);
}

/*
 * Write ma[0..count): each run of adjacent pindexes in one request.  Pages
 * past the extent (none should be) are VM_PAGER_BAD.  Object locked.
 */
static void
vnode_pager_putpages(vm_object_t object, vm_page_t *ma, int count, int flags, int *rtvals)
{
	struct file *f = vnp_file(object);
	int i = 0, n, rv;

	while (i < count) {
		if (ma[i]->pindex >= f->f_nblocks || f->f_disk->d_ro) {
			rtvals[i++] = f->f_disk->d_ro ? VM_PAGER_ERROR : VM_PAGER_BAD;
			continue;
		}
		for (n = 1; i + n < count && n < VNP_CLUSTER && ma[i + n]->pindex ==
		    ma[i]->pindex + (vm_pindex_t)n && ma[i + n]->pindex < f->f_nblocks; n++)
			;
		rv = vnp_write_run(object, f, &ma[i], n, (flags & VM_PAGER_PUT_SYNC) != 0);
		for (int k = i; k < i + n; k++)
			rtvals[k] = rv;
		i += n;
	}
}

static bool
vnode_pager_haspage(vm_object_t object, vm_pindex_t pindex)
{
	return (pindex < vnp_file(object)->f_nblocks);
}

struct pagerops vnode_pager_ops = {
	.pgo_name = "vnode",
	.pgo_getpages = vnode_pager_getpages,
	.pgo_putpages = vnode_pager_putpages,
	.pgo_haspage = vnode_pager_haspage,
};

/* The pager's own counters (`ls`): page reads, write requests, pages written, errors. */
void
vnode_pager_stats(u_int *reads, u_int *writes, u_int *pages_out, u_int *errors)
{
	*reads = vnp_reads;
	*writes = vnp_writes;
	*pages_out = vnp_pages_out;
	*errors = vnp_errors;
}

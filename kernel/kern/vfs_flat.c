/*
 * vfs_flat.c - the flat file system: a table of named files, each in a
 * fixed extent of blocks on one disk, read and written through the page
 * cache.  tools/mkfs.py makes and reads back the images (vmkit.flatfs).
 *
 *   block 0          block 1 .. T          block T+1 ...
 *   +-------------+  +------------------+  +----------+----------+-----+
 *   | superblock  |  | table: N entries |  | extent 0 | extent 1 | ... |
 *   +-------------+  | of 64 bytes      |  +----------+----------+-----+
 *                    +------------------+
 *   superblock (little endian): magic "VMKITFS\0", version (1), entries N,
 *       table blocks T = N * 64 / 4096 rounded up, blocks (the fs's size)
 *   entry: name[28] (NUL padded, "" unused), first block, blocks, flags,
 *       length (u64 at byte 40: bytes, at most blocks * 4096)
 *
 * A block is PAGE_SIZE, so page i of a file's object is block first + i:
 * the file pager (vm/vnode_pager.c) moves whole pages by DMA.  A file
 * never grows past its extent (EFBIG).  Bytes past a file's length read as
 * zeros: the pager zeroes them on the way in, and a file grown by a write
 * or a truncate gets zero pages for the gap, never the blocks' old data
 * (the seed's truncate-then-regrow bug, which also needs the cached pages
 * past the end freed: vm_object_page_remove does both kinds).
 *
 * Mounted at the first use (file_open, `ls`) from fsdev=N, or else the
 * first disk whose block 0 has the magic; fsdev=none mounts nothing.  (Not
 * at boot: a boot that never opens a file sends its disks no request.)  The table is
 * read into memory at mount and each entry written back by file_sync.
 * Locks: sys/file.h.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/mutex.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_kern.h>
#include <vm/vm_lock.h>
#include <vm/pmap.h>

#define	FLATFS_MAGIC	"VMKITFS"	/* + its NUL: 8 bytes */
#define	FLATFS_VERSION	1
#define	FLATFS_ENTSIZE	64
#define	FLATFS_CLUSTER	16		/* most pages file_sync writes in one request */
#define	FLATFS_READAHEAD 7		/* pages read after a missed one, same request */
#define	SECTORS_PER_BLOCK (PAGE_SIZE / DEV_BSIZE)

struct flatfs_super {
	char		magic[8];
	uint32_t	version;
	uint32_t	entries;
	uint32_t	tblocks;
	uint32_t	blocks;
};

struct flatfs_dirent {
	char		name[FLATFS_NAMELEN];
	uint32_t	first;
	uint32_t	nblocks;
	uint32_t	flags;
	uint64_t	length;
	uint8_t		reserved[16];
} __packed;
CTASSERT(sizeof(struct flatfs_dirent) == FLATFS_ENTSIZE);

static struct flatfs {
	struct mtx	 mtx;		/* "flatfs" */
	struct disk	*disk;		/* (flatfs) NULL: nothing mounted */
	bool		 tried;		/* (flatfs) the first use tried to mount */
	uint32_t	 entries, tblocks, blocks;
	uint8_t		*table;		/* (flatfs) tblocks pages, contiguous */
	vm_page_t	*tpages;	/* (c) their pages, for disk_write */
	struct file	**files;	/* (flatfs) per entry, made by the first open */
} fs;

static struct flatfs_dirent *
flatfs_entry(int i)
{
	return ((struct flatfs_dirent *)(fs.table + (size_t)i * FLATFS_ENTSIZE));
}

/* Contiguous wired kernel pages and their vm_pages (for the disk layer). */
static void *
flatfs_alloc_pages(int n, vm_page_t *ma)
{
	void *p = contigmalloc((vm_size_t)n * PAGE_SIZE, 0, (vm_paddr_t)~(vm_paddr_t)0,
	    PAGE_SIZE, 0);
	vm_paddr_t pa;

	if (p == NULL)
		return (NULL);
	pa = pmap_kextract((vm_offset_t)p);
	for (int i = 0; i < n; i++)
		ma[i] = PHYS_TO_VM_PAGE(pa + (vm_paddr_t)i * PAGE_SIZE);
	return (p);
}

/* Does dp's block 0 hold our superblock?  Fills *sb.  0, or an errno. */
static int
flatfs_read_super(struct disk *dp, struct flatfs_super *sb)
{
	vm_page_t m;
	void *p;
	int error;

	if (dp->d_sectors < SECTORS_PER_BLOCK)
		return (EINVAL);
	if ((p = flatfs_alloc_pages(1, &m)) == NULL)
		return (ENOMEM);
	error = disk_read(dp, 0, &m, 1);
	if (error == 0)
		memcpy(sb, p, sizeof(*sb));
	contigfree(p, PAGE_SIZE);
	if (error == 0 && memcmp(sb->magic, FLATFS_MAGIC, sizeof(sb->magic)) != 0)
		error = EFTYPE;
	return (error);
}

/* The superblock and table agree with each other and with the disk.  0 or EINVAL, said. */
static int
flatfs_check_table(struct disk *dp, const struct flatfs_super *sb)
{
	if (sb->version != FLATFS_VERSION || sb->entries == 0 ||
	    sb->tblocks != (uint32_t)(((uint64_t)sb->entries * FLATFS_ENTSIZE + PAGE_SIZE - 1) / PAGE_SIZE) ||
	    sb->blocks < 1 + sb->tblocks ||
	    (uint64_t)sb->blocks * SECTORS_PER_BLOCK > dp->d_sectors) {
		printf("flatfs: disk%d: bad superblock: version %u, %u entries in %u table blocks, "
		    "%u blocks on a disk of %ju\n", dp->d_unit, sb->version, sb->entries,
		    sb->tblocks, sb->blocks, (uintmax_t)(dp->d_sectors / SECTORS_PER_BLOCK));
		return (EINVAL);
	}
	return (0);
}

static int
flatfs_check_entries(void)
{
	for (uint32_t i = 0; i < fs.entries; i++) {
		struct flatfs_dirent *de = flatfs_entry((int)i);

		if (de->name[0] == '\0')
			continue;
		de->name[FLATFS_NAMELEN - 1] = '\0';
		if (de->first < 1 + fs.tblocks || de->nblocks > fs.blocks - de->first ||
		    de->length > (uint64_t)de->nblocks * PAGE_SIZE) {
			printf("flatfs: entry %u (%s): extent %u+%u, length %ju, in %u blocks\n",
			    i, de->name, de->first, de->nblocks, (uintmax_t)de->length, fs.blocks);
			return (EINVAL);
		}
	}
	return (0);
}

static int
flatfs_mount_disk(struct disk *dp)
{
	struct flatfs_super sb;
	int error;

	if ((error = flatfs_read_super(dp, &sb)) != 0) {
		printf("flatfs: disk%d: %s\n", dp->d_unit, error == EFTYPE ?
		    "no file system (bad magic; make one with tools/mkfs.py)" : "cannot read block 0");
		return (error);
	}
	if ((error = flatfs_check_table(dp, &sb)) != 0)
		return (error);
	fs.entries = sb.entries;
	fs.tblocks = sb.tblocks;
	fs.blocks = sb.blocks;
	fs.tpages = malloc(sizeof(vm_page_t) * sb.tblocks);
	fs.files = malloc(sizeof(struct file *) * sb.entries);
	if (fs.tpages == NULL || fs.files == NULL ||
	    (fs.table = flatfs_alloc_pages((int)sb.tblocks, fs.tpages)) == NULL) {
		printf("flatfs: no memory for a table of %u blocks\n", sb.tblocks);
		return (ENOMEM);
	}
	memset(fs.files, 0, sizeof(struct file *) * sb.entries);
	if ((error = disk_read(dp, SECTORS_PER_BLOCK, fs.tpages, (int)sb.tblocks)) != 0 ||
	    (error = flatfs_check_entries()) != 0) {
		contigfree(fs.table, (vm_size_t)sb.tblocks * PAGE_SIZE);
		return (error);
	}
	fs.disk = dp;
	return (0);
}

/* Mount fsdev=N, or the first disk whose block 0 has the magic.  "flatfs" held. */
static int
flatfs_mount_locked(void)
{
	const char *name = kenv_get("fsdev");
	uint64_t unit;
	struct disk *dp;
	int error = ENXIO;

	mtx_assert(&fs.mtx, MA_OWNED);
	if (name != NULL && strcmp(name, "none") == 0)
		return (ENXIO);
	if (name != NULL) {
		if (!tunable_u64_max("fsdev", DISK_MAX - 1, &unit))
			return (EINVAL);
		if ((dp = disk_get((int)unit)) == NULL) {
			printf("flatfs: fsdev=%ju: no such disk\n", (uintmax_t)unit);
			return (ENXIO);
		}
		error = flatfs_mount_disk(dp);
	} else {
		for (int u = 0; u < DISK_MAX && error != 0; u++) {
			struct flatfs_super sb;

			if ((dp = disk_get(u)) != NULL && flatfs_read_super(dp, &sb) == 0)
				error = flatfs_mount_disk(dp);
		}
	}
	if (error == 0) {
		vm_pager_register(OBJT_VNODE, &vnode_pager_ops);
		printf("flatfs: disk%d: %u table entries, %u blocks%s\n", fs.disk->d_unit,
		    fs.entries, fs.blocks, fs.disk->d_ro ? " (read-only)" : "");
	}
	return (error);
}

/* Boot: the lock only.  A boot that never names a file reads no disk for it. */
void
flatfs_init(void)
{
	/* Sleepable: a table write holds it across disk_write; no completion takes it. */
	mtx_init(&fs.mtx, "flatfs", NULL, MTX_DEF | MTX_SLEEPABLE);
}

/*
 * The first use (file_open, `ls`, flatfs_disk) mounts; the disks' other
 * users see no request of ours before.  Returns the mounted disk or NULL.
 */
struct disk *
flatfs_disk(void)
{
	mtx_lock(&fs.mtx);
	if (!fs.tried) {
		fs.tried = true;
		(void)flatfs_mount_locked();
	}
	mtx_unlock(&fs.mtx);
	return (fs.disk);
}

/* ---- Pages of a file ------------------------------------------------- */

/* Copy len bytes between buf (NULL: zeros, for a write) and page m at pgoff.  Object locked. */
static void
file_copy_page(struct file *f, vm_page_t m, size_t pgoff, void *buf, size_t len, bool write)
{
	uint8_t *va = (uint8_t *)f->f_win + pgoff;

	VM_OBJECT_LOCK_ASSERT(f->f_obj, MA_OWNED);
	pmap_qenter(f->f_win, &m, 1);
	if (!write)
		memcpy(buf, va, len);
	else if (buf != NULL)
		memcpy(va, buf, len);
	else
		memset(va, 0, len);
	pmap_qremove(f->f_win, 1);
}

/*
 * Read page m (busy, invalid) in through the pager, and with it, in the
 * same disk request, up to FLATFS_READAHEAD (or file.readahead=) following pages of the file
 * that are neither resident nor cached (a sequential reader's next pages;
 * the pager leaves them valid and inactive).  Read-ahead takes only pages
 * vm_page_alloc gives without waiting, and stops at one it reactivated from
 * the cache (its data is there already).  Object locked.
 */
static int
file_page_read(struct file *f, vm_page_t m)
{
	vm_object_t obj = f->f_obj;
	vm_pindex_t end = MIN((vm_pindex_t)f->f_nblocks, OFF_TO_IDX(round_page(f->f_length)));
	vm_page_t ma[1 + FLATFS_READAHEAD], p;
	uint64_t ra = FLATFS_READAHEAD;
	int n = 1;

	/* file.readahead=0..7: lab 03's tests count every read, page by page. */
	(void)tunable_u64_max("file.readahead", FLATFS_READAHEAD, &ra);
	ma[0] = m;
	while (n <= (int)ra && m->pindex + (vm_pindex_t)n < end &&
	    vm_page_lookup(obj, m->pindex + (vm_pindex_t)n) == NULL) {
		if ((p = vm_page_alloc(obj, m->pindex + (vm_pindex_t)n, VM_ALLOC_NORMAL)) == NULL)
			break;
		if (p->valid != 0) {		/* reactivated: not to be read over */
			vm_page_wakeup(p);
			vm_page_lock_queues();
			vm_page_deactivate(p);
			vm_page_unlock_queues();
			break;
		}
		ma[n++] = p;
	}
	return (vm_pager_get_pages(obj, ma, n, 0));
}

/*
 * The file's page pindex, busy and valid: resident, reactivated from the
 * cache, read in by the pager or (wholly past the end, or about to be
 * wholly overwritten: whole) zero-filled.  NULL and *error on failure.
 * Object locked; it may be dropped meanwhile.
 */
static vm_page_t
file_page_get(struct file *f, vm_pindex_t pindex, bool whole, int *error)
{
	vm_object_t obj = f->f_obj;
	vm_page_t m;
	int rv;

	m = vm_page_grab(obj, pindex, VM_ALLOC_NORMAL | VM_ALLOC_RETRY);
	if (m == NULL) {
		*error = ENOMEM;
		return (NULL);
	}
	if (m->valid == VM_PAGE_BITS_ALL)
		return (m);
	if (whole || IDX_TO_OFF(pindex) >= f->f_length) {
		pmap_zero_page(m);
		m->valid = VM_PAGE_BITS_ALL;
		return (m);
	}
	if ((rv = file_page_read(f, m)) != VM_PAGER_OK) {
		printf("flatfs: %s: page %ju: %s\n", f->f_name, (uintmax_t)pindex,
		    vm_pager_strerror(rv));
		vm_page_wakeup(m);
		vm_page_lock_queues();
		vm_page_free(m);
		vm_page_unlock_queues();
		*error = EIO;
		return (NULL);
	}
	return (m);
}

/* Done with page m: not busy, on the active queue (or referenced there). */
static void
file_page_release(vm_page_t m)
{
	vm_page_wakeup(m);
	vm_page_lock_queues();
	if (m->queue == PQ_ACTIVE)
		m->flags |= PG_REFERENCED;
	else
		vm_page_activate(m);
	vm_page_unlock_queues();
}

/*
 * Write buf (NULL: zeros) to [off, off + len) through the page cache; the
 * pages are dirtied.  The caller checked the extent.  Object locked.
 */
static int
file_write_range(struct file *f, uint64_t off, const uint8_t *buf, size_t len)
{
	int error = 0;

	while (len > 0) {
		size_t pgoff = (size_t)(off & PAGE_MASK), n = MIN(len, PAGE_SIZE - pgoff);
		vm_page_t m = file_page_get(f, OFF_TO_IDX(off), n == PAGE_SIZE, &error);

		if (m == NULL)
			return (error);
		file_copy_page(f, m, pgoff, (uint8_t *)(uintptr_t)buf, n, true);
		vm_page_dirty(m);
		file_page_release(m);
		off += n;
		len -= n;
		if (buf != NULL)
			buf += n;
		if (off > f->f_length) {
			f->f_length = off;
			f->f_tdirty = true;
		}
	}
	return (0);
}

/* ---- Files ----------------------------------------------------------- */

static struct file *
file_make(int i)
{
	struct flatfs_dirent *de = flatfs_entry(i);
	struct file *f = malloc(sizeof(*f));

	if (f == NULL)
		return (NULL);
	memset(f, 0, sizeof(*f));
	strlcpy(f->f_name, de->name, sizeof(f->f_name));
	f->f_index = i;
	f->f_first = de->first;
	f->f_nblocks = de->nblocks;
	f->f_length = de->length;
	f->f_disk = fs.disk;
	if ((f->f_win = kva_alloc(PAGE_SIZE)) == 0) {
		free(f);
		return (NULL);
	}
	return (f);
}

static int
flatfs_lookup(const char *name)
{
	for (uint32_t i = 0; i < fs.entries; i++)
		if (flatfs_entry((int)i)->name[0] != '\0' &&
		    strcmp(flatfs_entry((int)i)->name, name) == 0)
			return ((int)i);
	return (-1);
}

/*
 * Open the file called name: *fp, its object referenced (made by the first
 * open).  ENXIO: nothing mounted; ENOENT: no such file; ENOMEM.
 */
int
file_open(const char *name, struct file **fp)
{
	struct file *f;
	int i;

	*fp = NULL;
	if (flatfs_disk() == NULL) {
		printf("file_open(%s): no file system mounted\n", name);
		return (ENXIO);
	}
	mtx_lock(&fs.mtx);
	if ((i = flatfs_lookup(name)) < 0) {
		mtx_unlock(&fs.mtx);
		printf("file_open(%s): no such file\n", name);
		return (ENOENT);
	}
	if ((f = fs.files[i]) == NULL && (f = fs.files[i] = file_make(i)) == NULL) {
		mtx_unlock(&fs.mtx);
		return (ENOMEM);
	}
	if (f->f_opens++ == 0) {
		f->f_obj = vm_object_allocate(OBJT_VNODE, f->f_nblocks);
		f->f_obj->handle = f;
	} else
		vm_object_reference(f->f_obj);
	mtx_unlock(&fs.mtx);
	*fp = f;
	return (0);
}

uint64_t
file_size(struct file *f)
{
	return (f->f_length);
}

/* Read up to len bytes at off (fewer at the end of the file: *done says). */
int
file_read(struct file *f, uint64_t off, void *buf, size_t len, size_t *done)
{
	uint8_t *p = buf;
	int error = 0;

	*done = 0;
	VM_OBJECT_LOCK(f->f_obj);
	if (off < f->f_length)
		len = (size_t)MIN((uint64_t)len, f->f_length - off);
	else
		len = 0;
	while (len > 0) {
		size_t pgoff = (size_t)(off & PAGE_MASK), n = MIN(len, PAGE_SIZE - pgoff);
		vm_page_t m = file_page_get(f, OFF_TO_IDX(off), false, &error);

		if (m == NULL)
			break;
		file_copy_page(f, m, pgoff, p, n, false);
		file_page_release(m);
		off += n;
		p += n;
		len -= n;
		*done += n;
	}
	VM_OBJECT_UNLOCK(f->f_obj);
	return (error);
}

/* Is [off, off + len) inside f's extent?  Says so if not. */
static bool
file_in_extent(struct file *f, const char *what, uint64_t off, uint64_t len)
{
	uint64_t max = (uint64_t)f->f_nblocks * PAGE_SIZE;

	if (off <= max && len <= max - off)
		return (true);
	printf("%s(%s): bytes %ju..%ju are past the file's extent of %u blocks (%ju bytes)\n",
	    what, f->f_name, (uintmax_t)off, (uintmax_t)(off + len), f->f_nblocks,
	    (uintmax_t)max);
	return (false);
}

/* Write len bytes at off; a gap between the old end and off reads as zeros.  EFBIG past the extent. */
int
file_write(struct file *f, uint64_t off, const void *buf, size_t len)
{
	int error;

	if (!file_in_extent(f, "file_write", off, len))
		return (EFBIG);
	if (f->f_disk->d_ro) {
		printf("file_write(%s): the file system's disk is read-only\n", f->f_name);
		return (EROFS);
	}
	VM_OBJECT_LOCK(f->f_obj);
	error = 0;
	if (off > f->f_length)
		error = file_write_range(f, f->f_length, NULL, (size_t)(off - f->f_length));
	if (error == 0)
		error = file_write_range(f, off, buf, len);
	VM_OBJECT_UNLOCK(f->f_obj);
	return (error);
}

/*
 * Make the file len bytes long.  Shrinking zeroes the rest of the last
 * page and removes every page past it, resident or cached, so that
 * growing again reads zeros; growing writes zeros.  The table entry on
 * disk follows at file_sync.
 */
int
file_truncate(struct file *f, uint64_t len)
{
	vm_object_t obj = f->f_obj;
	vm_page_t m;
	int error = 0;

	if (!file_in_extent(f, "file_truncate", 0, len))
		return (EFBIG);
	VM_OBJECT_LOCK(obj);
	if (len > f->f_length)
		error = file_write_range(f, f->f_length, NULL, (size_t)(len - f->f_length));
	else if (len < f->f_length) {
		if ((len & PAGE_MASK) != 0) {
			if ((m = file_page_get(f, OFF_TO_IDX(len), false, &error)) == NULL)
				goto out;
			file_copy_page(f, m, (size_t)(len & PAGE_MASK), NULL,
			    PAGE_SIZE - (size_t)(len & PAGE_MASK), true);
			vm_page_dirty(m);
			file_page_release(m);
		}
		vm_object_page_remove(obj, OFF_TO_IDX(round_page(len)), 0);
		f->f_length = len;
		f->f_tdirty = true;
	}
out:
	VM_OBJECT_UNLOCK(obj);
	return (error);
}

/*
 * Write the run of dirty pages starting at pindex (up to FLATFS_CLUSTER
 * adjacent ones) in one request.  Returns the pages in the run (0: none
 * dirty here; -1: the first was busy, waited for, to be looked up again),
 * *error set on a failure.  Object locked; dropped meanwhile.
 */
static int
file_sync_run(struct file *f, vm_pindex_t pindex, int *error)
{
	vm_object_t obj = f->f_obj;
	vm_page_t ma[FLATFS_CLUSTER], m;
	int rtvals[FLATFS_CLUSTER], n = 0;

	while (n < FLATFS_CLUSTER && (m = vm_page_lookup(obj, pindex + (vm_pindex_t)n)) != NULL &&
	    m->dirty != 0) {
		if (m->busy != 0 || (m->oflags & VPO_BUSY) != 0) {
			if (n > 0)
				break;		/* write what we have; this page next */
			vm_page_sleep(m, "fsyncb");	/* the daemon writing it: wait, look again */
			return (-1);
		}
		ma[n++] = m;
	}
	if (n == 0)
		return (0);
	for (int i = 0; i < n; i++) {
		vm_page_io_start(ma[i]);
		rtvals[i] = VM_PAGER_ERROR;
	}
	vm_object_pip_add(obj, n);
	vm_pager_put_pages(obj, ma, n, VM_PAGER_PUT_SYNC, rtvals);
	for (int i = 0; i < n; i++) {
		vm_page_io_finish(ma[i]);
		if (rtvals[i] == VM_PAGER_OK)
			vm_page_undirty(ma[i]);
		else
			*error = EIO;
		vm_object_pip_wakeup(obj);
	}
	return (n);
}

/* Write f's table entry (its length) back: the table block holding it.  "flatfs" held. */
static int
flatfs_write_entry(struct file *f, uint64_t length)
{
	int blk = f->f_index * FLATFS_ENTSIZE / PAGE_SIZE;

	mtx_assert(&fs.mtx, MA_OWNED);
	flatfs_entry(f->f_index)->length = length;
	return (disk_write(fs.disk, (daddr_t)(1 + blk) * SECTORS_PER_BLOCK, &fs.tpages[blk], 1));
}

/*
 * Pages a shared mmap wrote show it only in their mappings' modified bits:
 * write-protect every mapped page, which moves those bits to m->dirty (a
 * later write faults and dirties the page again).  Object locked.
 */
static void
file_sync_mapped(struct file *f)
{
	vm_page_t m;

	vm_page_lock_queues();
	TAILQ_FOREACH(m, &f->f_obj->memq, listq)
		if ((m->flags & PG_WRITEABLE) != 0)
			pmap_remove_write(m);
	vm_page_unlock_queues();
}

/*
 * Every dirty page to disk (adjacent ones clustered), then the length;
 * a page the page daemon is writing is waited for.  0 or EIO.
 */
int
file_sync(struct file *f)
{
	vm_object_t obj = f->f_obj;
	vm_pindex_t pindex;
	uint64_t length;
	bool tdirty;
	int error = 0, n;

	VM_OBJECT_LOCK(obj);
	file_sync_mapped(f);
	for (pindex = 0; pindex < OFF_TO_IDX(round_page(f->f_length)); ) {
		if ((n = file_sync_run(f, pindex, &error)) >= 0)
			pindex += (vm_pindex_t)MAX(n, 1);
	}
	length = f->f_length;
	tdirty = f->f_tdirty;
	f->f_tdirty = false;
	VM_OBJECT_UNLOCK(obj);
	if (tdirty) {
		mtx_lock(&fs.mtx);
		if (flatfs_write_entry(f, length) != 0) {
			printf("file_sync(%s): the table entry was not written\n", f->f_name);
			error = EIO;
		}
		mtx_unlock(&fs.mtx);
	}
	return (error);
}

/*
 * The last close syncs the file and lets its object (and its pages) go;
 * an open meanwhile keeps them.
 */
void
file_close(struct file *f)
{
	vm_object_t obj;

	mtx_lock(&fs.mtx);
	KASSERT(f->f_opens > 0, ("%s: %s is not open", __func__, f->f_name));
	if (f->f_opens == 1) {
		mtx_unlock(&fs.mtx);
		(void)file_sync(f);
		mtx_lock(&fs.mtx);
	}
	obj = f->f_obj;
	if (--f->f_opens == 0)
		f->f_obj = NULL;
	mtx_unlock(&fs.mtx);
	vm_object_deallocate(obj);
}

/* ---- Monitor --------------------------------------------------------- */

MONITOR_CMD(ls, "", "the file system's files: name, length, extent; the file pager's I/O")
{
	u_int r, w, po, e;

	if (flatfs_disk() == NULL) {
		printf("no file system (make one with tools/mkfs.py; make qemu DISK=img)\n");
		return (0);
	}
	printf("%-27s %10s %8s %8s  disk%d\n", "name", "length", "first", "blocks",
	    fs.disk->d_unit);
	mtx_lock(&fs.mtx);
	for (uint32_t i = 0; i < fs.entries; i++) {
		struct flatfs_dirent *de = flatfs_entry((int)i);
		struct file *f = fs.files[i];

		if (de->name[0] != '\0')
			printf("%-27s %10ju %8u %8u%s\n", de->name, (uintmax_t)(f != NULL ?
			    f->f_length : de->length), de->first, de->nblocks,
			    f != NULL && f->f_opens > 0 ? "  open" : "");
	}
	mtx_unlock(&fs.mtx);
	vnode_pager_stats(&r, &w, &po, &e);
	printf("pager: %u page reads, %u writes of %u pages, %u errors\n", r, w, po, e);
	return (0);
}

MONITOR_CMD(cat, "NAME", "the first 512 bytes of a file (through the page cache)")
{
	struct file *f;
	char buf[512];
	size_t n;
	int error;

	if (argc != 2) {
		printf("usage: cat NAME\n");
		return (0);
	}
	if (file_open(argv[1], &f) != 0)
		return (0);
	error = file_read(f, 0, buf, sizeof(buf), &n);
	for (size_t i = 0; i < n; i++)
		printf("%c", buf[i] == '\n' || (buf[i] >= ' ' && buf[i] < 127) ? buf[i] : '.');
	printf("%s(%zu of %ju bytes%s)\n", n > 0 && buf[n - 1] != '\n' ? "\n" : "", n,
	    (uintmax_t)file_size(f), error != 0 ? ", read error" : "");
	file_close(f);
	return (0);
}

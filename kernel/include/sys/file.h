/*
 * sys/file.h - files of the flat file system (kern/vfs_flat.c): a table of
 * named files, each in a fixed extent of 4 KiB blocks on one disk, read and
 * written through the page cache - the file's VM object (OBJT_VNODE), whose
 * pages the file pager (vm/vnode_pager.c) fills from and writes to the
 * file's blocks (page i is block f_first + i).
 *
 *   file_open(name) -> struct file (one per table entry, shared by every
 *                      open; its object referenced while open)
 *   file_read / file_write    copy through the object's pages
 *   file_truncate             pages past the end go, resident and cached
 *   file_sync                 dirty pages to disk (adjacent ones in one
 *                             write), then the table entry
 *
 * Locks: the "flatfs" sleep mutex covers the table and every struct file's
 * f_opens; a file's object lock covers f_length, f_tdirty and f_win's use,
 * and comes after "flatfs" (file_sync: object first, then "flatfs" only
 * with the object unlocked).  Errors are errnos, each said on the console.
 */
#ifndef _SYS_FILE_H_
#define _SYS_FILE_H_

#include <sys/types.h>

struct disk;
struct vm_object;
struct pagerops;

#define	FLATFS_NAMELEN	28		/* a name's field: up to 27 bytes + NUL */

struct file {
	char		 f_name[FLATFS_NAMELEN];	/* (c) */
	int		 f_index;		/* (c) table entry */
	uint32_t	 f_first;		/* (c) first block of the extent */
	uint32_t	 f_nblocks;		/* (c) extent size in blocks */
	uint64_t	 f_length;		/* (o) bytes; <= f_nblocks * PAGE_SIZE */
	bool		 f_tdirty;		/* (o) f_length differs from the table on disk */
	int		 f_opens;		/* (flatfs) opens not yet closed */
	struct vm_object *f_obj;		/* (flatfs) while open, else NULL */
	vm_offset_t	 f_win;			/* (o) a page of KVA to copy through */
	struct disk	*f_disk;		/* (c) */
};

void	flatfs_init(void);			/* mi_startup */
struct disk *flatfs_disk(void);			/* mounts at the first call; the disk or NULL */
int	file_open(const char *name, struct file **fp);
int	file_read(struct file *f, uint64_t off, void *buf, size_t len, size_t *done);
int	file_write(struct file *f, uint64_t off, const void *buf, size_t len);
int	file_truncate(struct file *f, uint64_t len);
int	file_sync(struct file *f);
void	file_close(struct file *f);
uint64_t file_size(struct file *f);

/* vm/vnode_pager.c */
extern struct pagerops vnode_pager_ops;
void	vnode_pager_stats(u_int *reads, u_int *writes, u_int *pages_out, u_int *errors);

#endif /* !_SYS_FILE_H_ */

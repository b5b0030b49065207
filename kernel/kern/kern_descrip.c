/*
 * kern_descrip.c - a process's open files: descriptors 3 and up name files
 * of the flat file system (kern/vfs_flat.c, sys/file.h), each with its own
 * offset; 0, 1 and 2 are the console (kern_syscall.c).
 *
 * A descriptor is a struct ofile: the struct file (one per file, shared by
 * every open) and an offset.  fork gives the child opens of its own
 * (file_open again, the same offsets), so parent and child do not move
 * each other's offsets - unlike Unix, whose child shares the parent's
 * open-file entries; exit closes them all (the last close syncs the file).
 *
 * A file mapped with mmap (fd_mmap_object) is pinned: the process takes an
 * open of its own (p_fpin[], one per file however often it is mapped),
 * released only after its address space is gone (exit, execve).  The
 * mapping's object reference alone would not do: the file's object is
 * made by the first open and let go by the last close (vfs_flat.c), so a
 * mapping outliving every open would hold an object the file no longer
 * knows - the next open would make a second one, and the last close would
 * not see the mapping's writes.  With the pin, the last close always comes
 * after the last unmapping (whose pmap_remove moved the modified bits to
 * m->dirty), and syncs them: a shared mapping's writes reach the disk by
 * fsync(fd) while mapped (file_sync write-protects the mappings first), or
 * at the last close or exit.
 */
#include <sys/systm.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/syscall.h>
#include <vm/vm_param.h>
#include <vm/vm_object.h>
#include "kern_exec.h"
#include "kern_descrip.h"

#define	FD_FIRST	3
#define	FILE_CHUNK	512		/* bytes copied per step through the kernel */

struct ofile {
	struct file	*of_file;
	uint64_t	 of_off;
};

/* The open file behind fd of the current process, or NULL. */
static struct ofile *
fd_get(int fd)
{
	struct proc *p = curthread->td_proc;

	if (fd < FD_FIRST || fd >= PROC_NFILES)
		return (NULL);
	return (p->p_fd[fd]);
}

int
fd_fork(struct proc *p1, struct proc *p2)
{
	for (int i = FD_FIRST; i < PROC_NFILES; i++) {
		struct ofile *of = p1->p_fd[i], *nof;

		if (of == NULL)
			continue;
		if ((nof = malloc(sizeof(*nof))) == NULL)
			return (ENOMEM);
		if (file_open(of->of_file->f_name, &nof->of_file) != 0) {
			free(nof);
			return (ENOMEM);
		}
		nof->of_off = of->of_off;
		p2->p_fd[i] = nof;
	}
	for (int i = 0; i < PROC_NFILES; i++)		/* the child maps them too */
		if (p1->p_fpin[i] != NULL &&
		    file_open(p1->p_fpin[i]->f_name, &p2->p_fpin[i]) != 0)
			return (ENOMEM);
	return (0);
}

/* The pins of p's mapped files: after its address space went (their last mappings). */
void
fd_unpin_all(struct proc *p)
{
	for (int i = 0; i < PROC_NFILES; i++)
		if (p->p_fpin[i] != NULL) {
			file_close(p->p_fpin[i]);
			p->p_fpin[i] = NULL;
		}
}

/* Pin f for the current process (once per file).  0, or ENOMEM with no slot left. */
static int
fd_pin(struct file *f)
{
	struct proc *p = curthread->td_proc;
	int i, free = -1;

	for (i = 0; i < PROC_NFILES; i++) {
		if (p->p_fpin[i] == f)
			return (0);
		if (p->p_fpin[i] == NULL && free < 0)
			free = i;
	}
	if (free < 0)
		return (ENOMEM);
	return (file_open(f->f_name, &p->p_fpin[free]));
}

/*
 * mmap of fd: the file's object, referenced for the map entry, and the
 * maximum protection the mapping may have (no write to a shared mapping
 * of a read-only disk).  [off, off + len) must lie in the file's extent
 * (EINVAL; off page-aligned).  The file is pinned first.
 */
int
fd_mmap_object(int fd, uint64_t off, size_t len, bool shared, struct vm_object **objp,
    vm_prot_t *maxp)
{
	struct ofile *of = fd_get(fd);
	struct file *f;
	int error;

	if (of == NULL)
		return (EBADF);
	f = of->of_file;
	if ((off & PAGE_MASK) != 0 || len == 0 || round_page(len) < len ||
	    off > (uint64_t)f->f_nblocks * PAGE_SIZE ||
	    round_page(len) > (uint64_t)f->f_nblocks * PAGE_SIZE - off)
		return (EINVAL);
	if ((error = fd_pin(f)) != 0)
		return (error);
	*maxp = shared && f->f_disk->d_ro ? (VM_PROT_READ | VM_PROT_EXECUTE) : VM_PROT_ALL;
	vm_object_reference(f->f_obj);		/* the pin keeps f_obj the file's */
	*objp = f->f_obj;
	return (0);
}

void
fd_close_all(struct proc *p)
{
	for (int i = FD_FIRST; i < PROC_NFILES; i++)
		if (p->p_fd[i] != NULL) {
			file_close(p->p_fd[i]->of_file);
			free(p->p_fd[i]);
			p->p_fd[i] = NULL;
		}
}

register_t
sys_open(const register_t *a)
{
	struct proc *p = curthread->td_proc;
	char name[FLATFS_NAMELEN];
	struct ofile *of;
	size_t done;
	int fd, error;

	if ((error = copyinstr((const char *)a[0], name, sizeof(name), &done)) != 0)
		return (-error);
	for (fd = FD_FIRST; fd < PROC_NFILES && p->p_fd[fd] != NULL; fd++)
		;
	if (fd == PROC_NFILES)
		return (-EMFILE);
	if ((of = malloc(sizeof(*of))) == NULL)
		return (-ENOMEM);
	if ((error = file_open(name, &of->of_file)) != 0) {
		free(of);
		return (-error);
	}
	of->of_off = 0;
	p->p_fd[fd] = of;
	return (fd);
}

register_t
sys_close(const register_t *a)
{
	struct proc *p = curthread->td_proc;
	struct ofile *of = fd_get((int)a[0]);

	if (of == NULL)
		return (-EBADF);
	p->p_fd[a[0]] = NULL;
	file_close(of->of_file);
	free(of);
	return (0);
}

/* read(fd >= 3): through a kernel buffer, from the offset on. */
register_t
fd_read(int fd, char *ubuf, size_t len)
{
	struct ofile *of = fd_get(fd);
	char kbuf[FILE_CHUNK];
	size_t total = 0, n, done;
	int error;

	if (of == NULL)
		return (-EBADF);
	while (total < len) {
		n = MIN(len - total, sizeof(kbuf));
		if ((error = file_read(of->of_file, of->of_off, kbuf, n, &done)) != 0)
			return (-error);
		if (done > 0 && copyout(kbuf, ubuf + total, done) != 0)
			return (-EFAULT);
		of->of_off += done;
		total += done;
		if (done < n)
			break;			/* the end of the file */
	}
	return (total);
}

register_t
fd_write(int fd, const char *ubuf, size_t len)
{
	struct ofile *of = fd_get(fd);
	char kbuf[FILE_CHUNK];
	size_t total, n;
	int error;

	if (of == NULL)
		return (-EBADF);
	for (total = 0; total < len; total += n) {
		n = MIN(len - total, sizeof(kbuf));
		if (copyin(ubuf + total, kbuf, n) != 0)
			return (-EFAULT);
		if ((error = file_write(of->of_file, of->of_off, kbuf, n)) != 0)
			return (-error);
		of->of_off += n;
	}
	return (total);
}

register_t
sys_fsync(const register_t *a)
{
	struct ofile *of = fd_get((int)a[0]);

	if (of == NULL)
		return (-EBADF);
	return (-file_sync(of->of_file));
}

register_t
sys_ftruncate(const register_t *a)
{
	struct ofile *of = fd_get((int)a[0]);
	uint64_t len;

	if (of == NULL)
		return (-EBADF);
	if (copyin((const void *)a[1], &len, sizeof(len)) != 0)
		return (-EFAULT);
	return (-file_truncate(of->of_file, len));
}

register_t
sys_lseek(const register_t *a)
{
	struct ofile *of = fd_get((int)a[0]);
	uint64_t off;

	if (of == NULL)
		return (-EBADF);
	if (copyin((const void *)a[1], &off, sizeof(off)) != 0)
		return (-EFAULT);
	of->of_off = off;
	return (0);
}

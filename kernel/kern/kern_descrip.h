/* kern_descrip.h - the file system calls (kern_descrip.c), for sysent[] (kern_syscall.c). */
#ifndef _KERN_KERN_DESCRIP_H_
#define _KERN_KERN_DESCRIP_H_

#include <sys/types.h>
#include <vm/vm.h>

register_t sys_open(const register_t *a);
register_t sys_close(const register_t *a);
register_t sys_fsync(const register_t *a);
register_t sys_ftruncate(const register_t *a);
register_t sys_lseek(const register_t *a);
register_t fd_read(int fd, char *ubuf, size_t len);	/* read/write of fd >= 3 */
register_t fd_write(int fd, const char *ubuf, size_t len);
struct vm_object;
int	fd_mmap_object(int fd, uint64_t off, size_t len, bool shared, struct vm_object **objp,
	    vm_prot_t *maxp);		/* the mapping's object, referenced */

#endif

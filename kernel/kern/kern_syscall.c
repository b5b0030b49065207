/*
 * kern_syscall.c - the system call table and the calls themselves.
 *
 * The machine's trap() hands over the number and six argument registers
 * (the convention is in sys/syscall.h, which user/ includes too); each
 * sys_* returns a value >= 0 or -errno, which goes back in the result
 * register.  Every user pointer goes through copyin/copyout/copyinstr, so
 * a bad one is EFAULT, never a kernel fault.
 *
 *   exit fork read write wait execve getpid sbrk sched_yield nanosleep
 *   mmap munmap mprotect (anonymous memory, or a file's pages: private or shared)
 *   open close fsync ftruncate lseek, and read/write of fd >= 3: files of
 *   the flat file system (kern_descrip.c)
 *   send sendwait: zero-copy send to the send disk (kern_send.c)
 *
 * Adding a call: its number in sys/syscall.h, a sys_* here and its row in
 * sysent[], a stub line in user/lib/usys.S and a prototype in
 * user/include/ulib.h.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/cons.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/syscall.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include "kern_exec.h"
#include "kern_descrip.h"
#include "kern_send.h"

#define	CONS_CHUNK	128		/* bytes copied per step of a console read or write */
#define	MMAP_HINT_GAP	(64ul << 20)	/* mmap without an address: this far above the heap */

typedef register_t (*sy_call_t)(const register_t *);

void	(*proc_output_hook)(const char *buf, size_t len);	/* the `user' ktest's */

static struct proc *
curproc_get(void)
{
	return (curthread->td_proc);
}

/* A KERN_* result of the map as an errno. */
static int
kern_to_errno(int rv)
{
	switch (rv) {
	case KERN_SUCCESS:		return (0);
	case KERN_INVALID_ADDRESS:	return (EINVAL);
	case KERN_PROTECTION_FAILURE:	return (EACCES);
	case KERN_NO_SPACE:		return (ENOMEM);
	case KERN_RESOURCE_SHORTAGE:	return (ENOMEM);
	default:			return (EIO);
	}
}

static register_t
sys_exit(const register_t *a)
{
	proc_exit((int)a[0] & 0xff);
}

static register_t
sys_fork(const register_t *a __unused)
{
	int pid, error;

	if ((error = proc_fork(&pid)) != 0)
		return (-error);
	return (pid);
}

/* fd 0: the console, one line (or len bytes) at a time, echoed. */
static register_t
sys_read(const register_t *a)
{
	char *ubuf = (char *)a[1], kbuf[CONS_CHUNK];
	size_t len = a[2], n = 0, k = 0;
	int c;

	if ((int)a[0] >= 3)
		return (fd_read((int)a[0], ubuf, len));
	if (a[0] != 0)
		return (-EBADF);
	while (n + k < len) {
		c = cons_getc_wait();
		if (c == '\r')
			c = '\n';
		cons_putc(c);
		kbuf[k++] = (char)c;
		if (k == sizeof(kbuf) || c == '\n') {
			if (copyout(kbuf, ubuf + n, k) != 0)
				return (-EFAULT);
			n += k;
			k = 0;
			if (c == '\n')
				break;
		}
	}
	if (k > 0 && copyout(kbuf, ubuf + n, k) != 0)
		return (-EFAULT);
	return (n + k);
}

/* fd 1 and 2: the console (or the `user' ktest, which records it). */
static register_t
sys_write(const register_t *a)
{
	const char *ubuf = (const char *)a[1];
	size_t len = a[2], n, done;
	char kbuf[CONS_CHUNK];

	if ((int)a[0] >= 3)
		return (fd_write((int)a[0], ubuf, len));
	if (a[0] != 1 && a[0] != 2)
		return (-EBADF);
	for (done = 0; done < len; done += n) {
		n = MIN(len - done, sizeof(kbuf));
		if (copyin(ubuf + done, kbuf, n) != 0)
			return (-EFAULT);
		if (proc_output_hook != NULL)
			proc_output_hook(kbuf, n);
		else
			for (size_t i = 0; i < n; i++)
				cons_putc(kbuf[i]);
	}
	return (len);
}

static register_t
sys_wait(const register_t *a)
{
	int *ustatus = (int *)a[0], status, pid;

	pid = proc_wait(curproc_get(), -1, &status, true);
	if (pid > 0 && ustatus != NULL && copyout(&status, ustatus, sizeof(status)) != 0)
		return (-EFAULT);
	return (pid);
}

static register_t
sys_execve(const register_t *a)
{
	struct exec_args *ea = malloc(sizeof(*ea));
	int error;

	if (ea == NULL)
		return (-ENOMEM);
	error = exec_args_user(ea, (const char *)a[0], (char *const *)a[1]);
	if (error == 0)
		error = kern_execve(curthread, ea);
	free(ea);
	return (error != 0 ? -error : 0);	/* on success the frame is the new program's */
}

static register_t
sys_getpid(const register_t *a __unused)
{
	return (curproc_get()->p_pid);
}

/* Grow or shrink the heap (anonymous pages from vm_daddr); the old break. */
static register_t
sys_sbrk(const register_t *a)
{
	struct vmspace *vm = curproc_get()->p_vmspace;
	vm_offset_t old = vm->vm_daddr + vm->vm_dsize, new = old + (vm_offset_t)a[0];
	intptr_t incr = (intptr_t)a[0];
	int rv;

	if ((incr > 0 && new < old) || (incr < 0 && new > old) || new < vm->vm_daddr)
		return (-EINVAL);
	if (round_page(new) > round_page(old)) {
		rv = vm_map_insert(&vm->vm_map, NULL, 0, round_page(old), round_page(new),
		    VM_PROT_RW, VM_PROT_ALL, 0);
		if (rv != KERN_SUCCESS)
			return (-ENOMEM);
	} else if (round_page(new) < round_page(old))
		(void)vm_map_remove(&vm->vm_map, round_page(new), round_page(old));
	vm->vm_dsize = new - vm->vm_daddr;
	return (old);
}

static register_t
sys_sched_yield(const register_t *a __unused)
{
	sched_yield();
	return (0);
}

static register_t
sys_nanosleep(const register_t *a)
{
	uint64_t ns, t;

	if (copyin((const void *)a[0], &ns, sizeof(ns)) != 0)
		return (-EFAULT);
	t = (ns * (uint64_t)hz + 999999999) / 1000000000;
	if (t > 0)
		pause("nanoslp", (int)MIN(t, (uint64_t)0x7fffffff));
	return (0);
}

/* A page-aligned range inside user space, or EINVAL. */
static int
user_range(vm_offset_t addr, size_t len, vm_offset_t *end)
{
	if ((addr & PAGE_MASK) != 0 || len == 0 || addr >= VM_MAXUSER_ADDRESS ||
	    round_page(len) > VM_MAXUSER_ADDRESS - addr || round_page(len) < len)
		return (EINVAL);
	*end = addr + round_page(len);
	return (0);
}

/*
 * mmap(addr, len, prot, flags, fd, off).  Anonymous (MAP_ANON, or neither
 * MAP_SHARED nor MAP_PRIVATE: the old four-argument form) or fd's file
 * from off (kern_descrip.c's fd_mmap_object pins the file): MAP_PRIVATE
 * maps its object copy-on-write (vm_map_insert marks the entry needs-copy,
 * so the first write shadows it and the file never sees it), MAP_SHARED
 * maps the object itself (writes are the file's pages, written by fsync,
 * the last close or exit).  A MAP_SHARED entry is inherited shared by fork
 * (anonymous ones too).  The address is MAP_FIXED's, or the first free
 * range at or above addr and 64 MiB above the heap.
 */
static register_t
sys_mmap(const register_t *a)
{
	struct vmspace *vm = curproc_get()->p_vmspace;
	vm_offset_t addr = a[0], end = 0;
	size_t len = a[1];
	vm_prot_t prot = (vm_prot_t)a[2] & VM_PROT_ALL, max = VM_PROT_ALL;
	int flags = (int)a[3], cow = 0, rv, error;
	bool shared = (flags & MAP_SHARED) != 0;
	vm_object_t obj = NULL;

	if (shared && (flags & MAP_PRIVATE) != 0)
		return (-EINVAL);
	if ((flags & MAP_FIXED) != 0 && (user_range(addr, len, &end) != 0 || addr < PAGE_SIZE))
		return (-EINVAL);
	if (len == 0 || round_page(len) < len)
		return (-EINVAL);
	if ((flags & MAP_ANON) == 0 && (flags & (MAP_SHARED | MAP_PRIVATE)) != 0) {
		if ((error = fd_mmap_object((int)a[4], (uint64_t)a[5], len, shared, &obj,
		    &max)) != 0)
			return (-error);
		if ((prot & max) != prot) {
			vm_object_deallocate(obj);
			return (-EACCES);
		}
		if (!shared)
			cow = MAP_COPY_ON_WRITE;
	}
	if ((flags & MAP_FIXED) != 0) {
		(void)vm_map_remove(&vm->vm_map, addr, end);
		rv = vm_map_insert(&vm->vm_map, obj, obj != NULL ? (vm_ooffset_t)a[5] : 0, addr,
		    end, prot, max, cow);
	} else {
		addr = MAX(round_page(addr), vm->vm_daddr + MMAP_HINT_GAP);
		rv = vm_map_find(&vm->vm_map, obj, obj != NULL ? (vm_ooffset_t)a[5] : 0, &addr,
		    round_page(len), true, prot, max, cow);
	}
	if (rv != KERN_SUCCESS) {
		vm_object_deallocate(obj);		/* NULL: nothing */
		return (-kern_to_errno(rv));
	}
	if (shared)
		(void)vm_map_inherit(&vm->vm_map, addr, addr + round_page(len), VM_INHERIT_SHARE);
	return (addr);
}

static register_t
sys_munmap(const register_t *a)
{
	vm_offset_t end;

	if (user_range(a[0], a[1], &end) != 0)
		return (-EINVAL);
	return (-kern_to_errno(vm_map_remove(&curproc_get()->p_vmspace->vm_map, a[0], end)));
}

static register_t
sys_mprotect(const register_t *a)
{
	vm_offset_t end;

	if (user_range(a[0], a[1], &end) != 0)
		return (-EINVAL);
	return (-kern_to_errno(vm_map_protect(&curproc_get()->p_vmspace->vm_map, a[0], end,
	    (vm_prot_t)a[2] & VM_PROT_ALL, false)));
}

static const sy_call_t sysent[SYS_MAXSYSCALL] = {
	[SYS_exit] = sys_exit,		[SYS_fork] = sys_fork,
	[SYS_read] = sys_read,		[SYS_write] = sys_write,
	[SYS_wait] = sys_wait,		[SYS_execve] = sys_execve,
	[SYS_getpid] = sys_getpid,	[SYS_sbrk] = sys_sbrk,
	[SYS_sched_yield] = sys_sched_yield, [SYS_nanosleep] = sys_nanosleep,
	[SYS_mmap] = sys_mmap,		[SYS_munmap] = sys_munmap,
	[SYS_mprotect] = sys_mprotect,
	[SYS_open] = sys_open,		[SYS_close] = sys_close,
	[SYS_fsync] = sys_fsync,	[SYS_ftruncate] = sys_ftruncate,
	[SYS_lseek] = sys_lseek,
	[SYS_send] = sys_send,		[SYS_sendwait] = sys_sendwait,
};

void
syscall_dispatch(int code, const register_t args[6], register_t *rv)
{
	if (code <= 0 || code >= SYS_MAXSYSCALL || sysent[code] == NULL) {
		*rv = -ENOSYS;
		return;
	}
	*rv = sysent[code](args);
}

/*
 * subr_trap.c - the machine-independent half of traps from processes:
 * page faults go to the process's map, and the kernel's copies to and from
 * user memory.
 *
 * copyin/copyout check the range first (all of it below
 * VM_MAXUSER_ADDRESS, no wrap-around: a kernel address or a range that
 * crosses the end of user space is EFAULT without touching it), then copy
 * with the thread's pcb_onfault set (copy_guarded).  A page fault during
 * the copy is a kernel-mode fault on a user address: trap() sends it to
 * vm_fault on the process's map like a user fault (zero fill, COW, a
 * pager), and if vm_fault fails - unmapped, or a write to a read-only
 * entry - resumes the copy at its recovery point, which returns EFAULT.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <machine/pcb.h>

int
trap_pfault(vm_offset_t va, bool write)
{
	struct proc *p = curthread->td_proc;

	if (p == NULL || p->p_vmspace == NULL || va >= VM_MAXUSER_ADDRESS)
		return (KERN_INVALID_ADDRESS);
	return (vm_fault(&p->p_vmspace->vm_map, trunc_page(va),
	    write ? VM_PROT_WRITE : VM_PROT_READ, VM_FAULT_NORMAL));
}

register_t *
trap_onfault(void)
{
	struct thread *td = curthread;

	if (td->td_proc == NULL || td->td_pcb == NULL)
		return (NULL);
	return (&td->td_pcb->pcb_onfault);
}

/* [uaddr, uaddr + len) lies in user space. */
static bool
copy_range_ok(const void *uaddr, size_t len)
{
	vm_offset_t va = (vm_offset_t)uaddr;

	return (va < VM_MAXUSER_ADDRESS && len <= VM_MAXUSER_ADDRESS - va);
}

int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (len == 0)
		return (0);
	if (!copy_range_ok(uaddr, len) || curthread->td_proc == NULL)
		return (EFAULT);
	return (copy_guarded(kaddr, uaddr, len, &curthread->td_pcb->pcb_onfault));
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (len == 0)
		return (0);
	if (!copy_range_ok(uaddr, len) || curthread->td_proc == NULL)
		return (EFAULT);
	return (copy_guarded(uaddr, kaddr, len, &curthread->td_pcb->pcb_onfault));
}

/*
 * A NUL-terminated string of at most len bytes (NUL included): *done is
 * its length with the NUL.  Copied a page at a time, so it never touches
 * a page past the one holding the NUL.
 */
int
copyinstr(const void *uaddr, void *kaddr, size_t len, size_t *done)
{
	const char *u = uaddr;
	char *k = kaddr;
	size_t copied = 0, n;
	int error;

	while (copied < len) {
		n = MIN(len - copied, PAGE_SIZE - ((vm_offset_t)(u + copied) & PAGE_MASK));
		if ((error = copyin(u + copied, k + copied, n)) != 0)
			return (error);
		for (size_t i = 0; i < n; i++)
			if (k[copied + i] == '\0') {
				if (done != NULL)
					*done = copied + i + 1;
				return (0);
			}
		copied += n;
	}
	return (ENAMETOOLONG);
}

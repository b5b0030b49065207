/*
 * trap_x86.c - what happens on an exception or interrupt, the half every
 * port shares (the trap numbers and the decisions are the CPU's, not the
 * mode's).
 *
 *   hardware interrupt              -> intr_dispatch (intr.c)
 *   from user mode: int $0x80       -> trap_syscall (the port reads its registers)
 *                   page fault      -> vm_fault on the process's map (trap_pfault);
 *                                      unresolved: the process dies, never the kernel
 *                   anything else   -> the process dies with a signal's status
 *   in the kernel:  page fault on a user address inside copyin/copyout
 *                                   -> vm_fault too; failing, the copy's recovery
 *                                      point (EFAULT)
 *                   page fault on pageable kernel memory (the kernel map)
 *                                   -> vm_fault on the kernel map (vm_kmap.c)
 *                   page fault inside probe_read/probe_write -> the probe's
 *                   anything else   -> trap_fatal: registers, backtrace, panic
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>
#include <machine/param.h>
#include <machine/frame.h>
#include <machine/md_var.h>
#include <vm/vm_map.h>
#include <vm/vm_kern.h>

static const char *const trap_names[] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault",
	"coprocessor overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "reserved",
	"x87 FPU error", "alignment check", "machine check", "SIMD exception",
};

const char *
trap_name(u_long trapno)
{
	if (trapno < nitems(trap_names))
		return (trap_names[trapno]);
	if (trapno >= T_IRQ0 && trapno < T_IRQ0 + 16)
		return ("hardware interrupt");
	return ("unknown trap");
}

/* Status of a process killed by a trap, as a shell shows a signal: 128 + its number. */
static int
trap_status(u_long trapno)
{
	switch (trapno) {
	case T_DIVIDE:	return (128 + 8);	/* SIGFPE */
	case T_INVALOP:	return (128 + 4);	/* SIGILL */
	case T_BPT:	return (128 + 5);	/* SIGTRAP */
	default:	return (128 + 11);	/* SIGSEGV */
	}
}

/* A trap from user mode other than a system call: resolved, or the process dies. */
static void
trap_user_fault(struct trapframe *tf)
{
	vm_offset_t cr2;
	int rv;

	if (tf->tf_trapno != T_PAGEFLT) {
		enable_intr();
		proc_kill(trap_name(tf->tf_trapno), 0, TF_PC(tf), trap_status(tf->tf_trapno));
	}
	cr2 = rcr2();			/* before interrupts: another fault would change it */
	enable_intr();
	if ((rv = trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0)) == KERN_SUCCESS)
		return;
	if (rv == KERN_RESOURCE_SHORTAGE)	/* not the program's fault: SIGKILL's status */
		proc_kill("out of memory", cr2, TF_PC(tf), 128 + 9);
	proc_kill("segmentation fault", cr2, TF_PC(tf), trap_status(T_PAGEFLT));
}

/* A kernel fault inside copyin/copyout on a user address: true if handled. */
static bool
trap_copy_fault(struct trapframe *tf)
{
	register_t *onfault = trap_onfault();
	vm_offset_t cr2 = rcr2();

	if (onfault == NULL || *onfault == 0 || cr2 >= VM_MAXUSER_ADDRESS)
		return (false);
	if ((TF_FLAGS(tf) & PSL_I) != 0)
		enable_intr();
	if (trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0) != KERN_SUCCESS)
		TF_PC(tf) = *onfault;
	return (true);
}

/* A kernel fault on pageable kernel memory (the kernel map): true if resolved. */
static bool
trap_kmap_fault(struct trapframe *tf)
{
	vm_offset_t cr2 = rcr2();

	if (!kmap_contains(cr2))
		return (false);
	if ((TF_FLAGS(tf) & PSL_I) != 0)
		enable_intr();
	return (trap_kfault(cr2, (tf->tf_err & PGEX_W) != 0) == KERN_SUCCESS);
}

void
trap(struct trapframe *tf)
{
	if (tf->tf_trapno >= T_IRQ0 && tf->tf_trapno < T_IRQ0 + 16) {
		intr_dispatch((int)(tf->tf_trapno - T_IRQ0));	/* intr.c */
		return;
	}
	if ((tf->tf_cs & 3) == 3) {
		if (tf->tf_trapno == T_SYSCALL)
			trap_syscall(tf);
		else
			trap_user_fault(tf);
		return;
	}
	if (tf->tf_trapno == T_PAGEFLT && trap_copy_fault(tf))
		return;
	if (tf->tf_trapno == T_PAGEFLT && trap_kmap_fault(tf))
		return;
	if (tf->tf_trapno == T_PAGEFLT && probe_onfault != 0) {
		TF_PC(tf) = probe_onfault;
		return;
	}
	trap_fatal(tf);
}

/*
 * trap.c - what happens on an exception or interrupt.
 *
 * Interrupts are acknowledged and dispatched.  From user mode: `int $0x80'
 * is a system call (arguments in ebx, ecx, edx, esi, edi, ebp; the number
 * in eax, the result or -errno back in eax); a page fault goes to the
 * process's map (trap_pfault), and one it cannot resolve, or any other
 * exception, kills the process, never the kernel.  In the kernel: a page
 * fault on a user address inside copyin/copyout goes to vm_fault too, and
 * failing, resumes at the copy's recovery point (EFAULT); one inside
 * probe_read()/probe_write() resumes at the probe's.  Every other kernel
 * trap is unexpected: the kernel prints
 * all registers - for a page fault also %cr2 and the decoded error code -
 * and panics with a backtrace that starts at the faulting instruction.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>
#include <machine/pcb.h>
#include <machine/param.h>
#include <vm/vm_map.h>
#include <machine/frame.h>
#include <machine/md_var.h>

static const char *const trap_names[] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault",
	"coprocessor overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "reserved",
	"x87 FPU error", "alignment check", "machine check", "SIMD exception",
};

static const char *
trap_name(uint32_t trapno)
{
	if (trapno < nitems(trap_names))
		return (trap_names[trapno]);
	if (trapno >= T_IRQ0 && trapno < T_IRQ0 + 16)
		return ("hardware interrupt");
	return ("unknown trap");
}

static void
trap_print(const struct trapframe *tf)
{
	uintptr_t off;
	const char *sym = ksym_lookup(tf->tf_eip, &off);

	printf("\nfatal trap %u: %s\n", tf->tf_trapno, trap_name(tf->tf_trapno));
	if (tf->tf_trapno == T_PAGEFLT) {
		uint32_t e = tf->tf_err;

		printf("  cr2 %#010x  error %#x: %s, %s, %s mode%s%s\n", rcr2(), e,
		    (e & PGEX_P) ? "protection violation" : "page not present",
		    (e & PGEX_I) ? "instruction fetch" : (e & PGEX_W) ? "write" : "read",
		    (e & PGEX_U) ? "user" : "kernel",
		    (e & PGEX_RSV) ? ", reserved bit set" : "", "");
	} else
		printf("  error %#x\n", tf->tf_err);
	printf("  eip %#010x <%s+%#x>  cs %#06x  eflags %#010x\n", tf->tf_eip,
	    sym != NULL ? sym : "?", (unsigned)off, tf->tf_cs, tf->tf_eflags);
	printf("  eax %#010x  ebx %#010x  ecx %#010x  edx %#010x\n",
	    tf->tf_eax, tf->tf_ebx, tf->tf_ecx, tf->tf_edx);
	printf("  esi %#010x  edi %#010x  ebp %#010x  esp %#010x\n",
	    tf->tf_esi, tf->tf_edi, tf->tf_ebp, tf->tf_isp + 36);	/* esp before the trap: past segs, trapno, err, eip, cs, eflags */
	printf("  ds %#06x  es %#06x  fs %#06x  gs %#06x  cr0 %#010x  cr3 %#010x  cr4 %#010x\n",
	    tf->tf_ds, tf->tf_es, tf->tf_fs, tf->tf_gs, rcr0(), rcr3(), rcr4());
}

/* Status of a process killed by a trap, as a shell shows a signal: 128 + its number. */
static int
trap_status(uint32_t trapno)
{
	switch (trapno) {
	case T_DIVIDE:	return (128 + 8);	/* SIGFPE */
	case T_INVALOP:	return (128 + 4);	/* SIGILL */
	case T_BPT:	return (128 + 5);	/* SIGTRAP */
	default:	return (128 + 11);	/* SIGSEGV */
	}
}

static void
trap_user(struct trapframe *tf)
{
	uint32_t cr2;

	int rv;

	switch (tf->tf_trapno) {
	case T_SYSCALL: {
		register_t args[6] = { tf->tf_ebx, tf->tf_ecx, tf->tf_edx, tf->tf_esi,
		    tf->tf_edi, tf->tf_ebp };
		register_t ret;

		enable_intr();
		syscall_dispatch((int)tf->tf_eax, args, &ret);
		tf->tf_eax = ret;
		return;
	}
	case T_PAGEFLT:
		cr2 = rcr2();		/* before interrupts: another fault would change it */
		enable_intr();
		if ((rv = trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0)) == KERN_SUCCESS)
			return;
		if (rv == KERN_RESOURCE_SHORTAGE)	/* not the program's fault: SIGKILL's status */
			proc_kill("out of memory", cr2, tf->tf_eip, 128 + 9);
		proc_kill("segmentation fault", cr2, tf->tf_eip, trap_status(T_PAGEFLT));
	default:
		enable_intr();
		proc_kill(trap_name(tf->tf_trapno), 0, tf->tf_eip, trap_status(tf->tf_trapno));
	}
}

/* A kernel fault inside copyin/copyout on a user address: true if handled. */
static bool
trap_copy_fault(struct trapframe *tf)
{
	register_t *onfault = trap_onfault();
	uint32_t cr2 = rcr2();

	if (onfault == NULL || *onfault == 0 || cr2 >= VM_MAXUSER_ADDRESS)
		return (false);
	if ((tf->tf_eflags & 0x200) != 0)
		enable_intr();
	if (trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0) != KERN_SUCCESS)
		tf->tf_eip = *onfault;
	return (true);
}

void
trap(struct trapframe *tf)
{
	if (tf->tf_trapno >= T_IRQ0 && tf->tf_trapno < T_IRQ0 + 16) {
		intr_dispatch((int)(tf->tf_trapno - T_IRQ0));	/* arch/x86/intr.c */
		return;
	}
	if ((tf->tf_cs & 3) == 3) {
		trap_user(tf);
		return;
	}
	if (tf->tf_trapno == T_PAGEFLT && trap_copy_fault(tf))
		return;
	if (tf->tf_trapno == T_PAGEFLT && probe_onfault != 0) {
		tf->tf_eip = probe_onfault;
		return;
	}
	trap_print(tf);
	printf("backtrace from the trap:\n");
	db_backtrace(tf->tf_eip, tf->tf_ebp);
	panic("unexpected trap %u (%s) at eip %#x%s", tf->tf_trapno,
	    trap_name(tf->tf_trapno), tf->tf_eip,
	    tf->tf_trapno == T_PAGEFLT ? ", see cr2 above" : "");
}

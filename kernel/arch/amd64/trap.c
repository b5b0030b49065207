/*
 * trap.c - what happens on an exception or interrupt (amd64).
 *
 * Interrupts are acknowledged and dispatched.  From user mode: `int $0x80'
 * is a system call (arguments in rdi, rsi, rdx, r10, r8, r9, as the
 * SYSCALL convention has them; the number in rax, the result or -errno
 * back in rax); a page fault goes to the process's map (trap_pfault), and
 * one it cannot resolve, or any other exception, kills the process, never
 * the kernel.  In the kernel: a page fault on a user address inside
 * copyin/copyout goes to vm_fault too, and failing, resumes at the copy's
 * recovery point (EFAULT); one inside probe_read()/probe_write() resumes
 * at the probe's.  Every other kernel trap is unexpected: the kernel prints
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
trap_name(uint64_t trapno)
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
	const char *sym = ksym_lookup(tf->tf_rip, &off);

	printf("\nfatal trap %lu: %s\n", tf->tf_trapno, trap_name(tf->tf_trapno));
	if (tf->tf_trapno == T_PAGEFLT) {
		uint64_t e = tf->tf_err;

		printf("  cr2 %#018lx  error %#lx: %s, %s, %s mode%s\n", rcr2(), e,
		    (e & PGEX_P) ? "protection violation" : "page not present",
		    (e & PGEX_I) ? "instruction fetch" : (e & PGEX_W) ? "write" : "read",
		    (e & PGEX_U) ? "user" : "kernel",
		    (e & PGEX_RSV) ? ", reserved bit set" : "");
	} else
		printf("  error %#lx\n", tf->tf_err);
	printf("  rip %#018lx <%s+%#lx>  cs %#06lx  rflags %#010lx\n", tf->tf_rip,
	    sym != NULL ? sym : "?", off, tf->tf_cs, tf->tf_rflags);
	printf("  rax %#018lx  rbx %#018lx  rcx %#018lx\n", tf->tf_rax, tf->tf_rbx, tf->tf_rcx);
	printf("  rdx %#018lx  rsi %#018lx  rdi %#018lx\n", tf->tf_rdx, tf->tf_rsi, tf->tf_rdi);
	printf("  rbp %#018lx  rsp %#018lx  r8  %#018lx\n", tf->tf_rbp, tf->tf_rsp, tf->tf_r8);
	printf("  r9  %#018lx  r10 %#018lx  r11 %#018lx\n", tf->tf_r9, tf->tf_r10, tf->tf_r11);
	printf("  r12 %#018lx  r13 %#018lx  r14 %#018lx\n", tf->tf_r12, tf->tf_r13, tf->tf_r14);
	printf("  r15 %#018lx  ss %#06lx  cr0 %#010lx  cr3 %#018lx  cr4 %#010lx\n",
	    tf->tf_r15, tf->tf_ss, rcr0(), rcr3(), rcr4());
}

/* Status of a process killed by a trap, as a shell shows a signal: 128 + its number. */
static int
trap_status(uint64_t trapno)
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
	uint64_t cr2;

	int rv;

	switch (tf->tf_trapno) {
	case T_SYSCALL: {
		register_t args[6] = { tf->tf_rdi, tf->tf_rsi, tf->tf_rdx, tf->tf_r10,
		    tf->tf_r8, tf->tf_r9 };
		register_t ret;

		enable_intr();
		syscall_dispatch((int)tf->tf_rax, args, &ret);
		tf->tf_rax = ret;
		return;
	}
	case T_PAGEFLT:
		cr2 = rcr2();		/* before interrupts: another fault would change it */
		enable_intr();
		if ((rv = trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0)) == KERN_SUCCESS)
			return;
		if (rv == KERN_RESOURCE_SHORTAGE)	/* not the program's fault: SIGKILL's status */
			proc_kill("out of memory", cr2, tf->tf_rip, 128 + 9);
		proc_kill("segmentation fault", cr2, tf->tf_rip, trap_status(T_PAGEFLT));
	default:
		enable_intr();
		proc_kill(trap_name(tf->tf_trapno), 0, tf->tf_rip, trap_status(tf->tf_trapno));
	}
}

/* A kernel fault inside copyin/copyout on a user address: true if handled. */
static bool
trap_copy_fault(struct trapframe *tf)
{
	register_t *onfault = trap_onfault();
	uint64_t cr2 = rcr2();

	if (onfault == NULL || *onfault == 0 || cr2 >= VM_MAXUSER_ADDRESS)
		return (false);
	if ((tf->tf_rflags & 0x200) != 0)
		enable_intr();
	if (trap_pfault(cr2, (tf->tf_err & PGEX_W) != 0) != KERN_SUCCESS)
		tf->tf_rip = *onfault;
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
		tf->tf_rip = probe_onfault;
		return;
	}
	trap_print(tf);
	if (tf->tf_trapno == T_DOUBLEFLT && thread_find_guard(rcr2()) != NULL)	/* on the IST stack */
		panic("kernel stack overflow in thread %s (cr2 %#lx is in its guard page)",
		    thread_find_guard(rcr2())->td_name, rcr2());
	printf("backtrace from the trap:\n");
	db_backtrace(tf->tf_rip, tf->tf_rbp);
	panic("unexpected trap %lu (%s) at rip %#lx%s", tf->tf_trapno,
	    trap_name(tf->tf_trapno), tf->tf_rip,
	    tf->tf_trapno == T_PAGEFLT ? ", see cr2 above" : "");
}

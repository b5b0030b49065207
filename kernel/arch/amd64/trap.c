/*
 * trap.c - the amd64 half of trap handling: the registers.  A system
 * call's number is in rax and its arguments in rdi, rsi, rdx, r10, r8, r9,
 * as the SYSCALL convention has them; the result or -errno goes back in
 * rax.  A fatal kernel trap prints all registers - for a page fault also
 * %cr2 and the decoded error code - and panics with a backtrace that
 * starts at the faulting instruction; a double fault on a thread's stack
 * guard names the thread.  What a trap means, and who handles it, is
 * arch/x86/trap_x86.c.
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

/* int $0x80 from user mode. */
void
trap_syscall(struct trapframe *tf)
{
	register_t args[6] = { tf->tf_rdi, tf->tf_rsi, tf->tf_rdx, tf->tf_r10,
	    tf->tf_r8, tf->tf_r9 };
	register_t ret;

	enable_intr();
	syscall_dispatch((int)tf->tf_rax, args, &ret);
	tf->tf_rax = ret;
}

/* An unexpected kernel trap: registers, backtrace, panic. */
void
trap_fatal(struct trapframe *tf)
{
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

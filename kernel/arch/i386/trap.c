/*
 * trap.c - the i386 half of trap handling: the registers.  A system
 * call's number is in eax and its arguments in ebx, ecx, edx, esi, edi,
 * ebp; the result or -errno goes back in eax.  A fatal kernel trap prints
 * all registers - for a page fault also %cr2 and the decoded error code -
 * and panics with a backtrace that starts at the faulting instruction.
 * What a trap means, and who handles it, is arch/x86/trap_x86.c.
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

/* int $0x80 from user mode. */
void
trap_syscall(struct trapframe *tf)
{
	register_t args[6] = { tf->tf_ebx, tf->tf_ecx, tf->tf_edx, tf->tf_esi,
	    tf->tf_edi, tf->tf_ebp };
	register_t ret;

	enable_intr();
	syscall_dispatch((int)tf->tf_eax, args, &ret);
	tf->tf_eax = ret;
}

/* An unexpected kernel trap: registers, backtrace, panic. */
void
trap_fatal(struct trapframe *tf)
{
	trap_print(tf);
	printf("backtrace from the trap:\n");
	db_backtrace(tf->tf_eip, tf->tf_ebp);
	panic("unexpected trap %u (%s) at eip %#x%s", tf->tf_trapno,
	    trap_name(tf->tf_trapno), tf->tf_eip,
	    tf->tf_trapno == T_PAGEFLT ? ", see cr2 above" : "");
}

/*
 * exception.S - interrupt and exception entry.
 *
 * Each vector has a stub that makes the stack look the same whether or not
 * the CPU pushed an error code, pushes its vector number, and joins
 * alltraps, which saves the registers into a struct trapframe and calls
 * trap(tf).  vector_table[] lists the stubs for idt_init().
 *
 * probe_read/probe_write touch an address that may fault.  They set
 * probe_onfault; if a kernel page fault happens while it is set, trap()
 * resumes at probe_fault, which returns EFAULT instead of panicking.  Tests
 * use them to prove that an address is unmapped or read-only.
 */
#include <machine/asmacros.h>

#define	TRAP_NOERR(n)	.p2align 4; vector##n: pushl $0; pushl $n; jmp alltraps
#define	TRAP_ERR(n)	.p2align 4; vector##n: pushl $n; jmp alltraps

	.text
TRAP_NOERR(0);  TRAP_NOERR(1);  TRAP_NOERR(2);  TRAP_NOERR(3)
TRAP_NOERR(4);  TRAP_NOERR(5);  TRAP_NOERR(6);  TRAP_NOERR(7)
TRAP_ERR(8);    TRAP_NOERR(9);  TRAP_ERR(10);   TRAP_ERR(11)
TRAP_ERR(12);   TRAP_ERR(13);   TRAP_ERR(14);   TRAP_NOERR(15)
TRAP_NOERR(16); TRAP_ERR(17);   TRAP_NOERR(18); TRAP_NOERR(19)
TRAP_NOERR(20); TRAP_NOERR(21); TRAP_NOERR(22); TRAP_NOERR(23)
TRAP_NOERR(24); TRAP_NOERR(25); TRAP_NOERR(26); TRAP_NOERR(27)
TRAP_NOERR(28); TRAP_NOERR(29); TRAP_ERR(30);   TRAP_NOERR(31)
TRAP_NOERR(32); TRAP_NOERR(33); TRAP_NOERR(34); TRAP_NOERR(35)
TRAP_NOERR(36); TRAP_NOERR(37); TRAP_NOERR(38); TRAP_NOERR(39)
TRAP_NOERR(40); TRAP_NOERR(41); TRAP_NOERR(42); TRAP_NOERR(43)
TRAP_NOERR(44); TRAP_NOERR(45); TRAP_NOERR(46); TRAP_NOERR(47)

/*
 * System calls enter through `int $0x80' (an interrupt gate user mode may
 * use, DPL 3), not SYSENTER: the same trap frame and path as every other
 * entry, so fork copies and execve builds one kind of frame, and under TCG
 * the few cycles SYSENTER would save are lost in the noise.
 */
	.globl	vector_syscall
TRAP_NOERR(128)
	.set	vector_syscall, vector128

alltraps:
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushal
	movl	$GSEL_KDATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	pushl	%esp
	call	trap
	addl	$4, %esp
	.globl	trapret
trapret:			/* cpu_enter_user: a frame built by hand */
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp		/* trapno and err */
	iret

	.section .rodata
	.p2align 2
	.globl	vector_table
vector_table:
	.long vector0,  vector1,  vector2,  vector3,  vector4,  vector5,  vector6,  vector7
	.long vector8,  vector9,  vector10, vector11, vector12, vector13, vector14, vector15
	.long vector16, vector17, vector18, vector19, vector20, vector21, vector22, vector23
	.long vector24, vector25, vector26, vector27, vector28, vector29, vector30, vector31
	.long vector32, vector33, vector34, vector35, vector36, vector37, vector38, vector39
	.long vector40, vector41, vector42, vector43, vector44, vector45, vector46, vector47

	.text
/* int probe_read(const volatile void *va, uint32_t *out): 0 or EFAULT */
	.globl	probe_read
probe_read:
	movl	$probe_fault, probe_onfault
	movl	4(%esp), %edx
	movl	(%edx), %eax
	movl	8(%esp), %edx
	movl	%eax, (%edx)
	movl	$0, probe_onfault
	xorl	%eax, %eax
	ret

/* int probe_write(volatile void *va, uint32_t val): 0 or EFAULT */
	.globl	probe_write
probe_write:
	movl	$probe_fault, probe_onfault
	movl	4(%esp), %edx
	movl	8(%esp), %eax
	movl	%eax, (%edx)
	movl	$0, probe_onfault
	xorl	%eax, %eax
	ret

/*
 * int copy_guarded(void *dst, const void *src, size_t len, register_t *onfault):
 * copyin/copyout's copy.  *onfault (the thread's pcb_onfault) holds the
 * recovery point while it runs: a fault on a user address that vm_fault
 * cannot resolve resumes at copy_fault, which returns EFAULT.
 */
	.globl	copy_guarded
copy_guarded:
	pushl	%esi
	pushl	%edi
	movl	24(%esp), %eax		/* onfault (past edi, esi, the return address) */
	movl	$copy_fault, (%eax)
	movl	12(%esp), %edi
	movl	16(%esp), %esi
	movl	20(%esp), %ecx
	cld
	rep movsb
	movl	24(%esp), %eax
	movl	$0, (%eax)
	xorl	%eax, %eax
	popl	%edi
	popl	%esi
	ret
copy_fault:
	movl	24(%esp), %eax
	movl	$0, (%eax)
	movl	$14, %eax		/* EFAULT */
	popl	%edi
	popl	%esi
	ret

/* void cpu_enter_user_frame(struct trapframe *tf): leave for user mode through tf. */
	.globl	cpu_enter_user_frame
cpu_enter_user_frame:
	cli
	movl	4(%esp), %esp
	jmp	trapret

probe_fault:
	movl	$0, probe_onfault
	movl	$14, %eax		/* EFAULT */
	ret

	.data
	.globl	probe_onfault
probe_onfault:	.long	0

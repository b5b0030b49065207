/*
 * exception.S - interrupt and exception entry on amd64.
 *
 * In long mode the CPU always pushes %ss, %rsp, %rflags, %cs and %rip (and,
 * for some vectors, an error code) after aligning %rsp to 16 bytes.  Each
 * vector's stub makes the error code always present, pushes its vector
 * number and joins alltraps, which saves the general registers into a
 * struct trapframe (machine/frame.h) and calls trap(tf).  22 words keep
 * %rsp 16-byte aligned at the call, as the ABI wants.
 *
 * probe_read/probe_write touch an address that may fault; trap() resumes a
 * kernel page fault at probe_fault while probe_onfault is set (i386 has
 * the same pair).
 */
#include <machine/asmacros.h>

#define	TRAP_NOERR(n)	.p2align 4; vector##n: pushq $0; pushq $n; jmp alltraps
#define	TRAP_ERR(n)	.p2align 4; vector##n: pushq $n; jmp alltraps

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
 * System calls enter through `int $0x80' (a DPL 3 interrupt gate), not
 * SYSCALL: SYSCALL leaves %rsp the user's, so it would need swapgs and a
 * per-CPU scratch area to find the kernel stack, and it saves %rip/%rflags
 * in %rcx/%r11 rather than a frame; the interrupt gate switches to rsp0
 * and pushes the same frame as every other trap, which fork copies and
 * execve builds, and i386 uses the same path.  Under TCG the cycles
 * SYSCALL saves vanish in the emulation.
 */
	.globl	vector_syscall
TRAP_NOERR(128)
	.set	vector_syscall, vector128

alltraps:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%rbp
	pushq	%rbx
	pushq	%rax
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	movq	%rsp, %rdi
	call	trap
	.globl	trapret
trapret:			/* cpu_enter_user: a frame built by hand */
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%r8
	popq	%r9
	popq	%rax
	popq	%rbx
	popq	%rbp
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp		/* trapno and err */
	iretq

	.section .rodata
	.p2align 3
	.globl	vector_table
vector_table:
	.quad vector0,  vector1,  vector2,  vector3,  vector4,  vector5,  vector6,  vector7
	.quad vector8,  vector9,  vector10, vector11, vector12, vector13, vector14, vector15
	.quad vector16, vector17, vector18, vector19, vector20, vector21, vector22, vector23
	.quad vector24, vector25, vector26, vector27, vector28, vector29, vector30, vector31
	.quad vector32, vector33, vector34, vector35, vector36, vector37, vector38, vector39
	.quad vector40, vector41, vector42, vector43, vector44, vector45, vector46, vector47

	.text
/* int probe_read(const volatile void *va, uint32_t *out): 0 or EFAULT */
	.globl	probe_read
probe_read:
	movq	$probe_fault, probe_onfault
	movl	(%rdi), %eax
	movl	%eax, (%rsi)
	movq	$0, probe_onfault
	xorl	%eax, %eax
	ret

/* int probe_write(volatile void *va, uint32_t val): 0 or EFAULT */
	.globl	probe_write
probe_write:
	movq	$probe_fault, probe_onfault
	movl	%esi, (%rdi)
	movq	$0, probe_onfault
	xorl	%eax, %eax
	ret

/*
 * int copy_guarded(void *dst, const void *src, size_t len, register_t *onfault):
 * copyin/copyout's copy.  *onfault (the thread's pcb_onfault) holds the
 * recovery point while it runs: a fault on a user address that vm_fault
 * cannot resolve resumes at copy_fault (%r8 survives: the trap frame saves
 * it), which returns EFAULT.
 */
	.globl	copy_guarded
copy_guarded:
	movq	%rcx, %r8
	movq	$copy_fault, (%r8)
	movq	%rdx, %rcx
	cld
	rep movsb
	movq	$0, (%r8)
	xorl	%eax, %eax
	ret
copy_fault:
	movq	$0, (%r8)
	movl	$14, %eax		/* EFAULT */
	ret

/* void cpu_enter_user_frame(struct trapframe *tf): leave for user mode through tf. */
	.globl	cpu_enter_user_frame
cpu_enter_user_frame:
	cli
	movq	%rdi, %rsp
	jmp	trapret

probe_fault:
	movq	$0, probe_onfault
	movl	$14, %eax		/* EFAULT */
	ret

	.data
	.p2align 3
	.globl	probe_onfault
probe_onfault:	.quad	0

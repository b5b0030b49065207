/*
 * swtch.S - the context switch and a new thread's first instructions.
 *
 * cpu_switch_sp(&old->td_pcb->pcb_sp, new sp) (%rdi, %rsi): push the
 * callee-saved registers, save %rsp, load the other thread's %rsp, pop its
 * registers and return into wherever it called cpu_switch_sp from.
 * Interrupts are off (mi_switch runs with them off).
 *
 * A new thread's stack (vm_machdep.c) looks like one that called
 * cpu_switch_sp, returning to fork_trampoline with its function in %r12
 * and argument in %r13; %rsp is 16-byte aligned after that return, so the
 * call to fork_exit sees the ABI's alignment:
 *
 *   sp -> r15 r14 r13=arg r12=fn rbx rbp=0  fork_trampoline | pcb | top
 */
	.text
	.globl	cpu_switch_sp
cpu_switch_sp:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.globl	fork_trampoline
fork_trampoline:
	movq	%r12, %rdi		/* fn */
	movq	%r13, %rsi		/* arg */
	call	fork_exit		/* never returns */
	ud2

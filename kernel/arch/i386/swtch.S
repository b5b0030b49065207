/*
 * swtch.S - the context switch and a new thread's first instructions.
 *
 * cpu_switch_sp(&old->td_pcb->pcb_sp, new sp): push the callee-saved
 * registers (the C ABI lets the caller assume only these survive a call),
 * save %esp, load the other thread's %esp, pop its registers and return
 * into wherever it called cpu_switch_sp from.  Interrupts are off (the
 * caller, mi_switch, runs with them off).
 *
 * A new thread's stack is built (vm_machdep.c) to look like one that
 * called cpu_switch_sp, with fork_trampoline as the return address and
 * its function and argument in %ebx and %esi:
 *
 *   sp -> edi=0  esi=arg  ebx=fn  ebp=0  fork_trampoline | pcb | top
 */
	.text
	.globl	cpu_switch_sp
cpu_switch_sp:
	movl	4(%esp), %eax		/* where to save this thread's %esp */
	movl	8(%esp), %edx		/* the other thread's %esp */
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, (%eax)
	movl	%edx, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

	.globl	fork_trampoline
fork_trampoline:
	pushl	%esi			/* arg */
	pushl	%ebx			/* fn */
	call	fork_exit		/* never returns */
	ud2

/*
 * crt0.S - a user program's first instructions (amd64).  execve leaves
 * argc and argv at the stack pointer (kern_exec.c); pass them to
 * _cstart(argc, argv) (user/lib/ulib.c), which calls main and exit.
 */
	.section .text.start
	.globl	_start
_start:
	movq	(%rsp), %rdi		/* argc */
	movq	8(%rsp), %rsi		/* argv */
	xorl	%ebp, %ebp		/* ends backtraces */
	andq	$-16, %rsp
	call	_cstart
	ud2

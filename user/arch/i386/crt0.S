/*
 * crt0.S - a user program's first instructions (i386).  execve leaves
 * argc and argv at the stack pointer (kern_exec.c); pass them to
 * _cstart(argc, argv) (user/lib/ulib.c), which calls main and exit.
 */
	.section .text.start
	.globl	_start
_start:
	movl	(%esp), %eax		/* argc */
	movl	4(%esp), %edx		/* argv */
	xorl	%ebp, %ebp		/* ends backtraces */
	andl	$-16, %esp
	subl	$8, %esp		/* 16-byte aligned at the call */
	pushl	%edx
	pushl	%eax
	call	_cstart
	ud2

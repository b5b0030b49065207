/*
 * usys.S - the system-call stubs (i386): `int $0x80' with the number in
 * %eax and up to six arguments in %ebx %ecx %edx %esi %edi %ebp (sys/syscall.h,
 * shared with the kernel); the result, or -errno, in %eax.
 */
#include <sys/syscall.h>

#define	STUB(name)				\
	.globl	name;				\
name:						\
	pushl	%ebx;				\
	pushl	%esi;				\
	pushl	%edi;				\
	pushl	%ebp;				\
	movl	20(%esp), %ebx;			\
	movl	24(%esp), %ecx;			\
	movl	28(%esp), %edx;			\
	movl	32(%esp), %esi;			\
	movl	36(%esp), %edi;			\
	movl	40(%esp), %ebp;			\
	movl	$SYS_##name, %eax;		\
	int	$0x80;				\
	popl	%ebp;				\
	popl	%edi;				\
	popl	%esi;				\
	popl	%ebx;				\
	ret

	.text
#include "../usys.h"

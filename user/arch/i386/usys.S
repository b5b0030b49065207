/*
 * usys.S - the system-call stubs (i386): `int $0x80' with the number in
 * %eax and up to five arguments in %ebx %ecx %edx %esi %edi (sys/syscall.h,
 * shared with the kernel); the result, or -errno, in %eax.
 */
#include <sys/syscall.h>

#define	STUB(name)				\
	.globl	name;				\
name:						\
	pushl	%ebx;				\
	pushl	%esi;				\
	pushl	%edi;				\
	movl	16(%esp), %ebx;			\
	movl	20(%esp), %ecx;			\
	movl	24(%esp), %edx;			\
	movl	28(%esp), %esi;			\
	movl	32(%esp), %edi;			\
	movl	$SYS_##name, %eax;		\
	int	$0x80;				\
	popl	%edi;				\
	popl	%esi;				\
	popl	%ebx;				\
	ret

	.text
#include "../usys.h"

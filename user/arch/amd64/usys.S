/*
 * usys.S - the system-call stubs (amd64): `int $0x80' with the number in
 * %rax and the arguments in %rdi %rsi %rdx %r10 %r8 %r9 (sys/syscall.h,
 * shared with the kernel: the C ABI's registers, the fourth moved from
 * %rcx); the result, or -errno, in %rax.
 */
#include <sys/syscall.h>

#define	STUB(name)				\
	.globl	name;				\
name:						\
	movq	%rcx, %r10;			\
	movl	$SYS_##name, %eax;		\
	int	$0x80;				\
	ret

	.text
#include "../usys.h"

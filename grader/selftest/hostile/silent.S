/* silent.S: a Multiboot kernel that prints nothing and spins (selftest only):
 * the grader must stop it after its banner timeout, not its full timeout. */
	.section .text
	.align 4
	.long 0x1BADB002
	.long 0
	.long -(0x1BADB002)
	.globl _start
_start:
1:	jmp	1b

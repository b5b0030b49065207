/* boot.S: Multiboot v1 entry of the grader's fake kernel (selftest only). */
	.section .text
	.align 4
mbhdr:
	.long 0x1BADB002		/* magic */
	.long 0				/* flags */
	.long -(0x1BADB002)		/* checksum */
	.globl _start
_start:
	movl	$stack_top, %esp
	pushl	%ebx			/* multiboot info */
	pushl	%eax			/* magic */
	call	fake_main
1:	cli
	hlt
	jmp	1b

	.globl triple_fault
triple_fault:
	lidt	zero_idt
	int3
	jmp	triple_fault

	.section .data
	.align 8
zero_idt:
	.word 0
	.long 0

	.section .bss
	.align 16
	.space 16384
stack_top:

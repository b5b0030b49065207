/*
 * locore.S - the first instructions on amd64: the Multiboot header, and the
 * 32-bit trampoline from the loader's flat, unpaged world into long mode
 * and the higher-half kernel.
 *
 * QEMU's -kernel (Multiboot v1) enters _start in 32-bit protected mode with
 * paging off, %eax = the Multiboot magic, %ebx = the physical address of
 * the Multiboot info.  The kernel is linked at KERNBASE + 1 MiB
 * (0xffffffff80100000), so until the far jump every symbol is reached at
 * its physical address, V2P(symbol).  The trampoline:
 *
 *   1. checks CPUID for long mode; a 32-bit-only CPU model gets a message
 *      on COM1 and an exit through isa-debug-exit, not a triple fault;
 *   2. builds boot page tables mapping physical 0..1 GiB twice with 2 MiB
 *      pages: at 0 (identity: the next instruction after CR0.PG) and at
 *      KERNBASE (PML4[511] -> PDPT[510] -> the same page directory);
 *   3. CR4.PAE, %cr3, EFER.LME (and EFER.NXE if the CPU has NX), CR0.PG:
 *      the CPU is now in compatibility mode;
 *   4. loads a GDT with a 64-bit code segment and far-jumps to it, then
 *      jumps to the high address and calls amd64_init(magic, mbi_pa).
 *
 * pmap_bootstrap() replaces these tables with the kernel's own.
 */
#include <machine/asmacros.h>

#define	MB_MAGIC	0x1badb002
#define	MB_FLAGS	0x00010003	/* aligned modules, memory map, a.out kludge */
#define	V2P(x)		((x) - KERNBASE)
#define	COM1		0x3f8
#define	EXIT_FAIL	0x11		/* sys/kernel.h */

	.section .multiboot, "a"
	.p2align 2
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	/* The a.out kludge: where the file's bytes go (physical addresses). */
	.long	V2P(mb_header)		/* header_addr */
	.long	V2P(kernel_start)	/* load_addr: the file from here ... */
	.long	V2P(edata)		/* load_end_addr: ... to here */
	.long	V2P(kernel_end)		/* bss_end_addr: zeroed up to here */
	.long	V2P(_start)		/* entry_addr */

	.text
	.code32
	.globl	_start
_start:
	cli
	cld
	movl	%eax, V2P(multiboot_magic)
	movl	%ebx, V2P(multiboot_info_pa)
	movl	$V2P(boot_stack_top), %esp

	/* 1. Long mode? (CPUID 0x80000001 %edx bit 29.) */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	movl	%edx, V2P(amd_feature)
	testl	$AMDID_LM, %edx
	jz	no_long_mode

	/* 2. boot_pd[i] = i * 2 MiB | PS | RW | V for 0..1 GiB. */
	movl	$V2P(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PG_PS | PG_RW | PG_V), %eax
	movl	%eax, (%edi, %ecx, 8)
	movl	$0, 4(%edi, %ecx, 8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b
	movl	$(V2P(boot_pd) + PG_RW + PG_V), %eax
	movl	%eax, V2P(boot_pdpt_lo)
	movl	%eax, V2P(boot_pdpt_hi) + 510 * 8
	movl	$(V2P(boot_pdpt_lo) + PG_RW + PG_V), %eax
	movl	%eax, V2P(boot_pml4)
	movl	$(V2P(boot_pdpt_hi) + PG_RW + PG_V), %eax
	movl	%eax, V2P(boot_pml4) + 511 * 8

	/* 3. PAE, the tables, long mode (and NX), paging. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$V2P(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	testl	$AMDID_NX, V2P(amd_feature)
	jz	2f
	orl	$EFER_NXE, %eax
2:	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0

	/* 4. A 64-bit code segment; then the high half. */
	lgdt	V2P(boot_gdt_desc)
	ljmp	$GSEL_KCODE, $V2P(start64)

/* No long mode: say so on COM1 (polled, no init needed under QEMU) and leave. */
no_long_mode:
	movl	$V2P(no_lm_msg), %esi
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	movw	$COM1, %dx
	outb	%al, %dx
	incl	%esi
	jmp	3b
4:	movw	$0xf4, %dx
	movl	$EXIT_FAIL, %eax
	outl	%eax, %dx
5:	hlt
	jmp	5b

	.code64
start64:
	movabsq	$high, %rax
	jmp	*%rax
	/* The outermost frame: GDB's backtraces stop here (CFI in .debug_frame). */
	.cfi_sections .debug_frame
	.cfi_startproc
	.cfi_undefined rip
high:
	movl	$GSEL_KDATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp		/* ends every backtrace */
	movl	multiboot_magic, %edi
	movl	multiboot_info_pa, %esi
	call	amd64_init
6:	hlt
	jmp	6b
	.cfi_endproc

	.section .rodata
no_lm_msg:
	.ascii	"vmkit: this CPU has no long mode (64-bit): the amd64 kernel cannot run on it; "
	.asciz	"use a 64-bit QEMU CPU model (the config's default, e.g. -cpu qemu64)\n"

	.p2align 3
boot_gdt:
	.quad	0			/* null */
	.quad	0x00af9a000000ffff	/* GSEL_KCODE: 64-bit ring 0 code */
	.quad	0x00cf92000000ffff	/* GSEL_KDATA */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	V2P(boot_gdt)

	.data
	.globl	multiboot_magic, multiboot_info_pa, amd_feature
multiboot_magic:	.long	0
multiboot_info_pa:	.long	0
amd_feature:		.long	0

	.bss
	.p2align PAGE_SHIFT
boot_pml4:	.space	PAGE_SIZE
boot_pdpt_lo:	.space	PAGE_SIZE
boot_pdpt_hi:	.space	PAGE_SIZE
boot_pd:	.space	PAGE_SIZE
	.globl	boot_stack, boot_stack_top
boot_stack:	.space	4 * PAGE_SIZE
boot_stack_top:

/*
 * locore.S - the first instructions: the Multiboot header and the switch
 * from the loader's flat, unpaged world to the higher-half kernel.
 *
 * The loader (QEMU's -kernel) puts the image at physical KERNLOAD (1 MiB)
 * and jumps to _start with paging off, %eax = the Multiboot magic and
 * %ebx = the physical address of the Multiboot info.  The kernel is linked
 * at KERNBASE + 1 MiB, so until paging is on every symbol must be reached
 * at (symbol - KERNBASE).
 *
 * The boot page tables map the first 16 MiB of physical memory twice with
 * large pages:
 *
 *     virtual 0x00000000..0x00ffffff -> physical 0..16 MiB   (identity: lets
 *                                        the next instruction run after CR0.PG)
 *     virtual 0xc0000000..0xc0ffffff -> physical 0..16 MiB   (the kernel)
 *
 * Plain i386 uses one page directory of 4 MiB PSE pages.  PAE uses a PDPT
 * whose entries 0 and 3 both point at one page directory of 2 MiB pages.
 * pmap_bootstrap() replaces all this with 4 KiB page tables.
 */
#include <machine/asmacros.h>

#define	MB_MAGIC	0x1badb002
#define	MB_FLAGS	0x00000003	/* page-aligned modules, memory map wanted */
#define	BOOT_MAP_MB	16
#define	V2P(x)		((x) - KERNBASE)

	.section .multiboot, "a"
	.p2align 2
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.globl	_start
_start:
	cli
	cld
	movl	%eax, V2P(multiboot_magic)
	movl	%ebx, V2P(multiboot_info_pa)

#ifdef PAE
	/* boot_pd[i] = i * 2 MiB | PS | RW | V, for the first 16 MiB. */
	movl	$V2P(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PG_PS | PG_RW | PG_V), %eax
	movl	%eax, (%edi, %ecx, 8)
	movl	$0, 4(%edi, %ecx, 8)
	incl	%ecx
	cmpl	$(BOOT_MAP_MB / 2), %ecx
	jb	1b
	/* PDPT[0] and PDPT[3] -> boot_pd (PDPT entries take only the V bit). */
	movl	$(V2P(boot_pd) + PG_V), %eax	/* boot_pd is page aligned */
	movl	%eax, V2P(boot_pdpt)
	movl	%eax, V2P(boot_pdpt) + 24
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$V2P(boot_pdpt), %eax
#else
	/* boot_pd[i] = boot_pd[768 + i] = i * 4 MiB | PS | RW | V. */
	movl	$V2P(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$22, %eax
	orl	$(PG_PS | PG_RW | PG_V), %eax
	movl	%eax, (%edi, %ecx, 4)
	movl	%eax, (KERNBASE >> 22) * 4(%edi, %ecx, 4)
	incl	%ecx
	cmpl	$(BOOT_MAP_MB / 4), %ecx
	jb	1b
	movl	%cr4, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	$V2P(boot_pd), %eax
#endif
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0

	/* Now running with paging on, still at low addresses: jump high. */
	movl	$high, %eax
	jmp	*%eax
high:
	movl	$boot_stack_top, %esp
	xorl	%ebp, %ebp		/* ends every backtrace */
	pushl	multiboot_info_pa
	pushl	multiboot_magic
	call	i386_init
2:	hlt
	jmp	2b

	.data
	.globl	multiboot_magic, multiboot_info_pa
multiboot_magic:	.long	0
multiboot_info_pa:	.long	0

	.bss
	.p2align PAGE_SHIFT
	.globl	boot_pd
boot_pd:	.space	PAGE_SIZE
#ifdef PAE
	.p2align 5
boot_pdpt:	.space	32
#endif
	.p2align PAGE_SHIFT
	.globl	boot_stack, boot_stack_top
boot_stack:	.space	4 * PAGE_SIZE
boot_stack_top:

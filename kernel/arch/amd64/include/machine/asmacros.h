/*
 * machine/asmacros.h - constants shared by assembly and C on amd64:
 * control-register and EFER bits, page-table entry bits, segment selectors.
 */
#ifndef _MACHINE_ASMACROS_H_
#define _MACHINE_ASMACROS_H_

#define	KERNBASE	0xffffffff80000000	/* top 2 GiB: -mcmodel=kernel */
#define	PAGE_SHIFT	12
#define	PAGE_SIZE	4096

#define	CR0_PE		0x00000001
#define	CR0_WP		0x00010000
#define	CR0_PG		0x80000000
#define	CR4_PSE		0x00000010
#define	CR4_PAE		0x00000020
#define	CR4_PGE		0x00000080

#define	MSR_EFER	0xc0000080
#define	EFER_LME	0x00000100	/* long mode enable */
#define	EFER_NXE	0x00000800	/* the NX bit in page-table entries */

/* CPUID 0x80000001 %edx */
#define	AMDID_NX	0x00100000
#define	AMDID_PAGE1GB	0x04000000
#define	AMDID_LM	0x20000000

/* Page-table entry bits, the same at every level (PS only above the PT). */
#define	PG_V		0x001	/* valid */
#define	PG_RW		0x002	/* writable */
#define	PG_U		0x004	/* user accessible */
#define	PG_A		0x020	/* accessed (referenced), set by the CPU */
#define	PG_M		0x040	/* dirty (modified), set by the CPU */
#define	PG_PS		0x080	/* large page: 2 MiB in a PDE, 1 GiB in a PDPE */
#define	PG_G		0x100	/* global: kept in the TLB across %cr3 loads */
#define	PG_W		0x200	/* software: wired mapping */
#define	PG_MANAGED	0x400	/* software: has a pv entry */

/* Segment selectors; the GDT is laid out in machdep.c (and locore.S) in this order. */
#define	GSEL_KCODE	0x08
#define	GSEL_KDATA	0x10
#define	GSEL_UCODE	0x1b
#define	GSEL_UDATA	0x23

#endif

/*
 * machine/asmacros.h - constants shared by assembly and C: control-register
 * bits, page-table entry bits, segment selectors.
 */
#ifndef _MACHINE_ASMACROS_H_
#define _MACHINE_ASMACROS_H_

#define	KERNBASE	0xc0000000
#define	PAGE_SHIFT	12
#define	PAGE_SIZE	4096

#define	CR0_PE		0x00000001
#define	CR0_WP		0x00010000
#define	CR0_PG		0x80000000
#define	CR4_PSE		0x00000010
#define	CR4_PAE		0x00000020

/* Page-table entry bits (the same low bits in 32-bit and PAE entries). */
#define	PG_V		0x001	/* valid */
#define	PG_RW		0x002	/* writable */
#define	PG_U		0x004	/* user accessible */
#define	PG_A		0x020	/* accessed (referenced), set by the CPU */
#define	PG_M		0x040	/* dirty (modified), set by the CPU */
#define	PG_PS		0x080	/* large page, in a directory entry */
#define	PG_W		0x200	/* software: wired mapping */
#define	PG_MANAGED	0x400	/* software: has a pv entry */

/* Segment selectors; the GDT is laid out in machdep.c in this order. */
#define	GSEL_KCODE	0x08
#define	GSEL_KDATA	0x10
#define	GSEL_UCODE	0x1b
#define	GSEL_UDATA	0x23

#endif

/*
 * machine/pte.h - page-table entry formats.
 *
 *  plain i386 (two levels, 32-bit entries):
 *      va = | PD index 10 | PT index 10 | offset 12 |
 *      CR3 -> page directory (1024 PDEs) -> page table (1024 PTEs) -> page
 *
 *  i386 PAE (three levels, 64-bit entries):
 *      va = | PDPT 2 | PD index 9 | PT index 9 | offset 12 |
 *      CR3 -> PDPT (4 entries) -> page directory (512) -> page table (512) -> page
 *
 * A 64-bit PAE entry holds a frame address above 4 GiB, which is the whole
 * point of PAE on a 32-bit CPU and why vm_paddr_t is 64-bit there.
 */
#ifndef _MACHINE_PTE_H_
#define _MACHINE_PTE_H_

#include <sys/types.h>
#include <machine/asmacros.h>

#ifdef PAE
typedef uint64_t	pt_entry_t;
#define	PG_FRAME	0x000ffffffffff000ull
#define	NPDPTE		4		/* PDPT entries; each names one PD page */
#define	NPDEPG		512
#else
typedef uint32_t	pt_entry_t;
#define	PG_FRAME	0xfffff000u
#define	NPDPTE		1		/* one page directory */
#define	NPDEPG		1024
#endif
typedef pt_entry_t	pd_entry_t;

#endif

/*
 * machine/pte.h - amd64 page-table entry formats: four levels of 512
 * 64-bit entries.
 *
 *   va = | sign 16 | PML4 9 | PDPT 9 | PD 9 | PT 9 | offset 12 |
 *   CR3 -> PML4 -> PDPT (PS: 1 GiB page) -> PD (PS: 2 MiB page) -> PT -> page
 *
 * Bit 63 is NX (no execute) when EFER.NXE is on.
 */
#ifndef _MACHINE_PTE_H_
#define _MACHINE_PTE_H_

#include <sys/types.h>
#include <machine/asmacros.h>

typedef uint64_t	pt_entry_t;
typedef uint64_t	pd_entry_t;
typedef uint64_t	pdp_entry_t;
typedef uint64_t	pml4_entry_t;

#define	PG_NX		(1ul << 63)
#define	PG_FRAME	0x000ffffffffff000ul
#define	PG_PS_FRAME	0x000fffffffe00000ul	/* a 2 MiB page's frame */
#define	NPDEPG		512

#define	pmap_pml4e_index(va)	(((va) >> PML4SHIFT) & (NPTEPG - 1))
#define	pmap_pdpe_index(va)	(((va) >> PDPSHIFT) & (NPTEPG - 1))
#define	pmap_pde_index(va)	(((va) >> PDRSHIFT) & (NPTEPG - 1))
#define	pmap_pte_index(va)	(((va) >> PAGE_SHIFT) & (NPTEPG - 1))

#endif

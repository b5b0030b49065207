/*
 * machine/param.h - page size, kernel placement and address-space limits
 * on amd64 (4-level paging, 48-bit virtual addresses).
 *
 *   0xffffffffffffffff +---------------------------+
 *                      | (unused)                  |
 *   KVA_END            +---------------------------+  KERNBASE + 1 GiB
 *                      | kernel virtual memory     |  kva_alloc(): malloc growth, ...
 *   KVA_START          +---------------------------+
 *                      | low map: phys 0..lowmap   |  kernel image, boot tables,
 *                      |                           |  boot allocations (KERNBASE + pa)
 *   KERNBASE           +---------------------------+  0xffffffff80000000
 *                      | ...                       |
 *   DMAP_MAX_ADDRESS   +---------------------------+
 *                      | direct map of all RAM     |  PHYS_TO_DMAP(pa), 2 MiB / 1 GiB pages
 *   DMAP_MIN_ADDRESS   +---------------------------+  0xfffff80000000000 (as FreeBSD)
 *                      | (non-canonical hole, ...) |
 *   VM_MAXUSER_ADDRESS +---------------------------+  0x0000800000000000
 *                      | user space                |
 *   0                  +---------------------------+
 *
 * The kernel is linked in the top 2 GiB (the compiler's -mcmodel=kernel)
 * and loaded at KERNLOAD (1 MiB) physically.  Temporary mappings are
 * direct-map addresses: amd64 needs no CMAP slots.
 */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#include <machine/asmacros.h>	/* PAGE_SHIFT, PAGE_SIZE, KERNBASE */

#define	MACHINE_ARCH	"amd64"
#define	MACHINE_CONFIG	"amd64"
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	DB_FRAME_MIN	0xffff800000000000ul	/* db_trace.c: kernel stack frames lie at or above (the canonical upper half) */
#define	KERNLOAD	0x00100000u

#define	NPTEPG		512		/* entries per paging-structure page, every level */
#define	PDRSHIFT	21		/* a PDE maps 2 MiB */
#define	NBPDR		(1ul << PDRSHIFT)
#define	PDPSHIFT	30		/* a PDPE maps 1 GiB */
#define	NBPDP		(1ul << PDPSHIFT)
#define	PML4SHIFT	39		/* a PML4E maps 512 GiB */
#define	NBPML4		(1ul << PML4SHIFT)

#define	VM_MAXUSER_ADDRESS	0x0000800000000000ul
#define	DMAP_MIN_ADDRESS	0xfffff80000000000ul	/* PML4 slot 496 */
#define	DMAP_PML4I		496
#define	KPML4I			511			/* the kernel's PML4 slot */
#define	KPDPI			510			/* KERNBASE's PDPT slot */
#define	KVA_END			(KERNBASE + NBPDP)	/* one PD of kernel PTEs */

/*
 * The highest physical address this configuration uses, exclusive: what
 * one PML4 slot of direct map covers.  RAM above is ignored (and counted).
 */
#define	PHYS_ADDR_LIMIT		NBPML4
#define	DMAP_MAX_ADDRESS	(DMAP_MIN_ADDRESS + PHYS_ADDR_LIMIT)

#define	PHYS_TO_DMAP(pa)	((vm_offset_t)(pa) + DMAP_MIN_ADDRESS)
#define	DMAP_TO_PHYS(va)	((vm_paddr_t)((va) - DMAP_MIN_ADDRESS))
#define	VA_IS_DMAP(va)		((va) >= DMAP_MIN_ADDRESS && (va) < DMAP_MAX_ADDRESS)

#define	VM_NFREEORDER	13		/* buddy orders: 2^12 pages = 16 MiB */

#endif /* !_MACHINE_PARAM_H_ */

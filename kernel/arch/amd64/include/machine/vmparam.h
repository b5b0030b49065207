/*
 * machine/vmparam.h - the amd64 choices the machine-independent VM makes
 * differently per machine: free lists, pools, orders, page-array mode.
 */
#ifndef _MACHINE_VMPARAM_H_
#define _MACHINE_VMPARAM_H_

#include <machine/param.h>

/*
 * Free lists, as FreeBSD's amd64 has them:
 *   DMA32  - below 4 GiB: what a 32-bit device address can name;
 *   ISADMA - below 16 MiB, where an old ISA DMA controller can reach.
 * DEFAULT (everything else, RAM above 4 GiB included) goes first.
 */
#define	VM_NFREELIST		3
#define	VM_FREELIST_DEFAULT	0
#define	VM_FREELIST_DMA32	1
#define	VM_FREELIST_ISADMA	2
#define	VM_ISADMA_BOUNDARY	(16ull << 20)
#define	VM_DMA32_BOUNDARY	(1ull << 32)

#define	VM_FREELIST_TABLE {						\
	[VM_FREELIST_DEFAULT] =	{ PHYS_ADDR_LIMIT, "default" },		\
	[VM_FREELIST_DMA32] =	{ VM_DMA32_BOUNDARY, "dma32" },		\
	[VM_FREELIST_ISADMA] =	{ VM_ISADMA_BOUNDARY, "isadma" },	\
}

/*
 * Pools.  amd64 has a direct map, so DIRECT is real: pages the kernel
 * allocates without an object (malloc slabs, page-table pages, pv chunks)
 * are reached through it, and keeping them in a few large physical blocks
 * keeps the direct map's 2 MiB TLB entries few.  CACHE holds cached pages.
 */
#define	VM_NFREEPOOL		3
#define	VM_FREEPOOL_DEFAULT	0
#define	VM_FREEPOOL_CACHE	1
#define	VM_FREEPOOL_DIRECT	2
#define	VM_FREEPOOL_NAMES	{ "default", "cache", "direct" }

/*
 * Page-array mode: sparse.  QEMU's x86_64 map has a hole below 4 GiB (the
 * PCI window, 0.5-1 GiB wide) and, from -m 1T on, the reserved range at
 * 0xfd00000000; a dense array would spend vm_page structures on holes.
 */
#if !defined(VM_PHYSSEG_DENSE) && !defined(VM_PHYSSEG_SPARSE)
#define	VM_PHYSSEG_SPARSE
#endif

#endif

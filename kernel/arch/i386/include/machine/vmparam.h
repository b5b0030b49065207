/*
 * machine/vmparam.h - the i386 choices the machine-independent VM makes
 * differently per machine: free lists, pools, orders, page-array mode.
 */
#ifndef _MACHINE_VMPARAM_H_
#define _MACHINE_VMPARAM_H_

#include <machine/param.h>

/*
 * Free lists keep apart the memory only some users can reach, so that
 * ordinary allocations do not use it up:
 *   ISADMA - below 16 MiB, where an old ISA DMA controller can reach;
 *   DMA32  - (PAE only) below 4 GiB: what a 32-bit address can name.  The
 *            pmap takes its page-table and page-directory pages from here
 *            (pmap.c says why); FreeBSD's amd64 has the same list under the
 *            same name, for devices that address 32 bits.
 * vm_phys allocates from the lists in index order, so DEFAULT (everything
 * else) goes first and the scarcer lists last, as in FreeBSD.
 */
#define	VM_FREELIST_DEFAULT	0
#ifdef PAE
#define	VM_NFREELIST		3
#define	VM_FREELIST_DMA32	1
#define	VM_FREELIST_ISADMA	2
#define	PMAP_PTP_FREELIST	VM_FREELIST_DMA32	/* pmap.c's page-table pages */
#else
#define	VM_NFREELIST		2
#define	VM_FREELIST_ISADMA	1
#endif
#define	VM_ISADMA_BOUNDARY	(16ull << 20)
#define	VM_DMA32_BOUNDARY	(1ull << 32)

/*
 * The table vm_phys reads (struct vm_freelist_desc, vm/vm_phys.h): for each
 * free list, indexed by VM_FREELIST_*, the exclusive upper limit of the
 * memory it holds and its name.  A page belongs to the list with the lowest
 * limit above its address; vm_phys_add_seg cuts segments at every limit.
 */
#ifdef PAE
#define	VM_FREELIST_TABLE {						\
	[VM_FREELIST_DEFAULT] =	{ PHYS_ADDR_LIMIT, "default" },		\
	[VM_FREELIST_DMA32] =	{ VM_DMA32_BOUNDARY, "dma32" },		\
	[VM_FREELIST_ISADMA] =	{ VM_ISADMA_BOUNDARY, "isadma" },	\
}
#else
#define	VM_FREELIST_TABLE {						\
	[VM_FREELIST_DEFAULT] =	{ PHYS_ADDR_LIMIT, "default" },		\
	[VM_FREELIST_ISADMA] =	{ VM_ISADMA_BOUNDARY, "isadma" },	\
}
#endif

/*
 * Pools.  i386 has no direct map, so the DIRECT pool (pages the kernel
 * allocates without an object) is an alias of DEFAULT, as in FreeBSD; the
 * amd64 port makes it real.  CACHE holds cached pages (lab 03).
 */
#define	VM_NFREEPOOL		2
#define	VM_FREEPOOL_DEFAULT	0
#define	VM_FREEPOOL_CACHE	1
#define	VM_FREEPOOL_DIRECT	0
#define	VM_FREEPOOL_NAMES	{ "default", "cache" }

/* Page-array mode: dense on plain i386, sparse on PAE (RAM with a 1 GiB hole). */
#if !defined(VM_PHYSSEG_DENSE) && !defined(VM_PHYSSEG_SPARSE)
#ifdef PAE
#define	VM_PHYSSEG_SPARSE
#else
#define	VM_PHYSSEG_DENSE
#endif
#endif

#endif

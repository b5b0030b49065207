/*
 * machine/vmparam.h - the i386 choices the machine-independent VM makes
 * differently per machine: free lists, pools, orders, page-array mode.
 */
#ifndef _MACHINE_VMPARAM_H_
#define _MACHINE_VMPARAM_H_

#include <machine/param.h>

/*
 * Free lists: memory an old ISA DMA device can reach (below 16 MiB) is kept
 * apart, so ordinary allocations do not use it up.
 */
#define	VM_NFREELIST		2
#define	VM_FREELIST_DEFAULT	0
#define	VM_FREELIST_ISADMA	1
#define	VM_ISADMA_LIMIT		(16u << 20)

/*
 * Pools.  i386 has no direct map, so the DIRECT pool (pages the kernel
 * allocates without an object) is an alias of DEFAULT, as in FreeBSD; the
 * amd64 port makes it real.  CACHE holds cached pages (lab 03).
 */
#define	VM_NFREEPOOL		2
#define	VM_FREEPOOL_DEFAULT	0
#define	VM_FREEPOOL_CACHE	1
#define	VM_FREEPOOL_DIRECT	0

/* Page-array mode: dense on plain i386, sparse on PAE (RAM with a 1 GiB hole). */
#if !defined(VM_PHYSSEG_DENSE) && !defined(VM_PHYSSEG_SPARSE)
#ifdef PAE
#define	VM_PHYSSEG_SPARSE
#else
#define	VM_PHYSSEG_DENSE
#endif
#endif

#endif

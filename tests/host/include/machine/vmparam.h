/*
 * machine/vmparam.h for the hosted build (tests/host).  The host is x86_64,
 * described as FreeBSD describes amd64: a free list for ISA DMA below
 * 16 MiB, and a real DIRECT pool (amd64 reaches such pages through its
 * direct map; i386 aliases DIRECT to DEFAULT), so the tests exercise
 * stealing between three pools.  Dense or sparse page array as the build
 * asks (-DVM_PHYSSEG_DENSE), sparse by default.
 */
#ifndef _MACHINE_VMPARAM_H_
#define _MACHINE_VMPARAM_H_

#include <machine/param.h>

#define	VM_NFREELIST		2
#define	VM_FREELIST_DEFAULT	0
#define	VM_FREELIST_ISADMA	1
#define	VM_ISADMA_BOUNDARY	(16ull << 20)
#define	VM_FREELIST_TABLE {						\
	[VM_FREELIST_DEFAULT] =	{ PHYS_ADDR_LIMIT, "default" },		\
	[VM_FREELIST_ISADMA] =	{ VM_ISADMA_BOUNDARY, "isadma" },	\
}
#define	VM_NFREEPOOL		3
#define	VM_FREEPOOL_DEFAULT	0
#define	VM_FREEPOOL_CACHE	1
#define	VM_FREEPOOL_DIRECT	2	/* real here, as on amd64, to test stealing */
#define	VM_FREEPOOL_NAMES	{ "default", "cache", "direct" }
#if !defined(VM_PHYSSEG_DENSE) && !defined(VM_PHYSSEG_SPARSE)
#define	VM_PHYSSEG_SPARSE
#endif

#endif

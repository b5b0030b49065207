/*
 * machine/vmparam.h for the hosted build: the same free lists and pools as
 * i386, over simulated segments the tests lay out.
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

/*
 * machine/param.h - page size, kernel placement and address-space limits.
 *
 * Virtual layout (both configurations):
 *
 *   0xffffffff +---------------------------+
 *              | temporary mappings (CMAP) |  TMAP_SLOTS pages
 *   TMAP_BASE  +---------------------------+
 *              | kernel virtual memory     |  kva_alloc(): malloc arena growth,
 *              |                           |  vm_page_array, contigmalloc, ...
 *   KVA_START  +---------------------------+
 *              | low map: phys 0..lowmap   |  kernel image, boot page tables,
 *              |                           |  boot allocations (KERNBASE + pa)
 *   KERNBASE   +---------------------------+  0xc0000000
 *              | user space                |
 *   0x00000000 +---------------------------+
 *
 * Physically the kernel is loaded at KERNLOAD (1 MiB) by the multiboot loader.
 */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#include <machine/asmacros.h>	/* PAGE_SHIFT, PAGE_SIZE, KERNBASE */

#define	MACHINE_ARCH	"i386"
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	DB_FRAME_MIN	KERNBASE	/* db_trace.c: kernel stack frames lie at or above (the kernel's 1 GiB) */
#define	KERNLOAD	0x00100000u
#define	VM_MAXUSER_ADDRESS KERNBASE
#define	TMAP_SLOTS	16
#define	TMAP_BASE	(0u - (TMAP_SLOTS * PAGE_SIZE) - 0x400000u)
#define	KVA_END		TMAP_BASE

#ifdef PAE
#define	MACHINE_CONFIG	"i386-pae"
#define	NBPDR		(1u << 21)	/* bytes mapped by one page-directory entry */
#define	PDRSHIFT	21
#define	NPTEPG		512		/* entries per page-table page */
#define	VM_NFREEORDER	10		/* buddy orders: 2^9 pages = 2 MiB = one PDE */
#else
#define	MACHINE_CONFIG	"i386"
#define	NBPDR		(1u << 22)
#define	PDRSHIFT	22
#define	NPTEPG		1024
#define	VM_NFREEORDER	11		/* 2^10 pages = 4 MiB = one PDE */
#endif

/* The highest physical address this configuration can use, exclusive. */
#ifdef PAE
#define	PHYS_ADDR_LIMIT	(1ull << 36)
#else
#define	PHYS_ADDR_LIMIT	(1ull << 32)
#endif

#endif /* !_MACHINE_PARAM_H_ */

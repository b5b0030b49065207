/*
 * machine/pmap.h - the amd64 pmap's data: what a page and an address space
 * carry for it.
 *
 * As on i386: struct md_page (in every struct vm_page) lists the page's
 * managed mappings, one pv entry per (pmap, va), and pv entries live in
 * pv chunks, one page each, owned by one pmap.  On amd64 a chunk page is
 * reached through the direct map, so chunks need no kernel VA window.
 */
#ifndef _MACHINE_PMAP_H_
#define _MACHINE_PMAP_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <machine/pte.h>

struct pv_entry;
struct pv_chunk;

struct md_page {
	TAILQ_HEAD(, pv_entry) pv_list;	/* managed mappings of this page */
};

struct pmap {
	vm_paddr_t	pm_pml4;		/* physical address of the PML4 page */
	uint64_t	pm_cr3;
	int		pm_resident;		/* valid user PTEs */
	TAILQ_HEAD(, pv_chunk) pm_pvchunk;	/* this pmap's pv chunks */
};

/* One managed mapping of a page: its address in the chunk owner's pmap. */
typedef struct pv_entry {
	vm_offset_t	pv_va;
	TAILQ_ENTRY(pv_entry) pv_next;	/* the page's md.pv_list */
} *pv_entry_t;

/*
 * A page of pv entries: 168 entries of 24 bytes after a 48-byte header
 * fill 4080 of 4096 bytes; _NPCM words of bitmap, a set bit per free entry.
 */
#define	_NPCPV	168
#define	_NPCM	((_NPCPV + 31) / 32)
struct pv_chunk {
	struct pmap	*pc_pmap;
	TAILQ_ENTRY(pv_chunk) pc_list;		/* pm_pvchunk */
	uint32_t	pc_map[_NPCM];		/* bit set: entry free */
	struct pv_entry	pc_pventry[_NPCPV];
};

#define	pmap_page_init(m)	TAILQ_INIT(&(m)->md.pv_list)

#endif /* !_MACHINE_PMAP_H_ */

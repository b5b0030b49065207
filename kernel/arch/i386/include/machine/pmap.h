/*
 * machine/pmap.h - the i386 pmap's data: what a page and an address space
 * carry for it.
 *
 * struct md_page is embedded in every struct vm_page (m->md): the list of
 * the page's managed mappings, one pv entry per (pmap, va).  It is how
 * pmap_remove_all() finds every mapping of a page, and how the hardware's
 * referenced and modified bits reach the page when a mapping goes.
 *
 * struct pmap is visible so that a vmspace can embed it; only pmap.c looks
 * inside.  pv entries live in pv chunks: one page holds a header and
 * _NPCPV entries, owned by one pmap (so an entry needs no pmap pointer: its
 * chunk's header names it), with a bitmap of free entries.  Chunk pages
 * come from the page allocator, not from malloc.
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
#ifdef PAE
	uint64_t	*pm_pdpt;		/* below 4 GiB: kernel_pdpt or pdpt_pool */
#endif
	vm_paddr_t	pm_pd[NPDPTE];		/* physical addresses of the PD pages */
	uint32_t	pm_cr3;
	int		pm_resident;		/* valid user PTEs */
	TAILQ_HEAD(, pv_chunk) pm_pvchunk;	/* this pmap's pv chunks */
};

/* One managed mapping of a page: its address in the chunk owner's pmap. */
typedef struct pv_entry {
	vm_offset_t	pv_va;
	TAILQ_ENTRY(pv_entry) pv_next;	/* the page's md.pv_list */
} *pv_entry_t;

/*
 * A page of pv entries.  336 entries of 12 bytes after a 56-byte header
 * fill 4088 of 4096 bytes on i386; _NPCM words of bitmap, a set bit per
 * free entry.
 */
#define	_NPCPV	336
#define	_NPCM	((_NPCPV + 31) / 32)
struct pv_chunk {
	struct pmap	*pc_pmap;
	TAILQ_ENTRY(pv_chunk) pc_list;		/* pm_pvchunk */
	uint32_t	pc_map[_NPCM];		/* bit set: entry free */
	struct pv_entry	pc_pventry[_NPCPV];
};

/*
 * A page's pmap state when vm_page_startup() creates it: no mappings.  A
 * macro, as FreeBSD's pmap_page_is_write_mapped() is, because struct
 * vm_page is not complete here and the hosted build of the page array has
 * no pmap.c.
 */
#define	pmap_page_init(m)	TAILQ_INIT(&(m)->md.pv_list)

#endif /* !_MACHINE_PMAP_H_ */

/*
 * machine/pmap_pv.h - between each port's pmap.c and the managed-page half
 * both share (arch/x86/pmap_pv.c).  Not for anyone else: the VM's view of
 * the pmap is vm/pmap.h.
 */
#ifndef _MACHINE_PMAP_PV_H_
#define _MACHINE_PMAP_PV_H_

#include <vm/pmap.h>

struct vm_page;

#define	PV_ALLOC	(VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM)

/* The port's pmap.c gives pmap_pv.c: */
struct pv_chunk *pv_chunk_page_alloc(void);	/* a mapped page for a chunk, or NULL */
void	pv_chunk_page_free(struct pv_chunk *pc);
pt_entry_t *pmap_pte_map(pmap_t pmap, vm_offset_t va, void **cookie);	/* an existing PTE */
void	pmap_pte_unmap(void *cookie);		/* done with pmap_pte_map's PTE */
void	pmap_invalidate_page(pmap_t pmap, vm_offset_t va);
/* pmap_enter, pmap_remove and pmap_protect, under the page queues lock (pmap_pv.c takes it): */
int	pmap_enter_locked(pmap_t pmap, vm_offset_t va, struct vm_page *m, vm_prot_t prot,
	    u_int flags);
void	pmap_remove_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva);
void	pmap_protect_locked(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot);

/* pmap_pv.c gives the port's pmap.c: */
pv_entry_t pv_alloc(pmap_t pmap);		/* NULL: no memory for a chunk */
pv_entry_t pv_find(struct vm_page *m, pmap_t pmap, vm_offset_t va);
bool	pmap_page_managed(struct vm_page *m);
void	pmap_pte_sync(struct vm_page *m, pt_entry_t pte);	/* PG_M, PG_A into m */
void	pmap_remove_pte(pmap_t pmap, vm_offset_t va, pt_entry_t *pte);
void	pmap_pte_write_protect(pmap_t pmap, vm_offset_t va, pt_entry_t *pte);

#endif /* !_MACHINE_PMAP_PV_H_ */

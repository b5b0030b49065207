/*
 * vm/pmap.h - the machine-independent interface to the physical map.
 *
 * The VM system above never touches a page table.  It asks the pmap to make,
 * change and forget translations from virtual pages to physical pages, and
 * to tell it what the hardware recorded about a physical page (referenced,
 * modified).  i386, i386-PAE and amd64 implement this interface differently
 * (arch/<machine>/pmap.c); nothing above it may know which one it runs on.
 *
 * Two kinds of mapping:
 *   managed   - pmap_enter() of a page without PG_UNMANAGED/PG_FICTITIOUS,
 *               in any pmap (the kernel's too): tracked per page (a pv entry
 *               on m->md), so pmap_remove_all()/pmap_remove_write() can find
 *               every mapping of a page, and its referenced/modified bits
 *               can be read;
 *   unmanaged - pmap_kenter(), or pmap_enter() of an unmanaged page:
 *               untracked, cheap.
 *
 * The hardware's bits are never lost.  Whenever a managed mapping is
 * removed, replaced or write-protected, its modified bit becomes
 * vm_page_dirty(m) and its referenced bit PG_REFERENCED; PG_WRITEABLE is set
 * while a writable managed mapping may exist.  A page daemon that cleans or
 * caches a page must first pmap_remove_write() or pmap_remove_all() it and
 * then read m->dirty.
 *
 * Physical pages the kernel does not map permanently - on i386 most of RAM,
 * on PAE every page above 4 GiB - are reached through temporary mappings
 * (pmap_map_temp), as FreeBSD's CMAP1/CMAP2 are.
 *
 * The page-level calls take a struct vm_page, as FreeBSD's do: a page, not
 * an address, is what the VM system holds.
 */
#ifndef _VM_PMAP_H_
#define _VM_PMAP_H_

#include <sys/types.h>
#include <vm/vm.h>
#include <machine/pmap.h>	/* struct pmap, struct md_page, pmap_page_init(m) */

typedef struct pmap *pmap_t;
struct vm_page;
extern pmap_t kernel_pmap;

/* Start-up: after the page array and kmem exist (vm_mem_init). */
void	pmap_init(void);

/* Address spaces. */
pmap_t	pmap_create(void);
void	pmap_destroy(pmap_t pmap);
void	pmap_activate(pmap_t pmap);

/*
 * Translations in an address space.  pmap_enter() maps m at va (replacing
 * whatever was there) and returns 0, or ENOMEM when it cannot get a
 * page-table page or a pv entry; then nothing changed, and a fault handler
 * may wait for memory and retry.
 */
#define	PMAP_ENTER_WIRED	0x0100	/* flags: the mapping is wired (PG_W) */
int	pmap_enter(pmap_t pmap, vm_offset_t va, struct vm_page *m, vm_prot_t prot, u_int flags);
void	pmap_remove(pmap_t pmap, vm_offset_t sva, vm_offset_t eva);
void	pmap_protect(pmap_t pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot);
vm_paddr_t pmap_extract(pmap_t pmap, vm_offset_t va);	/* 0 if unmapped */

/*
 * Unmanaged kernel mappings.  pmap_map() maps a physical range for the
 * kernel: at *virt, advancing it, on a machine without a direct map (i386);
 * through the direct map, leaving *virt alone, on amd64 - so a caller
 * reserves KVA at *virt and gives it back if the result is elsewhere.
 * pmap_qenter() maps pages that need not be contiguous at consecutive va.
 */
vm_offset_t pmap_map(vm_offset_t *virt, vm_paddr_t start, vm_paddr_t end, int prot);
void	pmap_qenter(vm_offset_t va, struct vm_page **ma, int count);
void	pmap_qremove(vm_offset_t va, int count);
void	pmap_kenter(vm_offset_t va, vm_paddr_t pa);
void	pmap_kremove(vm_offset_t va);
vm_paddr_t pmap_kextract(vm_offset_t va);		/* 0 if unmapped */

/* Temporary mappings: a small LIFO of kernel slots, released in reverse order. */
void	*pmap_map_temp(vm_paddr_t pa);
void	pmap_unmap_temp(void *va);

/*
 * Physical pages (pmap_page_init(m) comes from machine/pmap.h).  The
 * queries look at the managed mappings' hardware bits only, not at
 * m->dirty or PG_REFERENCED.
 */
void	pmap_zero_page(struct vm_page *m);
void	pmap_copy_page(struct vm_page *src, struct vm_page *dst);
void	pmap_remove_all(struct vm_page *m);	/* every managed mapping of m */
void	pmap_remove_write(struct vm_page *m);	/* make every mapping read-only */
bool	pmap_is_modified(struct vm_page *m);	/* some mapping has PG_M */
void	pmap_clear_modify(struct vm_page *m);	/* the page was cleaned: clear PG_M */
bool	pmap_is_referenced(struct vm_page *m);
void	pmap_clear_reference(struct vm_page *m);
int	pmap_ts_referenced(struct vm_page *m);	/* count mappings with PG_A, clear it */
bool	pmap_page_is_mapped(struct vm_page *m);	/* has a managed mapping */
int	pmap_page_mapcount(struct vm_page *m);	/* managed mappings of m */

#endif

/*
 * vm/vm_pager.h - pagers: how an object's pages reach their backing store.
 *
 * Every object type has a table of operations (FreeBSD's struct pagerops),
 * found by type in pagertab[] (vm_pager.c).  Callers never name a pager:
 *
 *   vm_pager_has_page(obj, pindex)        does the store hold this page?
 *   vm_pager_get_pages(obj, ma, n, req)   read ma[0..n) in; ma[req] is the
 *                                         one the caller needs (synchronous)
 *   vm_pager_put_pages(obj, ma, n, fl, rtvals)
 *                                         write ma[0..n) out; one result per
 *                                         page in rtvals[]
 *
 * A put is asynchronous: the pager may answer VM_PAGER_PEND for a page and
 * report the write later, from its own thread (never an interrupt
 * handler), with vm_pageout_io_done() (vm_pageout.c).  The page daemon calls
 * put with the object and page-queues locks held and every page busy
 * (m->busy, vm_page_io_start): a pager must not sleep there.  get is
 * called with the object lock held and ma[] busy (VPO_BUSY); it may
 * sleep, dropping the object lock (msleep) - callers look the page up again.
 */
#ifndef _VM_VM_PAGER_H_
#define _VM_VM_PAGER_H_

#include <sys/types.h>
#include <vm/vm_object.h>

struct pagerops {
	const char *pgo_name;
	void	(*pgo_init)(void);				/* vm_pager_init */
	int	(*pgo_getpages)(vm_object_t, vm_page_t *, int, int);
	void	(*pgo_putpages)(vm_object_t, vm_page_t *, int, int, int *);
	bool	(*pgo_haspage)(vm_object_t, vm_pindex_t);
	void	(*pgo_dealloc)(vm_object_t);			/* the object goes */
	void	(*pgo_freespace)(vm_object_t, vm_pindex_t, vm_pindex_t);	/* pages go */
	void	(*pgo_unswapped)(vm_page_t);			/* the page was dirtied */
	void	(*pgo_transfer)(vm_object_t, vm_pindex_t, vm_object_t);	/* a collapse */
};

/* pgo_getpages and rtvals[]: FreeBSD's values */
#define	VM_PAGER_OK	0	/* done */
#define	VM_PAGER_BAD	1	/* the store does not hold the page */
#define	VM_PAGER_FAIL	2	/* cannot do it now (no swap space): the page stays dirty */
#define	VM_PAGER_PEND	3	/* started: vm_pageout_io_done reports it */
#define	VM_PAGER_ERROR	4	/* I/O error */

/* put flags */
#define	VM_PAGER_PUT_SYNC	0x1	/* wait for the write (not from the daemon) */

extern struct pagerops *pagertab[OBJT_NTYPES];
extern struct pagerops default_pager_ops;

void	vm_pager_init(void);
int	vm_pager_get_pages(vm_object_t object, vm_page_t *ma, int count, int reqpage);
void	vm_pager_put_pages(vm_object_t object, vm_page_t *ma, int count, int flags, int *rtvals);
bool	vm_pager_has_page(vm_object_t object, vm_pindex_t pindex);
bool	vm_pager_can_put(vm_object_t object);	/* could a dirty page of it be laundered? */
void	vm_pager_deallocate(vm_object_t object);	/* vm_object_terminate */
void	vm_pager_freespace(vm_object_t object, vm_pindex_t start, vm_pindex_t end);
void	vm_pager_page_unswapped(vm_page_t m);	/* m dirtied: its stored copy is stale */
bool	vm_pager_transfer_ready(vm_object_t dst, vm_object_t src);	/* can dst take src's? */
void	vm_pager_transfer(vm_object_t src, vm_pindex_t off, vm_object_t dst);	/* a collapse */
void	vm_pager_register(objtype_t type, struct pagerops *ops);
const char *vm_pager_strerror(int rv);

/* swap_pager.c */
extern struct pagerops swap_pager_ops;
void	swap_pager_swapon(void);		/* mi_startup, after disk_init */
bool	swap_pager_on(void);			/* is there a swap disk? */
bool	swap_pager_convert(vm_object_t object);	/* OBJT_DEFAULT -> OBJT_SWAP */

#endif

/*
 * vm/vm_lock.h - the VM system's locks, FreeBSD's names, in one place.
 *
 * The VM code takes its locks where FreeBSD 7 takes them:
 *   VM_OBJECT_LOCK(obj)                 an object's pages, trees, counts  (o)
 *   vm_page_lock_queues()               the paging queues, wirings, holds (q)
 *   mtx_lock(&vm_page_queue_free_mtx)   the buddy queues, PG_FREE/PG_CACHED,
 *                                       the counts of free and cached pages
 *                                       and every object's cache tree     (f)
 * and asserts them where a function's contract says "called with X held":
 * VM_OBJECT_LOCK_ASSERT(obj, MA_OWNED), mtx_assert(&vm_page_queue_mtx,
 * MA_OWNED), and vm_phys' entry points assert the free-queue lock.
 *
 *   order:  object  ->  page queues  ->  free queues   (a leaf)
 *
 * The witness (kern/subr_witness.c) learns this order from the first run
 * that nests them and panics on a reversal.  All three are sleep mutexes
 * (MTX_DEF), as the free-queue lock became in FreeBSD 7: nothing takes them
 * from an interrupt handler, and a thread preempted while holding one only
 * makes the others wait.  Every object's lock is one witness class,
 * "vm object" (vm_object_allocate).
 */
#ifndef _VM_VM_LOCK_H_
#define _VM_VM_LOCK_H_

#include <sys/mutex.h>

extern struct mtx vm_page_queue_mtx;		/* (q) "vm page queue mutex" */
extern struct mtx vm_page_queue_free_mtx;	/* (f) "vm page queue free mutex" */

#define	VM_OBJECT_LOCK(obj)		mtx_lock(&(obj)->mtx)
#define	VM_OBJECT_UNLOCK(obj)		mtx_unlock(&(obj)->mtx)
#define	VM_OBJECT_LOCK_ASSERT(obj, what) mtx_assert(&(obj)->mtx, (what))
#define	vm_page_lock_queues()		mtx_lock(&vm_page_queue_mtx)
#define	vm_page_unlock_queues()		mtx_unlock(&vm_page_queue_mtx)

void	vm_page_locks_init(void);	/* vm_page.c: before the first page is freed */

#endif

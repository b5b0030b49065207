/*
 * vm/vm_lock.h - the VM system's lock points, FreeBSD's names, in one place.
 *
 * The VM code takes its locks where FreeBSD 7 takes them:
 *   VM_OBJECT_LOCK(obj)                 an object's pages, trees, counts  (o)
 *   vm_page_lock_queues()               the paging queues, wirings, holds (q)
 *   mtx_lock(&vm_page_queue_free_mtx)   the buddy queues, PG_FREE/PG_CACHED
 *                                       and every object's cache tree     (f)
 * and asserts them with VM_OBJECT_LOCK_ASSERT(obj, MA_OWNED) and
 * mtx_assert(&vm_page_queue_mtx, MA_OWNED).  Order: object, then page
 * queues, then free queues (the free-queue lock is a leaf).
 *
 * There are no mutexes on this branch yet (issue 12 brings sys/mutex.h), so
 * unless VM_LOCKS_MTX is defined every macro below is a no-op that
 * evaluates nothing: the kernel is uniprocessor, nothing preempts it, and
 * the calls only mark where the locks go.  Wiring them (the lead, after
 * merging sys/mutex.h): define VM_LOCKS_MTX, define and mtx_init() the two
 * global mutexes in vm_page_startup(); vm_object_allocate() already
 * mtx_init()s each object's (type "vm object", so witness sees one class).
 */
#ifndef _VM_VM_LOCK_H_
#define _VM_VM_LOCK_H_

#ifdef VM_LOCKS_MTX
#include <sys/mutex.h>

extern struct mtx vm_page_queue_mtx;		/* (q) */
extern struct mtx vm_page_queue_free_mtx;	/* (f) */

#define	VM_OBJECT_LOCK(obj)		mtx_lock(&(obj)->mtx)
#define	VM_OBJECT_UNLOCK(obj)		mtx_unlock(&(obj)->mtx)
#define	VM_OBJECT_LOCK_ASSERT(obj, what) mtx_assert(&(obj)->mtx, (what))
#define	vm_page_lock_queues()		mtx_lock(&vm_page_queue_mtx)
#define	vm_page_unlock_queues()		mtx_unlock(&vm_page_queue_mtx)

#else	/* !VM_LOCKS_MTX: lock points only */

/* Only what an object embeds, so struct vm_object keeps its final shape. */
struct mtx {
	const char	*mtx_name;
};
#define	MA_OWNED	0x1
#define	MA_NOTOWNED	0x2
#define	mtx_init(m, name, type, opts)	((m)->mtx_name = (name))
#define	mtx_destroy(m)			((void)0)
#define	mtx_lock(m)			((void)0)
#define	mtx_unlock(m)			((void)0)
#define	mtx_assert(m, what)		((void)0)

#define	VM_OBJECT_LOCK(obj)		((void)(obj))
#define	VM_OBJECT_UNLOCK(obj)		((void)(obj))
#define	VM_OBJECT_LOCK_ASSERT(obj, what) ((void)(obj))
#define	vm_page_lock_queues()		((void)0)
#define	vm_page_unlock_queues()		((void)0)

#endif	/* VM_LOCKS_MTX */
#endif

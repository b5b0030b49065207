/*
 * vm/vm_object.h - VM objects: what a page belongs to.
 *
 * An object is a run of pages indexed by pindex (0 .. size - 1): anonymous
 * memory (OBJT_DEFAULT, which becomes OBJT_SWAP once it has swap space) or a
 * file (OBJT_VNODE).  It holds its pages two ways:
 *
 *   resident: a splay tree by pindex (root) and memq, the same pages in
 *             pindex order;                                       lock (o)
 *   cached:   a second splay tree by pindex (cache): pages whose data is
 *             still valid but which sit free in the buddy queues
 *             (PG_CACHED), for any allocation to reclaim;          lock (f)
 *
 *   object --root----> resident tree    (the same pages, in pindex
 *          --memq----> page <-> page <-> page     order, via listq)
 *          --cache---> cache tree       (its pages also in vm_phys' queues)
 *          --backing_object--> the object it shadows (lab 04's chains)
 *
 * A page is in at most one tree of at most one object.  Locks (vm_lock.h):
 * (o) the object's own, (f) the free-queue lock, (c) constant after
 * vm_object_allocate.
 */
#ifndef _VM_VM_OBJECT_H_
#define _VM_VM_OBJECT_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <vm/vm_lock.h>
#include <vm/vm_page.h>

typedef uint64_t vm_ooffset_t;		/* a byte offset in an object */

/*
 * OBJT_TEST: an object whose pager a ktest installs (vm_pager_register),
 * so the page daemon's laundering can be tested before there is a disk.
 */
enum obj_type { OBJT_DEFAULT, OBJT_SWAP, OBJT_VNODE, OBJT_TEST, OBJT_NTYPES };
typedef uint8_t objtype_t;

struct vm_object {
	struct mtx	mtx;			/* the object's lock (o) */
	TAILQ_ENTRY(vm_object) object_list;	/* vm_object_list */
	LIST_HEAD(, vm_object) shadow_head;	/* (o) objects shadowing this one */
	LIST_ENTRY(vm_object) shadow_list;	/* (o of backing) on its shadow_head */
	struct pglist	memq;			/* (o) resident pages, pindex order */
	vm_page_t	root;			/* (o) resident splay tree */
	vm_pindex_t	size;			/* (o) pages */
	int		ref_count;		/* (o) references */
	int		shadow_count;		/* (o) objects on shadow_head */
	objtype_t	type;			/* (o) OBJT_* */
	uint16_t	flags;			/* (o) OBJ_* below */
	int		resident_page_count;	/* (o) pages in root and memq */
	struct vm_object *backing_object;	/* (o) what this one shadows, or NULL */
	vm_ooffset_t	backing_object_offset;	/* (o) our page 0 is this byte of it */
	int		paging_in_progress;	/* (o) pager I/O in flight */
	vm_page_t	cache;			/* (f) cached pages' splay tree */
	int		cache_count;		/* (f) pages in it */
	void		*handle;		/* (c) the pager's: a file, a swap map */
};
typedef struct vm_object *vm_object_t;

/* object->flags */
#define	OBJ_DEAD	0x0008		/* being terminated */
#define	OBJ_PIPWNT	0x0040		/* someone sleeps until paging_in_progress is 0 */
#define	OBJ_ONEMAPPING	0x2000		/* one mapping, no shadows (lab 04) */

TAILQ_HEAD(object_q, vm_object);
extern struct object_q vm_object_list;	/* every live object: `pages check` */
extern int vm_object_count;

#define	OFF_TO_IDX(off)	((vm_pindex_t)((off) >> PAGE_SHIFT))
#define	IDX_TO_OFF(idx)	((vm_ooffset_t)(idx) << PAGE_SHIFT)

void	vm_object_init(void);
vm_object_t vm_object_allocate(objtype_t type, vm_pindex_t size);
void	vm_object_reference(vm_object_t object);
void	vm_object_deallocate(vm_object_t object);
void	vm_object_terminate(vm_object_t object);
void	vm_object_page_remove(vm_object_t object, vm_pindex_t start, vm_pindex_t end);
void	vm_object_collapse(vm_object_t object);
bool	vm_object_page_present(vm_object_t object, vm_pindex_t pindex);
bool	vm_object_shadow(vm_object_t *object, vm_ooffset_t *offset, vm_size_t length);
bool	vm_object_copy(vm_object_t *object, vm_ooffset_t *offset, vm_size_t length);
int	vm_object_chain_depth(vm_object_t object);	/* 1: no backing object */
void	vm_object_pip_add(vm_object_t object, int n);
void	vm_object_pip_wakeup(vm_object_t object);
void	vm_object_pip_wakeupn(vm_object_t object, int n);
void	vm_object_pip_wait(vm_object_t object, const char *wmesg);

#endif

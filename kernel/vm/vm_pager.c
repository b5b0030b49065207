/*
 * vm_pager.c - the pager switch: vm_pager_get_pages, vm_pager_put_pages
 * and vm_pager_has_page find the object's pager by type in pagertab[]
 * (FreeBSD's vm_pager.c) and check what every pager must do, so that
 * callers - vm_page_grab's callers reading a page in, the page daemon
 * laundering one - never name a pager.
 *
 *   OBJT_DEFAULT  anonymous memory with no backing store yet: nothing to
 *                 read (a new page is zero-filled), nowhere to write (a
 *                 dirty page stays resident: the daemon skips it)
 *   OBJT_SWAP     the swap pager (swap_pager.c), when there is a swap disk
 *   OBJT_VNODE    the file pager (vnode_pager.c), registered when a file system mounts
 *   OBJT_TEST     installed by a ktest (vm_pager_register)
 *
 * A type with no pager behaves as OBJT_DEFAULT.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>

static int
default_pager_getpages(vm_object_t object __unused, vm_page_t *ma __unused, int count __unused,
    int reqpage __unused)
{
	return (VM_PAGER_BAD);
}

/*
 * An anonymous object's first pageout: with swap, it becomes a swap object
 * and the swap pager writes the pages (FreeBSD's default pager does the
 * same); without, nothing can be written.
 */
static void
default_pager_putpages(vm_object_t object, vm_page_t *ma, int count, int flags, int *rtvals)
{
	if (swap_pager_on() && swap_pager_convert(object)) {
		swap_pager_ops.pgo_putpages(object, ma, count, flags, rtvals);
		return;
	}
	for (int i = 0; i < count; i++)
		rtvals[i] = VM_PAGER_FAIL;
}

static bool
default_pager_haspage(vm_object_t object __unused, vm_pindex_t pindex __unused)
{
	return (false);
}

struct pagerops default_pager_ops = {
	.pgo_name = "default",
	.pgo_getpages = default_pager_getpages,
	.pgo_putpages = default_pager_putpages,
	.pgo_haspage = default_pager_haspage,
};

struct pagerops *pagertab[OBJT_NTYPES] = {
	[OBJT_DEFAULT] = &default_pager_ops,
};

static struct pagerops *
vm_pager_ops(vm_object_t object)
{
	KASSERT(object->type < OBJT_NTYPES, ("%s: object %p has type %u", __func__, object,
	    object->type));
	return (pagertab[object->type] != NULL ? pagertab[object->type] : &default_pager_ops);
}

/* vm_mem_init, last: each pager's own start-up. */
void
vm_pager_init(void)
{
	for (int t = 0; t < OBJT_NTYPES; t++)
		if (pagertab[t] != NULL && pagertab[t]->pgo_init != NULL)
			pagertab[t]->pgo_init();
}

/* Install (or, with NULL, remove) the pager of a type: the swap pager at boot, tests. */
void
vm_pager_register(objtype_t type, struct pagerops *ops)
{
	KASSERT(type < OBJT_NTYPES && type != OBJT_DEFAULT, ("%s: type %u", __func__, type));
	pagertab[type] = ops;
}

/*
 * Read ma[0..count) in; ma[reqpage] is the page the caller needs, the
 * others are read-ahead the pager may fill or leave invalid.  Object
 * locked, pages busy.  VM_PAGER_OK: ma[reqpage] is valid; VM_PAGER_BAD:
 * the store does not hold it (the caller zero-fills); else an error.
 */
int
vm_pager_get_pages(vm_object_t object, vm_page_t *ma, int count, int reqpage)
{
	int rv;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(count > 0 && reqpage >= 0 && reqpage < count, ("%s: count %d, reqpage %d",
	    __func__, count, reqpage));
	for (int i = 0; i < count; i++)
		KASSERT(ma[i]->object == object && (ma[i]->oflags & VPO_BUSY) != 0,
		    ("%s: page %p is not a busy page of object %p", __func__, ma[i], object));
	rv = vm_pager_ops(object)->pgo_getpages(object, ma, count, reqpage);
	if (rv == VM_PAGER_OK) {
		KASSERT(ma[reqpage]->valid == VM_PAGE_BITS_ALL, ("%s: pager %s left page %p "
		    "invalid", __func__, vm_pager_ops(object)->pgo_name, ma[reqpage]));
		cnt.v_pagein_reads++;
		cnt.v_pagein_pages += (u_int)count;
	}
	return (rv);
}

/*
 * Write ma[0..count) out (see vm_pager.h: locks, busy, VM_PAGER_PEND).
 * rtvals[i] is the result for ma[i].
 */
void
vm_pager_put_pages(vm_object_t object, vm_page_t *ma, int count, int flags, int *rtvals)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(count > 0, ("%s: count %d", __func__, count));
	for (int i = 0; i < count; i++)
		KASSERT(ma[i]->object == object && ma[i]->busy != 0 && ma[i]->dirty != 0,
		    ("%s: page %p is not a busy dirty page of object %p", __func__, ma[i],
		    object));
	vm_pager_ops(object)->pgo_putpages(object, ma, count, flags, rtvals);
}

bool
vm_pager_has_page(vm_object_t object, vm_pindex_t pindex)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	return (vm_pager_ops(object)->pgo_haspage(object, pindex));
}

/* Is there a pager that could write the object's dirty pages (the daemon skips them if not)? */
bool
vm_pager_can_put(vm_object_t object)
{
	if (object->type == OBJT_DEFAULT)
		return (swap_pager_on());
	return (vm_pager_ops(object) != &default_pager_ops);
}

/* The object is being terminated: its pager's storage goes.  Object locked. */
void
vm_pager_deallocate(vm_object_t object)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	if (vm_pager_ops(object)->pgo_dealloc != NULL)
		vm_pager_ops(object)->pgo_dealloc(object);
}

/* Pages [start, end) (end 0: to the end) were removed: their stored copies go.  Object locked. */
void
vm_pager_freespace(vm_object_t object, vm_pindex_t start, vm_pindex_t end)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	if (vm_pager_ops(object)->pgo_freespace != NULL)
		vm_pager_ops(object)->pgo_freespace(object, start, end);
}

/*
 * m is about to be changed (a write, a write fault): the copy its pager
 * holds will be stale, so the pager may drop it (FreeBSD's name).  Object
 * locked.
 */
void
vm_pager_page_unswapped(vm_page_t m)
{
	VM_OBJECT_LOCK_ASSERT(m->object, MA_OWNED);
	if (vm_pager_ops(m->object)->pgo_unswapped != NULL)
		vm_pager_ops(m->object)->pgo_unswapped(m);
}

/*
 * A collapse is about to move src's stored pages into dst (which shadows
 * it): can dst's pager hold them?  Yes if src stores none in a pager that
 * can move them, or dst has src's type; an anonymous dst under a swap
 * object becomes a swap object now (false: no memory for its block array,
 * and nothing changed).  Both locked.
 */
bool
vm_pager_transfer_ready(vm_object_t dst, vm_object_t src)
{
	VM_OBJECT_LOCK_ASSERT(dst, MA_OWNED);
	VM_OBJECT_LOCK_ASSERT(src, MA_OWNED);
	if (vm_pager_ops(src)->pgo_transfer == NULL || dst->type == src->type)
		return (true);
	return (dst->type == OBJT_DEFAULT && src->type == OBJT_SWAP && swap_pager_convert(dst));
}

/*
 * src's stored pages for dst's window [off, off + dst->size) move to dst,
 * re-based to 0 (where dst stores a copy of its own, src's is freed); the
 * rest stay with src, freed when it goes.  Both locked; dst ready
 * (vm_pager_transfer_ready).
 */
void
vm_pager_transfer(vm_object_t src, vm_pindex_t off, vm_object_t dst)
{
	VM_OBJECT_LOCK_ASSERT(dst, MA_OWNED);
	VM_OBJECT_LOCK_ASSERT(src, MA_OWNED);
	if (vm_pager_ops(src)->pgo_transfer != NULL)
		vm_pager_ops(src)->pgo_transfer(src, off, dst);
}

const char *
vm_pager_strerror(int rv)
{
	static const char *const names[] = { "ok", "not in the store", "no space",
	    "pending", "I/O error" };

	return (rv >= 0 && rv < (int)nitems(names) ? names[rv] : "?");
}

/*
 * vm_object.c - VM objects: allocation, references, termination, and
 * removing a range of pages (FreeBSD's vm_object.c, the parts issue 13
 * needs before there are pagers and maps).
 *
 * An object's pages are found by pindex in a splay tree, as FreeBSD 7 did
 * (vm_page_splay in vm_page.c), not a radix trie as FreeBSD has now:
 *   - the links are two pointers already in struct vm_page (left, right), so
 *     inserting a page never allocates - vm_page_insert cannot fail, and a
 *     radix trie's nodes would have to come from a zone that itself needs
 *     pages, the very thing being allocated;
 *   - faults and sequential I/O look up the pindex just used or its
 *     neighbour; a splay tree answers those from the root, amortised
 *     O(log n) otherwise;
 *   - the same code serves the second tree, the cache, whose reclaim path
 *     runs under the free-queue lock and must not allocate either.
 * The cost - lookups write (they splay), so readers need the lock a radix
 * trie's lock-free lookups would not - does not matter on one CPU.
 *
 *   vm_object_allocate --ref_count 1-->  ...  vm_object_reference (+1)
 *   vm_object_deallocate (-1) --0--> vm_object_terminate: resident pages
 *       freed (wired ones only leave the object), cached pages freed
 *       (vm_page_cache_free), the backing object deallocated, the object freed.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/pmap.h>
#include <vm/vmmeter.h>

struct object_q vm_object_list;	/* vm_object_init */
int vm_object_count;

/* Start-up (vm_mem_init); the host harness calls it on every simulated boot. */
void
vm_object_init(void)
{
	TAILQ_INIT(&vm_object_list);
	vm_object_count = 0;
}

/* A new object of `size` pages, one reference, no pages; NULL if out of memory. */
vm_object_t
vm_object_allocate(objtype_t type, vm_pindex_t size)
{
	vm_object_t object;

	KASSERT(type < OBJT_NTYPES, ("%s: type %u", __func__, type));
	if ((object = calloc(1, sizeof(*object))) == NULL)
		return (NULL);
	mtx_init(&object->mtx, "vm object", NULL, MTX_DEF);
	TAILQ_INIT(&object->memq);
	LIST_INIT(&object->shadow_head);
	object->type = type;
	object->size = size;
	object->ref_count = 1;
	object->flags = OBJ_ONEMAPPING;
	TAILQ_INSERT_TAIL(&vm_object_list, object, object_list);
	vm_object_count++;
	return (object);
}

void
vm_object_reference(vm_object_t object)
{
	if (object == NULL)
		return;
	VM_OBJECT_LOCK(object);
	KASSERT(object->ref_count > 0 && (object->flags & OBJ_DEAD) == 0,
	    ("%s: object %p is dead", __func__, object));
	object->ref_count++;
	VM_OBJECT_UNLOCK(object);
}

/*
 * The object's last reference is its one shadow's: merge it into that
 * shadow.  The shadow comes first in the lock order, so it is only tried
 * (a shadow busy elsewhere is merged another time).  Object locked;
 * unlocked on return.
 */
static void
vm_object_deallocate_collapse(vm_object_t object)
{
	vm_object_t shadow = LIST_FIRST(&object->shadow_head);

	if (object->ref_count != 1 || object->shadow_count != 1 ||
	    (object->type != OBJT_DEFAULT && object->type != OBJT_SWAP) ||
	    !mtx_trylock(&shadow->mtx)) {
		VM_OBJECT_UNLOCK(object);
		return;
	}
	VM_OBJECT_UNLOCK(object);
	vm_object_collapse(shadow);
	VM_OBJECT_UNLOCK(shadow);
}

/*
 * Drop a reference; the last one terminates the object.  Then the object
 * it shadowed loses the reference the shadow held: iteratively, so a long
 * chain does not recurse.
 */
void
vm_object_deallocate(vm_object_t object)
{
	vm_object_t backing;

	while (object != NULL) {
		VM_OBJECT_LOCK(object);
		KASSERT(object->ref_count > 0, ("%s: object %p has no references", __func__,
		    object));
		if (--object->ref_count > 0) {
			vm_object_deallocate_collapse(object);	/* unlocks it */
			return;
		}
		backing = object->backing_object;
		if (backing != NULL) {
			VM_OBJECT_LOCK(backing);
			LIST_REMOVE(object, shadow_list);
			backing->shadow_count--;
			VM_OBJECT_UNLOCK(backing);
			object->backing_object = NULL;
		}
		vm_object_terminate(object);	/* unlocks and frees it */
		object = backing;
	}
}

/*
 * The object is unreferenced: free its resident pages (a wired page only
 * leaves the object: its wirer frees it), turn its cached pages into free
 * pages, and free it.  Object locked; it is gone on return.
 */
void
vm_object_terminate(vm_object_t object)
{
	vm_page_t m;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	vm_object_pip_wait(object, "objtrm");	/* the page daemon's writes finish first */
	KASSERT(object->ref_count == 0 && object->paging_in_progress == 0 &&
	    object->shadow_count == 0, ("%s: object %p: refs %d, pip %d, shadows %d", __func__,
	    object, object->ref_count, object->paging_in_progress, object->shadow_count));
	object->flags |= OBJ_DEAD;
	vm_page_lock_queues();
	while ((m = TAILQ_FIRST(&object->memq)) != NULL) {
		KASSERT((m->oflags & VPO_BUSY) == 0 && m->busy == 0,
		    ("%s: page %p of object %p is busy", __func__, m, object));
		pmap_remove_all(m);
		if (m->wire_count != 0)
			vm_page_remove(m);
		else
			vm_page_free(m);
	}
	vm_page_unlock_queues();
	vm_page_cache_free(object, 0, 0);
	vm_pager_deallocate(object);		/* swap blocks, the pager's records */
	KASSERT(object->resident_page_count == 0 && object->cache == NULL &&
	    object->cache_count == 0, ("%s: object %p still has pages", __func__, object));
	TAILQ_REMOVE(&vm_object_list, object, object_list);
	vm_object_count--;
	VM_OBJECT_UNLOCK(object);
	mtx_destroy(&object->mtx);
	free(object);
}

/*
 * Remove the object's pages in [start, end) (end 0: to the end): resident
 * pages are unmapped and freed (a wired one is unmapped, invalidated and
 * left to its wirer), then cached pages in the range become free pages -
 * always, even with no resident page at all, or a file truncated and
 * regrown would read its old data back from the cache.  Object locked.
 */
void
vm_object_page_remove(vm_object_t object, vm_pindex_t start, vm_pindex_t end)
{
	vm_page_t m, next;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	vm_object_pip_wait(object, "objprm");	/* no page busy with a pageout */
	if (object->resident_page_count == 0)
		goto skipmemq;
	vm_page_lock_queues();
	for (m = TAILQ_FIRST(&object->memq); m != NULL; m = next) {
		next = TAILQ_NEXT(m, listq);
		if (m->pindex < start)
			continue;
		if (end != 0 && m->pindex >= end)
			break;
		/* FreeBSD sleeps on a busy page and restarts; pages are busy only
		 * for pager I/O here, and vm_object_pip_wait waited for it. */
		KASSERT((m->oflags & VPO_BUSY) == 0 && m->busy == 0,
		    ("%s: page %p of object %p is busy", __func__, m, object));
		pmap_remove_all(m);
		if (m->wire_count != 0) {
			m->valid = 0;
			continue;
		}
		vm_page_free(m);
	}
	vm_page_unlock_queues();
skipmemq:
	if (object->cache != NULL)
		vm_page_cache_free(object, start, end);
	vm_pager_freespace(object, start, end);	/* the copies in the pager go too */
}

/*
 * Put a new, empty anonymous object of length bytes in front of *object,
 * backed by it at *offset: the caller's reference to the old object
 * becomes the shadow's, and *object, *offset now name the shadow at 0.
 * Writes go to the shadow; reads fall through to the old object until
 * then (vm_fault).  False if out of memory (nothing changed).
 *
 *   before:  entry --> *object            after:  entry --> shadow (empty)
 *            (window at *offset)                          | backing_object_offset
 *                                                         v  = the old *offset
 *                                                       *object (one shadow more)
 */
bool
vm_object_shadow(vm_object_t *object, vm_ooffset_t *offset, vm_size_t length)
{
	/* BEGIN LAB 04 shadow
	 * stub:
	 * return (vm_object_copy(object, offset, length));
	 */
	vm_object_t source = *object, result;

	if ((result = vm_object_allocate(OBJT_DEFAULT, atop(length))) == NULL)
		return (false);
	if (source != NULL) {
		VM_OBJECT_LOCK(source);
		LIST_INSERT_HEAD(&source->shadow_head, result, shadow_list);
		source->shadow_count++;
		VM_OBJECT_UNLOCK(source);
	}
	result->backing_object = source;
	result->backing_object_offset = *offset;
	*offset = 0;
	*object = result;
	return (true);
	/* END LAB 04 shadow */
}

/* Objects in the chain from object down (1: no backing object; 0: NULL). */
int
vm_object_chain_depth(vm_object_t object)
{
	int depth = 0;

	for (; object != NULL; object = object->backing_object)
		depth++;
	return (depth);
}

enum copy_step { COPY_DONE, COPY_NONE, COPY_RETRY, COPY_NOMEM, COPY_IOERROR };

/*
 * Copy the page src's chain shows at spindex (resident, cached or in the
 * pager, in src or an object below it: the page a read fault would map)
 * into a new page of dst at dpindex.  dst is locked (but while a page is
 * read in: COPY_RETRY); the chain's objects are locked here, front to
 * back, one at a time.
 */
static enum copy_step
vm_object_copy_page(vm_object_t dst, vm_pindex_t dpindex, vm_object_t src, vm_pindex_t spindex)
{
	vm_object_t o = src, next;
	vm_page_t m, d;
	bool paged = false;
	int rv;

	VM_OBJECT_LOCK(o);
	for (;;) {
		if ((m = vm_page_lookup(o, spindex)) != NULL) {
			if ((m->oflags & VPO_BUSY) != 0 || m->busy != 0) {
				VM_OBJECT_UNLOCK(dst);
				vm_page_sleep(m, "objcpy");	/* drops and retakes o */
				VM_OBJECT_UNLOCK(o);
				VM_OBJECT_LOCK(dst);
				return (COPY_RETRY);
			}
			break;
		}
		if (o->cache != NULL || vm_pager_has_page(o, spindex)) {
			if (o->cache != NULL && !vm_pager_has_page(o, spindex)) {
				mtx_lock(&vm_page_queue_free_mtx);
				m = vm_page_cache_lookup(o, spindex);
				mtx_unlock(&vm_page_queue_free_mtx);
				if (m == NULL)
					goto down;
			}
			if ((m = vm_page_alloc(o, spindex, VM_ALLOC_NORMAL)) == NULL) {
				VM_OBJECT_UNLOCK(o);
				return (COPY_NOMEM);
			}
			paged = true;
			if (m->valid != VM_PAGE_BITS_ALL) {
				/*
				 * Read it with dst unlocked (pages of dst may be on
				 * their way to swap, and their completion takes dst's
				 * lock: witness_io_sleep_check), then start over: the
				 * page is resident now.
				 */
				VM_OBJECT_UNLOCK(dst);
				rv = vm_pager_get_pages(o, &m, 1, 0);
				vm_page_wakeup(m);
				vm_page_lock_queues();
				if (rv == VM_PAGER_OK)
					vm_page_deactivate(m);
				else
					vm_page_free(m);
				vm_page_unlock_queues();
				VM_OBJECT_UNLOCK(o);
				VM_OBJECT_LOCK(dst);
				return (rv == VM_PAGER_OK ? COPY_RETRY : COPY_IOERROR);
			}
			break;
		}
down:
		if ((next = o->backing_object) == NULL) {
			VM_OBJECT_UNLOCK(o);
			return (COPY_NONE);
		}
		VM_OBJECT_LOCK(next);
		spindex += OFF_TO_IDX(o->backing_object_offset);
		VM_OBJECT_UNLOCK(o);
		o = next;
	}
	if ((d = vm_page_alloc(dst, dpindex, VM_ALLOC_NORMAL)) != NULL) {
		pmap_copy_page(m, d);
		d->valid = VM_PAGE_BITS_ALL;
		vm_page_dirty(d);
		vm_page_wakeup(d);
		cnt.v_forkpages++;
	}
	if (paged)
		vm_page_wakeup(m);
	vm_page_lock_queues();
	if (d != NULL)
		vm_page_activate(d);
	if (paged)
		vm_page_activate(m);
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(o);
	return (d != NULL ? COPY_DONE : COPY_NOMEM);
}

/*
 * vm_object_shadow's contract done the expensive way: *object becomes a
 * new anonymous object with no backing object, holding a copy of every
 * page the window [*offset, *offset + length) of the old object's chain
 * shows (resident, cached or swapped); the caller's reference to the old
 * object is dropped.  What fork does with vm.fork_eager=1 (vm_map.c), and
 * lab 04's stub of vm_object_shadow: correct, but every page is copied at
 * once.  False if memory ran out (nothing changed).
 */
bool
vm_object_copy(vm_object_t *object, vm_ooffset_t *offset, vm_size_t length)
{
	vm_object_t src = *object, dst;
	vm_pindex_t i, base = OFF_TO_IDX(*offset), n = atop(length);
	enum copy_step step;

	if ((dst = vm_object_allocate(OBJT_DEFAULT, n)) == NULL)
		return (false);
	if (src != NULL) {
		VM_OBJECT_LOCK(dst);
		for (i = 0; i < n; i++) {
			while ((step = vm_object_copy_page(dst, i, src, base + i)) == COPY_RETRY ||
			    step == COPY_NOMEM) {
				if (step == COPY_NOMEM) {
					VM_OBJECT_UNLOCK(dst);
					if (VM_WAIT != 0) {
						vm_object_deallocate(dst);
						return (false);
					}
					VM_OBJECT_LOCK(dst);
				}
			}
			if (step == COPY_IOERROR) {
				VM_OBJECT_UNLOCK(dst);
				vm_object_deallocate(dst);
				return (false);
			}
		}
		VM_OBJECT_UNLOCK(dst);
		vm_object_deallocate(src);
	}
	*object = dst;
	*offset = 0;
	return (true);
}

/*
 * Does the object itself hold pindex: resident, cached, or in its pager
 * (a swap block)?  What a collapse asks of the front object before it
 * lets a backing object's page of the same place through.  Object locked.
 */
bool
vm_object_page_present(vm_object_t object, vm_pindex_t pindex)
{
	bool cached = false;

	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	if (vm_page_lookup(object, pindex) != NULL)
		return (true);
	if (object->cache != NULL) {
		mtx_lock(&vm_page_queue_free_mtx);
		cached = vm_page_cache_lookup(object, pindex) != NULL;
		mtx_unlock(&vm_page_queue_free_mtx);
	}
	return (cached || vm_pager_has_page(object, pindex));
}

/*
 * Merge backing into object, which shadows it at page offset off: every
 * page backing holds - resident, cached, or in its pager (swap) - at a
 * pindex p inside the object's window either moves up to p - off, or, when
 * the object holds that place itself in any of the three forms (its copy
 * is newer: it was written, or copied there, after the fork), is obsolete
 * and freed; pages outside the window are freed.  Two passes, because the
 * three moves each change what the object holds: first every obsolete page
 * goes, judged against the object as it was (a resident page that moves
 * up is dirty - vm_page_rename - so the block of its old place may go
 * too); then what is left moves without a question: resident pages by
 * vm_page_rename, cached pages by vm_page_cache_transfer, swap blocks by
 * vm_pager_transfer.  A moved page keeps its data and mappings.  Both
 * locked; the object's pager can take backing's blocks
 * (vm_pager_transfer_ready).
 */
static void __unused	/* (lab 04's stub of vm_object_collapse calls nothing) */
vm_object_backing_merge(vm_object_t object, vm_object_t backing)
{
	/* BEGIN LAB 04 collapse
	 * stub:
	 * panic("lab 04: vm_object_backing_merge(%p, %p): not implemented", object, backing);
	 */
	vm_pindex_t off = OFF_TO_IDX(object->backing_object_offset), q;
	vm_page_t m, next;

	vm_page_lock_queues();
	for (m = TAILQ_FIRST(&backing->memq); m != NULL; m = next) {
		next = TAILQ_NEXT(m, listq);
		KASSERT((m->oflags & VPO_BUSY) == 0 && m->busy == 0,
		    ("%s: page %p of object %p is busy", __func__, m, backing));
		if (m->pindex < off || m->pindex - off >= object->size ||
		    vm_object_page_present(object, m->pindex - off)) {
			pmap_remove_all(m);
			if (m->wire_count != 0)
				vm_page_remove(m);
			else
				vm_page_free(m);
			continue;
		}
		vm_page_rename(m, object, m->pindex - off);
	}
	vm_page_unlock_queues();
	/* The rest of the obsolete: cached pages and blocks the object holds a place for. */
	if (backing->cache != NULL || backing->type != OBJT_DEFAULT) {
		if (off > 0) {				/* (end 0 would mean "to the end") */
			vm_pager_freespace(backing, 0, off);
			vm_page_cache_free(backing, 0, off);
		}
		if (off + object->size < backing->size) {
			vm_pager_freespace(backing, off + object->size, 0);
			vm_page_cache_free(backing, off + object->size, 0);
		}
		for (q = 0; q < object->size && off + q < backing->size; q++) {
			if (!vm_object_page_present(object, q))
				continue;
			if (backing->cache != NULL)
				vm_page_cache_free(backing, off + q, off + q + 1);
			vm_pager_freespace(backing, off + q, off + q + 1);
		}
	}
	if (backing->cache != NULL)
		vm_page_cache_transfer(backing, off, object);
	vm_pager_transfer(backing, off, object);
	/* END LAB 04 collapse */
}

/*
 * Shadow chains: when object's backing object is anonymous (no swap yet,
 * or swap) and referenced by object alone, nobody else can see it: merge
 * it into object (vm_object_backing_merge: its resident and cached pages
 * and its swap blocks), splice it out of the chain and free it; repeat down
 * the chain.  So a loop of fork and exit does not grow chains without
 * bound.  Not while either object has pager I/O in flight (a busy page
 * cannot move; a fault holding the object's paging_in_progress counts on
 * its chain), nor if the object cannot take backing's swap blocks (no
 * memory for its swap array: vm_pager_transfer_ready).  Object locked;
 * backing objects are locked here (front to back, the usual order).
 */
void
vm_object_collapse(vm_object_t object)
{
	/* BEGIN LAB 04 collapse
	 * stub:
	 * (void)object;		// lab 04: no collapse - shadow chains only grow
	 */
	vm_object_t backing, below;

	if (object == NULL)
		return;
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	while ((backing = object->backing_object) != NULL) {
		VM_OBJECT_LOCK(backing);
		if ((backing->type != OBJT_DEFAULT && backing->type != OBJT_SWAP) ||
		    backing->ref_count != 1 || backing->paging_in_progress != 0 ||
		    object->paging_in_progress != 0 || (backing->flags & OBJ_DEAD) != 0 ||
		    !vm_pager_transfer_ready(object, backing)) {
			VM_OBJECT_UNLOCK(backing);
			return;
		}
		vm_object_backing_merge(object, backing);
		LIST_REMOVE(object, shadow_list);	/* off backing's shadow list */
		backing->shadow_count--;
		below = backing->backing_object;
		if (below != NULL) {
			VM_OBJECT_LOCK(below);		/* backing leaves its list, object joins */
			LIST_REMOVE(backing, shadow_list);
			LIST_INSERT_HEAD(&below->shadow_head, object, shadow_list);
			VM_OBJECT_UNLOCK(below);
			object->backing_object_offset += backing->backing_object_offset;
		} else
			object->backing_object_offset = 0;
		object->backing_object = below;
		backing->backing_object = NULL;
		backing->ref_count = 0;
		cnt.v_collapses++;
		vm_object_terminate(backing);		/* unlocks and frees it */
	}
	/* END LAB 04 collapse */
}

/* Pager I/O in flight on the object: it may not be terminated meanwhile. */
void
vm_object_pip_add(vm_object_t object, int n)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	object->paging_in_progress += n;
}

void
vm_object_pip_wakeup(vm_object_t object)
{
	vm_object_pip_wakeupn(object, 1);
}

/* n pages' I/O finished; the last one wakes vm_object_pip_wait. */
void
vm_object_pip_wakeupn(vm_object_t object, int n)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	KASSERT(object->paging_in_progress >= n, ("%s: object %p: pip %d, n %d", __func__,
	    object, object->paging_in_progress, n));
	object->paging_in_progress -= n;
	if (object->paging_in_progress == 0 && (object->flags & OBJ_PIPWNT) != 0) {
		object->flags &= ~OBJ_PIPWNT;
		wakeup(object);
	}
}

/* Sleep (dropping the object lock meanwhile) until no pager I/O is in flight. */
void
vm_object_pip_wait(vm_object_t object, const char *wmesg)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	while (object->paging_in_progress != 0) {
		object->flags |= OBJ_PIPWNT;
		msleep(object, &object->mtx, 0, wmesg, 0);
	}
}

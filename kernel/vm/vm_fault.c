/*
 * vm_fault.c - resolve a page fault: find or make the page a virtual
 * address should show, and map it (FreeBSD 7's vm_fault, one page at a
 * time, no read-ahead).
 *
 * The map names an object and a pindex (vm_map_lookup).  The page is
 * looked for down the object's shadow chain, front to back:
 *
 *   first_object (the entry's) --backing_object--> ... --> the bottom object
 *      resident?  cached (reactivate)?  in the pager (read it in)?
 *   found in first_object          : map it
 *   found further down, read fault : map the backing page without write
 *   found further down, write fault: copy it into first_object, or move it
 *                                    there when no one else can see the
 *                                    backing object (vm_fault_cow)
 *   found nowhere                  : a zeroed page in first_object
 *   found in first_object, loaned to a zero-copy send, write fault:
 *                                    vm_page_cowfault replaces it with a copy
 *
 * The map lock is held throughout (vm_map.c says why).  Objects are locked
 * front to back: first_object for the whole fault but a backing object's
 * page-in (vm_fault_pagein says why), a backing object while it is
 * searched.  A busy page, or no free page, makes the fault let go of
 * everything, wait, and start over; so does a backing object's page-in.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

struct faultstate {
	vm_object_t	first_object;	/* the entry's object: locked but for a backing page-in */
	vm_pindex_t	first_pindex;
	vm_object_t	object;		/* where m was found; locked if not first_object */
	vm_pindex_t	pindex;
	vm_page_t	m;		/* busy */
	vm_prot_t	prot;
};

enum fault_step { FAULT_FOUND, FAULT_RETRY, FAULT_NOMEM, FAULT_IOERROR };

const char *
vm_fault_result_name(int rv)
{
	switch (rv) {
	case KERN_SUCCESS:		return ("success");
	case KERN_INVALID_ADDRESS:	return ("invalid address");
	case KERN_PROTECTION_FAILURE:	return ("protection failure");
	case KERN_NO_SPACE:		return ("no space");
	case KERN_RESOURCE_SHORTAGE:	return ("out of memory");
	case KERN_FAILURE:		return ("pager error");
	default:			return ("unknown");
	}
}

/* Does the object hold pindex anywhere but its resident tree: cached or in the pager? */
static bool
vm_fault_object_has(vm_object_t object, vm_pindex_t pindex)
{
	bool cached = false;

	if (object->cache != NULL) {
		mtx_lock(&vm_page_queue_free_mtx);
		cached = vm_page_cache_lookup(object, pindex) != NULL;
		mtx_unlock(&vm_page_queue_free_mtx);
	}
	return (cached || vm_pager_has_page(object, pindex));
}

static void
vm_fault_unlock_object(struct faultstate *fs)
{
	if (fs->object != fs->first_object)
		VM_OBJECT_UNLOCK(fs->object);
}

/*
 * A page of fs->object at fs->pindex that is not resident but cached or in
 * the pager: allocate it (vm_page_alloc reactivates a cached page with its
 * data) and read it in if it is not valid.
 *
 * The pager sleeps for the read with fs->object unlocked, and no other
 * object may stay locked meanwhile: the disk's completion thread takes the
 * object lock of every swap or file write it completes
 * (vm_pageout_io_done), and first_object may well have pages of its own
 * being written.  A fault that held it across the read of a backing
 * object's page waited for a completion thread that waited for it (issue
 * 16's hang; subr_disk.c's witness_io_sleep_check now panics on it).  So a
 * read from a backing object lets first_object go (paging_in_progress
 * keeps it, the map lock keeps the chain), and, the page read, starts the
 * walk over: it finds the page resident and valid this time.
 */
static enum fault_step
vm_fault_pagein(struct faultstate *fs)
{
	bool backing = fs->object != fs->first_object;
	vm_page_t m;
	int rv;

	if ((m = vm_page_alloc(fs->object, fs->pindex, VM_ALLOC_NORMAL)) == NULL)
		return (FAULT_NOMEM);
	fs->m = m;
	if (m->valid == VM_PAGE_BITS_ALL)
		return (FAULT_FOUND);		/* reactivated from the cache: no I/O */
	if (backing)
		VM_OBJECT_UNLOCK(fs->first_object);
	rv = vm_pager_get_pages(fs->object, &m, 1, 0);
	if (rv == VM_PAGER_OK && !backing)
		return (FAULT_FOUND);
	if (rv != VM_PAGER_OK)
		printf("vm_fault: page %ju of object %p: %s\n", (uintmax_t)fs->pindex,
		    fs->object, vm_pager_strerror(rv));
	vm_page_wakeup(m);
	if (rv != VM_PAGER_OK) {
		vm_page_lock_queues();
		vm_page_free(m);
		vm_page_unlock_queues();
	}
	fs->m = NULL;
	if (backing) {
		/* Front to back again: the backing object was relocked alone. */
		VM_OBJECT_UNLOCK(fs->object);
		VM_OBJECT_LOCK(fs->first_object);
		fs->object = fs->first_object;
	}
	return (rv == VM_PAGER_OK ? FAULT_RETRY : FAULT_IOERROR);
}

/*
 * Walk the chain from first_object for the page; on FAULT_FOUND fs->m is
 * busy in fs->object (locked), or NULL: in no object (zero fill).  On any
 * other result only first_object is locked (a backing object's lock held
 * across vm_fault's VM_WAIT would be taken again by the retry's walk).
 */
static enum fault_step
vm_fault_find(struct faultstate *fs)
{
	vm_object_t next;
	vm_page_t m;

	fs->object = fs->first_object;
	fs->pindex = fs->first_pindex;
	fs->m = NULL;
	for (;;) {
		if ((m = vm_page_lookup(fs->object, fs->pindex)) != NULL) {
			if ((m->oflags & VPO_BUSY) != 0 || m->busy != 0) {
				if (fs->object != fs->first_object)
					VM_OBJECT_UNLOCK(fs->first_object);
				vm_page_sleep(m, "vmpfw");	/* drops and retakes fs->object */
				if (fs->object != fs->first_object) {
					VM_OBJECT_UNLOCK(fs->object);
					VM_OBJECT_LOCK(fs->first_object);
				}
				fs->object = fs->first_object;
				return (FAULT_RETRY);
			}
			m->oflags |= VPO_BUSY;
			fs->m = m;
			return (FAULT_FOUND);
		}
		if (vm_fault_object_has(fs->object, fs->pindex)) {
			enum fault_step step = vm_fault_pagein(fs);

			/*
			 * No page (no memory, an I/O error), or a backing object's page
			 * read (retry): let go of a backing object too (pagein did).
			 */
			if (step != FAULT_FOUND) {
				vm_fault_unlock_object(fs);
				fs->object = fs->first_object;
			}
			return (step);
		}
		if ((next = fs->object->backing_object) == NULL)
			break;
		VM_OBJECT_LOCK(next);
		fs->pindex += OFF_TO_IDX(fs->object->backing_object_offset);
		vm_fault_unlock_object(fs);
		fs->object = next;
	}
	vm_fault_unlock_object(fs);
	fs->object = fs->first_object;
	fs->pindex = fs->first_pindex;
	return (FAULT_FOUND);			/* nowhere: zero fill */
}

/*
 * The copy half of a copy-on-write fault: a new page of first_object at
 * first_pindex with the data of fs->m (busy, in the backing object
 * fs->object); the backing page stays, active, for whoever else sees it
 * (v_cow_faults).  On success fs->m is the new page, busy, and the backing
 * object is unlocked; FAULT_NOMEM leaves fs as it was.
 */
static enum fault_step
vm_fault_cow_copy(struct faultstate *fs)
{
	vm_object_t backing = fs->object;
	vm_page_t src = fs->m, dst;

	if ((dst = vm_page_alloc(fs->first_object, fs->first_pindex, VM_ALLOC_NORMAL)) == NULL)
		return (FAULT_NOMEM);
	pmap_copy_page(src, dst);
	dst->valid = VM_PAGE_BITS_ALL;
	vm_page_dirty(dst);
	vm_page_lock_queues();
	vm_page_activate(src);
	vm_page_unlock_queues();
	vm_page_wakeup(src);
	VM_OBJECT_UNLOCK(backing);
	cnt.v_cow_faults++;
	fs->object = fs->first_object;
	fs->m = dst;
	return (FAULT_FOUND);
}

/*
 * A write to a page of first_object that is loaned to a zero-copy send
 * (m->cow != 0, kern_send.c): vm_page_cowfault puts a copy in its place and
 * the fault starts over, finding the copy (FreeBSD 7's vm_fault does the
 * same).  A page found in a backing object needs no such care: the write
 * copies it into first_object anyway (vm_fault_cow), and a wired page is
 * never moved.
 */
static enum fault_step
vm_fault_cowloan(struct faultstate *fs)
{
	vm_page_t m = fs->m;

	vm_page_wakeup(m);		/* first_object stays locked: no one takes it */
	fs->m = NULL;
	return (vm_page_cowfault(m) == 0 ? FAULT_RETRY : FAULT_NOMEM);
}

/*
 * A write to a page found in a backing object (fs->object, locked; fs->m
 * busy there): the front object (fs->first_object, locked) must get a page
 * of its own at fs->first_pindex.  Copy it (vm_fault_cow_copy) - or, when
 * the backing object is invisible to everyone else (it is the front
 * object's own backing object, not one further down; one reference, the
 * front object's; no other shadow; an anonymous object, swap-backed or not
 * (a swap object's handle is its block array, not a name: the block of the
 * moved page's old place is simply never read again); the page neither
 * wired nor held), move the page itself up: the same as copying it and
 * freeing the original, without the copy (v_cow_optim, FreeBSD's rename
 * optimisation).  Never from deeper down the chain: an object between the
 * two may be shared (two processes' shadows over one forked object), and
 * its other shadow would lose the page.  A moved page must lose its old
 * mappings first: another pmap may still map it read-only as the backing
 * object's page.  On success fs->m is the front page, busy; fs->object is first_object; the
 * backing object is unlocked.  FAULT_NOMEM leaves fs as it was.
 */
static enum fault_step
vm_fault_cow(struct faultstate *fs)
{
	/* BEGIN LAB 04 cow
	 * stub:
	 * return (vm_fault_cow_copy(fs));	// lab 04: correct, but never a rename
	 */
	vm_object_t backing = fs->object;
	vm_page_t src = fs->m;

	if (fs->first_object->backing_object == backing &&
	    backing->ref_count == 1 && backing->shadow_count == 1 &&
	    (backing->type == OBJT_DEFAULT || backing->type == OBJT_SWAP) &&
	    src->wire_count == 0 && src->hold_count == 0) {
		uint8_t wanted = src->oflags & VPO_WANTED;

		pmap_remove_all(src);
		vm_page_rename(src, fs->first_object, fs->first_pindex);	/* dirties it */
		src->oflags |= VPO_BUSY | wanted;	/* vm_page_remove let go of both */
		cnt.v_cow_optim++;
		VM_OBJECT_UNLOCK(backing);
		fs->object = fs->first_object;
		return (FAULT_FOUND);
	}
	return (vm_fault_cow_copy(fs));
	/* END LAB 04 cow */
}

/* Found nowhere: a zeroed page in first_object (v_zfod). */
static enum fault_step
vm_fault_zero(struct faultstate *fs)
{
	vm_page_t m;

	m = vm_page_alloc(fs->first_object, fs->first_pindex, VM_ALLOC_NORMAL | VM_ALLOC_ZERO);
	if (m == NULL)
		return (FAULT_NOMEM);
	if ((m->flags & PG_ZERO) == 0)
		pmap_zero_page(m);
	m->valid = VM_PAGE_BITS_ALL;
	cnt.v_zfod++;
	fs->m = m;
	return (FAULT_FOUND);
}

/* Let go of the page and every object lock but first_object's. */
static void
vm_fault_release(struct faultstate *fs)
{
	if (fs->m != NULL)
		vm_page_wakeup(fs->m);
	fs->m = NULL;
	vm_fault_unlock_object(fs);
	fs->object = fs->first_object;
}

/* One attempt; FAULT_RETRY and FAULT_NOMEM make vm_fault start over. */
static enum fault_step
vm_fault_once(struct faultstate *fs, vm_prot_t fault_type)
{
	enum fault_step step;

	if ((step = vm_fault_find(fs)) != FAULT_FOUND)
		return (step);
	if (fs->m == NULL)
		step = vm_fault_zero(fs);
	else if (fs->object == fs->first_object && (fault_type & VM_PROT_WRITE) != 0 &&
	    fs->m->cow != 0)
		step = vm_fault_cowloan(fs);
	else if (fs->object == fs->first_object && fs->m->cow != 0)
		fs->prot &= ~VM_PROT_WRITE;	/* loaned: a read maps it read only */
	else if (fs->object != fs->first_object) {
		if ((fault_type & VM_PROT_WRITE) != 0)
			step = vm_fault_cow(fs);
		else
			fs->prot &= ~VM_PROT_WRITE;	/* the backing object's page: read only */
	}
	if (step != FAULT_FOUND)
		vm_fault_release(fs);
	return (step);
}

/*
 * Map the found page (a wired mapping in a wired entry) and account for it:
 * dirty on a write, wired by a wiring fault, else active.  A loaning fault
 * (VM_FAULT_LOAN) wires it and lends it (vm_page_cowsetup) while its object
 * is still locked, and hands it back in *loaned.
 */
static int
vm_fault_map(vm_map_t map, vm_offset_t vaddr, struct faultstate *fs, vm_prot_t fault_type,
    bool wired, int fault_flags, vm_page_t *loaned)
{
	bool wire = (fault_flags & (VM_FAULT_WIRE | VM_FAULT_LOAN)) != 0;
	vm_page_t m = fs->m;

	if (pmap_enter(map->pmap, vaddr, m, fs->prot, wired ? PMAP_ENTER_WIRED : 0) != 0)
		return (KERN_RESOURCE_SHORTAGE);
	if ((fault_type & VM_PROT_WRITE) != 0) {
		vm_page_dirty(m);
		vm_pager_page_unswapped(m);	/* the stored copy is stale now */
	}
	vm_page_lock_queues();
	if (wire)
		vm_page_wire(m);		/* once per wiring fault, undone by unwire */
	else if (m->wire_count == 0)
		vm_page_activate(m);
	if ((fault_flags & VM_FAULT_LOAN) != 0) {
		int error = vm_page_cowsetup(m);

		KASSERT(error == 0, ("%s: page %p has %u loans", __func__, m, m->cow));
		*loaned = m;
	}
	vm_page_unlock_queues();
	return (KERN_SUCCESS);
}

/*
 * Resolve a fault at vaddr (any address in the page) of fault_type in map.
 * KERN_SUCCESS with the page mapped, or why not: no entry, the entry
 * forbids it, no memory even after waiting, a pager error.
 */
static int
vm_fault_page(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type, int fault_flags,
    vm_page_t *loaned)
{
	struct faultstate fs;
	vm_map_entry_t entry;
	enum fault_step step;
	bool wired;
	int rv;

	vaddr = trunc_page(vaddr);
	cnt.v_vm_faults++;
	rv = vm_map_lookup(&map, vaddr, fault_type, &entry, &fs.first_object, &fs.first_pindex,
	    &fs.prot, &wired);
	if (rv != KERN_SUCCESS)
		return (rv);
	VM_OBJECT_LOCK(fs.first_object);
	vm_object_pip_add(fs.first_object, 1);	/* no termination under us */
	for (;;) {
		vm_prot_t prot = fs.prot;

		step = vm_fault_once(&fs, fault_type);
		if (step == FAULT_FOUND) {
			rv = vm_fault_map(map, vaddr, &fs, fault_type, wired, fault_flags, loaned);
			vm_fault_release(&fs);
			if (rv == KERN_SUCCESS)
				break;
			step = FAULT_NOMEM;		/* a page-table page */
		}
		fs.prot = prot;
		if (step == FAULT_IOERROR) {
			rv = KERN_FAILURE;
			break;
		}
		if (step == FAULT_NOMEM) {
			VM_OBJECT_UNLOCK(fs.first_object);
			rv = VM_WAIT;			/* nonzero: nothing can be reclaimed */
			VM_OBJECT_LOCK(fs.first_object);
			if (rv != 0) {
				rv = KERN_RESOURCE_SHORTAGE;
				break;
			}
		}
	}
	vm_object_pip_wakeup(fs.first_object);
	VM_OBJECT_UNLOCK(fs.first_object);
	vm_map_lookup_done(map, entry);
	return (rv);
}

int
vm_fault(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type, int fault_flags)
{
	KASSERT((fault_flags & VM_FAULT_LOAN) == 0, ("%s: a loan needs vm_fault_loan", __func__));
	return (vm_fault_page(map, vaddr, fault_type, fault_flags, NULL));
}

/*
 * Fault in the page at vaddr for reading, wire it and lend it to I/O
 * (vm_page_cowsetup: read-only until the loan ends) in one step, under the
 * lock of the object that holds it, and return it in *mp: a zero-copy
 * send's pages (kern_send.c), which a separate lookup could find already
 * moved by a collapse or paged out.  The lender ends the loan with
 * vm_page_cowclear and vm_page_unwire.  KERN_* as vm_fault.
 */
int
vm_fault_loan(vm_map_t map, vm_offset_t vaddr, vm_page_t *mp)
{
	*mp = NULL;
	return (vm_fault_page(map, vaddr, VM_PROT_READ, VM_FAULT_LOAN, mp));
}

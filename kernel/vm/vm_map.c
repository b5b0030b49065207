/*
 * vm_map.c - address spaces: the entries of a map, and the vmspaces of
 * processes (FreeBSD 7's vm_map.c in miniature).
 *
 * Entries form a sorted list through a sentinel (vm_map.h).  The sentinel's
 * own `end' is the map's min_offset and its `start' the max_offset, so the
 * free gap after any entry e is always [e->end, e->next->start), the first
 * and last gaps included, without special cases:
 *
 *   header.end = min                                          header.start = max
 *      |   gap   [ e1 )   gap   [ e2 )        gap                   |
 *
 * A map's lock is held across a whole fault (vm_fault.c), pager I/O
 * included.  One thread per process and one CPU make that cheap, and it
 * spares the re-validation FreeBSD needs after dropping it.  Lock order:
 * map -> object -> page queues -> free queues.
 *
 * Fork (vmspace_fork) is where copy-on-write starts: an inherited private
 * entry is shared by both maps with MAP_ENTRY_NEEDS_COPY set on both sides
 * and the parent's pages write-protected, so the first write on either side
 * faults and vm_fault gives that side a shadow object of its own.
 * With vm.fork_eager=1, or when vm_object_shadow makes no shadow (lab 04's
 * stub copies instead), fork copies every page at once (vm_fork_eager).
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/pmap.h>

static vm_map_entry_t
vm_map_entry_create(void)
{
	return (calloc(1, sizeof(struct vm_map_entry)));
}

void
vm_map_init(vm_map_t map, pmap_t pmap, vm_offset_t min, vm_offset_t max)
{
	KASSERT(min < max && (min & PAGE_MASK) == 0 && (max & PAGE_MASK) == 0,
	    ("%s: bad range %#jx-%#jx", __func__, (uintmax_t)min, (uintmax_t)max));
	memset(map, 0, sizeof(*map));
	/* Sleepable: a fault holds it across a page-in, and no I/O completion takes it. */
	mtx_init(&map->lock, "vm map", NULL, MTX_DEF | MTX_SLEEPABLE);
	map->header.next = map->header.prev = &map->header;
	map->header.end = min;
	map->header.start = max;
	map->hint = &map->header;
	map->min_offset = min;
	map->max_offset = max;
	map->pmap = pmap;
}

/*
 * The entry containing addr (true), or the entry before the gap holding it
 * (false; the header if addr is below every entry).  Map locked.
 */
bool
vm_map_lookup_entry(vm_map_t map, vm_offset_t addr, vm_map_entry_t *entry)
{
	vm_map_entry_t cur = map->hint;

	vm_map_assert_locked(map);
	if (cur == &map->header || addr < cur->start)
		cur = map->header.next;		/* the hint is past addr: walk from the start */
	for (; cur != &map->header && cur->start <= addr; cur = cur->next)
		if (addr < cur->end) {
			map->hint = cur;
			*entry = cur;
			return (true);
		}
	*entry = cur->prev;
	return (false);
}

static void
vm_map_entry_link(vm_map_t map, vm_map_entry_t after, vm_map_entry_t e)
{
	e->prev = after;
	e->next = after->next;
	after->next->prev = e;
	after->next = e;
	map->nentries++;
	map->size += e->end - e->start;
}

static void
vm_map_entry_unlink(vm_map_t map, vm_map_entry_t e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	map->nentries--;
	map->size -= e->end - e->start;
	if (map->hint == e)
		map->hint = &map->header;
}

/*
 * Map [start, end) to object at offset (object may be NULL: anonymous,
 * allocated at the first fault).  The map takes over the caller's object
 * reference.  Map locked.
 */
static int
vm_map_insert_locked(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_map_entry_t prev, e;

	vm_map_assert_locked(map);
	if (start < map->min_offset || end > map->max_offset || start >= end ||
	    ((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ADDRESS);
	if ((prot & max) != prot)
		return (KERN_PROTECTION_FAILURE);
	if (vm_map_lookup_entry(map, start, &prev) || prev->next->start < end)
		return (KERN_NO_SPACE);
	if ((e = vm_map_entry_create()) == NULL)
		return (KERN_RESOURCE_SHORTAGE);
	e->start = start;
	e->end = end;
	e->object = object;
	e->offset = offset;
	e->protection = prot;
	e->max_protection = max;
	e->inheritance = VM_INHERIT_COPY;
	if (cow & MAP_COPY_ON_WRITE)
		e->eflags |= MAP_ENTRY_COW;
	if (cow & MAP_NOFAULT)
		e->eflags |= MAP_ENTRY_NOFAULT;
	if (cow & MAP_STACK_GROWS_DOWN)
		e->eflags |= MAP_ENTRY_GROWS_DOWN;
	if (object != NULL && (cow & MAP_COPY_ON_WRITE) != 0 && object->type == OBJT_VNODE)
		e->eflags |= MAP_ENTRY_NEEDS_COPY;	/* writes never reach the file */
	vm_map_entry_link(map, prev, e);
	return (KERN_SUCCESS);
}

int
vm_map_insert(vm_map_t map, vm_object_t object, vm_ooffset_t offset, vm_offset_t start,
    vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	int rv;

	vm_map_lock(map);
	rv = vm_map_insert_locked(map, object, offset, start, end, prot, max, cow);
	vm_map_unlock(map);
	return (rv);
}

/* The lowest gap of `length` bytes at or above *addr; false if none.  Map locked. */
static bool
vm_map_findspace(vm_map_t map, vm_offset_t *addr, vm_size_t length)
{
	vm_offset_t start = MAX(*addr, map->min_offset);
	vm_map_entry_t e;

	if (vm_map_lookup_entry(map, start, &e))
		start = e->end;
	for (;; e = e->next) {
		vm_offset_t gap_end = e->next->start;	/* the header's start is max_offset */

		if (start + length >= start && start + length <= gap_end) {
			*addr = start;
			return (true);
		}
		if (e->next == &map->header)
			return (false);
		start = MAX(start, e->next->end);
	}
}

/*
 * Map length bytes of object at offset: at *addr exactly, or (find_space)
 * in the lowest gap at or above it; *addr says where.
 */
int
vm_map_find(vm_map_t map, vm_object_t object, vm_ooffset_t offset, vm_offset_t *addr,
    vm_size_t length, bool find_space, vm_prot_t prot, vm_prot_t max, int cow)
{
	int rv;

	if (length == 0 || (length & PAGE_MASK) != 0 || (*addr & PAGE_MASK) != 0)
		return (KERN_INVALID_ADDRESS);
	vm_map_lock(map);
	if (find_space && !vm_map_findspace(map, addr, length)) {
		vm_map_unlock(map);
		return (KERN_NO_SPACE);
	}
	rv = vm_map_insert_locked(map, object, offset, *addr, *addr + length, prot, max, cow);
	vm_map_unlock(map);
	return (rv);
}

/*
 * Split e so that one entry starts at addr (the front part becomes a new
 * entry before it) or ends there (clip_end).  Both parts share the object,
 * each with its own reference.  Map locked.
 */
static int
vm_map_clip(vm_map_t map, vm_map_entry_t e, vm_offset_t addr)
{
	vm_map_entry_t front;

	if (addr <= e->start || addr >= e->end)
		return (KERN_SUCCESS);
	if ((front = vm_map_entry_create()) == NULL)
		return (KERN_RESOURCE_SHORTAGE);
	*front = *e;
	front->end = addr;
	e->offset += addr - e->start;
	map->size -= addr - e->start;		/* vm_map_entry_link adds the front back */
	e->start = addr;
	if (e->object != NULL)
		vm_object_reference(e->object);	/* an untouched anonymous half stays NULL */
	vm_map_entry_link(map, e->prev, front);
	return (KERN_SUCCESS);
}

/*
 * Clip the entries around [start, end) so that none straddles either end;
 * *first is then the lowest entry at or above start.  Map locked.
 */
static int
vm_map_clip_range(vm_map_t map, vm_offset_t start, vm_offset_t end, vm_map_entry_t *first)
{
	vm_map_entry_t e;
	int rv;

	if (vm_map_lookup_entry(map, start, &e) && (rv = vm_map_clip(map, e, start)) != KERN_SUCCESS)
		return (rv);
	if (vm_map_lookup_entry(map, end, &e) && (rv = vm_map_clip(map, e, end)) != KERN_SUCCESS)
		return (rv);
	/* Clipping put new entries in front: look again rather than keep a stale one. */
	*first = vm_map_lookup_entry(map, start, &e) ? e : e->next;
	return (KERN_SUCCESS);
}

static void
vm_map_entry_delete(vm_map_t map, vm_map_entry_t e)
{
	pmap_remove(map->pmap, e->start, e->end);
	vm_map_entry_unlink(map, e);
	if (e->object != NULL)
		vm_object_deallocate(e->object);
	free(e);
}

/* Unmap [start, end): the pages' mappings go, the objects lose a reference each. */
int
vm_map_remove(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t e, next;
	int rv;

	if (start >= end || ((start | end) & PAGE_MASK) != 0 || start < map->min_offset ||
	    end > map->max_offset)
		return (KERN_INVALID_ADDRESS);
	vm_map_lock(map);
	if ((rv = vm_map_clip_range(map, start, end, &e)) == KERN_SUCCESS)
		for (; e != &map->header && e->start < end; e = next) {
			next = e->next;
			vm_map_entry_delete(map, e);
		}
	vm_map_unlock(map);
	return (rv);
}

/* Is all of [start, end) mapped, with at least prot?  Map locked. */
bool
vm_map_check_protection(vm_map_t map, vm_offset_t start, vm_offset_t end, vm_prot_t prot)
{
	vm_map_entry_t e;

	vm_map_assert_locked(map);
	if (!vm_map_lookup_entry(map, start, &e))
		return (false);
	for (; start < end; e = e->next) {
		if (e == &map->header || e->start > start || (e->protection & prot) != prot)
			return (false);
		start = e->end;
	}
	return (true);
}

/*
 * Change the protection of [start, end) (or the maximum, set_max).  All of
 * it must be mapped and allow new_prot within max_protection; nothing
 * changes otherwise.  Lowered rights reach the pmap at once; raised ones
 * at the next fault.
 */
int
vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end, vm_prot_t new_prot,
    bool set_max)
{
	vm_map_entry_t first, e;
	int rv;

	if (start >= end || ((start | end) & PAGE_MASK) != 0)
		return (KERN_INVALID_ADDRESS);
	vm_map_lock(map);
	if (!vm_map_check_protection(map, start, end, VM_PROT_NONE)) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	/* Check all of it before clipping anything: a refusal changes nothing. */
	if (!vm_map_lookup_entry(map, start, &first))
		first = first->next;
	for (e = first; e != &map->header && e->start < end; e = e->next)
		if ((new_prot & e->max_protection) != new_prot) {
			rv = KERN_PROTECTION_FAILURE;
			goto out;
		}
	if ((rv = vm_map_clip_range(map, start, end, &first)) != KERN_SUCCESS)
		goto out;
	for (e = first; e != &map->header && e->start < end; e = e->next) {
		vm_prot_t old = e->protection;

		if (set_max)
			e->max_protection = new_prot;
		e->protection = set_max ? (new_prot & old) : new_prot;
		if ((old & ~e->protection) != 0)	/* rights taken away: now */
			pmap_protect(map->pmap, e->start, e->end, e->protection);
	}
out:
	vm_map_unlock(map);
	return (rv);
}

int
vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end, enum vm_inherit inh)
{
	vm_map_entry_t e;
	int rv;

	vm_map_lock(map);
	if ((rv = vm_map_clip_range(map, start, end, &e)) == KERN_SUCCESS)
		for (; e != &map->header && e->start < end; e = e->next)
			e->inheritance = (uint8_t)inh;
	vm_map_unlock(map);
	return (rv);
}

/*
 * For a fault at vaddr of fault_type: the entry, the object and pindex to
 * fault on, and the protection to map with.  A write to a needs-copy entry
 * shadows its object first (the entry then owns the shadow); a read maps
 * without write, so the later write faults again.  An anonymous entry's
 * object is allocated here.  Takes the map lock; vm_map_lookup_done drops it.
 */
int
vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr, vm_prot_t fault_type,
    vm_map_entry_t *out_entry, vm_object_t *object, vm_pindex_t *pindex,
    vm_prot_t *out_prot, bool *wired)
{
	vm_map_t map = *var_map;
	vm_map_entry_t e;
	vm_prot_t prot;

	vm_map_lock(map);
	if (!vm_map_lookup_entry(map, vaddr, &e) || (e->eflags & MAP_ENTRY_NOFAULT) != 0) {
		vm_map_unlock(map);
		return (KERN_INVALID_ADDRESS);
	}
	prot = e->protection;
	if ((fault_type & prot) != fault_type) {
		vm_map_unlock(map);
		return (KERN_PROTECTION_FAILURE);
	}
	if ((e->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if ((fault_type & VM_PROT_WRITE) != 0) {
			if (!vm_object_shadow(&e->object, &e->offset, e->end - e->start)) {
				vm_map_unlock(map);
				return (KERN_RESOURCE_SHORTAGE);
			}
			e->eflags &= ~MAP_ENTRY_NEEDS_COPY;
		} else
			prot &= ~VM_PROT_WRITE;
	}
	if (e->object == NULL) {
		e->object = vm_object_allocate(OBJT_DEFAULT, atop(e->end - e->start));
		e->offset = 0;
		if (e->object == NULL) {
			vm_map_unlock(map);
			return (KERN_RESOURCE_SHORTAGE);
		}
	}
	*out_entry = e;
	*object = e->object;
	*pindex = OFF_TO_IDX(vaddr - e->start + e->offset);
	*out_prot = prot;
	*wired = e->wired_count > 0;
	return (KERN_SUCCESS);
}

void
vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry __unused)
{
	vm_map_unlock(map);
}

/* ---- address spaces --------------------------------------------------- */

struct vmspace *
vmspace_alloc(vm_offset_t min, vm_offset_t max)
{
	struct vmspace *vm;
	pmap_t pmap;

	if ((vm = calloc(1, sizeof(*vm))) == NULL)
		return (NULL);
	if ((pmap = pmap_create()) == NULL) {
		free(vm);
		return (NULL);
	}
	vm_map_init(&vm->vm_map, pmap, min, max);
	vm->vm_refcnt = 1;
	return (vm);
}

/* Drop a reference; the last one unmaps everything and frees the pmap. */
void
vmspace_free(struct vmspace *vm)
{
	vm_map_t map = &vm->vm_map;

	KASSERT(vm->vm_refcnt > 0, ("%s: vmspace %p has no references", __func__, vm));
	if (--vm->vm_refcnt > 0)
		return;
	vm_map_lock(map);
	while (map->header.next != &map->header)
		vm_map_entry_delete(map, map->header.next);
	vm_map_unlock(map);
	mtx_destroy(&map->lock);
	pmap_destroy(map->pmap);
	free(vm);
}

/*
 * The child's copy of a private entry: both sides share the object
 * copy-on-write.  The parent's writable mappings are write-protected, so
 * its next write faults too (the child has no mappings yet).  Both maps
 * locked.
 */
static int
vm_map_copy_entry(vm_map_t src_map, vm_map_t dst_map, vm_map_entry_t src, vm_map_entry_t dst)
{
	if (src->object == NULL) {
		dst->object = NULL;		/* nothing touched yet: nothing to share */
		return (KERN_SUCCESS);
	}
	VM_OBJECT_LOCK(src->object);
	src->object->flags &= ~OBJ_ONEMAPPING;
	VM_OBJECT_UNLOCK(src->object);
	vm_object_reference(src->object);
	dst->object = src->object;
	src->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	dst->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	pmap_protect(src_map->pmap, src->start, src->end, src->protection & ~VM_PROT_WRITE);
	(void)dst_map;
	return (KERN_SUCCESS);
}

/*
 * The child's copy of a private entry, eagerly: an object of its own with
 * a copy of every page the parent's entry shows (vm_object_copy: resident,
 * cached and swapped pages, down the whole chain).  The parent keeps its
 * object and its writable mappings.  Both maps locked.
 */
static int
vm_map_copy_entry_eager(vm_map_entry_t src, vm_map_entry_t dst)
{
	if (src->object == NULL) {
		dst->object = NULL;
		return (KERN_SUCCESS);
	}
	vm_object_reference(src->object);
	dst->object = src->object;		/* vm_object_copy trades it for the copy */
	if (!vm_object_copy(&dst->object, &dst->offset, dst->end - dst->start)) {
		vm_object_deallocate(dst->object);
		dst->object = NULL;
		return (KERN_RESOURCE_SHORTAGE);
	}
	dst->eflags &= ~MAP_ENTRY_NEEDS_COPY;
	return (KERN_SUCCESS);
}

/*
 * Does fork copy eagerly?  With vm.fork_eager=1, or when vm_object_shadow
 * does not shadow: lab 04's stub of it copies instead (vm_object_copy), and
 * a copy-on-write fork on top of it would copy each object in full at the
 * first write on either side - correct, but neither COW nor an honest eager
 * copy.  A stub cannot set anything outside its own function (labs/README),
 * so the answer is asked of vm_object_shadow itself, once: shadow an empty
 * object and look for the backing pointer.  A wrong but shadowing
 * vm_object_shadow keeps COW forks, for the lab's tests to judge.
 */
static bool
vm_fork_eager(void)
{
	static int mode;			/* 0 not yet asked, 1 COW, 2 eager */
	vm_object_t src, obj;
	vm_ooffset_t off = 0;
	uint64_t eager = 0;

	if (mode != 0)
		return (mode == 2);
	(void)tunable_u64_max("vm.fork_eager", 1, &eager);
	mode = eager != 0 ? 2 : 1;
	if (mode == 1 && (src = vm_object_allocate(OBJT_DEFAULT, 1)) != NULL) {
		obj = src;
		if (!vm_object_shadow(&obj, &off, PAGE_SIZE)) {
			vm_object_deallocate(src);
			mode = 0;			/* out of memory: ask next time */
			return (false);
		}
		if (obj->backing_object != src)
			mode = 2;
		vm_object_deallocate(obj);		/* and src with it, if shadowed */
		printf("vm: fork %s\n", mode == 2 ? "copies eagerly (vm_object_shadow does not "
		    "shadow)" : "is copy-on-write");
	}
	return (mode == 2);
}

/* Share an entry: one object, both maps; an untouched entry gets its object now. */
static int
vm_map_share_entry(vm_map_entry_t src, vm_map_entry_t dst)
{
	if (src->object == NULL &&
	    (src->object = vm_object_allocate(OBJT_DEFAULT, atop(src->end - src->start))) == NULL)
		return (KERN_RESOURCE_SHORTAGE);
	VM_OBJECT_LOCK(src->object);
	src->object->flags &= ~OBJ_ONEMAPPING;
	VM_OBJECT_UNLOCK(src->object);
	vm_object_reference(src->object);
	dst->object = src->object;
	return (KERN_SUCCESS);
}

/*
 * A child's address space: each entry of vm1 by its inheritance - shared,
 * copied copy-on-write, or left out.  NULL if memory runs out (vm1 keeps
 * its write-protection then: harmless, the next write just faults).
 */
struct vmspace *
vmspace_fork(struct vmspace *vm1)
{
	vm_map_t old_map = &vm1->vm_map, new_map;
	struct vmspace *vm2;
	vm_map_entry_t e, ne;
	int rv = KERN_SUCCESS;
	bool eager = vm_fork_eager();

	if ((vm2 = vmspace_alloc(old_map->min_offset, old_map->max_offset)) == NULL)
		return (NULL);
	new_map = &vm2->vm_map;
	vm2->vm_daddr = vm1->vm_daddr;
	vm2->vm_dsize = vm1->vm_dsize;
	vm2->vm_stacktop = vm1->vm_stacktop;
	vm_map_lock(old_map);
	vm_map_lock(new_map);
	for (e = old_map->header.next; e != &old_map->header && rv == KERN_SUCCESS;
	    e = e->next) {
		if (e->inheritance == VM_INHERIT_NONE)
			continue;
		if ((ne = vm_map_entry_create()) == NULL) {
			rv = KERN_RESOURCE_SHORTAGE;
			break;
		}
		*ne = *e;
		ne->wired_count = 0;
		if (e->inheritance == VM_INHERIT_SHARE)
			rv = vm_map_share_entry(e, ne);
		else if (eager)
			rv = vm_map_copy_entry_eager(e, ne);
		else
			rv = vm_map_copy_entry(old_map, new_map, e, ne);
		if (rv != KERN_SUCCESS) {
			free(ne);
			break;
		}
		vm_map_entry_link(new_map, new_map->header.prev, ne);
	}
	vm_map_unlock(new_map);
	vm_map_unlock(old_map);
	if (rv != KERN_SUCCESS) {
		vmspace_free(vm2);
		return (NULL);
	}
	return (vm2);
}

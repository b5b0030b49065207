/*
 * vm/vm_map.h - address spaces: a map of entries, each a range of virtual
 * addresses backed by (a window of) a VM object.
 *
 * A map is a sorted, doubly linked list of non-overlapping entries between
 * min_offset and max_offset, threaded through a sentinel `header' (as
 * FreeBSD 7's was), with a `hint' at the last entry looked up: faults come
 * in runs on one entry, so the hint answers most lookups without a walk.
 *
 *   header <-> [start,end) obj+off <-> [start,end) obj+off <-> ... <-> header
 *                  |                          |
 *                  v                          v
 *               vm_object --backing_object--> vm_object (a shadow chain)
 *
 * An entry's object may be NULL until its first fault (anonymous memory is
 * allocated lazily, as OBJT_DEFAULT).  `needs_copy' marks an entry whose
 * object is shared copy-on-write with another map (after fork): the first
 * write fault shadows it (vm_object_shadow) and the entry then owns the
 * shadow.  A vmspace is a map plus the pmap that caches its translations.
 *
 * Locks: (m) the map's own sleep mutex; (c) constant after creation.
 */
#ifndef _VM_VM_MAP_H_
#define _VM_VM_MAP_H_

#include <sys/types.h>
#include <sys/mutex.h>
#include <vm/vm.h>
#include <vm/vm_object.h>
#include <vm/pmap.h>

/* What a child gets of an entry at fork (FreeBSD's VM_INHERIT_*). */
enum vm_inherit { VM_INHERIT_COPY, VM_INHERIT_SHARE, VM_INHERIT_NONE };

struct vm_map_entry {
	struct vm_map_entry *prev;	/* (m) */
	struct vm_map_entry *next;	/* (m) */
	vm_offset_t	start;		/* (m) first byte */
	vm_offset_t	end;		/* (m) one past the last byte */
	vm_object_t	object;		/* (m) NULL: anonymous, not yet faulted */
	vm_ooffset_t	offset;		/* (m) byte of object at start */
	vm_prot_t	protection;	/* (m) what the pmap may allow */
	vm_prot_t	max_protection;	/* (m) what mprotect may raise it to */
	uint8_t		inheritance;	/* (m) enum vm_inherit */
	uint8_t		eflags;		/* (m) MAP_ENTRY_* below */
	int		wired_count;	/* (m) */
};
typedef struct vm_map_entry *vm_map_entry_t;

/* entry->eflags */
#define	MAP_ENTRY_COW		0x01	/* private: writes go to a shadow, never the object */
#define	MAP_ENTRY_NEEDS_COPY	0x02	/* the object is shared COW: shadow on first write */
#define	MAP_ENTRY_NOFAULT	0x04	/* a guard: every fault on it fails */
#define	MAP_ENTRY_GROWS_DOWN	0x08	/* a stack */

/* vm_map_insert/vm_map_find `cow' argument */
#define	MAP_COPY_ON_WRITE	0x01	/* a private mapping (MAP_ENTRY_COW) */
#define	MAP_NOFAULT		0x02
#define	MAP_STACK_GROWS_DOWN	0x04

struct vm_map {
	struct mtx	lock;		/* the map's lock */
	struct vm_map_entry header;	/* (m) sentinel: header.next is the lowest entry */
	int		nentries;	/* (m) */
	vm_size_t	size;		/* (m) bytes mapped */
	vm_map_entry_t	hint;		/* (m) the last entry looked up */
	vm_offset_t	min_offset;	/* (c) lowest address mappable */
	vm_offset_t	max_offset;	/* (c) one past the highest */
	pmap_t		pmap;		/* (c) */
	bool		system_map;	/* (c) the kernel's: entries never malloc'd under it */
};
typedef struct vm_map *vm_map_t;

struct vmspace {
	struct vm_map	vm_map;		/* must be first */
	int		vm_refcnt;	/* (m) threads/processes sharing it */
	vm_offset_t	vm_daddr;	/* (m) data segment start (sbrk) */
	vm_size_t	vm_dsize;	/* (m) data segment bytes */
	vm_offset_t	vm_stacktop;	/* (c) the user stack's top */
};

#define	vm_map_lock(map)	mtx_lock(&(map)->lock)
#define	vm_map_unlock(map)	mtx_unlock(&(map)->lock)
#define	vm_map_assert_locked(map) mtx_assert(&(map)->lock, MA_OWNED)
#define	vmspace_pmap(vm)	((vm)->vm_map.pmap)

/* Results, as FreeBSD's (and Mach's) KERN_* codes. */
#define	KERN_SUCCESS		0
#define	KERN_INVALID_ADDRESS	1	/* no entry there */
#define	KERN_PROTECTION_FAILURE	2	/* the entry forbids this access */
#define	KERN_NO_SPACE		3	/* no free range big enough */
#define	KERN_RESOURCE_SHORTAGE	6	/* no memory, even after waiting */
#define	KERN_FAILURE		5	/* the pager failed (I/O error) */

/* vm_fault fault_flags */
#define	VM_FAULT_NORMAL		0
#define	VM_FAULT_WIRE		0x01	/* wire the page (vm_map_wire, mlock) */
#define	VM_FAULT_LOAN		0x02	/* wire and loan the page (vm_fault_loan only) */

/* Maps. */
void	vm_map_init(vm_map_t map, pmap_t pmap, vm_offset_t min, vm_offset_t max);
int	vm_map_insert(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
	    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow);
int	vm_map_find(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
	    vm_offset_t *addr, vm_size_t length, bool find_space, vm_prot_t prot,
	    vm_prot_t max, int cow);
int	vm_map_remove(vm_map_t map, vm_offset_t start, vm_offset_t end);
int	vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    vm_prot_t new_prot, bool set_max);
int	vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    enum vm_inherit inh);
bool	vm_map_lookup_entry(vm_map_t map, vm_offset_t addr, vm_map_entry_t *entry);
int	vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr, vm_prot_t fault_type,
	    vm_map_entry_t *out_entry, vm_object_t *object, vm_pindex_t *pindex,
	    vm_prot_t *out_prot, bool *wired);
void	vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry);
bool	vm_map_check_protection(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    vm_prot_t prot);

/* Address spaces. */
struct vmspace *vmspace_alloc(vm_offset_t min, vm_offset_t max);
void	vmspace_free(struct vmspace *vm);
struct vmspace *vmspace_fork(struct vmspace *vm1);	/* COW per entry inheritance */

/* Faults (vm_fault.c). */
extern vm_map_t kernel_map;	/* pageable kernel memory (vm_kmap.c); NULL without the VM */
int	vm_fault(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type, int fault_flags);
int	vm_fault_loan(vm_map_t map, vm_offset_t vaddr, struct vm_page **mp);	/* zero-copy send */
const char *vm_fault_result_name(int rv);	/* "invalid address" etc., for messages */

#endif

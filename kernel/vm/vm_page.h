/*
 * vm/vm_page.h - the page structure: one struct vm_page per physical page.
 *
 * Every page of RAM the kernel manages has a struct vm_page in
 * vm_page_array[], made at boot by vm_page_startup().  It records who owns
 * the page (an object and an index in it), which queue it is on, what the
 * buddy allocator knows about it, and how many reasons keep it in place.
 *
 * Each field says which lock protects it (vm_lock.h takes them, FreeBSD's
 * rules):
 *   (f) the free-queue lock: vm_phys queues, PG_FREE/PG_CACHED/PG_ZERO
 *   (q) the page-queues lock: paging queues, wire counts, most PG_ flags
 *   (o) the object's lock: object, pindex, tree links, VPO_ flags, valid, dirty
 *   (c) constant after vm_page_startup()
 */
#ifndef _VM_VM_PAGE_H_
#define _VM_VM_PAGE_H_

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/queue.h>
#include <machine/vmparam.h>
#include <machine/pmap.h>		/* struct md_page */
#include <vm/vm_param.h>

struct vm_object;

/* A queue of pages (free queues, paging queues, an object's memq). */
TAILQ_HEAD(pglist, vm_page);

struct vm_page {
	TAILQ_ENTRY(vm_page) pageq;		/* (f) free queue, or (q) paging queue */
	TAILQ_ENTRY(vm_page) listq;		/* (o) the object's list of resident pages */
	struct vm_page	*left;		/* (o, f for cached pages) object tree links: */
	struct vm_page	*right;		/*     the resident tree, or the cache tree */
	struct vm_object *object;	/* (o) the object holding this page, or NULL */
	vm_pindex_t	pindex;		/* (o) the page's index in that object */
	vm_paddr_t	phys_addr;	/* (c) physical address of the page */
	uint16_t	flags;		/* PG_* below; lock per flag */
	uint8_t		oflags;		/* (o) VPO_* below */
	uint8_t		queue;		/* (q) PQ_* paging queue the page is on */
	uint8_t		order;		/* (f) order of the free block this page heads,
					 *     else VM_NFREEORDER */
	uint8_t		pool;		/* (f) VM_FREEPOOL_* of its free block */
	uint8_t		segind;		/* (c) index in vm_phys_segs[], or VM_PHYSSEG_NONE */
	uint8_t		valid;		/* (o) one bit per DEV_BSIZE chunk holding valid data */
	uint8_t		dirty;		/* (o) one bit per chunk changed since last written */
	uint8_t		busy;		/* (o) I/O in progress on part of the page */
	uint8_t		act_count;	/* (q) activity, aged by the page daemon */
	uint16_t	wire_count;	/* (q) wirings; > 0 keeps it off the paging queues */
	uint16_t	hold_count;	/* (q) holds; a freed held page waits on PQ_HOLD */
	uint16_t	cow;		/* (q) copy-on-write loans (vm_page_cowfault) */
	struct md_page	md;		/* (q) the machine's per-page state (pv list) */
};
typedef struct vm_page *vm_page_t;

/* m->flags */
#define	PG_CACHED	0x0001		/* (f) cached: in the buddy queues and in its
					 *     object's cache tree, data still valid */
#define	PG_FREE		0x0002		/* (f) free: in the buddy queues */
#define	PG_WINATCFLS	0x0004		/* (q) flush dirty page on inactive queue */
#define	PG_FICTITIOUS	0x0008		/* (c) not real memory */
#define	PG_WRITEABLE	0x0010		/* (q) a writable mapping may exist */
#define	PG_ZERO		0x0040		/* (f) known to be all zeroes */
#define	PG_REFERENCED	0x0080		/* (q) referenced since last scanned */
#define	PG_UNMANAGED	0x0800		/* (c after alloc) no pv entries, not paged */

/* m->oflags */
#define	VPO_BUSY	0x01		/* exclusive use by one thread */
#define	VPO_WANTED	0x02		/* someone sleeps until it is not busy */
#define	VPO_SWAPINPROG	0x04		/* swap I/O in progress */

/* m->queue */
#define	PQ_NONE		0
#define	PQ_INACTIVE	1
#define	PQ_ACTIVE	2
#define	PQ_HOLD		3
#define	PQ_COUNT	4

/*
 * The paging queues (FreeBSD 7's vm_pageq): PQ_INACTIVE, PQ_ACTIVE and
 * PQ_HOLD, each a TAILQ through m->pageq with the cnt counter it keeps.
 * A page is on at most one; free and cached pages are on none of them (they
 * are in the buddy queues), nor are wired pages.
 */
struct vpgqueues {
	struct pglist	pl;		/* (q) */
	u_int		*cnt;		/* (c) &cnt.v_*_count */
};
extern struct vpgqueues vm_page_queues[PQ_COUNT];

/* act_count aging, as FreeBSD 7 */
#define	ACT_DECLINE	1
#define	ACT_ADVANCE	3
#define	ACT_INIT	5
#define	ACT_MAX		64

#define	DEV_BSIZE	512
#define	VM_PAGE_BITS_ALL 0xff		/* PAGE_SIZE / DEV_BSIZE bits */
#define	VM_PHYSSEG_NONE	0xff

/* The page array (vm_page.c). */
extern vm_page_t vm_page_array;		/* (c) */
extern long vm_page_array_size;		/* (c) entries */
extern long first_page;			/* (c) dense: frame number of vm_page_array[0] */
extern uint32_t *vm_page_dump;		/* minidump bitmap: one bit per frame from 0 */
extern vm_size_t vm_page_dump_size;	/* bytes */
extern vm_paddr_t vm_page_array_pa;	/* where the array lives, for reports and tests */
extern vm_paddr_t vm_page_dump_pa;
extern uint64_t vm_page_startup_cycles;

vm_page_t vm_phys_paddr_to_vm_page(vm_paddr_t pa);
#define	PHYS_TO_VM_PAGE(pa)	vm_phys_paddr_to_vm_page(pa)
#define	VM_PAGE_TO_PHYS(m)	((m)->phys_addr)

void	vm_page_startup(void);
int	vm_page_array_carve(void);
void	vm_page_init_segs(void);	/* startup steps 4, 5: segments, struct vm_pages */
void	vm_page_free_segs(void);	/* startup step 6: free all but vm.blacklist */
bool	vm_page_ready(void);		/* vm_page_startup() completed */
struct ktest_ctx;
bool	ktest_need_vm(struct ktest_ctx *t);	/* fails t unless vm_page_ready() (ktest_page_array.c) */

/*
 * Map [pa, pa + size) into kernel virtual memory after `guard` unmapped
 * bytes; returns the mapping's start (vm_kmem.c: the only part of start-up
 * that maps memory).  Panics if there is no room.
 */
vm_offset_t vm_page_map_range(vm_paddr_t pa, vm_size_t size, vm_size_t guard);
void	dump_add_page(vm_paddr_t pa);
void	dump_drop_page(vm_paddr_t pa);

/*
 * A page's state when vm_page_startup() creates it: its address and
 * segment, not free (the allocator gets it next), owned by nobody.
 */
static inline void
vm_page_init_page(vm_page_t m, vm_paddr_t pa, int segind)
{
	*m = (struct vm_page){
		.phys_addr = pa,
		.order = VM_NFREEORDER,
		.segind = (uint8_t)segind,
		.pool = VM_FREEPOOL_DEFAULT,
		.queue = PQ_NONE,
	};
	pmap_page_init(m);
}

/*
 * The page was written through a mapping (the pmap saw PG_M): all of it is
 * dirty, as far as the pager can tell.  A cached page is never dirty.
 */
static inline void
vm_page_dirty(vm_page_t m)
{
	KASSERT((m->flags & PG_CACHED) == 0, ("vm_page_dirty: page %p is cached", m));
	m->dirty = VM_PAGE_BITS_ALL;
}

/* The page's contents reached its backing store: nothing is dirty. */
static inline void
vm_page_undirty(vm_page_t m)
{
	m->dirty = 0;
}

/* Allocation (vm_page.c). */
#define	VM_ALLOC_NORMAL		0x0000	/* class: keep the reserves */
#define	VM_ALLOC_INTERRUPT	0x0001	/* class: may take the last page */
#define	VM_ALLOC_SYSTEM		0x0002	/* class: may dip into the normal reserve */
#define	VM_ALLOC_CLASS_MASK	0x0003
#define	VM_ALLOC_WIRED		0x0020	/* return the page wired */
#define	VM_ALLOC_ZERO		0x0040	/* want a zeroed page; PG_ZERO says if it is */
#define	VM_ALLOC_RETRY		0x0080	/* vm_page_grab: sleep for memory or a busy page */
#define	VM_ALLOC_NOOBJ		0x0100	/* no object: DIRECT pool, unmanaged */
#define	VM_ALLOC_NOBUSY		0x0200	/* do not mark the page busy */

vm_page_t vm_page_alloc(struct vm_object *object, vm_pindex_t pindex, int req);
vm_page_t vm_page_alloc_freelist(int flind, int req);
vm_page_t vm_page_alloc_contig(u_long npages, vm_paddr_t low, vm_paddr_t high,
	    vm_paddr_t alignment, vm_paddr_t boundary, int req);
void	vm_page_free(vm_page_t m);
void	vm_page_free_zero(vm_page_t m);
void	vm_page_free_contig(vm_page_t m, u_long npages);
void	vm_page_print(vm_page_t m);
const char *vm_page_state(vm_page_t m);

/* Objects' pages (vm_page.c): object lock (o) held. */
void	vm_page_insert(vm_page_t m, struct vm_object *object, vm_pindex_t pindex);
void	vm_page_remove(vm_page_t m);
vm_page_t vm_page_lookup(struct vm_object *object, vm_pindex_t pindex);
void	vm_page_rename(vm_page_t m, struct vm_object *new_object, vm_pindex_t new_pindex);
vm_page_t vm_page_grab(struct vm_object *object, vm_pindex_t pindex, int allocflags);
vm_page_t vm_page_splay(vm_pindex_t pindex, vm_page_t root);
vm_page_t vm_page_tree_find(vm_page_t root, vm_pindex_t pindex);	/* no splay: checks */
void	vm_page_wakeup(vm_page_t m);		/* clear VPO_BUSY, wake sleepers */
void	vm_page_sleep(vm_page_t m, const char *wmesg);	/* until not busy; drops (o) */
void	vm_page_io_start(vm_page_t m);		/* m->busy++: pager I/O in progress */
void	vm_page_io_finish(vm_page_t m);

/* Page states (vm_page.c): page-queues lock (q) held. */
void	vm_pageq_init(void);
void	vm_pageq_enqueue(int queue, vm_page_t m);
void	vm_pageq_remove(vm_page_t m);
void	vm_pageq_requeue(vm_page_t m);
void	vm_page_activate(vm_page_t m);
void	vm_page_deactivate(vm_page_t m);
void	vm_page_wire(vm_page_t m);
void	vm_page_unwire(vm_page_t m, int activate);
void	vm_page_hold(vm_page_t m);
void	vm_page_unhold(vm_page_t m);

/* The cache queue (vm_page.c; lab 03). */
void	vm_page_cache(vm_page_t m);
void	vm_page_cache_remove(vm_page_t m);
vm_page_t vm_page_cache_lookup(struct vm_object *object, vm_pindex_t pindex);
void	vm_page_cache_free(struct vm_object *object, vm_pindex_t start, vm_pindex_t end);
void	vm_page_cache_transfer(struct vm_object *orig_object, vm_pindex_t offidxstart,
	    struct vm_object *new_object);

/* Copy-on-write loans: zero-copy send (vm_page.c; vm_page_cowfault is lab 04). */
int	vm_page_cowsetup(vm_page_t m);		/* (o) and (q) held: m->cow++, write-protect */
void	vm_page_cowclear(vm_page_t m);		/* (q) held: m->cow-- */
int	vm_page_cowfault(vm_page_t m);		/* (o) held, pip > 0: 0 or ENOMEM */

/* Every page-state invariant (`pages check`): 0, or -1 with the first broken one. */
int	vm_page_check(char *why, size_t size);

#endif

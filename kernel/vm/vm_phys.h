/*
 * vm/vm_phys.h - the physical memory allocator: a binary buddy system over
 * the segments of RAM, with free lists and pools.
 *
 *   vm_phys_free_queues[freelist][pool][order]
 *
 * holds blocks of 2^order physically contiguous pages, aligned to their
 * size.  A free list separates memory only some users can reach (the
 * machine's table, VM_FREELIST_TABLE in machine/vmparam.h, says which: e.g.
 * below 16 MiB for ISA DMA); a pool separates kinds of use (DEFAULT, DIRECT,
 * CACHE).  All of it is protected by the free-queue lock (f).
 */
#ifndef _VM_VM_PHYS_H_
#define _VM_VM_PHYS_H_

#include <sys/types.h>
#include <vm/vm_page.h>
#include <vm/vm_param.h>

/*
 * The free lists, as the machine describes them: the memory below `limit`
 * that no list with a lower limit holds.  vm_phys_freelists[] is the
 * machine's VM_FREELIST_TABLE, defined in vm_phys_table.c (not a lab file:
 * the grader and GDB read it from the kernel ELF); the boot lines print it.
 */
struct vm_freelist_desc {
	uint64_t	limit;		/* (c) exclusive upper bound of its memory */
	const char	*name;		/* (c) as printed: "default", "isadma", ... */
};
extern const struct vm_freelist_desc vm_phys_freelists[VM_NFREELIST];
extern const char *const vm_phys_pool_names[VM_NFREEPOOL];

/*
 * Segments: every phys_avail range, each cut at most once at every free-list
 * boundary (VM_NFREELIST - 1 of them).  Sized from phys_avail, so no range
 * that start-up can produce is ever dropped for want of a slot.
 */
#define	VM_PHYSSEG_MAX	(PHYS_AVAIL_ENTRIES - 1 + VM_NFREELIST - 1)

struct vm_freelist {
	struct pglist	pl;		/* (f) blocks, linked through the head's pageq */
	int		lcnt;		/* (f) how many */
};

struct vm_phys_seg {
	vm_paddr_t	start;		/* (c) first byte */
	vm_paddr_t	end;		/* (c) one past the last byte */
	vm_page_t	first_page;	/* (c) the vm_page of `start` */
	int		freelist;	/* (c) VM_FREELIST_* */
	struct vm_freelist (*free_queues)[VM_NFREEPOOL][VM_NFREEORDER];
};

extern struct vm_phys_seg vm_phys_segs[VM_PHYSSEG_MAX];
extern int vm_phys_nsegs;
extern struct vm_freelist vm_phys_free_queues[VM_NFREELIST][VM_NFREEPOOL][VM_NFREEORDER];

void	vm_phys_init(void);
int	vm_phys_add_seg(vm_paddr_t start, vm_paddr_t end, vm_page_t first);
vm_page_t vm_phys_seg_first_page(vm_paddr_t start, long *npages_left);
void	vm_phys_add_free_range(vm_paddr_t start, vm_paddr_t end);
vm_page_t vm_phys_alloc_pages(int pool, int order);
vm_page_t vm_phys_alloc_freelist_pages(int flind, int pool, int order);
void	vm_phys_free_pages(vm_page_t m, int order);
bool	vm_phys_unfree_page(vm_page_t m);
vm_page_t vm_phys_alloc_contig(u_long npages, vm_paddr_t low, vm_paddr_t high,
	    vm_paddr_t alignment, vm_paddr_t boundary);
void	vm_phys_free_contig(vm_page_t m, u_long npages);
void	vm_phys_set_pool(int pool, vm_page_t m, int order);
long	vm_phys_count_free(int pool, int order);	/* -1 for "any" */
long	vm_phys_freelist_pages(int flind);	/* free pages on one free list */
int	vm_phys_check(char *why, size_t size);	/* 0, or -1 with the broken invariant */
void	vm_phys_print(void);
void	vm_phys_print_freelists(void);	/* the boot's "vm_phys: free list" lines */

#endif

/*
 * vm_kmap.c - the kernel map: pageable kernel memory.
 *
 * Most kernel memory is wired: malloc's slabs, page tables, the page array,
 * kernel stacks are mapped with pmap_kenter and never fault.  Memory from
 * kmem_alloc_pageable is not: it is a range of the kernel map, a vm_map
 * like a process's (over kernel_pmap) whose entries name anonymous objects,
 * so its pages are zero-filled on first touch, paged out to swap by the
 * page daemon like any process's, and faulted back in - by the same
 * vm_fault, from the kernel page-fault handler (trap_kfault).
 *
 *   kva_alloc'ed at boot        KMAP_SIZE
 *   |<------------------------------------------------------------->|
 *   [ entry: object A ][ free ][ entry: object B ]        [ free ]
 *   kernel_map->min_offset                       kernel_map->max_offset
 *
 * The rule that comes with it (FreeBSD's): pageable memory may be touched
 * only where the kernel may sleep - not in an interrupt handler, not in a
 * critical section, not holding a spin mutex, not holding a sleep mutex
 * the fault path takes (an object lock, the page queues lock, the kernel
 * map's own lock).  trap_kfault panics with the reason on the first three;
 * witness catches the last.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/vm_map.h>
#include <vm/pmap.h>

#define	KMAP_SIZE	(32u << 20)		/* kernel virtual space for pageable memory */

static struct vm_map kernel_map_store;
vm_map_t kernel_map;				/* NULL until kmap_init (no VM: lab 01's stub) */

void
kmap_init(void)
{
	vm_offset_t va = kva_alloc(KMAP_SIZE);

	if (va == 0)
		panic("kmap_init: no %u MiB of kernel virtual space for the kernel map",
		    KMAP_SIZE >> 20);
	vm_map_init(&kernel_map_store, kernel_pmap, va, va + KMAP_SIZE);
	kernel_map = &kernel_map_store;
}

/* size bytes (rounded up to pages) of pageable kernel memory, zero on first touch; 0 if none. */
vm_offset_t
kmem_alloc_pageable(vm_size_t size)
{
	vm_offset_t addr;

	if (kernel_map == NULL || size == 0 || size > KMAP_SIZE)
		return (0);
	addr = kernel_map->min_offset;
	if (vm_map_find(kernel_map, NULL, 0, &addr, round_page(size), true, VM_PROT_RW,
	    VM_PROT_RW, 0) != KERN_SUCCESS)
		return (0);
	return (addr);
}

/* Give back kmem_alloc_pageable's range: its pages and swap go with it. */
void
kmem_free_pageable(vm_offset_t addr, vm_size_t size)
{
	int rv = vm_map_remove(kernel_map, addr, addr + round_page(size));

	KASSERT(rv == KERN_SUCCESS, ("%s: %#jx+%#jx: %s", __func__, (uintmax_t)addr,
	    (uintmax_t)size, vm_fault_result_name(rv)));
	(void)rv;
}

bool
kmap_contains(vm_offset_t va)
{
	return (kernel_map != NULL && va >= kernel_map->min_offset && va < kernel_map->max_offset);
}

/*
 * A kernel-mode page fault at va: resolved through the kernel map if va is
 * pageable kernel memory (KERN_SUCCESS), else why not - the caller (the
 * machine's trap handler) then treats it as the fatal trap it is.  A fault
 * where the kernel may not sleep is a bug in the caller: panic, saying which.
 */
int
trap_kfault(vm_offset_t va, bool write)
{
	struct thread *td = curthread;

	if (!kmap_contains(va))
		return (KERN_INVALID_ADDRESS);
	if (td->td_intr_nest > 0 || td->td_spinlocks > 0 || td->td_critnest > 0)
		panic("page fault on pageable kernel memory at %#jx %s", (uintmax_t)va,
		    td->td_intr_nest > 0 ? "in an interrupt handler" :
		    td->td_spinlocks > 0 ? "with a spin mutex held" : "in a critical section");
	return (vm_fault(kernel_map, trunc_page(va), write ? VM_PROT_WRITE : VM_PROT_READ,
	    VM_FAULT_NORMAL));
}

/*
 * vm_kmem.c - kernel memory backed by the page allocator: the page array's
 * mapping, malloc's growth and physically contiguous memory.  This is the
 * part of the page layer that maps memory, so the hosted build (tests/host)
 * leaves it out and supplies its own vm_page_map_range().
 *
 * malloc grows in chunks of pages taken from the DIRECT pool (no object,
 * unmanaged, wired).  On amd64 that pool is reached through the direct map
 * and the buddy allocator's stealing keeps it physically clustered; on i386,
 * which has no direct map, DIRECT is an alias of DEFAULT and the pages are
 * mapped at fresh kernel virtual addresses.  Malloc'd pages go in the
 * minidump (dump_add_page): a crash dump without the kernel heap is useless.
 *
 * contigmalloc() is what a driver calls for a DMA buffer: `size` bytes of
 * physically contiguous memory in [low, high), aligned, not crossing a
 * boundary, mapped into kernel virtual memory.  The buddy allocator makes
 * this robust: vm_phys_alloc_contig() finds the run among its free blocks
 * (FreeBSD's old contigmalloc scanned every page under Giant).
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	KMEM_GROW_MIN	(64 * PAGE_SIZE)

/* Map [pa, pa + size) at fresh KVA, after `guard` unmapped bytes; returns the mapping. */
vm_offset_t
vm_page_map_range(vm_paddr_t pa, vm_size_t size, vm_size_t guard)
{
	vm_offset_t va = kva_alloc(guard + size);

	if (va == 0)
		panic("vm_page_startup: no kernel virtual space for %ju bytes", (uintmax_t)size);
	for (vm_size_t off = 0; off < size; off += PAGE_SIZE)
		pmap_kenter(va + guard + off, pa + off);
	return (va + guard);
}

static void *
kmem_malloc_grow(size_t need, size_t *got)
{
	vm_size_t size = MAX(round_page((vm_size_t)need), KMEM_GROW_MIN);
	vm_offset_t va = kva_alloc(size);
	vm_size_t off;
	vm_page_t m;

	if (va == 0)
		return (NULL);
	for (off = 0; off < size; off += PAGE_SIZE) {
		m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);
		if (m == NULL)
			break;
		pmap_kenter(va + off, VM_PAGE_TO_PHYS(m));
		dump_add_page(VM_PAGE_TO_PHYS(m));
	}
	if (off < MAX(round_page((vm_size_t)need), PAGE_SIZE)) {	/* not enough: undo */
		while (off > 0) {
			off -= PAGE_SIZE;
			m = PHYS_TO_VM_PAGE(pmap_kextract(va + off));
			pmap_kremove(va + off);
			dump_drop_page(VM_PAGE_TO_PHYS(m));
			vm_page_free(m);
		}
		kva_free(va, size);
		return (NULL);
	}
	if (off < size)
		kva_free(va + off, size - off);
	*got = off;
	return ((void *)va);
}

/* Called at the end of vm_page_startup(): malloc may now grow. */
void
kmem_init(void)
{
	malloc_grow_hook = kmem_malloc_grow;
}

void *
contigmalloc(vm_size_t size, vm_paddr_t low, vm_paddr_t high, vm_paddr_t alignment,
    vm_paddr_t boundary)
{
	u_long npages = atop(round_page(size));
	vm_offset_t va;
	vm_page_t m;

	if (npages == 0 || !vm_page_ready())
		return (NULL);
	if ((va = kva_alloc(ptoa(npages))) == 0)
		return (NULL);
	m = vm_page_alloc_contig(npages, low, high, MAX(alignment, PAGE_SIZE), boundary,
	    VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);
	if (m == NULL) {
		kva_free(va, ptoa(npages));
		return (NULL);
	}
	for (u_long i = 0; i < npages; i++)
		pmap_kenter(va + ptoa(i), VM_PAGE_TO_PHYS(&m[i]));
	return ((void *)va);
}

void
contigfree(void *addr, vm_size_t size)
{
	vm_offset_t va = (vm_offset_t)addr;
	u_long npages = atop(round_page(size));
	vm_page_t m = PHYS_TO_VM_PAGE(pmap_kextract(va));

	KASSERT(m != NULL, ("contigfree: %p is not mapped", addr));
	for (u_long i = 0; i < npages; i++) {
		KASSERT(VM_PAGE_TO_PHYS(&m[i]) == pmap_kextract(va + ptoa(i)),
		    ("contigfree: %p is not one contigmalloc run", addr));
		pmap_kremove(va + ptoa(i));
	}
	vm_page_free_contig(m, npages);
	kva_free(va, ptoa(npages));
}

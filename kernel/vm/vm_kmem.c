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
#define	KMEM_BATCH	64		/* pages mapped by one pmap_qenter() */

/*
 * Allocate up to `want` pages (at most KMEM_BATCH) and map them at va;
 * returns how many it got.
 */
static int
kmem_back_batch(vm_offset_t va, int want)
{
	vm_page_t ma[KMEM_BATCH];
	int n;

	for (n = 0; n < want; n++) {
		ma[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);
		if (ma[n] == NULL)
			break;
		dump_add_page(VM_PAGE_TO_PHYS(ma[n]));
	}
	pmap_qenter(va, ma, n);
	return (n);
}

/*
 * Map [pa, pa + size) for vm_page_startup and return the mapping.  With a
 * guard, at fresh KVA after `guard` unmapped bytes, page by page, on every
 * machine: a direct map (amd64) has no hole to put before the array.  If
 * there is no KVA for that (amd64 with tens of GiB), or no guard is asked
 * for, pmap_map() decides: fresh KVA on i386, the direct map on amd64.
 */
vm_offset_t
vm_page_map_range(vm_paddr_t pa, vm_size_t size, vm_size_t guard)
{
	vm_offset_t va = kva_alloc(guard + size), virt, mapped;

	if (va != 0 && guard != 0) {
		for (vm_size_t off = 0; off < size; off += PAGE_SIZE)
			pmap_kenter(va + guard + off, pa + off);
		return (va + guard);
	}
	if (va == 0 && guard != 0) {
		printf("vm_page_startup: no kernel virtual space for %ju bytes and a guard page; "
		    "mapping them without one\n", (uintmax_t)size);
		va = kva_alloc(size);
	}
	virt = va;
	mapped = pmap_map(&virt, pa, pa + size, VM_PROT_RW);
	if (va == 0 && mapped == 0)
		panic("vm_page_startup: no kernel virtual space for %ju bytes", (uintmax_t)size);
	if (va != 0 && mapped != va)	/* mapped elsewhere (amd64: the direct map) */
		kva_free(va, size);
	return (mapped);
}

static void *
kmem_malloc_grow(size_t need, size_t *got)
{
	vm_size_t size = MAX(round_page((vm_size_t)need), KMEM_GROW_MIN);
	vm_offset_t va = kva_alloc(size);
	vm_size_t off;
	vm_page_t m;
	int want, n;

	if (va == 0)
		return (NULL);
	for (off = 0; off < size; off += ptoa(n)) {
		want = (int)MIN(atop(size - off), (vm_size_t)KMEM_BATCH);
		n = kmem_back_batch(va + off, want);
		if (n < want) {
			off += ptoa(n);
			break;
		}
	}
	if (off < MAX(round_page((vm_size_t)need), PAGE_SIZE)) {	/* not enough: undo */
		while (off > 0) {
			off -= PAGE_SIZE;
			m = PHYS_TO_VM_PAGE(pmap_kextract(va + off));
			pmap_qremove(va + off, 1);
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

/* Called by vm_mem_init() once the page allocator runs: malloc may now grow. */
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
	vm_offset_t va, virt, mapped;
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
	virt = va;
	mapped = pmap_map(&virt, VM_PAGE_TO_PHYS(m), VM_PAGE_TO_PHYS(m) + ptoa(npages),
	    VM_PROT_RW);
	if (mapped != va)		/* a direct map: the KVA is not needed */
		kva_free(va, ptoa(npages));
	return ((void *)mapped);
}

void
contigfree(void *addr, vm_size_t size)
{
	vm_offset_t va = (vm_offset_t)addr;
	u_long npages = atop(round_page(size));
	vm_page_t m = PHYS_TO_VM_PAGE(pmap_kextract(va));

	bool kva = kva_contains(va);	/* false: pmap_map gave a direct-map address */

	KASSERT(m != NULL, ("contigfree: %p is not mapped", addr));
	for (u_long i = 0; i < npages; i++) {
		KASSERT(VM_PAGE_TO_PHYS(&m[i]) == pmap_kextract(va + ptoa(i)),
		    ("contigfree: %p is not one contigmalloc run", addr));
		if (kva)
			pmap_kremove(va + ptoa(i));
	}
	vm_page_free_contig(m, npages);
	if (kva)
		kva_free(va, ptoa(npages));
}

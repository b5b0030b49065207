/*
 * vm_kmem.c - kernel memory backed by the page allocator: malloc's growth,
 * physically contiguous memory, and the monitor's windows onto the buddy
 * allocator.
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
#include <sys/kenv.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
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

	KASSERT(m != NULL, ("contigfree: %p is not mapped", addr));
	for (u_long i = 0; i < npages; i++) {
		KASSERT(VM_PAGE_TO_PHYS(&m[i]) == pmap_kextract(va + ptoa(i)),
		    ("contigfree: %p is not one contigmalloc run", addr));
		pmap_kremove(va + ptoa(i));
		m[i].flags = 0;
		m[i].wire_count = 0;
	}
	cnt.v_wire_count -= (u_int)npages;
	vm_phys_free_contig(m, npages);
	kva_free(va, ptoa(npages));
}

MONITOR_CMD(buddy, "[check]", "free blocks by order and pool (vm.phys_free)")
{
	char why[160];

	vm_phys_print();
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		if (vm_phys_check(why, sizeof(why)) == 0)
			printf("all free-queue invariants hold\n");
		else
			printf("BROKEN: %s\n", why);
	}
	return (0);
}

/*
 * contig's arguments, parsed into 64 bits and checked against what this
 * configuration can hold before they are narrowed to vm_paddr_t / u_long:
 * npages below atop(PHYS_ADDR_LIMIT) (no bigger run can exist), low at
 * most PADDR_MAX, high at most PADDR_MAX + 1 except where vm_paddr_t cannot
 * hold it (plain i386: 0xffffffff), align and boundary at most PADDR_MAX.
 */
static bool
contig_args(int argc, char **argv, uint64_t *v)
{
	static const char *const names[] = { "npages", "low", "high", "align", "boundary" };
	const uint64_t max[] = { atop(PHYS_ADDR_LIMIT) - 1, PADDR_MAX,
	    MIN(PHYS_ADDR_LIMIT, (uint64_t)(vm_paddr_t)~(vm_paddr_t)0), PADDR_MAX, PADDR_MAX };
	char *end;
	int error;

	for (int i = 1; i < argc; i++) {
		error = kstrtou64(argv[i], &end, max[i - 1], &v[i - 1]);
		if (error == ERANGE && *end == '\0') {
			printf("contig: %s %s is too large: at most %#jx on %s\n", names[i - 1],
			    argv[i], (uintmax_t)max[i - 1], MACHINE_CONFIG);
			return (false);
		}
		if (error != 0 || *end != '\0') {
			printf("contig: %s \"%s\" is not a number\n", names[i - 1], argv[i]);
			return (false);
		}
	}
	if (v[0] == 0 || v[3] == 0 || !powerof2(v[3]) || (v[4] != 0 && !powerof2(v[4]))) {
		printf("contig: npages must be > 0; align and boundary powers of two\n");
		return (false);
	}
	if (v[1] >= v[2]) {
		printf("contig: the range [%#jx, %#jx) is empty\n", (uintmax_t)v[1], (uintmax_t)v[2]);
		return (false);
	}
	return (true);
}

MONITOR_CMD(contig, "<npages> [low high align bound]", "try vm_phys_alloc_contig, then free")
{
	uint64_t v[5] = { 0, 0, (vm_paddr_t)~(vm_paddr_t)0, PAGE_SIZE, 0 };
	vm_paddr_t low, high;
	vm_page_t m;

	if (argc < 2 || argc > 6) {
		printf("usage: contig <npages> [low high align boundary]\n");
		return (0);
	}
	if (!contig_args(argc, argv, v))
		return (0);
	low = (vm_paddr_t)v[1];
	high = (vm_paddr_t)v[2];
	m = vm_phys_alloc_contig((u_long)v[0], low, high, (vm_paddr_t)v[3], (vm_paddr_t)v[4]);
	if (m == NULL) {
		printf("no run of %ju pages in [%#jx, %#jx) aligned %#jx, boundary %#jx\n",
		    (uintmax_t)v[0], (uintmax_t)low, (uintmax_t)high, (uintmax_t)v[3],
		    (uintmax_t)v[4]);
		return (0);
	}
	if (VM_PAGE_TO_PHYS(m) < low || (uint64_t)VM_PAGE_TO_PHYS(m) + ptoa(v[0]) > v[2])
		printf("BROKEN: vm_phys_alloc_contig returned a run outside [%#jx, %#jx)\n",
		    (uintmax_t)low, (uintmax_t)v[2]);
	printf("%ju pages at %#jx - %#jx; freed again\n", (uintmax_t)v[0],
	    (uintmax_t)VM_PAGE_TO_PHYS(m), (uintmax_t)(VM_PAGE_TO_PHYS(m) + ptoa(v[0])));
	vm_phys_free_contig(m, (u_long)v[0]);
	return (0);
}

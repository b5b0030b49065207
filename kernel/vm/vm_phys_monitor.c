/*
 * vm_phys_monitor.c - the monitor's windows onto the buddy allocator:
 * `buddy` prints the free queues and checks their invariants, `contig`
 * tries one vm_phys_alloc_contig() and frees the run again.
 *
 * Beside vm_phys.c rather than in it, so that lab 02's file holds the
 * allocator alone.  It builds in the hosted harness too (tests/host).
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_phys_batch.h>
#include <vm/vm_lock.h>

MONITOR_CMD(buddy, "[check]", "free blocks by order and pool (vm.phys_free)")
{
	char why[160];

	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_print();
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		if (vm_phys_check(why, sizeof(why)) == 0)
			printf("all free-queue invariants hold\n");
		else
			printf("BROKEN: %s\n", why);
	}
	mtx_unlock(&vm_page_queue_free_mtx);
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
	mtx_lock(&vm_page_queue_free_mtx);
	vm_phys_drain();	/* the run may need pages an order-0 batch holds */
	m = vm_phys_alloc_contig((u_long)v[0], low, high, (vm_paddr_t)v[3], (vm_paddr_t)v[4]);
	if (m != NULL)
		vm_phys_free_contig(m, (u_long)v[0]);
	mtx_unlock(&vm_page_queue_free_mtx);
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
	return (0);
}

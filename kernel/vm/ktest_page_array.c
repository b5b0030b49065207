/*
 * ktest_page_array.c - lab 01's in-kernel tests: the page array.
 *
 * These tests judge nothing themselves.  They print what the kernel built -
 * where the array and bitmap are (physical addresses come from the pmap, not
 * from the variables the lab sets), which vm_page each physical page maps to,
 * which pages the allocator hands out - and the grader recomputes what each
 * answer must be from the memory size it gave QEMU and the kernel's ELF file.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	RUN_LINES_MAX	64


/* The array's and the bitmap's placement, as the pmap sees it. */
static void
report_layout(struct ktest_ctx *t)
{
	vm_offset_t av = (vm_offset_t)vm_page_array, bv = (vm_offset_t)vm_page_dump;

#ifdef VM_PHYSSEG_DENSE
	ktest_data(t, "mode dense");
#else
	ktest_data(t, "mode sparse");
#endif
	ktest_data(t, "sizeof %zu", sizeof(struct vm_page));
	ktest_data(t, "array %#jx %ld %#jx", (uintmax_t)av, vm_page_array_size,
	    (uintmax_t)pmap_kextract(av));
	ktest_data(t, "bitmap %#jx %ju %#jx", (uintmax_t)bv, (uintmax_t)vm_page_dump_size,
	    (uintmax_t)pmap_kextract(bv));
	ktest_data(t, "guard %#jx %#jx", (uintmax_t)(av - PAGE_SIZE),
	    (uintmax_t)pmap_kextract(av - PAGE_SIZE));
	/* Is the array physically contiguous, as one carve makes it? */
	vm_size_t bytes = round_page((vm_size_t)vm_page_array_size * sizeof(struct vm_page));
	vm_paddr_t pa0 = pmap_kextract(av);
	vm_offset_t off;
	for (off = PAGE_SIZE; off < bytes; off += PAGE_SIZE)
		if (pmap_kextract(av + off) != pa0 + off)
			break;
	ktest_data(t, "array_contiguous %s", off >= bytes ? "yes" : "no");
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++)
		ktest_data(t, "phys_avail %#jx %#jx", (uintmax_t)phys_avail[2 * i],
		    (uintmax_t)phys_avail[2 * i + 1]);
}

KTEST(page_array, KTEST_VM)
{
	int lines = 0, bad = 0;

	if (!ktest_need_vm(t))
		return;
	report_layout(t);
	/*
	 * Every available page: runs of pages whose vm_pages are consecutive,
	 * and every page whose vm_page does not point back at it.
	 */
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++) {
		vm_paddr_t run_pa = 0;
		vm_page_t run_m = NULL;
		long run_n = 0;

		for (vm_paddr_t pa = phys_avail[2 * i]; pa < phys_avail[2 * i + 1]; pa += PAGE_SIZE) {
			vm_page_t m = PHYS_TO_VM_PAGE(pa);

			if (m == NULL || VM_PAGE_TO_PHYS(m) != pa) {
				if (bad++ < 8)
					ktest_data(t, "bad %#jx %p %#jx", (uintmax_t)pa, m,
					    m != NULL ? (uintmax_t)VM_PAGE_TO_PHYS(m) : 0);
			}
			if (run_n > 0 && m == run_m + run_n && m != NULL) {
				run_n++;
				continue;
			}
			if (run_n > 0 && lines++ < RUN_LINES_MAX)
				ktest_data(t, "run %#jx %ld %p", (uintmax_t)run_pa, run_n, run_m);
			run_pa = pa;
			run_m = m;
			run_n = 1;
		}
		if (run_n > 0 && lines++ < RUN_LINES_MAX)
			ktest_data(t, "run %#jx %ld %p", (uintmax_t)run_pa, run_n, run_m);
	}
	ktest_data(t, "runs %d bad %d", lines, bad);
}

/* PHYS_TO_VM_PAGE of the grader's addresses: lab01.probe=pa,pa,... */
KTEST(phys_probe, KTEST_VM)
{
	const char *s = kenv_get("lab01.probe");
	char *end;
	int n = 0;

	if (!ktest_need_vm(t))
		return;
	KT_CHECK(t, s != NULL, "no lab01.probe= on the command line");
	report_layout(t);
	while (*s != '\0') {
		vm_paddr_t pa = (vm_paddr_t)strtoull(s, &end, 16);
		vm_page_t m;

		KT_CHECK(t, end != s, "bad address in lab01.probe at \"%.20s\"", s);
		m = PHYS_TO_VM_PAGE(pa);
		ktest_data(t, "probe %#jx %p %#jx", (uintmax_t)pa, m,
		    m != NULL ? (uintmax_t)VM_PAGE_TO_PHYS(m) : 0);
		n++;
		s = (*end == ',') ? end + 1 : end;
	}
	ktest_detail(t, "probes=%d", n);
}

/* Touch vm_page_array[-1]: the guard page must turn that into a page fault. */
KTEST(guard, KTEST_VM | KTEST_EXPLICIT)
{
	volatile char *p;

	if (!ktest_need_vm(t))
		return;
	report_layout(t);
	p = (volatile char *)(vm_page_array - 1);
	ktest_data(t, "touch %p", p);
	(void)*p;
	ktest_fail(t, "reading vm_page_array[-1] at %p did not fault", p);
}

/*
 * Allocate every page the allocator will give, note each in a frame
 * bitmap, print the allocated frames as runs, and give them all back.
 */
KTEST(drain, KTEST_VM)
{
	vm_paddr_t high = 0;
	uint32_t *map;
	vm_page_t m, list = NULL;
	u_int before = cnt.v_free_count, got = 0, dups = 0;
	int lines = 0;

	if (!ktest_need_vm(t))
		return;
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++)
		high = phys_avail[2 * i + 1];
	map = calloc((size_t)(atop(high) / 32 + 1), sizeof(*map));
	KT_CHECK(t, map != NULL, "no memory for a %ju-frame bitmap", (uintmax_t)atop(high));
	while ((m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT)) != NULL) {
		vm_paddr_t f = atop(VM_PAGE_TO_PHYS(m));

		if (f < atop(high) && (map[f / 32] & (1u << (f % 32))) != 0 && dups++ < 8)
			ktest_data(t, "dup %#jx", (uintmax_t)VM_PAGE_TO_PHYS(m));
		if (f < atop(high))
			map[f / 32] |= 1u << (f % 32);
		else
			ktest_data(t, "beyond %#jx", (uintmax_t)VM_PAGE_TO_PHYS(m));
		/* Chain the pages through their own struct vm_page to free them later. */
		m->object = (struct vm_object *)list;
		list = m;
		got++;
	}
	for (vm_paddr_t f = 0; f < atop(high);) {
		if ((map[f / 32] & (1u << (f % 32))) == 0) {
			f++;
			continue;
		}
		vm_paddr_t s = f;
		while (f < atop(high) && (map[f / 32] & (1u << (f % 32))) != 0)
			f++;
		if (lines++ < 4 * RUN_LINES_MAX)
			ktest_data(t, "alloc %#jx %ju", (uintmax_t)ptoa(s), (uintmax_t)(f - s));
	}
	while (list != NULL) {
		m = list;
		list = (vm_page_t)m->object;
		m->object = NULL;
		vm_page_free(m);
	}
	free(map);
	ktest_data(t, "count got=%u dups=%u before=%u after=%u lines=%d", got, dups, before,
	    cnt.v_free_count, lines);
}

/* Time vm_page_startup(): cpu_ticks, and ticks per clock tick to convert. */
KTEST(startup_time, KTEST_VM)
{
	uint64_t t0, t1;
	volatile uint64_t start;

	if (!ktest_need_vm(t))
		return;
	start = ticks;
	while (ticks == start)
		cpu_idle();
	t0 = cpu_ticks();
	start = ticks;
	while (ticks < start + 5)
		cpu_idle();
	t1 = cpu_ticks();
	ktest_data(t, "pages %ld cycles %ju cycles_per_ms %ju", vm_page_array_size,
	    (uintmax_t)vm_page_startup_cycles, (uintmax_t)((t1 - t0) / (5 * 1000 / HZ)));
}

/* Nothing but a boot that includes vm_page_startup(), for the boot benchmark. */
KTEST(vm_boot, KTEST_VM)
{
	if (!ktest_need_vm(t))
		return;
	ktest_detail(t, "pages=%ld free=%u", vm_page_array_size, cnt.v_free_count);
}

/*
 * ktest_page_array.c - lab 01's in-kernel tests: the page array.
 *
 * These tests judge nothing themselves.  They print what the kernel built -
 * where the array and bitmap are (physical addresses come from the pmap, not
 * from the variables the lab sets), which vm_page each physical page maps to,
 * which pages the allocator hands out - and the grader recomputes what each
 * answer must be from the memory size it gave QEMU and the kernel's ELF file.
 *
 * QEMU's RAM starts zeroed, so a carve that forgets to clear the minidump
 * bitmap would go unnoticed: dump_poison runs before vm_page_startup() and
 * fills the bitmap's future place with a pattern the grader chose, and
 * dump_bitmap later reports which bits are set.
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

/* For VM ktests: fail the test, saying why, if there is no page array. */
bool
ktest_need_vm(struct ktest_ctx *t)
{
	if (!vm_page_ready())
		ktest_fail(t, "the VM system is off: vm_page_startup() built no page array");
	return (vm_page_ready());
}


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

/* One PHYS_TO_VM_PAGE answer, as a KDATA line tagged `tag`. */
static void
probe_one(struct ktest_ctx *t, const char *tag, vm_paddr_t pa)
{
	vm_page_t m = PHYS_TO_VM_PAGE(pa);

	ktest_data(t, "%s %#jx %p %#jx", tag, (uintmax_t)pa, m,
	    m != NULL ? (uintmax_t)VM_PAGE_TO_PHYS(m) : 0);
}

#define	EDGE_INSIDE	0x4d1	/* an unaligned offset into a segment's first page */

/*
 * PHYS_TO_VM_PAGE of the grader's addresses: lab01.probe=pa,pa,...; then
 * of every segment's edges, which depend on where the boot allocations end
 * and where the carve starts: its first byte, a byte inside its first page,
 * its last byte and the byte just past its end (the grader recomputes the
 * segments from the phys_avail this test reports).
 */
KTEST(phys_probe, KTEST_VM)
{
	const char *s = kenv_get("lab01.probe");
	char *end;
	int n = 0;

	if (!ktest_need_vm(t))
		return;
	KT_SKIP_UNLESS(t, s != NULL, "needs lab01.probe= on the command line");
	report_layout(t);
	while (*s != '\0') {
		vm_paddr_t pa = (vm_paddr_t)strtoull(s, &end, 16);

		KT_CHECK(t, end != s, "bad address in lab01.probe at \"%.20s\"", s);
		probe_one(t, "probe", pa);
		n++;
		s = (*end == ',') ? end + 1 : end;
	}
	for (int i = 0; i < vm_phys_nsegs; i++) {
		struct vm_phys_seg *seg = &vm_phys_segs[i];

		probe_one(t, "edge", seg->start);
		probe_one(t, "edge", seg->start + EDGE_INSIDE);
		probe_one(t, "edge", seg->end - 1);
		probe_one(t, "edge", seg->end);
	}
	ktest_detail(t, "probes=%d segments=%d", n, vm_phys_nsegs);
}

/*
 * The bitmap's size by the handout's contract: one bit per frame below the
 * end of the last phys_avail range, in 32-bit words, whole pages.
 */
static vm_size_t
dump_bytes_expected(void)
{
	vm_paddr_t high = 0;

	for (int i = 0; phys_avail[2 * i + 1] != 0; i++)
		high = phys_avail[2 * i + 1];
	return (round_page((vm_size_t)((atop(high) + 31) / 32 * sizeof(uint32_t))));
}

/*
 * Before vm_page_startup() (a boot-phase test): write the 32-bit pattern
 * lab01.poison=0x... over the top bitmap-size bytes of every phys_avail
 * range, where a carve by the contract puts the bitmap.  Nothing uses free
 * RAM yet (page tables and the boot malloc arena are boot allocations, not
 * in phys_avail), and vm_page_startup() initialises every vm_page it reads,
 * so only memory the kernel must clear or ignore is touched.  Without
 * lab01.poison (test=all) it writes nothing; the grader checks that its
 * `poison` lines cover the bitmap.
 */
KTEST(dump_poison, 0)
{
	uint64_t pattern;
	vm_size_t bytes = dump_bytes_expected();

	if (kenv_get("lab01.poison") == NULL) {		/* e.g. test=all: nothing asked */
		ktest_detail(t, "no lab01.poison=<32-bit pattern>: nothing written");
		return;
	}
	KT_CHECK(t, tunable_u64_max("lab01.poison", UINT32_MAX, &pattern),
	    "lab01.poison must be a 32-bit pattern");
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++) {
		vm_paddr_t end = phys_avail[2 * i + 1], pa = phys_avail[2 * i];

		if (end - pa > bytes)
			pa = end - bytes;
		ktest_data(t, "poison %#jx %#jx", (uintmax_t)pa, (uintmax_t)end);
		for (; pa < end; pa += PAGE_SIZE) {
			uint32_t *w = pmap_map_temp(pa);

			for (u_int k = 0; k < PAGE_SIZE / sizeof(*w); k++)
				w[k] = (uint32_t)pattern;
			pmap_unmap_temp(w);
		}
	}
}

/*
 * After start-up: the set bits of the bitmap, read from the physical pages
 * its mapping points at, as runs of frames (the grader checks them against
 * the pages the kernel may have put there with dump_add_page).
 */
KTEST(dump_bitmap, KTEST_VM)
{
	vm_offset_t bv = (vm_offset_t)vm_page_dump;
	uint64_t bits = 0;
	vm_paddr_t run_f = 0, run_n = 0;
	int lines = 0;

	if (!ktest_need_vm(t))
		return;
	for (vm_size_t off = 0; off < vm_page_dump_size; off += PAGE_SIZE) {
		vm_paddr_t pa = pmap_kextract(bv + off);
		uint32_t *w;

		KT_CHECK(t, pa != 0, "the bitmap's page at offset %#jx is not mapped", (uintmax_t)off);
		w = pmap_map_temp(pa);
		for (u_int k = 0; k < PAGE_SIZE / sizeof(*w); k++) {
			for (u_int b = 0; b < 32 && w[k] != 0; b++) {
				vm_paddr_t f = (vm_paddr_t)(off / sizeof(*w) + k) * 32 + b;

				if ((w[k] & (1u << b)) == 0)
					continue;
				bits++;
				if (run_n > 0 && f == run_f + run_n) {
					run_n++;
					continue;
				}
				if (run_n > 0 && lines++ < RUN_LINES_MAX)
					ktest_data(t, "dumpset %#jx %ju", (uintmax_t)run_f, (uintmax_t)run_n);
				run_f = f;
				run_n = 1;
			}
		}
		pmap_unmap_temp(w);
	}
	if (run_n > 0 && lines++ < RUN_LINES_MAX)
		ktest_data(t, "dumpset %#jx %ju", (uintmax_t)run_f, (uintmax_t)run_n);
	ktest_data(t, "dumpbits %ju runs %d", (uintmax_t)bits, lines);
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

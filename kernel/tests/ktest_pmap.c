/*
 * ktest_pmap.c - in-kernel tests of the pmap interface.
 *
 * They use only vm/pmap.h, so the same tests exercise the two-level i386,
 * the three-level PAE and (later) the amd64 implementations.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>
#include <sys/malloc.h>

/* A page from phys_avail at or above `low`, picked by the test's rng; 0 if none. */
static vm_paddr_t
pick_page(struct ktest_ctx *t, vm_paddr_t low)
{
	for (int i = 0; phys_avail[2 * i + 1] != 0; i++) {
		vm_paddr_t s = MAX(phys_avail[2 * i], low), e = phys_avail[2 * i + 1];

		if (s + PAGE_SIZE <= e)
			return (s + ptoa(rng_next(&t->rng) % atop(e - s)));
	}
	return (0);
}

static void
fill(void *p, uint64_t pattern)
{
	uint64_t *w = p;

	for (unsigned i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] = pattern ^ i;
}

static bool
check(const void *p, uint64_t pattern)
{
	const uint64_t *w = p;

	for (unsigned i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i] != (pattern ^ i))
			return (false);
	return (true);
}

/*
 * A page above 4 GiB, written through one temporary mapping and read back
 * through a second, independent one (a pmap_kenter window).  Its alias below
 * 4 GiB must be untouched: a truncated vm_paddr_t would write there instead.
 */
KTEST(pae_high, 0)
{
	uint64_t pattern = rng_next(&t->rng), low_pattern;
	vm_paddr_t pa, alias;
	vm_offset_t win;
	void *p;

	KT_SKIP_UNLESS(t, sizeof(vm_paddr_t) == 8,
	    "needs a 64-bit vm_paddr_t (CONFIG=i386-pae): this configuration cannot "
	    "address memory above 4 GiB");
	(void)tunable_u64("ktest.pattern", &pattern);
	pa = pick_page(t, (vm_paddr_t)1 << 31 << 1);
	KT_SKIP_UNLESS(t, pa != 0, "needs RAM at or above 4 GiB (e.g. -m 6G); phys_avail has none");
	alias = pa & 0xffffffffu;
	low_pattern = ~pattern;

	p = pmap_map_temp(alias);
	uint64_t saved = *(uint64_t *)p;
	*(uint64_t *)p = low_pattern;
	pmap_unmap_temp(p);

	p = pmap_map_temp(pa);
	fill(p, pattern);
	pmap_unmap_temp(p);

	win = kva_alloc(PAGE_SIZE);
	KT_CHECK(t, win != 0, "kva_alloc failed");
	pmap_kenter(win, pa);
	KT_CHECK(t, pmap_kextract(win) == pa, "kextract %#jx want %#jx",
	    (uintmax_t)pmap_kextract(win), (uintmax_t)pa);
	ktest_data(t, "pa=%#jx readback=%#jx", (uintmax_t)pa, (uintmax_t)*(uint64_t *)win);
	bool ok = check((void *)win, pattern);
	pmap_kremove(win);
	kva_free(win, PAGE_SIZE);
	KT_CHECK(t, ok, "page at %#jx did not read back its pattern", (uintmax_t)pa);

	p = pmap_map_temp(alias);
	uint64_t low_now = *(uint64_t *)p;
	*(uint64_t *)p = saved;
	pmap_unmap_temp(p);
	KT_CHECK(t, low_now == low_pattern, "the write to %#jx landed at its alias %#jx",
	    (uintmax_t)pa, (uintmax_t)alias);
}

/* A user address space: enter, access, A/M bits, write protection, removal. */
KTEST(pmap, KTEST_VM)
{
	vm_offset_t va = 0x400000 + ptoa(rng_below(&t->rng, 1024));
	vm_page_t m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_page_t m2 = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_paddr_t pa, pa2;
	uint32_t v = 0;
	pmap_t pm;

	KT_CHECK(t, m != NULL && m2 != NULL, "vm_page_alloc failed");
	pa = VM_PAGE_TO_PHYS(m);
	pa2 = VM_PAGE_TO_PHYS(m2);
	pm = pmap_create();
	KT_CHECK(t, pm != NULL, "pmap_create failed");
	KT_CHECK(t, pmap_enter(pm, va, pa, VM_PROT_RW, false) == 0, "pmap_enter failed");
	KT_CHECK(t, pmap_extract(pm, va + 12) == pa + 12, "extract %#jx want %#jx",
	    (uintmax_t)pmap_extract(pm, va + 12), (uintmax_t)pa + 12);
	KT_CHECK(t, pmap_page_mapcount(m) == 1, "mapcount %d", pmap_page_mapcount(m));
	pmap_activate(pm);
	KT_CHECK(t, !pmap_is_modified(m), "modified before any write");
	KT_CHECK(t, probe_write((void *)va, 0x5eed) == 0, "write to a RW mapping faulted");
	KT_CHECK(t, pmap_is_modified(m) && pmap_is_referenced(m), "A/M bits not seen");
	pmap_clear_modify(m);
	KT_CHECK(t, !pmap_is_modified(m), "clear_modify did not clear");
	pmap_remove_write(m);
	KT_CHECK(t, probe_write((void *)va, 1) == EFAULT, "write after remove_write succeeded");
	KT_CHECK(t, probe_read((void *)va, &v) == 0 && v == 0x5eed, "read back %#x", v);
	/* A second mapping of the same page, then remove_all drops both. */
	KT_CHECK(t, pmap_enter(pm, va + 0x800000, pa, VM_PROT_READ, false) == 0, "second enter");
	KT_CHECK(t, pmap_page_mapcount(m) == 2, "mapcount %d", pmap_page_mapcount(m));
	pmap_remove_all(m);
	KT_CHECK(t, pmap_extract(pm, va) == 0 && pmap_extract(pm, va + 0x800000) == 0,
	    "remove_all left a mapping");
	KT_CHECK(t, probe_read((void *)va, &v) == EFAULT, "read after remove_all succeeded");
	/* Replace, protect, remove. */
	KT_CHECK(t, pmap_enter(pm, va, pa2, VM_PROT_RW, false) == 0, "re-enter");
	pmap_protect(pm, va, va + PAGE_SIZE, VM_PROT_READ);
	KT_CHECK(t, probe_write((void *)va, 2) == EFAULT, "write after protect succeeded");
	pmap_remove(pm, 0, VM_MAXUSER_ADDRESS);
	KT_CHECK(t, pmap_page_mapcount(m2) == 0, "remove left pv entries");
	pmap_activate(kernel_pmap);
	pmap_destroy(pm);
	vm_page_free(m);
	vm_page_free(m2);
	ktest_detail(t, "va=%#x pa=%#jx", va, (uintmax_t)pa);
}

/* pmap_zero_page and pmap_copy_page through temporary mappings. */
KTEST(pmap_copy, KTEST_VM)
{
	vm_page_t ma = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_page_t mb = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	uint64_t pattern = rng_next(&t->rng);
	vm_paddr_t a, b;
	void *p;
	bool ok;

	KT_CHECK(t, ma != NULL && mb != NULL, "vm_page_alloc failed");
	a = VM_PAGE_TO_PHYS(ma);
	b = VM_PAGE_TO_PHYS(mb);
	p = pmap_map_temp(a);
	fill(p, pattern);
	pmap_unmap_temp(p);
	pmap_zero_page(mb);
	pmap_copy_page(ma, mb);
	p = pmap_map_temp(b);
	ok = check(p, pattern);
	pmap_unmap_temp(p);
	KT_CHECK(t, ok, "copy of %#jx to %#jx differs", (uintmax_t)a, (uintmax_t)b);
	pmap_zero_page(mb);
	p = pmap_map_temp(b);
	ok = true;
	for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		ok = ok && ((uint64_t *)p)[i] == 0;
	pmap_unmap_temp(p);
	vm_page_free(ma);
	vm_page_free(mb);
	KT_CHECK(t, ok, "zeroed page %#jx is not zero", (uintmax_t)b);
}

/*
 * Many address spaces at once, after malloc has grown onto pages that may
 * lie above 4 GiB: each must still load into %cr3 and translate.
 */
KTEST(pmap_many, KTEST_VM)
{
	enum { N = 40 };
	pmap_t pm[N];
	vm_page_t m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	void *ballast[16];
	uint32_t v;

	KT_CHECK(t, m != NULL, "vm_page_alloc failed");
	for (int i = 0; i < 16; i++)		/* make malloc grow first */
		ballast[i] = malloc(256 * 1024);
	for (int i = 0; i < N; i++) {
		pm[i] = pmap_create();
		KT_CHECK(t, pm[i] != NULL, "pmap_create #%d failed", i);
		KT_CHECK(t, pmap_enter(pm[i], 0x10000000 + ptoa(i), VM_PAGE_TO_PHYS(m),
		    VM_PROT_RW, false) == 0, "pmap_enter #%d failed", i);
	}
	for (int i = 0; i < N; i++) {
		pmap_activate(pm[i]);
		KT_CHECK(t, probe_write((void *)(uintptr_t)(0x10000000 + ptoa(i)), 0x1000 + i) == 0 &&
		    probe_read((void *)(uintptr_t)(0x10000000 + ptoa(i)), &v) == 0 && v == 0x1000u + i,
		    "address space #%d does not translate", i);
	}
	pmap_activate(kernel_pmap);
	KT_CHECK(t, pmap_page_mapcount(m) == N, "mapcount %d, want %d", pmap_page_mapcount(m), N);
	for (int i = 0; i < N; i++)
		pmap_destroy(pm[i]);
	for (int i = 0; i < 16; i++)
		free(ballast[i]);
	KT_CHECK(t, pmap_page_mapcount(m) == 0, "mappings survived pmap_destroy");
	vm_page_free(m);
}

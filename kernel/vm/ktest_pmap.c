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

	KT_CHECK(t, sizeof(vm_paddr_t) == 8,
	    "vm_paddr_t is 32-bit: this configuration cannot address memory above 4 GiB");
	(void)tunable_u64("ktest.pattern", &pattern);
	pa = pick_page(t, (vm_paddr_t)1 << 31 << 1);
	KT_CHECK(t, pa != 0, "no memory at or above 4 GiB in phys_avail");
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
KTEST(pmap, 0)
{
	vm_offset_t va = 0x400000 + ptoa(rng_below(&t->rng, 1024));
	vm_paddr_t pa = pick_page(t, 16u << 20), pa2 = pick_page(t, 32u << 20);
	uint32_t v = 0;
	pmap_t pm;

	KT_CHECK(t, pa != 0 && pa2 != 0 && pa != pa2, "no pages to test with");
	pm = pmap_create();
	KT_CHECK(t, pm != NULL, "pmap_create failed");
	KT_CHECK(t, pmap_enter(pm, va, pa, VM_PROT_RW, false) == 0, "pmap_enter failed");
	KT_CHECK(t, pmap_extract(pm, va + 12) == pa + 12, "extract %#jx want %#jx",
	    (uintmax_t)pmap_extract(pm, va + 12), (uintmax_t)pa + 12);
	KT_CHECK(t, pmap_page_mapcount(pa) == 1, "mapcount %d", pmap_page_mapcount(pa));
	pmap_activate(pm);
	KT_CHECK(t, !pmap_is_modified(pa), "modified before any write");
	KT_CHECK(t, probe_write((void *)va, 0x5eed) == 0, "write to a RW mapping faulted");
	KT_CHECK(t, pmap_is_modified(pa) && pmap_is_referenced(pa), "A/M bits not seen");
	pmap_clear_modify(pa);
	KT_CHECK(t, !pmap_is_modified(pa), "clear_modify did not clear");
	pmap_remove_write(pa);
	KT_CHECK(t, probe_write((void *)va, 1) == EFAULT, "write after remove_write succeeded");
	KT_CHECK(t, probe_read((void *)va, &v) == 0 && v == 0x5eed, "read back %#x", v);
	/* A second mapping of the same page, then remove_all drops both. */
	KT_CHECK(t, pmap_enter(pm, va + 0x800000, pa, VM_PROT_READ, false) == 0, "second enter");
	KT_CHECK(t, pmap_page_mapcount(pa) == 2, "mapcount %d", pmap_page_mapcount(pa));
	pmap_remove_all(pa);
	KT_CHECK(t, pmap_extract(pm, va) == 0 && pmap_extract(pm, va + 0x800000) == 0,
	    "remove_all left a mapping");
	KT_CHECK(t, probe_read((void *)va, &v) == EFAULT, "read after remove_all succeeded");
	/* Replace, protect, remove. */
	KT_CHECK(t, pmap_enter(pm, va, pa2, VM_PROT_RW, false) == 0, "re-enter");
	pmap_protect(pm, va, va + PAGE_SIZE, VM_PROT_READ);
	KT_CHECK(t, probe_write((void *)va, 2) == EFAULT, "write after protect succeeded");
	pmap_remove(pm, 0, VM_MAXUSER_ADDRESS);
	KT_CHECK(t, pmap_page_mapcount(pa2) == 0, "remove left pv entries");
	pmap_activate(kernel_pmap);
	pmap_destroy(pm);
	ktest_detail(t, "va=%#x pa=%#jx", va, (uintmax_t)pa);
}

/* pmap_zero_page and pmap_copy_page through temporary mappings. */
KTEST(pmap_copy, 0)
{
	vm_paddr_t a = pick_page(t, 16u << 20), b = pick_page(t, 48u << 20);
	uint64_t pattern = rng_next(&t->rng);
	void *p;
	bool ok;

	KT_CHECK(t, a != 0 && b != 0 && a != b, "no pages to test with");
	p = pmap_map_temp(a);
	fill(p, pattern);
	pmap_unmap_temp(p);
	pmap_zero_page(b);
	pmap_copy_page(a, b);
	p = pmap_map_temp(b);
	ok = check(p, pattern);
	pmap_unmap_temp(p);
	KT_CHECK(t, ok, "copy of %#jx to %#jx differs", (uintmax_t)a, (uintmax_t)b);
	pmap_zero_page(b);
	p = pmap_map_temp(b);
	ok = true;
	for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		ok = ok && ((uint64_t *)p)[i] == 0;
	pmap_unmap_temp(p);
	KT_CHECK(t, ok, "zeroed page %#jx is not zero", (uintmax_t)b);
}

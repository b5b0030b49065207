/*
 * ktest_pmap.c - in-kernel tests of the pmap interface.
 *
 * They use only vm/pmap.h (and vm_page.h for the page's flags), so the same
 * tests exercise the two-level i386, the three-level PAE and (later) the
 * amd64 implementations.  pmap_dirty, pmap_referenced and pmap_enomem check
 * the per-page state: a write or access through a user or kernel mapping
 * reaches m->dirty / PG_REFERENCED however the mapping goes, and a pmap out
 * of memory says ENOMEM and changes nothing.  Their KDATA lines let the
 * grader check every case ran (grader/tests/test_kernel.py).
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_lock.h>
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
	    "needs a 64-bit vm_paddr_t: this configuration (" MACHINE_CONFIG ") cannot "
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

/*
 * A page with pv entries: no VM_ALLOC_NOOBJ, so not PG_UNMANAGED.  (Until
 * objects exist, an object-less page is the only kind vm_page_alloc makes.)
 */
static vm_page_t
alloc_managed(void)
{
	return (vm_page_alloc(NULL, 0, VM_ALLOC_NORMAL | VM_ALLOC_NOBUSY));
}

/* Forget what earlier mappings told the page. */
static void
page_forget(vm_page_t m)
{
	m->dirty = 0;
	m->flags &= ~(PG_REFERENCED | PG_WRITEABLE);
}

/* A user address space: enter, access, A/M bits, write protection, removal. */
KTEST(pmap, KTEST_VM)
{
	vm_offset_t va = 0x400000 + ptoa(rng_below(&t->rng, 1024));
	vm_page_t m = alloc_managed();
	vm_page_t m2 = alloc_managed();
	vm_paddr_t pa;
	uint32_t v = 0;
	pmap_t pm;

	KT_CHECK(t, m != NULL && m2 != NULL, "vm_page_alloc failed");
	pa = VM_PAGE_TO_PHYS(m);
	pm = pmap_create();
	KT_CHECK(t, pm != NULL, "pmap_create failed");
	KT_CHECK(t, pmap_enter(pm, va, m, VM_PROT_RW, 0) == 0, "pmap_enter failed");
	KT_CHECK(t, pmap_extract(pm, va + 12) == pa + 12, "extract %#jx want %#jx",
	    (uintmax_t)pmap_extract(pm, va + 12), (uintmax_t)pa + 12);
	KT_CHECK(t, pmap_page_mapcount(m) == 1 && pmap_page_is_mapped(m),
	    "mapcount %d", pmap_page_mapcount(m));
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
	KT_CHECK(t, pmap_enter(pm, va + 0x800000, m, VM_PROT_READ, 0) == 0, "second enter");
	KT_CHECK(t, pmap_page_mapcount(m) == 2, "mapcount %d", pmap_page_mapcount(m));
	pmap_remove_all(m);
	KT_CHECK(t, pmap_extract(pm, va) == 0 && pmap_extract(pm, va + 0x800000) == 0,
	    "remove_all left a mapping");
	KT_CHECK(t, probe_read((void *)va, &v) == EFAULT, "read after remove_all succeeded");
	KT_CHECK(t, !pmap_page_is_mapped(m), "remove_all left pv entries");
	/* Replace, protect, remove. */
	KT_CHECK(t, pmap_enter(pm, va, m2, VM_PROT_RW, PMAP_ENTER_WIRED) == 0, "re-enter");
	pmap_protect(pm, va, va + PAGE_SIZE, VM_PROT_READ);
	KT_CHECK(t, probe_write((void *)va, 2) == EFAULT, "write after protect succeeded");
	pmap_remove(pm, 0, VM_MAXUSER_ADDRESS);
	KT_CHECK(t, pmap_page_mapcount(m2) == 0, "remove left pv entries");
	pmap_activate(kernel_pmap);
	pmap_destroy(pm);
	vm_page_free(m);
	vm_page_free(m2);
	ktest_detail(t, "va=%#jx pa=%#jx", (uintmax_t)va, (uintmax_t)pa);
}

/*
 * Every way a mapping can go, or lose its write access.  The CPU records a
 * write in the PTE (PG_M), not in the page; if the pmap drops the PTE
 * without carrying the bit over, a page daemon would free or cache a
 * written page as clean - lost data.
 */
enum unmap_how { BY_REMOVE, BY_REMOVE_ALL, BY_REPLACE, BY_DESTROY, BY_REMOVE_WRITE,
	BY_PROTECT, UNMAP_HOWS };
static const char *const unmap_names[UNMAP_HOWS] = {
	"remove", "remove_all", "replace", "destroy", "remove_write", "protect",
};

/* Take away the mapping of m at va in pm (m2: the replacement page). */
static int
unmap_by(enum unmap_how how, pmap_t pm, vm_offset_t va, vm_page_t m, vm_page_t m2)
{
	switch (how) {
	case BY_REMOVE:
		pmap_remove(pm, va, va + PAGE_SIZE);
		break;
	case BY_REMOVE_ALL:
		pmap_remove_all(m);
		break;
	case BY_REPLACE:
		return (pmap_enter(pm, va, m2, VM_PROT_RW, 0));
	case BY_DESTROY:
		pmap_activate(kernel_pmap);
		pmap_destroy(pm);
		break;
	case BY_REMOVE_WRITE:
		pmap_remove_write(m);
		break;
	case BY_PROTECT:
		pmap_protect(pm, va, va + PAGE_SIZE, VM_PROT_READ);
		break;
	default:
		break;
	}
	return (0);
}

/*
 * One case: map m writable at va (in a new user pmap, or in the kernel's),
 * read or write through the mapping, take it away `how`, and check what the
 * page learnt.  Leaves nothing mapped.
 */
static void
dirty_case(struct ktest_ctx *t, bool user, enum unmap_how how, bool write, vm_page_t m,
    vm_page_t m2, vm_offset_t kva)
{
	bool protect = (how == BY_REMOVE_WRITE || how == BY_PROTECT);
	const char *space = user ? "user" : "kernel";
	pmap_t pm = user ? pmap_create() : kernel_pmap;
	vm_offset_t va = user ? 0x10000000 + ptoa(rng_below(&t->rng, 4096)) : kva;
	uint32_t v;
	int acc, refs = 0;

	KT_CHECK(t, pm != NULL, "pmap_create failed");
	page_forget(m);
	KT_CHECK(t, pmap_enter(pm, va, m, VM_PROT_RW, 0) == 0, "%s: pmap_enter failed", space);
	KT_CHECK(t, (m->flags & PG_WRITEABLE) != 0,
	    "%s: a writable managed mapping did not set PG_WRITEABLE", space);
	if (user)
		pmap_activate(pm);
	acc = write ? probe_write((void *)va, 0xd1d1) : probe_read((void *)va, &v);
	KT_CHECK(t, acc == 0, "%s: %s through the mapping at %#jx faulted", space,
	    write ? "write" : "read", (uintmax_t)va);
	KT_CHECK(t, pmap_is_modified(m) == write && pmap_is_referenced(m),
	    "%s: after a %s, is_modified %d is_referenced %d", space, write ? "write" : "read",
	    pmap_is_modified(m), pmap_is_referenced(m));
	KT_CHECK(t, unmap_by(how, pm, va, m, m2) == 0, "%s: replacing the page failed", space);
	if (protect) {
		KT_CHECK(t, probe_write((void *)va, 1) == EFAULT,
		    "%s/%s: a write still went through", space, unmap_names[how]);
		refs = pmap_ts_referenced(m);
		pmap_remove(pm, va, va + PAGE_SIZE);
	}
	if (user && how != BY_DESTROY) {
		pmap_activate(kernel_pmap);
		pmap_destroy(pm);
	}
	ktest_data(t, "space=%s how=%s access=%s dirty=%#x referenced=%d writeable=%d mapped=%d",
	    space, unmap_names[how], write ? "write" : "read", m->dirty,
	    (m->flags & PG_REFERENCED) != 0 || refs != 0, (m->flags & PG_WRITEABLE) != 0,
	    pmap_page_is_mapped(m));
	KT_CHECK(t, m->dirty == (write ? VM_PAGE_BITS_ALL : 0),
	    "%s/%s after a %s: m->dirty %#x, want %#x", space, unmap_names[how],
	    write ? "write" : "read", m->dirty, write ? VM_PAGE_BITS_ALL : 0);
	KT_CHECK(t, protect ? refs == 1 : (m->flags & PG_REFERENCED) != 0,
	    "%s/%s: the access did not reach PG_REFERENCED (ts_referenced %d)", space,
	    unmap_names[how], refs);
	KT_CHECK(t, !pmap_page_is_mapped(m) && (m->flags & PG_WRITEABLE) == 0,
	    "%s/%s: the page is still mapped or PG_WRITEABLE", space, unmap_names[how]);
}

KTEST(pmap_dirty, KTEST_VM)
{
	vm_page_t m = alloc_managed(), m2 = alloc_managed();
	vm_offset_t kva = kva_alloc(PAGE_SIZE);
	int cases = 0;

	KT_CHECK(t, m != NULL && m2 != NULL && kva != 0, "vm_page_alloc or kva_alloc failed");
	for (int user = 1; user >= 0 && !t->failed; user--)
		for (int how = 0; how < UNMAP_HOWS && !t->failed; how++)
			for (int write = 0; write <= 1 && !t->failed; write++) {
				if (!user && how == BY_DESTROY)
					continue;	/* the kernel pmap is not destroyed */
				dirty_case(t, user, how, write, m, m2, kva);
				pmap_remove_all(m2);
				cases++;
			}
	kva_free(kva, PAGE_SIZE);
	vm_page_free(m);
	vm_page_free(m2);
	if (!t->failed)
		ktest_detail(t, "%d cases", cases);
}

/*
 * Referenced bits counted and cleared across several mappings (two user,
 * one kernel); a cleaned page stays clean; unmanaged pages have no pv.
 */
KTEST(pmap_referenced, KTEST_VM)
{
	vm_page_t m = alloc_managed(), u = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_offset_t va = 0x20000000 + ptoa(rng_below(&t->rng, 1024)), kva = kva_alloc(PAGE_SIZE);
	pmap_t pm = pmap_create();
	uint32_t v;
	int n;

	KT_CHECK(t, m != NULL && u != NULL && kva != 0 && pm != NULL, "allocation failed");
	page_forget(m);
	KT_CHECK(t, pmap_enter(pm, va, m, VM_PROT_RW, 0) == 0 &&
	    pmap_enter(pm, va + PAGE_SIZE, m, VM_PROT_READ, 0) == 0 &&
	    pmap_enter(kernel_pmap, kva, m, VM_PROT_RW, 0) == 0, "pmap_enter failed");
	KT_CHECK(t, pmap_page_mapcount(m) == 3, "mapcount %d, want 3", pmap_page_mapcount(m));
	KT_CHECK(t, (n = pmap_ts_referenced(m)) == 0, "ts_referenced %d before any access", n);
	pmap_activate(pm);
	KT_CHECK(t, probe_read((void *)(va + PAGE_SIZE), &v) == 0 &&
	    probe_write((void *)kva, 7) == 0, "access faulted");
	KT_CHECK(t, (n = pmap_ts_referenced(m)) == 2, "ts_referenced %d after 2 accesses", n);
	KT_CHECK(t, (n = pmap_ts_referenced(m)) == 0, "ts_referenced %d: it did not clear", n);
	KT_CHECK(t, pmap_is_modified(m), "the kernel write is not seen");
	pmap_clear_modify(m);
	KT_CHECK(t, !pmap_is_modified(m), "clear_modify did not clear");
	pmap_remove_all(m);
	ktest_data(t, "dirty=%#x referenced=%d", m->dirty, (m->flags & PG_REFERENCED) != 0);
	KT_CHECK(t, m->dirty == 0 && (m->flags & PG_REFERENCED) == 0,
	    "cleared bits came back: dirty %#x, PG_REFERENCED %d", m->dirty,
	    (m->flags & PG_REFERENCED) != 0);
	/* An unmanaged page maps, but has no pv entries and learns nothing. */
	KT_CHECK(t, pmap_enter(pm, va, u, VM_PROT_RW, 0) == 0, "unmanaged enter failed");
	KT_CHECK(t, pmap_extract(pm, va) == VM_PAGE_TO_PHYS(u), "unmanaged page not mapped");
	KT_CHECK(t, !pmap_page_is_mapped(u) && (u->flags & PG_WRITEABLE) == 0,
	    "an unmanaged page got a pv entry or PG_WRITEABLE");
	KT_CHECK(t, probe_write((void *)va, 9) == 0, "write to the unmanaged page faulted");
	pmap_activate(kernel_pmap);
	pmap_destroy(pm);
	kva_free(kva, PAGE_SIZE);
	vm_page_free(m);
	vm_page_free(u);
}

/*
 * Out of memory, pmap_enter() says ENOMEM and changes nothing: neither a
 * half-made mapping at the new address nor a lost one at a replaced
 * address.  The test takes every free page (pv chunks and page-table pages
 * come from the page allocator), then fills the pmap's last pv chunk and
 * the boot pool of page-table pages.
 */
static void
enomem_body(struct ktest_ctx *t, pmap_t pm, vm_page_t m, vm_page_t m2, vm_page_t u,
    vm_offset_t base)
{
	vm_offset_t va;
	int err = 0, n;

	KT_CHECK(t, vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT) == NULL,
	    "memory is not exhausted");
	/* pv entries: more mappings of m in one page table. */
	for (n = 1; n < 4096 && err == 0; n++)
		err = pmap_enter(pm, base + ptoa(n), m, VM_PROT_READ, 0);
	va = base + ptoa(n - 1);
	KT_CHECK(t, err == ENOMEM, "%d more mappings without memory: no ENOMEM (%d)", n - 1, err);
	KT_CHECK(t, pmap_extract(pm, va) == 0, "the failed enter left a mapping at %#jx", (uintmax_t)va);
	KT_CHECK(t, pmap_page_mapcount(m) == n - 1, "mapcount %d after %d mappings",
	    pmap_page_mapcount(m), n - 1);
	/* Replacing m by another managed page needs a pv entry too. */
	KT_CHECK(t, pmap_enter(pm, base, m2, VM_PROT_RW, 0) == ENOMEM, "replace: no ENOMEM");
	KT_CHECK(t, pmap_extract(pm, base) == VM_PAGE_TO_PHYS(m) && !pmap_page_is_mapped(m2),
	    "the failed replace changed the mapping at %#jx", (uintmax_t)base);
	ktest_data(t, "pv_mappings=%d", n - 1);
	/* Page-table pages: an unmanaged page (no pv) in a new 4 MiB each time. */
	err = 0;
	for (n = 0; n < 512 && err == 0; n++)
		err = pmap_enter(pm, 0x40000000 + (vm_offset_t)n * 0x400000, u, VM_PROT_RW, 0);
	va = 0x40000000 + (vm_offset_t)(n - 1) * 0x400000;
	KT_CHECK(t, err == ENOMEM, "%d page tables without memory: no ENOMEM (%d)", n - 1, err);
	KT_CHECK(t, pmap_extract(pm, va) == 0, "the failed enter left a mapping at %#jx", (uintmax_t)va);
	ktest_data(t, "page_tables=%d", n - 1);
}

KTEST(pmap_enomem, KTEST_VM)
{
	vm_page_t m = alloc_managed(), m2 = alloc_managed();
	vm_page_t u = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ), h, next;
	vm_offset_t base = 0x400000;
	struct pglist hog;
	long hogged = 0;
	pmap_t pm = pmap_create();

	KT_CHECK(t, m != NULL && m2 != NULL && u != NULL && pm != NULL, "allocation failed");
	KT_CHECK(t, pmap_enter(pm, base, m, VM_PROT_RW, 0) == 0, "first pmap_enter failed");
	TAILQ_INIT(&hog);
	for (u_long npages = 1ul << (VM_NFREEORDER - 1); npages > 0; npages /= 2)
		while ((h = vm_page_alloc_contig(npages, 0, ~(vm_paddr_t)0, PAGE_SIZE, 0,
		    VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT)) != NULL) {
			h->pindex = npages;
			TAILQ_INSERT_TAIL(&hog, h, pageq);
			hogged += (long)npages;
		}
	enomem_body(t, pm, m, m2, u, base);
	TAILQ_FOREACH_SAFE(h, &hog, pageq, next)
		for (vm_pindex_t i = h->pindex; i > 0; i--)
			vm_page_free(&h[i - 1]);
	if (!t->failed) {
		/* With memory back, the same enter works. */
		KT_CHECK(t, pmap_enter(pm, base, m2, VM_PROT_RW, 0) == 0, "enter after freeing failed");
		ktest_detail(t, "took %ld pages", hogged);
	}
	pmap_destroy(pm);
	KT_CHECK(t, !pmap_page_is_mapped(m) && !pmap_page_is_mapped(m2), "destroy left pv entries");
	vm_page_free(m);
	vm_page_free(m2);
	vm_page_free(u);
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
	vm_page_t m = alloc_managed();
	void *ballast[16];
	uint32_t v;

	KT_CHECK(t, m != NULL, "vm_page_alloc failed");
	for (int i = 0; i < 16; i++)		/* make malloc grow first */
		ballast[i] = malloc(256 * 1024);
	for (int i = 0; i < N; i++) {
		pm[i] = pmap_create();
		KT_CHECK(t, pm[i] != NULL, "pmap_create #%d failed", i);
		KT_CHECK(t, pmap_enter(pm[i], 0x10000000 + ptoa(i), m, VM_PROT_RW, 0) == 0,
		    "pmap_enter #%d failed", i);
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

#ifdef PMAP_PTP_FREELIST
#define	FRAG_MARK	((vm_pindex_t)0xf7a6f7a6)	/* in pindex: a page fragment_freelist took */

/*
 * Pull every other free page of free list `flind` out of the allocator,
 * leaving the rest as single free pages; or (restore) give them back.
 * Returns how many pages it took or gave back.
 */
static long
fragment_freelist(int flind, bool restore)
{
	long n = 0;

	mtx_lock(&vm_page_queue_free_mtx);
	for (int s = 0; s < vm_phys_nsegs; s++) {
		struct vm_phys_seg *seg = &vm_phys_segs[s];
		vm_page_t end = seg->first_page + atop(seg->end - seg->start);

		if (seg->freelist != flind)
			continue;
		for (vm_page_t m = seg->first_page; m < end; m += 2) {
			if (restore && m->pindex == FRAG_MARK) {
				m->pindex = 0;
				vm_phys_free_pages(m, 0);
				n++;
			} else if (!restore && vm_phys_unfree_page(m)) {
				m->pindex = FRAG_MARK;
				n++;
			}
		}
	}
	mtx_unlock(&vm_page_queue_free_mtx);
	return (n);
}
#endif

/*
 * Page directories and tables come from the machine's free list below 4 GiB
 * (PAE: VM_FREELIST_DMA32), by a queue pop, however fragmented the memory above
 * 4 GiB is.  High memory is cut into single free pages; then a search of all
 * free blocks for one page below 4 GiB (vm_phys_alloc_contig, what the pmap
 * did before) is timed against pmap_create(), which takes its directory pages
 * from the list: each must cost far less than one search, and the list's
 * free pages must drop by exactly the pages taken.  Boot with RAM above
 * 4 GiB (-m 5G); on a machine without such a list the test says so.
 */
KTEST(pmap_pdp_freelist, KTEST_VM | KTEST_EXPLICIT)
{
#ifdef PMAP_PTP_FREELIST
	enum { N = 8, NPD = 3 };	/* address spaces; directory pages each (PAE) */
	uint64_t per_ms = cpu_tickrate_wait() / 1000, t0, old_cycles, new_cycles;
	long frags, low_before;
	pmap_t pm[N];
	vm_page_t m;

	if (!ktest_need_vm(t))
		return;
	KT_CHECK(t, vm_phys_freelist_pages(VM_FREELIST_DEFAULT) > 65536,
	    "too little memory above 4 GiB (%ld pages): boot with -m 5G",
	    vm_phys_freelist_pages(VM_FREELIST_DEFAULT));
	frags = fragment_freelist(VM_FREELIST_DEFAULT, false);
	/* Before: one page below 4 GiB by searching every free block. */
	mtx_lock(&vm_page_queue_free_mtx);
	t0 = cpu_ticks();
	m = vm_phys_alloc_contig(1, 0, VM_DMA32_BOUNDARY, PAGE_SIZE, 0);
	old_cycles = cpu_ticks() - t0;
	if (m != NULL)
		vm_phys_free_pages(m, 0);
	mtx_unlock(&vm_page_queue_free_mtx);
	KT_CHECK(t, m != NULL && m->phys_addr < VM_DMA32_BOUNDARY, "no page below 4 GiB");
	/* After: the pmap's own allocations, from the list. */
	low_before = vm_phys_freelist_pages(PMAP_PTP_FREELIST);
	t0 = cpu_ticks();
	for (int i = 0; i < N; i++)
		pm[i] = pmap_create();
	new_cycles = (cpu_ticks() - t0) / (N * NPD);
	for (int i = 0; i < N; i++)
		KT_CHECK(t, pm[i] != NULL, "pmap_create #%d failed", i);
	KT_CHECK(t, low_before - vm_phys_freelist_pages(PMAP_PTP_FREELIST) == N * NPD,
	    "%d address spaces took %ld pages of the free list below 4 GiB, not %d",
	    N, low_before - vm_phys_freelist_pages(PMAP_PTP_FREELIST), N * NPD);
	for (int i = 0; i < N; i++)
		pmap_destroy(pm[i]);
	fragment_freelist(VM_FREELIST_DEFAULT, true);
	ktest_data(t, "frags %ld search_cycles %ju pdp_cycles %ju cycles_per_ms %ju", frags,
	    (uintmax_t)old_cycles, (uintmax_t)new_cycles, (uintmax_t)per_ms);
	ktest_detail(t, "%ld free blocks above 4 GiB: search %ju us, pmap_create %ju us per "
	    "directory page", frags, (uintmax_t)(old_cycles * 1000 / MAX(per_ms, 1)),
	    (uintmax_t)(new_cycles * 1000 / MAX(per_ms, 1)));
	KT_CHECK(t, new_cycles * 10 < old_cycles, "a directory page cost %ju cycles, a search "
	    "%ju: the pmap is not taking them from its free list", (uintmax_t)new_cycles,
	    (uintmax_t)old_cycles);
#else
	ktest_skip(t, "the pmap of %s takes its page-table pages from no particular free list "
	    "(PMAP_PTP_FREELIST)", MACHINE_CONFIG);
#endif
}

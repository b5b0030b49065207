/*
 * ktest_dump.c - tests of the minidump (kern_dump.c), judged after QEMU
 * exits from the dump disk's image (grader/tests/test_dump.py, which reads
 * it with vmkit.minidump).  They need a grader's disk (or its absence), so
 * they run only when named (KTEST_EXPLICIT).  KDATA grammars: kdata.py.
 *
 * dump_pattern: a malloc'd buffer of len = 4096 * (1 + below(3)) + 8 *
 * below(100) bytes and one page of its own, mapped with pmap_map_temp (a
 * temporary kernel mapping on i386, the direct map on amd64) and given to
 * dump_add_page, are filled with rng_next() words (little endian: the
 * buffer's first, then the page's), and a dump is taken:
 *   buf <va> <len> <pa of its first byte>
 *   page <va> <pa>
 *   dump error <errno of dumpsys>
 * dump_panic: the same buffer and page, then a panic (the dump is the panic's).
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/ktest.h>
#include <sys/kerneldump.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/pmap.h>

struct dump_pattern {
	uint64_t	*buf;
	size_t		 len;
	vm_page_t	 m;
	uint64_t	*page;
};

static void
dump_fill(struct ktest_ctx *t, uint64_t *w, size_t len)
{
	for (size_t i = 0; i < len / sizeof(*w); i++)
		w[i] = rng_next(&t->rng);
}

/* Make the buffer and the page, fill them, report them; false if out of memory. */
static bool
dump_pattern_make(struct ktest_ctx *t, struct dump_pattern *p)
{
	p->len = PAGE_SIZE * (1 + rng_below(&t->rng, 3)) + 8 * rng_below(&t->rng, 100);
	p->buf = malloc(p->len);
	p->m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);
	if (p->buf == NULL || p->m == NULL) {
		ktest_fail(t, "no memory for the pattern");
		return (false);
	}
	dump_add_page(VM_PAGE_TO_PHYS(p->m));
	p->page = pmap_map_temp(VM_PAGE_TO_PHYS(p->m));
	dump_fill(t, p->buf, p->len);
	dump_fill(t, p->page, PAGE_SIZE);
	ktest_data(t, "buf %#jx %ju %#jx", (uintmax_t)(uintptr_t)p->buf, (uintmax_t)p->len,
	    (uintmax_t)pmap_kextract((vm_offset_t)p->buf));
	ktest_data(t, "page %#jx %#jx", (uintmax_t)(uintptr_t)p->page,
	    (uintmax_t)VM_PAGE_TO_PHYS(p->m));
	return (true);
}

KTEST(dump_pattern, KTEST_VM | KTEST_EXPLICIT)
{
	struct dump_pattern p;
	int error;

	if (!ktest_need_vm(t) || !dump_pattern_make(t, &p))
		return;
	error = dumpsys("ktest dump_pattern", false);
	ktest_data(t, "dump error %d", error);
	pmap_unmap_temp(p.page);
	dump_drop_page(VM_PAGE_TO_PHYS(p.m));
	vm_page_free(p.m);
	free(p.buf);
}

KTEST(dump_panic, KTEST_VM | KTEST_EXPLICIT)
{
	struct dump_pattern p;

	if (!ktest_need_vm(t) || !dump_pattern_make(t, &p))
		return;
	panic("dump_panic: on purpose, after the pattern");
}

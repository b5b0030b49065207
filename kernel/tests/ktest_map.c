/*
 * ktest_map.c - address spaces and faults (vm_map.c, vm_fault.c), before
 * there is user mode: a test "touches" a user address by calling vm_fault
 * as the trap handler would, then reads or writes the page the pmap maps
 * there through a temporary kernel mapping.  grader/tests/test_map.py
 * recomputes every outcome from the seed with a model of the object graph.
 *
 *   map_find    a seeded run of vm_map_find (first fit) and vm_map_remove
 *               (whole and partial: clipping); the address of every find;
 *               directed: an exact fit, a hint inside an entry, a clipped
 *               tail reused
 *   map_protect a seeded read-only window and a lowered maximum: the writes
 *               and raises refused, the data kept
 *   map_fork    an anonymous region written, forked (vmspace_fork), then a
 *               seeded mix of reads and writes by parent and child, the
 *               child freed, more writes by the parent: each side's page
 *               hashes, and the fault kinds (zero fill, copy, move);
 *               directed: a read before any write, an untouched region at
 *               fork, a shared region, a region the child does not inherit,
 *               a read-only region and an unmapped address (the errors), a
 *               region first written after the child exits (moves)
 *   kmap_spin   pageable kernel memory touched with a spin mutex held:
 *               trap_kfault must panic saying so, not sleep for the page
 *   kmap_hole   a kernel-map address no entry covers: the fatal trap
 */
#include <sys/systm.h>
#include <sys/ktest.h>
#include <sys/mutex.h>
#include <vm/vm_kern.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	UBASE		0x00400000ul	/* where the tests' regions start */
#define	UTOP		0x40000000ul
#define	PAGE_WORDS	(PAGE_SIZE / sizeof(uint32_t))

/* Fault va in as a user access would, then the physical address behind it; 0 and *rv on failure. */
static vm_paddr_t
map_touch(struct vmspace *vm, vm_offset_t va, bool write, int *rv)
{
	*rv = vm_fault(&vm->vm_map, va, write ? VM_PROT_RW : VM_PROT_READ, VM_FAULT_NORMAL);
	if (*rv != KERN_SUCCESS)
		return (0);
	return (pmap_extract(vmspace_pmap(vm), va));
}

static int
map_write(struct vmspace *vm, vm_offset_t va, uint32_t word, uint32_t value)
{
	uint32_t *p;
	vm_paddr_t pa;
	int rv;

	if ((pa = map_touch(vm, va, true, &rv)) == 0)
		return (rv);
	p = pmap_map_temp(trunc_page(pa));
	p[word] = value;
	pmap_unmap_temp(p);
	return (KERN_SUCCESS);
}

/* FNV-1a over the page's words (0 if the read fault failed). */
static uint64_t
map_hash(struct vmspace *vm, vm_offset_t va, int *rv)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t *p;
	vm_paddr_t pa;

	if ((pa = map_touch(vm, va, false, rv)) == 0)
		return (0);
	p = pmap_map_temp(trunc_page(pa));
	for (u_int i = 0; i < PAGE_WORDS; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	pmap_unmap_temp(p);
	return (h);
}

/* ---- map_find ---------------------------------------------------------- */

#define	FIND_SLOTS	24

/*
 * Directed, on every seed: an exact-fit gap, a hint inside an entry, a
 * clipped tail reused; then all of it removed (pages relative to UBASE).
 */
static void
map_find_directed(struct ktest_ctx *t, vm_map_t map)
{
	static const struct { bool find; uint32_t a, b; } op[] = {
		{ true, 0, 2 }, { true, 3, 2 }, { true, 0, 1 }, { true, 1, 1 },
		{ false, 1, 2 }, { true, 0, 1 }, { false, 0, 6 },
	};

	for (u_int i = 0; i < nitems(op); i++) {
		vm_offset_t addr = UBASE + ptoa(op[i].a);
		int rv;

		if (op[i].find)
			rv = vm_map_find(map, NULL, 0, &addr, ptoa(op[i].b), true, VM_PROT_RW,
			    VM_PROT_ALL, 0);
		else {
			rv = vm_map_remove(map, addr, UBASE + ptoa(op[i].b));
			addr = 0;
		}
		ktest_data(t, "directed %u rv=%d addr=%#jx", i, rv, (uintmax_t)addr);
	}
}

KTEST(map_find, KTEST_VM)
{
	struct vmspace *vm = vmspace_alloc(UBASE, UTOP);
	struct { vm_offset_t addr; vm_size_t len; } slot[FIND_SLOTS] = { { 0, 0 } };
	int steps = 100 + (int)rng_below(&t->rng, 200);

	KT_CHECK(t, vm != NULL, "vmspace_alloc failed");
	ktest_data(t, "params steps=%d", steps);
	map_find_directed(t, &vm->vm_map);
	for (int i = 0; i < steps; i++) {
		int s = (int)rng_below(&t->rng, FIND_SLOTS);
		vm_size_t len = (1 + rng_below(&t->rng, 16)) * PAGE_SIZE;
		vm_offset_t addr = UBASE + rng_below(&t->rng, 64) * PAGE_SIZE;
		int rv;

		if (slot[s].len == 0) {
			rv = vm_map_find(&vm->vm_map, NULL, 0, &addr, len, true, VM_PROT_RW,
			    VM_PROT_ALL, 0);
			ktest_data(t, "find %d %ju rv=%d addr=%#jx", s, (uintmax_t)atop(len), rv,
			    (uintmax_t)(rv == KERN_SUCCESS ? addr : 0));
			if (rv == KERN_SUCCESS) {
				slot[s].addr = addr;
				slot[s].len = len;
			}
		} else {
			/* Remove a seeded part: the front, the back, the middle or all. */
			uint32_t n = (uint32_t)atop(slot[s].len), a = rng_below(&t->rng, n);
			uint32_t b = a + 1 + rng_below(&t->rng, n - a);

			rv = vm_map_remove(&vm->vm_map, slot[s].addr + ptoa(a), slot[s].addr + ptoa(b));
			ktest_data(t, "remove %d %u %u rv=%d", s, a, b, rv);
			slot[s].len = 0;	/* what is left of it stays mapped, out of the slots */
		}
	}
	ktest_data(t, "end entries=%d size=%ju", vm->vm_map.nentries,
	    (uintmax_t)atop(vm->vm_map.size));
	vmspace_free(vm);
}

/* ---- map_fork ---------------------------------------------------------- */

enum { R_PRIV, R_UNTOUCHED, R_SHARED, R_NONE, R_RO, R_LATE, NREGIONS };
static const char *const region_name[NREGIONS] = { "priv", "untouched", "shared", "none", "ro",
	"late" };
#define	LATE_PAGES	3

struct fork_test {
	struct ktest_ctx *t;
	struct vmspace	*side[2];	/* parent, child */
	vm_offset_t	base[NREGIONS];
	int		npages[NREGIONS];
};

static void
fork_hashes(struct fork_test *ft, const char *when, int side)
{
	for (int r = 0; r < NREGIONS; r++)
		for (int i = 0; i < ft->npages[r]; i++) {
			int rv;
			uint64_t h = map_hash(ft->side[side], ft->base[r] + ptoa(i), &rv);

			ktest_data(ft->t, "hash %s %d %s %d rv=%d %016jx", when, side, region_name[r],
			    i, rv, (uintmax_t)h);
		}
}

static void
fork_counts(struct ktest_ctx *t, const char *when, const struct vmmeter *before)
{
	ktest_data(t, "counts %s zfod=%u cow=%u optim=%u", when, cnt.v_zfod - before->v_zfod,
	    cnt.v_cow_faults - before->v_cow_faults, cnt.v_cow_optim - before->v_cow_optim);
}

/* A seeded write or read by a seeded side to a seeded page of the private region. */
static void
fork_step(struct fork_test *ft, int nsides)
{
	struct ktest_ctx *t = ft->t;
	int side = (int)rng_below(&t->rng, (uint32_t)nsides);
	int page = (int)rng_below(&t->rng, (uint32_t)ft->npages[R_PRIV]);
	vm_offset_t va = ft->base[R_PRIV] + ptoa(page);
	int rv;

	if (rng_below(&t->rng, 4) == 0) {
		(void)map_hash(ft->side[side], va, &rv);
		KT_CHECK(t, rv == KERN_SUCCESS, "read fault: %s", vm_fault_result_name(rv));
	} else {
		uint32_t word = (uint32_t)rng_below(&t->rng, PAGE_WORDS);
		uint32_t value = (uint32_t)rng_next(&t->rng);

		rv = map_write(ft->side[side], va, word, value);
		KT_CHECK(t, rv == KERN_SUCCESS, "write fault: %s", vm_fault_result_name(rv));
	}
}

static bool
fork_setup(struct fork_test *ft)
{
	struct ktest_ctx *t = ft->t;
	static const vm_prot_t prot[NREGIONS] = { VM_PROT_RW, VM_PROT_RW, VM_PROT_RW, VM_PROT_RW,
		VM_PROT_READ, VM_PROT_RW };
	vm_offset_t addr = UBASE;

	if ((ft->side[0] = vmspace_alloc(UBASE, UTOP)) == NULL)
		return (false);
	for (int r = 0; r < NREGIONS; r++) {
		ft->npages[r] = r == R_PRIV ? 1 + (int)rng_below(&t->rng, 24) :
		    r == R_LATE ? LATE_PAGES : 2;
		if (vm_map_find(&ft->side[0]->vm_map, NULL, 0, &addr, ptoa(ft->npages[r]), true,
		    prot[r], VM_PROT_ALL, 0) != KERN_SUCCESS)
			return (false);
		ft->base[r] = addr;
		addr += ptoa(ft->npages[r]) + PAGE_SIZE;	/* a hole between regions */
	}
	(void)vm_map_inherit(&ft->side[0]->vm_map, ft->base[R_SHARED],
	    ft->base[R_SHARED] + ptoa(2), VM_INHERIT_SHARE);
	(void)vm_map_inherit(&ft->side[0]->vm_map, ft->base[R_NONE],
	    ft->base[R_NONE] + ptoa(2), VM_INHERIT_NONE);
	ktest_data(t, "params priv=%d", ft->npages[R_PRIV]);
	return (true);
}

KTEST(map_fork, KTEST_VM)
{
	struct fork_test ft = { .t = t };
	struct vmmeter before = cnt;
	u_int free_before = cnt.v_free_count + cnt.v_cache_count;
	int steps, rv, rv_ro, rv_hole, rv_none;

	KT_CHECK(t, fork_setup(&ft), "setting up the parent's regions failed");
	/* The parent writes every private page, and the shared and no-inherit ones. */
	for (int i = 0; i < ft.npages[R_PRIV]; i++) {
		uint32_t word = rng_below(&t->rng, PAGE_WORDS);	/* in this order: the model's */
		uint32_t value = (uint32_t)rng_next(&t->rng);

		(void)map_write(ft.side[0], ft.base[R_PRIV] + ptoa(i), word, value);
	}
	(void)map_write(ft.side[0], ft.base[R_SHARED], 1, 0x5ade);
	(void)map_write(ft.side[0], ft.base[R_NONE], 2, 0x0707);
	for (int i = 0; i < LATE_PAGES; i++)
		(void)map_write(ft.side[0], ft.base[R_LATE] + ptoa(i), 5, 0x1a7e + (uint32_t)i);
	fork_counts(t, "prefork", &before);

	before = cnt;
	ft.side[1] = vmspace_fork(ft.side[0]);
	KT_CHECK(t, ft.side[1] != NULL, "vmspace_fork failed");
	/* Directed: the child reads page 0 before anyone writes it. */
	(void)map_hash(ft.side[1], ft.base[R_PRIV], &rv);
	/* Directed: the parent writes page 0, then the child must still see the old data. */
	(void)map_write(ft.side[0], ft.base[R_PRIV], 0, 0xfeed);
	/* Directed: the child writes the untouched and the shared regions. */
	(void)map_write(ft.side[1], ft.base[R_UNTOUCHED] + PAGE_SIZE, 3, 0xc417d);
	(void)map_write(ft.side[1], ft.base[R_SHARED] + PAGE_SIZE, 4, 0x54a7ed);
	/* Directed errors: a write to the read-only region, the hole, the uninherited region. */
	/* Directed: the child only reads the late region while both live. */
	(void)map_hash(ft.side[1], ft.base[R_LATE], &rv);
	rv_ro = map_write(ft.side[1], ft.base[R_RO], 0, 1);
	rv_hole = map_write(ft.side[0], ft.base[R_PRIV] + ptoa(ft.npages[R_PRIV]), 0, 1);
	rv_none = map_write(ft.side[1], ft.base[R_NONE], 0, 1);
	ktest_data(t, "errors ro=%d hole=%d none=%d", rv_ro, rv_hole, rv_none);
	steps = 20 + (int)rng_below(&t->rng, 100);
	for (int i = 0; i < steps; i++)
		fork_step(&ft, 2);
	fork_counts(t, "forked", &before);
	fork_hashes(&ft, "forked", 0);
	fork_hashes(&ft, "forked", 1);

	/* The child exits: the parent's later first writes move pages, not copy them. */
	before = cnt;
	vmspace_free(ft.side[1]);
	steps = 10 + (int)rng_below(&t->rng, 40);
	for (int i = 0; i < steps; i++)
		fork_step(&ft, 1);
	/* Directed: the parent's first writes to the late region, after the child
	 * is gone: its object has one reference and one shadow, so moves. */
	for (int i = 0; i < LATE_PAGES; i++)
		(void)map_write(ft.side[0], ft.base[R_LATE] + ptoa(i), 6, 0xa10e + (uint32_t)i);
	fork_counts(t, "alone", &before);
	fork_hashes(&ft, "alone", 0);
	vmspace_free(ft.side[0]);
	ktest_data(t, "leak pages=%d", (int)free_before - (int)(cnt.v_free_count + cnt.v_cache_count));
}

/* ---- map_protect ------------------------------------------------------- */

/*
 * mprotect's core on a seeded region: every page written, then a seeded
 * window made read-only, then the maximum lowered on part of it: which
 * writes and raises each step refuses, and whether the data survived.
 */
KTEST(map_protect, KTEST_VM)
{
	struct vmspace *vm = vmspace_alloc(UBASE, UTOP);
	uint32_t n = 2 + rng_below(&t->rng, 14), a = rng_below(&t->rng, n);
	uint32_t b = a + 1 + rng_below(&t->rng, n - a);
	vm_offset_t base = UBASE;
	int rv;

	KT_CHECK(t, vm != NULL, "vmspace_alloc failed");
	KT_CHECK(t, vm_map_find(&vm->vm_map, NULL, 0, &base, ptoa(n), true, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_SUCCESS, "vm_map_find failed");
	ktest_data(t, "params pages=%u window=%u-%u", n, a, b);
	for (uint32_t i = 0; i < n; i++)
		(void)map_write(vm, base + ptoa(i), 0, 0x9a9e0000 + i);
	rv = vm_map_protect(&vm->vm_map, base + ptoa(a), base + ptoa(b), VM_PROT_READ, false);
	ktest_data(t, "protect read rv=%d", rv);
	for (uint32_t i = 0; i < n; i++) {
		int rr, rw = map_write(vm, base + ptoa(i), 1, 0x77);
		uint64_t h = map_hash(vm, base + ptoa(i), &rr);

		ktest_data(t, "page %u write=%d read=%d %016jx", i, rw, rr, (uintmax_t)h);
	}
	/* Lower the maximum of the window's first page; raising it back must fail there only. */
	rv = vm_map_protect(&vm->vm_map, base + ptoa(a), base + ptoa(a + 1), VM_PROT_READ, true);
	ktest_data(t, "setmax rv=%d", rv);
	rv = vm_map_protect(&vm->vm_map, base, base + ptoa(n), VM_PROT_RW, false);
	ktest_data(t, "raise all rv=%d", rv);
	rv = b > a + 1 ? vm_map_protect(&vm->vm_map, base + ptoa(a + 1), base + ptoa(b), VM_PROT_RW,
	    false) : KERN_SUCCESS;
	ktest_data(t, "raise rest rv=%d", rv);
	rv = vm_map_protect(&vm->vm_map, base + ptoa(n), base + ptoa(n + 1), VM_PROT_READ, false);
	ktest_data(t, "protect hole rv=%d", rv);
	for (uint32_t i = 0; i < n; i++)
		ktest_data(t, "after %u write=%d", i, map_write(vm, base + ptoa(i), 2, 0x88));
	vmspace_free(vm);
}

/* ---- the kernel map's rule: pageable memory only where one may sleep ---- */

KTEST(kmap_spin, KTEST_VM | KTEST_EXPLICIT)
{
	static struct mtx spin;
	vm_offset_t va = kmem_alloc_pageable(PAGE_SIZE);

	KT_CHECK(t, va != 0, "kmem_alloc_pageable(one page) failed");
	mtx_init(&spin, "ktest kmap spin", NULL, MTX_SPIN);
	mtx_lock_spin(&spin);
	*(volatile int *)va = 1;		/* not resident: the fault must panic */
	mtx_unlock_spin(&spin);
	ktest_fail(t, "a fault on pageable memory with a spin mutex held did not panic");
}

KTEST(kmap_hole, KTEST_VM | KTEST_EXPLICIT)
{
	vm_offset_t va = kmem_alloc_pageable(2 * PAGE_SIZE);

	KT_CHECK(t, va != 0, "kmem_alloc_pageable(two pages) failed");
	kmem_free_pageable(va + PAGE_SIZE, PAGE_SIZE);	/* a hole in the kernel map */
	*(volatile int *)va = 1;			/* an entry's page: fine */
	printf("kmap_hole: wrote %#jx; the hole is %#jx\n", (uintmax_t)va,
	    (uintmax_t)(va + PAGE_SIZE));
	*(volatile int *)(va + PAGE_SIZE) = 1;		/* the hole: a fatal trap */
	ktest_fail(t, "a store to a kernel-map address no entry covers did not fault");
}

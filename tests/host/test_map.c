/*
 * test_map.c - address-space maps (vm_map.c) against a model, under
 * ASan/UBSan.  Kernel side: it calls the kernel through its own headers.
 *
 *   map_model_random  random inserts at fixed addresses, first-fit finds,
 *                     removes and protects over ranges that span entries and
 *                     holes, and inheritance changes; after every step the
 *                     entry list (sorted, disjoint, in bounds, counted) and
 *                     every page's protection, inheritance and lookup
 *                     against a model that keeps one record per page;
 *                     then vmspace_fork (entries by inheritance) and
 *                     vmspace_free; 3 fixed seeds (HOST_SEED moves them);
 *   map_bad_ranges    unaligned, empty, reversed and out-of-bounds ranges
 *                     are refused with the right KERN_* and change nothing.
 *
 * The host has no page tables: pmap calls are no-ops (host_machine.c), and
 * entries here never get objects (no faults), so only the map is tested.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

#include "harness.h"

#define	NPAGES		256			/* the map spans these pages */
#define	UMIN		((vm_offset_t)0x10000)
#define	UMAX		(UMIN + NPAGES * PAGE_SIZE)
#define	STEPS		3000
#define	SEEDS		3

static char arena[1 << 20] __attribute__((aligned(64)));
static unsigned long long rs;

/* The model: per page, mapped?, its protection, its inheritance, its entry's start. */
static struct mpage {
	bool		mapped;
	vm_prot_t	prot;
	vm_prot_t	max;
	uint8_t		inh;
	u_int		first;			/* the page its entry starts at */
} model[NPAGES];

/* CHECK for helpers that return whether all went well. */
#define	MCHECK(cond, ...) do {						\
	if (!(cond)) {							\
		harness_fail(__FILE__, __LINE__, __VA_ARGS__);		\
		return (false);						\
	}								\
} while (0)

static unsigned
rnd(unsigned bound)
{
	return ((unsigned)(harness_xorshift(&rs) >> 33) % bound);
}

static vm_offset_t
pg(u_int i)
{
	return (UMIN + (vm_offset_t)i * PAGE_SIZE);
}

/* Entries the model implies: a new one wherever an entry's first page is. */
static int
model_entries(void)
{
	int n = 0;

	for (u_int i = 0; i < NPAGES; i++)
		n += model[i].mapped && model[i].first == i;
	return (n);
}

static void
model_map(u_int a, u_int b, vm_prot_t prot)
{
	for (u_int i = a; i < b; i++)
		model[i] = (struct mpage){ true, prot, VM_PROT_ALL, VM_INHERIT_COPY, a };
}

static bool
model_free(u_int a, u_int b)
{
	for (u_int i = a; i < b; i++)
		if (model[i].mapped)
			return (false);
	return (true);
}

/* A range operation clips entries at a and b: pages from b on start a new one. */
static void
model_clip(u_int a, u_int b)
{
	for (u_int i = b; i < NPAGES && model[i].mapped && model[i].first < b; i++)
		model[i].first = b;
	for (u_int i = a; i < b; i++)
		if (model[i].mapped && model[i].first < a)
			model[i].first = a;
}

/* The map against the model: list shape, counts, and each page's record.  Map locked. */
static bool
check_map_locked(vm_map_t map)
{
	vm_map_entry_t e, prev = &map->header;
	vm_size_t size = 0;
	int n = 0;

	for (e = map->header.next; e != &map->header; prev = e, e = e->next) {
		MCHECK(e->prev == prev, "entry %p: broken back link", e);
		MCHECK(e->start < e->end && e->start >= UMIN && e->end <= UMAX,
		    "entry %#lx-%#lx out of order or bounds", (long)e->start, (long)e->end);
		MCHECK(prev == &map->header || prev->end <= e->start, "entries overlap at %#lx",
		    (long)e->start);
		MCHECK(model[(e->start - UMIN) / PAGE_SIZE].first == (e->start - UMIN) / PAGE_SIZE,
		    "an entry starts at page %lu, the model's entry does not",
		    (long)((e->start - UMIN) / PAGE_SIZE));
		for (vm_offset_t va = e->start; va < e->end; va += PAGE_SIZE) {
			struct mpage *p = &model[(va - UMIN) / PAGE_SIZE];

			MCHECK(p->mapped && p->prot == e->protection && p->max == e->max_protection &&
			    p->inh == e->inheritance, "page %#lx: prot %d/%d inh %d, model %d: %d/%d %d",
			    (long)va, e->protection, e->max_protection, e->inheritance, p->mapped,
			    p->prot, p->max, p->inh);
		}
		size += e->end - e->start;
		n++;
	}
	MCHECK(map->header.prev == prev, "the header's back link is stale");
	MCHECK(n == map->nentries && n == model_entries(), "%d entries, nentries %d, model %d",
	    n, map->nentries, model_entries());
	MCHECK(size == map->size, "size %lu, entries add up to %lu", (long)map->size, (long)size);
	for (int k = 0; k < 8; k++) {
		u_int i = rnd(NPAGES);
		bool found = vm_map_lookup_entry(map, pg(i) + rnd(PAGE_SIZE), &e);

		MCHECK(found == model[i].mapped, "lookup of page %u: %d, model %d", i, found,
		    model[i].mapped);
		MCHECK(!found || e->start == pg(model[i].first), "lookup of page %u: entry at %#lx",
		    i, (long)e->start);
	}
	return (true);
}

static bool
check_map(vm_map_t map)
{
	bool ok;

	vm_map_lock(map);
	ok = check_map_locked(map);
	vm_map_unlock(map);
	return (ok);
}

static u_int
rnd_len(u_int a)
{
	return (1 + rnd(MIN(24u, NPAGES - a)));
}

static bool
step_insert(vm_map_t map)
{
	u_int a = rnd(NPAGES), b = a + rnd_len(a);
	vm_prot_t prot = (vm_prot_t)(1 + rnd(3));
	int rv = vm_map_insert(map, NULL, 0, pg(a), pg(b), prot, VM_PROT_ALL, 0);

	MCHECK(rv == (model_free(a, b) ? KERN_SUCCESS : KERN_NO_SPACE), "insert %u-%u: %d", a, b, rv);
	if (rv == KERN_SUCCESS)
		model_map(a, b, prot);
	return (true);
}

static bool
step_find(vm_map_t map)
{
	u_int hint = rnd(NPAGES), n = 1 + rnd(24), want = NPAGES;
	vm_offset_t addr = pg(hint);
	int rv = vm_map_find(map, NULL, 0, &addr, (vm_size_t)n * PAGE_SIZE, true, VM_PROT_RW,
	    VM_PROT_ALL, 0);

	for (u_int p = hint; p + n <= NPAGES; p++)
		if (model_free(p, p + n)) {
			want = p;
			break;
		}
	MCHECK(want == NPAGES ? rv == KERN_NO_SPACE : rv == KERN_SUCCESS && addr == pg(want),
	    "find %u pages from page %u: rv %d at page %ld, model %u", n, hint, rv,
	    (long)((addr - UMIN) / PAGE_SIZE), want);
	if (rv == KERN_SUCCESS)
		model_map(want, want + n, VM_PROT_RW);
	return (true);
}

static bool
step_remove(vm_map_t map)
{
	u_int a = rnd(NPAGES), b = a + rnd_len(a);
	int rv = vm_map_remove(map, pg(a), pg(b));

	MCHECK(rv == KERN_SUCCESS, "remove %u-%u: %d", a, b, rv);
	model_clip(a, b);
	for (u_int i = a; i < b; i++)
		model[i].mapped = false;
	return (true);
}

static bool
step_protect(vm_map_t map)
{
	u_int a = rnd(NPAGES), b = a + rnd_len(a), i;
	vm_prot_t prot = (vm_prot_t)rnd(4);
	bool set_max = rnd(4) == 0, ok = true;
	int rv = vm_map_protect(map, pg(a), pg(b), prot, set_max), want;

	for (i = a; i < b && model[i].mapped; i++)
		ok = ok && (prot & model[i].max) == prot;	/* set_max too: never raised */
	want = i < b ? KERN_INVALID_ADDRESS : ok ? KERN_SUCCESS : KERN_PROTECTION_FAILURE;
	MCHECK(rv == want, "protect %u-%u to %d%s: %d, model %d", a, b, prot,
	    set_max ? " (max)" : "", rv, want);
	if (rv != KERN_SUCCESS)
		return (true);
	model_clip(a, b);
	for (i = a; i < b; i++) {
		if (set_max) {
			model[i].max = prot;
			model[i].prot &= prot;
		} else
			model[i].prot = prot;
	}
	return (true);
}

static bool
step_inherit(vm_map_t map)
{
	u_int a = rnd(NPAGES), b = a + rnd_len(a);
	uint8_t inh = (uint8_t)rnd(3);
	int rv = vm_map_inherit(map, pg(a), pg(b), (enum vm_inherit)inh);

	MCHECK(rv == KERN_SUCCESS, "inherit %u-%u: %d", a, b, rv);
	model_clip(a, b);
	for (u_int i = a; i < b; i++)
		if (model[i].mapped)
			model[i].inh = inh;
	return (true);
}

/* The child: every entry not VM_INHERIT_NONE, same ranges and rights. */
static bool
check_fork(struct vmspace *vm)
{
	struct vmspace *child = vmspace_fork(vm);
	vm_map_entry_t e, c;
	int n = 0;

	MCHECK(child != NULL, "vmspace_fork failed");
	c = child->vm_map.header.next;
	for (e = vm->vm_map.header.next; e != &vm->vm_map.header; e = e->next) {
		if (e->inheritance == VM_INHERIT_NONE)
			continue;
		MCHECK(c != &child->vm_map.header && c->start == e->start && c->end == e->end &&
		    c->protection == e->protection, "the child's entry %d differs", n);
		c = c->next;
		n++;
	}
	MCHECK(c == &child->vm_map.header && child->vm_map.nentries == n,
	    "the child has %d entries, want %d", child->vm_map.nentries, n);
	vmspace_free(child);
	return (true);
}

static bool
run_model(unsigned long long seed)
{
	struct vmspace *vm;

	malloc_init(arena, sizeof(arena));
	vm_object_init();
	memset(model, 0, sizeof(model));
	rs = seed | 1;
	MCHECK((vm = vmspace_alloc(UMIN, UMAX)) != NULL, "vmspace_alloc failed");
	for (int k = 0; k < STEPS; k++) {
		bool ok;

		switch (rnd(6)) {
		case 0: ok = step_insert(&vm->vm_map); break;
		case 1: ok = step_find(&vm->vm_map); break;
		case 2: case 3: ok = step_remove(&vm->vm_map); break;
		case 4: ok = step_protect(&vm->vm_map); break;
		default: ok = step_inherit(&vm->vm_map); break;
		}
		if (!ok || !check_map(&vm->vm_map))
			return (false);
		if (k % 500 == 499 && !check_fork(vm))
			return (false);
	}
	vmspace_free(vm);
	return (true);
}

HOST_TEST(map_model_random)
{
	for (int k = 0; k < SEEDS; k++)
		if (!run_model(harness_seed() + (unsigned long long)k))
			return;
}

HOST_TEST(map_bad_ranges)
{
	struct vmspace *vm;
	vm_offset_t addr = UMIN + 1;

	malloc_init(arena, sizeof(arena));
	vm_object_init();
	CHECK((vm = vmspace_alloc(UMIN, UMAX)) != NULL, "vmspace_alloc failed");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMIN + 1, UMIN + PAGE_SIZE, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS, "an unaligned start was accepted");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMIN, UMIN, VM_PROT_RW, VM_PROT_ALL, 0) ==
	    KERN_INVALID_ADDRESS, "an empty range was accepted");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMIN + PAGE_SIZE, UMIN, VM_PROT_RW, VM_PROT_ALL,
	    0) == KERN_INVALID_ADDRESS, "a reversed range was accepted");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMIN - PAGE_SIZE, UMIN + PAGE_SIZE, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS, "a range below the map was accepted");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMAX - PAGE_SIZE, UMAX + PAGE_SIZE, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS, "a range past the map was accepted");
	CHECK(vm_map_insert(&vm->vm_map, NULL, 0, UMIN, UMIN + PAGE_SIZE, VM_PROT_RW,
	    VM_PROT_READ, 0) == KERN_PROTECTION_FAILURE, "protection beyond the maximum");
	CHECK(vm_map_find(&vm->vm_map, NULL, 0, &addr, PAGE_SIZE, true, VM_PROT_RW, VM_PROT_ALL,
	    0) == KERN_INVALID_ADDRESS, "find from an unaligned hint was accepted");
	addr = UMIN;
	CHECK(vm_map_find(&vm->vm_map, NULL, 0, &addr, 0, true, VM_PROT_RW, VM_PROT_ALL, 0) ==
	    KERN_INVALID_ADDRESS, "a find of 0 bytes was accepted");
	CHECK(vm_map_find(&vm->vm_map, NULL, 0, &addr, (NPAGES + 1) * PAGE_SIZE, true, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_NO_SPACE, "a find bigger than the map succeeded");
	CHECK(vm_map_remove(&vm->vm_map, UMIN + PAGE_SIZE, UMIN) == KERN_INVALID_ADDRESS,
	    "a reversed remove was accepted");
	CHECK(vm_map_protect(&vm->vm_map, UMIN, UMIN + PAGE_SIZE, VM_PROT_READ, false) ==
	    KERN_INVALID_ADDRESS, "protecting unmapped memory succeeded");
	CHECK(vm->vm_map.nentries == 0 && vm->vm_map.size == 0, "a refused call left entries");
	vmspace_free(vm);
}

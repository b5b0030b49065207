/*
 * test_physmem.c - phys_avail-style range arrays against a page bitmap
 * model: after random adds and excludes, the array must describe exactly
 * the pages the model says, sorted, disjoint, page-aligned and merged.
 * Kernel side: the prototypes are vm/vm_param.h's.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>

#include "harness.h"

#define	NPAGES	4096
#define	ENTRIES	64
#define	PG	4096ull

static unsigned long long s;
static unsigned long long rnd(void) { s = s * 6364136223846793005ull + 1442695040888963407ull; return (s >> 17); }

HOST_TEST(physmem_random_vs_model)
{
	vm_paddr_t avail[ENTRIES * 2];
	bool model[NPAGES];

	s = harness_seed();
	for (int round = 0; round < 200; round++) {
		memset(avail, 0, sizeof(avail));
		memset(model, 0, sizeof(model));
		for (int op = 0; op < 12; op++) {
			/* Unaligned ends: add shrinks inward, exclude widens outward. */
			vm_paddr_t a = rnd() % (NPAGES * PG), b = a + rnd() % (NPAGES * PG / 4);
			if (b > NPAGES * PG)
				b = NPAGES * PG;
			vm_paddr_t lo_in = (a + PG - 1) / PG, hi_in = b / PG;
			vm_paddr_t lo_out = a / PG, hi_out = (b + PG - 1) / PG;
			if (rnd() % 3 != 0) {
				physmem_add(avail, ENTRIES, a, b);
				for (vm_paddr_t p = lo_in; p < hi_in; p++)
					model[p] = true;
			} else {
				physmem_exclude(avail, ENTRIES, a, b);
				for (vm_paddr_t p = lo_out; p < hi_out && p < NPAGES; p++)
					model[p] = false;
			}
		}
		bool got[NPAGES] = { false };
		for (int i = 0; avail[2 * i + 1] != 0; i++) {
			CHECK(avail[2 * i] % PG == 0 && avail[2 * i + 1] % PG == 0, "unaligned range %d", i);
			CHECK(avail[2 * i] < avail[2 * i + 1], "empty range %d", i);
			if (i > 0)
				CHECK(avail[2 * i] > avail[2 * i - 1], "ranges %d and %d touch or overlap", i - 1, i);
			for (vm_paddr_t p = avail[2 * i] / PG; p < avail[2 * i + 1] / PG; p++)
				got[p] = true;
		}
		for (int p = 0; p < NPAGES; p++)
			CHECK(got[p] == model[p], "round %d: page %d is %s but the model says %s",
			    round, p, got[p] ? "available" : "absent", model[p] ? "available" : "absent");
	}
}

HOST_TEST(physmem_above_4g)
{
	vm_paddr_t avail[8] = { 0 };

	physmem_add(avail, 4, 0x100000000ull, 0x1c0000000ull);
	physmem_add(avail, 4, 0x100000, 0xbffe0000);
	physmem_exclude(avail, 4, 0x100000, 0x200000);
	CHECK(avail[0] == 0x200000 && avail[1] == 0xbffe0000, "low range");
	CHECK(avail[2] == 0x100000000ull && avail[3] == 0x1c0000000ull, "high range kept its 64-bit ends");
	CHECK(physmem_total(avail) == 0xbfde0000ull + 0xc0000000ull, "total");
}

/*
 * Firmware ranges that end at or cross the configuration's limit.  QEMU's PC
 * map never makes one (its RAM stops at 3 GiB and resumes at 4 GiB), so only
 * these fixed maps reach the case.
 */
#define	GiB	(1ull << 30)
#define	LCHECK(cond)	CHECK(cond, "%s", #cond)

static uint64_t
add_one(vm_paddr_t *avail, uint64_t start, uint64_t end, uint64_t limit)
{
	memset(avail, 0, 8 * 2 * sizeof(*avail));
	return (physmem_add_ram(avail, 8, start, end, limit));
}

HOST_TEST(physmem_ram_limit_plain_i386)
{
	uint64_t limit = physmem_end_limit(4 * GiB, 32);
	vm_paddr_t avail[8 * 2];

	LCHECK(limit == 0xfffff000ull);
	/* [2 GiB, 6 GiB): keep [2 GiB, 4 GiB - 4 KiB), ignore the rest. */
	LCHECK(add_one(avail, 2 * GiB, 6 * GiB, limit) == 6 * GiB - 0xfffff000ull);
	LCHECK(avail[0] == 2 * GiB && avail[1] == 0xfffff000ull && avail[3] == 0);
	/* [1 MiB, 4 GiB): all but the top page. */
	LCHECK(add_one(avail, 1 << 20, 4 * GiB, limit) == PG);
	LCHECK(avail[0] == (1 << 20) && avail[1] == 0xfffff000ull);
	/* Wholly above: nothing added, all ignored. */
	LCHECK(add_one(avail, 4 * GiB, 7 * GiB, limit) == 3 * GiB);
	LCHECK(avail[1] == 0);
	/* Wholly below: untouched. */
	LCHECK(add_one(avail, 0, 3 * GiB, limit) == 0);
	LCHECK(avail[0] == 0 && avail[1] == 3 * GiB);
}

HOST_TEST(physmem_ram_limit_pae)
{
	uint64_t limit = physmem_end_limit(64 * GiB, 64);
	vm_paddr_t avail[8 * 2];

	LCHECK(limit == 64 * GiB);
	LCHECK(add_one(avail, 2 * GiB, 6 * GiB, limit) == 0);
	LCHECK(avail[0] == 2 * GiB && avail[1] == 6 * GiB);
	LCHECK(add_one(avail, 60 * GiB, 70 * GiB, limit) == 6 * GiB);
	LCHECK(avail[1] == 64 * GiB);
}

HOST_TEST(physmem_contains_inclusive_ends)
{
	vm_paddr_t avail[8 * 2] = { 0x1000, 0x9f000, 0x100000, 0x8000000, 0, 0 };

	LCHECK(physmem_contains(avail, 0x1000, 0x1000));
	LCHECK(physmem_contains(avail, 0x9efff, 0x9efff));
	LCHECK(!physmem_contains(avail, 0x9f000, 0x9f000));
	LCHECK(!physmem_contains(avail, 0x0fff, 0x0fff));
	LCHECK(physmem_contains(avail, 0x100000, 0x7ffffff));
	LCHECK(!physmem_contains(avail, 0x9e000, 0x100000));	/* spans the hole */
	LCHECK(!physmem_contains(avail, 0xffffffffull, 0xffffffffull));
}

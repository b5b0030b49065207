/*
 * test_page.c - the page layer (kernel/vm/vm_page.c) on the host: the whole
 * of vm_page_startup(), carve included, over a realistic phys_avail, and
 * vm_page_free_contig().  The buddy tests boot through the carve too
 * (host_machine.c); these check what the carve itself must produce.
 */
#include <stdbool.h>
#include <string.h>

#include "harness.h"
#include "host_machine.h"

#define	MB	(1024ull * 1024)
#define	PG	SIM_PAGE

static unsigned long long
round_page(unsigned long long x)
{
	return ((x + PG - 1) & ~(PG - 1));
}

/*
 * Low memory, the RAM above the kernel, and RAM above 4 GiB (larger): the
 * array and bitmap come from the top of the largest range, phys_avail loses
 * exactly them, and every page left has its own vm_page, free.
 */
HOST_TEST(page_startup_carves_the_top_of_the_largest_range)
{
	static const struct sim_range r[] = {
		{ 0x1000, 0x9f000 }, { 0x500000, 0x8000000 }, { 0x100000000ull, 0x10c000000ull },
	};
	unsigned long long pages = 0, array, dump, free_pages = 0, start, end;
	struct sim_carve c;

	for (int i = 0; i < 3; i++)
		pages += (r[i].end - r[i].start) / PG;
	CHECK(sim_startup(r, 3, &c) == 1, "vm_page_startup() left the VM system off");
	CHECK(c.array_size == (long)pages, "%ld entries in a sparse array for %llu pages",
	    c.array_size, pages);
	array = round_page(pages * c.page_bytes);
	dump = round_page((r[2].end / PG + 31) / 32 * 4);
	CHECK(c.dump_bytes == dump, "bitmap %lu bytes, want %llu", c.dump_bytes, dump);
	CHECK(c.dump_pa == r[2].end - dump && c.array_pa == c.dump_pa - array,
	    "array at %#llx, bitmap at %#llx: want %#llx and %#llx, the top of range 2",
	    c.array_pa, c.dump_pa, r[2].end - dump - array, r[2].end - dump);
	for (int i = 0; i < 3; i++) {
		CHECK(sim_phys_avail(i, &start, &end), "phys_avail lost range %d", i);
		CHECK(start == r[i].start && end == (i == 2 ? c.array_pa : r[i].end),
		    "phys_avail[%d] = [%#llx, %#llx)", i, start, end);
		for (unsigned long long pa = start; pa < end; pa += PG) {
			CHECK(sim_has_page(pa) && sim_lookup(pa) == pa && sim_is_free(pa),
			    "page %#llx: no vm_page of its own, or not free", pa);
			free_pages++;
		}
	}
	CHECK(!sim_phys_avail(3, &start, &end), "phys_avail grew a range");
	CHECK(!sim_has_page(c.array_pa), "the carved array's own page %#llx is managed", c.array_pa);
	CHECK(sim_free_count() == free_pages, "%u pages free, want %llu", sim_free_count(),
	    free_pages);
}

/* The carve refuses, and the VM system stays off, when nothing can hold the array. */
HOST_TEST(page_startup_without_room_leaves_the_vm_off)
{
	static const struct sim_range r[] = { { 0x1000, 0x2000 }, { 0x5000, 0x6000 } };
	struct sim_carve c;

	CHECK(sim_startup(r, 2, &c) == 0, "a 2-page machine got a page array");
}

/* sim_page_free_contig(pa, npages), for EXPECT_PANIC. */
struct contig_call { sim_pa_t pa; unsigned long npages; };

static void
call_page_free_contig(void *arg)
{
	const struct contig_call *a = arg;

	sim_page_free_contig(a->pa, a->npages);
}

/*
 * contigmalloc's pages go back through vm_page_free_contig: unwired, the
 * counters restored, the free blocks maximal again; a second free, or a
 * managed page, panics instead of corrupting the queues.
 */
HOST_TEST(page_free_contig_unwires_and_frees)
{
	static const struct sim_range r[] = { { 0x100000, 0x4000000 } };
	struct contig_call run;
	struct sim_carve c;
	unsigned free0, wired0;
	sim_pa_t pa;
	char why[256];

	CHECK(sim_startup(r, 1, &c) == 1, "vm_page_startup() left the VM system off");
	free0 = sim_free_count();
	wired0 = sim_wire_count();
	pa = sim_page_alloc_contig(37, 0x1000000, 0x4000000);
	CHECK(pa != SIM_NONE, "no 37-page run");
	CHECK(sim_wire_count() == wired0 + 37 && sim_page_is_wired(pa) &&
	    sim_page_is_wired(pa + 36 * PG), "the run is not wired: %u wired", sim_wire_count());
	sim_page_free_contig(pa, 37);
	CHECK(sim_wire_count() == wired0, "%u pages still wired, want %u", sim_wire_count(), wired0);
	CHECK(!sim_page_is_wired(pa) && sim_is_free(pa) && sim_is_free(pa + 36 * PG),
	    "the run's pages are not free and unwired");
	CHECK(sim_free_count() == free0, "%u free, want %u", sim_free_count(), free0);
	CHECK(sim_check(why, sizeof(why)) == 0, "%s", why);
	run = (struct contig_call){ pa, 37 };
	EXPECT_PANIC(call_page_free_contig, &run, "freeing free page");
	sim_startup(r, 1, &c);
	pa = sim_alloc(0, 2);		/* straight from vm_phys: not the page layer's */
	run = (struct contig_call){ pa, 4 };
	EXPECT_PANIC(call_page_free_contig, &run, "is managed");
}

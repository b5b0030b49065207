/*
 * test_buddy.c - unit tests of the buddy allocator (kernel/vm/vm_phys.c)
 * on small simulated machines (host_machine.h): splitting, coalescing,
 * segments, pool stealing, unfree, contiguous allocation with its
 * constraints (above 4 GiB too), double frees and the counters.  Each test
 * states the exact queue contents it expects, so a regression says where.
 * vm_phys_check() runs after every operation (the OP macro).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "host_machine.h"

#define	KB	1024ull
#define	MB	(1024ull * KB)
#define	GB	(1024ull * MB)
#define	PG	SIM_PAGE
#define	BLK(o)	(PG << (o))

/* Run an allocator call, then insist vm_phys_check() still holds. */
#define	OP(stmt) do {							\
	char why_[256];							\
	stmt;								\
	CHECK(sim_check(why_, sizeof(why_)) == 0, "after %s: %s", #stmt, why_); \
} while (0)

#define	SETUP(...) do {							\
	static const struct sim_range r_[] = { __VA_ARGS__ };		\
	OP(sim_setup(r_, (int)(sizeof(r_) / sizeof(r_[0]))));		\
} while (0)

/* Blocks per order on all queues, as a string "o0,o1,...,o10" for messages. */
static const char *
orders(void)
{
	static char buf[128];
	int n = 0;

	for (int o = 0; o < SIM_NORDER; o++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%ld", o ? "," : "",
		    sim_count(-1, o));
	return (buf);
}

/*
 * The maximal aligned blocks of the segments when all is free, per order:
 * what boot and "free everything" must both produce.
 */
static const char *
layout_orders(void)
{
	static char buf[128];
	long c[SIM_NORDER] = { 0 };
	int n = 0;

	for (int s = 0; s < sim_nsegs(); s++) {
		sim_pa_t pa, end;
		int fl, o;

		sim_seg(s, &pa, &end, &fl);
		for (; pa < end; pa += BLK(o), c[o]++)
			for (o = SIM_NORDER - 1; (pa & (BLK(o) - 1)) || pa + BLK(o) > end; o--)
				;
	}
	for (int o = 0; o < SIM_NORDER; o++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%ld", o ? "," : "", c[o]);
	return (buf);
}

HOST_TEST(buddy_alloc_free_each_order)
{
	SETUP({ 0, 4 * MB });
	CHECK(strcmp(orders(), "0,0,0,0,0,0,0,0,0,0,1") == 0, "boot: %s", orders());
	for (int k = 0; k < SIM_NORDER; k++) {
		sim_pa_t pa;

		OP(pa = sim_alloc(0, k));
		CHECK(pa == 0, "order %d: got %#llx, want the lowest block", k, pa);
		CHECK(sim_free_count() == 1024 - (1u << k), "order %d: %u free", k, sim_free_count());
		/* One upper half on each queue from k to 9, nothing else. */
		for (int o = 0; o < SIM_NORDER; o++)
			CHECK(sim_count(-1, o) == (o >= k && o < 10), "order %d: queues %s", k, orders());
		OP(sim_free(pa, k));
		CHECK(strcmp(orders(), "0,0,0,0,0,0,0,0,0,0,1") == 0, "order %d freed: %s", k, orders());
	}
}

HOST_TEST(buddy_split_puts_halves_at_the_right_addresses)
{
	sim_pa_t pa;

	SETUP({ 0, 4 * MB });
	OP(pa = sim_alloc(0, 0));
	for (int o = 0; o < 10; o++) {
		CHECK(sim_order_of(BLK(o)) == o && sim_is_free(BLK(o)),
		    "the block at %#llx should be a free order-%d head; order %d", BLK(o), o,
		    sim_order_of(BLK(o)));
		CHECK(sim_queue_len(0, 0, o) == 0 && sim_queue_len(1, 0, o) == 1,
		    "order %d: the half belongs on ISA DMA list, default pool", o);
	}
	CHECK(!sim_is_free(0) && sim_order_of(0) == SIM_NORDER, "page 0 is allocated");
	CHECK(sim_order_of(PG * 3) == SIM_NORDER, "page 3 is inside a block, not a head");
	OP(sim_free(pa, 0));
}

/* Allocate all of memory at mixed orders, free it in random order. */
HOST_TEST(buddy_free_everything_restores_maximal_blocks)
{
	static sim_pa_t pas[8192];
	static int ords[8192];
	int n = 0;
	unsigned long long s = harness_seed();
	char want[128];

	SETUP({ 0x1000, 0x9f000 }, { 0x100000, 0x1403000 }, { 0x1000000 * 2 + 0x7000, 0x2400000 });
	snprintf(want, sizeof(want), "%s", layout_orders());
	CHECK(strcmp(orders(), want) == 0, "boot: %s, want %s", orders(), want);
	for (int k = SIM_NORDER - 1; k >= 0; k--)
		for (;;) {
			sim_pa_t pa;

			OP(pa = sim_alloc((int)(n % SIM_NPOOL), k));
			if (pa == SIM_NONE)
				break;
			CHECK(n < 8192, "too many blocks");
			pas[n] = pa, ords[n++] = k;
		}
	CHECK(sim_free_count() == 0 && sim_count(-1, -1) == 0, "all allocated");
	for (int i = n - 1; i > 0; i--) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		int j = (int)((s >> 33) % (unsigned)(i + 1));
		sim_pa_t tp = pas[i]; int to = ords[i];
		pas[i] = pas[j], ords[i] = ords[j], pas[j] = tp, ords[j] = to;
	}
	for (int i = 0; i < n; i++)
		OP(sim_free(pas[i], ords[i]));
	CHECK(strcmp(orders(), want) == 0, "freed: %s, want %s", orders(), want);
}

HOST_TEST(buddy_segments_never_merge)
{
	sim_pa_t pas[8];
	int n = 0;

	/* As one range these 8 pages would be one order-3 block. */
	SETUP({ 0, 0x3000 }, { 0x3000, 0x8000 });
	CHECK(sim_nsegs() == 2, "two segments");
	CHECK(strcmp(orders(), "2,1,1,0,0,0,0,0,0,0,0") == 0, "boot: %s", orders());
	while (n < 8 && (pas[n] = sim_alloc(0, 0)) != SIM_NONE)
		n++;
	CHECK(n == 8, "8 pages, got %d", n);
	for (int i = 0; i < 8; i++)	/* 0x2000 then 0x3000 side by side */
		OP(sim_free(pas[(i + 2) % 8], 0));
	CHECK(strcmp(orders(), "2,1,1,0,0,0,0,0,0,0,0") == 0, "freed: %s", orders());
	CHECK(sim_order_of(0x2000) == 0 && sim_order_of(0x3000) == 0, "0x2000 and 0x3000 stay apart");

	/* The 16 MiB split makes two segments on two free lists. */
	SETUP({ 16 * MB - 0x3000, 16 * MB + 0x3000 });
	CHECK(sim_nsegs() == 2, "split at 16 MiB");
	CHECK(sim_queue_len(1, 0, 0) == 1 && sim_queue_len(1, 0, 1) == 1, "ISA DMA side: 1 + 2 pages");
	CHECK(sim_queue_len(0, 0, 1) == 1 && sim_queue_len(0, 0, 0) == 1, "default side: 2 + 1 pages");
}

HOST_TEST(buddy_steal_takes_the_largest_block_and_retags_it)
{
	sim_pa_t a, b;

	SETUP({ 16 * MB, 24 * MB });	/* the default free list: two order-10 blocks */
	OP(a = sim_alloc(0, 0));	/* pool 0: one order-10 block and halves 0..9 */
	CHECK((a == 16 * MB || a == 20 * MB) && sim_queue_len(0, 0, 10) == 1, "setup: %#llx", a);
	OP(b = sim_alloc(2, 0));	/* pool 2 is empty: it must steal the order-10 block */
	CHECK(b == (a ^ (16 * MB ^ 20 * MB)), "stole %#llx, want the other order-10 block", b);
	CHECK(sim_pool_of(b) == 2, "retagged to pool 2");
	CHECK(sim_queue_len(0, 0, 10) == 0 && sim_queue_len(0, 0, 0) == 1, "pool 0 kept its small blocks");
	for (int o = 0; o < 10; o++)
		CHECK(sim_queue_len(0, 2, o) == 1, "pool 2 has the halves: order %d", o);
	OP(sim_free(b, 0));
	CHECK(sim_queue_len(0, 2, 10) == 1, "the stolen block came back whole, in pool 2");
	OP(sim_free(a, 0));
	CHECK(sim_queue_len(0, 0, 10) == 1, "and pool 0's too");
}

HOST_TEST(buddy_coalescing_across_pools_adopts_the_freed_pool)
{
	sim_pa_t a, b;

	SETUP({ 0, 4 * MB });
	OP(a = sim_alloc(0, 0));
	OP(b = sim_alloc(1, 9));	/* steals pool 0's order-9 half at 2 MiB */
	CHECK(b == 2 * MB && sim_pool_of(b) == 1, "stole %#llx", b);
	OP(sim_free(b, 9));
	CHECK(sim_queue_len(1, 1, 9) == 1, "back on pool 1: its buddy at 0 is not free");
	OP(sim_free(a, 0));
	CHECK(sim_queue_len(1, 0, 10) == 1 && sim_count(1, -1) == 0,
	    "merged into one pool-0 order-10 block: %s", orders());
	CHECK(sim_pool_of(2 * MB + 5 * PG) == 0, "the pool-1 buddy was retagged");
}

HOST_TEST(buddy_unfree_page)
{
	SETUP({ 0, 4 * MB });
	CHECK(sim_unfree(5 * PG) == 1, "page 5 is free");
	CHECK(sim_free_count() == 1023 && !sim_is_free(5 * PG), "one page fewer");
	CHECK(strcmp(orders(), "1,1,1,1,1,1,1,1,1,1,0") == 0, "queues %s", orders());
	CHECK(sim_order_of(4 * PG) == 0 && sim_order_of(6 * PG) == 1 && sim_order_of(0) == 2,
	    "the halves around page 5");
	OP(CHECK(sim_unfree(5 * PG) == 0, "page 5 is taken"));
	OP(CHECK(sim_unfree(4 * PG) == 1, "page 4 is free"));
	OP(sim_free(5 * PG, 0));
	OP(sim_free(4 * PG, 0));
	CHECK(strcmp(orders(), "0,0,0,0,0,0,0,0,0,0,1") == 0, "whole again: %s", orders());

	/* A segment that starts unaligned: its first page heads an order-0 block. */
	SETUP({ 0x3000, 0x10000 });
	OP(CHECK(sim_unfree(0x3000) == 1, "first page"));
	OP(CHECK(sim_unfree(0xf000) == 1, "last page"));
	OP(CHECK(sim_unfree(0x9000) == 1, "a middle page"));
	CHECK(sim_free_count() == 10, "13 - 3 pages");
}

HOST_TEST(buddy_contig_constraints_below_4g)
{
	unsigned before;
	sim_pa_t pa;

	SETUP({ 0x1000, 0xa0000 }, { 0x100000, 32 * MB });
	before = sim_free_count();
	OP(pa = sim_alloc_contig(1, 0, ~0ull, PG, 0));
	CHECK(pa >= 16 * MB, "the default free list first: %#llx", pa);
	OP(sim_free_contig(pa, 1));
	OP(pa = sim_alloc_contig(5, 0, 16 * MB, PG, 0));
	CHECK(pa != SIM_NONE && pa + 5 * PG <= 16 * MB, "below 16 MiB: %#llx", pa);
	CHECK(sim_free_count() == before - 5, "the 3-page tail went back: %u", sim_free_count());
	OP(sim_free_contig(pa, 5));
	OP(pa = sim_alloc_contig(16, 0, ~0ull, 1 * MB, 0));
	CHECK(pa != SIM_NONE && pa % MB == 0, "1 MiB aligned: %#llx", pa);
	OP(sim_free_contig(pa, 16));
	OP(pa = sim_alloc_contig(8, 0x2000, 0x40000, PG, 32 * KB));
	CHECK(pa != SIM_NONE && pa >= 0x2000 && pa + 8 * PG <= 0x40000 &&
	    pa / (32 * KB) == (pa + 8 * PG - 1) / (32 * KB), "boundary 32 KiB: %#llx", pa);
	OP(sim_free_contig(pa, 8));
	OP(pa = sim_alloc_contig(1, 20 * MB, 21 * MB, PG, 0));
	CHECK(pa >= 20 * MB && pa < 21 * MB, "inside [20, 21) MiB: %#llx", pa);
	OP(sim_free_contig(pa, 1));
	/* Longer than a max block: adjacent order-10 blocks of one segment. */
	OP(pa = sim_alloc_contig(1025, 0, ~0ull, PG, 0));
	CHECK(pa != SIM_NONE && pa >= 16 * MB && pa % (4 * MB) == 0, "1025 pages: %#llx", pa);
	CHECK(sim_free_count() == before - 1025, "1023-page tail went back: %u", sim_free_count());
	OP(sim_free_contig(pa, 1025));
	OP(pa = sim_alloc_contig(4096, 0, ~0ull, PG, 0));
	CHECK(pa == 16 * MB, "all four blocks of [16, 32) MiB: %#llx", pa);
	OP(sim_free_contig(pa, 4096));
	OP(CHECK(sim_alloc_contig(4097, 0, ~0ull, PG, 0) == SIM_NONE, "no 5 adjacent blocks"));
	OP(CHECK(sim_alloc_contig(3 * 1024, 0, 16 * MB, PG, 0) == 4 * MB, "3 below 16 MiB"));
	OP(sim_free_contig(4 * MB, 3 * 1024));
	OP(CHECK(sim_alloc_contig(16, 0, ~0ull, PG, 32 * KB) == SIM_NONE, "64 KiB in 32 KiB"));
	OP(CHECK(sim_alloc_contig(1, 0x2000, 0x2000, PG, 0) == SIM_NONE, "empty range"));
	CHECK(sim_free_count() == before && strcmp(orders(), layout_orders()) == 0,
	    "all back: %s", orders());
}

HOST_TEST(buddy_contig_above_4g)
{
	sim_pa_t pa;

	SETUP({ 4 * GB - 4 * MB, 4 * GB + 8 * MB });
	OP(CHECK(sim_alloc_contig(1, 0, 4 * GB - 4 * MB, PG, 0) == SIM_NONE, "nothing below"));
	OP(pa = sim_alloc_contig(3, 4 * GB + 4 * MB, 4 * GB + 8 * MB, PG, 0));
	CHECK(pa == 4 * GB + 4 * MB, "the block at 4 GiB + 4 MiB: %#llx", pa);
	CHECK(sim_free_count() == 3 * 1024 - 3, "tail returned");
	OP(sim_free_contig(pa, 3));
	OP(pa = sim_alloc_contig(1, 0, ~0ull, 4 * GB, 0));
	CHECK(pa == 4 * GB, "4 GiB alignment in a 64-bit vm_paddr_t: %#llx", pa);
	OP(sim_free_contig(pa, 1));
	OP(CHECK(sim_alloc_contig(1, 0, ~0ull, 8 * GB, 0) == SIM_NONE, "nothing is 8 GiB aligned"));
	OP(CHECK(sim_alloc_contig(1, 4 * GB + 1, ~0ull, 4 * GB, 0) == SIM_NONE,
	    "low just above 4 GiB excludes the block at 4 GiB"));
	OP(CHECK(sim_alloc_contig(3072, 0, ~0ull, PG, 4 * GB) == SIM_NONE,
	    "all three blocks straddle 4 GiB"));
	OP(pa = sim_alloc_contig(3072, 0, ~0ull, PG, 8 * GB));
	CHECK(pa == 4 * GB - 4 * MB, "an 8 GiB boundary allows it: %#llx", pa);
	OP(sim_free_contig(pa, 3072));
	OP(pa = sim_alloc_contig(1024, 0, 4 * GB, PG, 0));
	CHECK(pa == 4 * GB - 4 * MB, "the block just below 4 GiB: %#llx", pa);
	OP(sim_free_contig(pa, 1024));
	OP(CHECK(sim_alloc_contig(1024, 0, ~0ull, PG, 2 * MB) == SIM_NONE, "4 MiB in 2 MiB"));
	CHECK(sim_free_count() == 3 * 1024 && sim_count(-1, 10) == 3, "all back: %s", orders());
}

/* sim_free(pa, order), for EXPECT_PANIC. */
struct free_call { sim_pa_t pa; int order; };

static void
call_sim_free(void *arg)
{
	const struct free_call *c = arg;

	sim_free(c->pa, c->order);
}

HOST_TEST(buddy_double_free_panics)
{
	struct free_call c;
	sim_pa_t pa;

	SETUP({ 0, 1 * MB });
	OP(pa = sim_alloc(0, 2));
	OP(sim_free(pa, 2));
	c = (struct free_call){ pa, 2 };
	EXPECT_PANIC(call_sim_free, &c, "double free");
	c = (struct free_call){ pa + PG, 0 };	/* inside a free block */
	EXPECT_PANIC(call_sim_free, &c, "double free");
	OP((void)0);	/* the failed frees changed nothing */
	/* A block whose head is allocated but whose tail is free (a wrong order). */
	OP(pa = sim_alloc(0, 0));
	CHECK(sim_is_free(pa + PG), "its buddy page is free");
	c = (struct free_call){ pa, 1 };
	EXPECT_PANIC(call_sim_free, &c, "double free");
	OP(sim_free(pa, 0));
	CHECK(sim_free_count() == 256 && sim_count(-1, 8) == 1, "intact: %s", orders());
}

/* The counters agree with each other and with the queues after churn. */
HOST_TEST(buddy_counters_add_up)
{
	static sim_pa_t pas[512];
	unsigned long long s = harness_seed() | 1;
	int n = 0;

	SETUP({ 0x5000, 2 * MB + 0x3000 });
	const unsigned total = sim_free_count();
	for (int step = 0; step < 3000; step++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		if (n < 512 && (s >> 40) % 3 != 0) {
			sim_pa_t pa = sim_alloc((int)((s >> 20) % SIM_NPOOL), 0);
			if (pa != SIM_NONE)
				pas[n++] = pa;
		} else if (n > 0) {
			int i = (int)((s >> 24) % (unsigned)n);
			OP(sim_free(pas[i], 0));
			pas[i] = pas[--n];
		}
		long pages = 0, blocks = 0, bypool = 0;
		for (int o = 0; o < SIM_NORDER; o++) {
			pages += sim_count(-1, o) << o;
			blocks += sim_count(-1, o);
		}
		for (int p = 0; p < SIM_NPOOL; p++)
			bypool += sim_count(p, -1);
		CHECK(pages == (long)sim_free_count(), "step %d: queues hold %ld pages, "
		    "v_free_count %u", step, pages, sim_free_count());
		CHECK(blocks == sim_count(-1, -1) && bypool == blocks, "step %d: block counts", step);
		CHECK(sim_free_count() + (unsigned)n == total, "step %d: free + allocated", step);
	}
}

/*
 * phys_avail can hold PHYS_AVAIL_ENTRIES - 1 ranges, and a carve that uses
 * up a range leaves an empty pair: every range gets a segment (one more for
 * the range that crosses 16 MiB), and the empty pair none.
 */
HOST_TEST(buddy_segments_from_a_full_phys_avail)
{
	struct sim_range r[32];
	int n = 0;

	r[n++] = (struct sim_range){ 1 * MB, 1 * MB };		/* used up by the carve */
	for (int i = 0; i < 28; i++, n++)
		r[n] = (struct sim_range){ 2 * MB + i * 256 * KB, 2 * MB + i * 256 * KB + 64 * KB };
	r[n++] = (struct sim_range){ 15 * MB, 17 * MB };		/* crosses 16 MiB: two */
	r[n++] = (struct sim_range){ 32 * MB, 40 * MB };
	CHECK(n == 31, "the test needs 31 ranges, not %d", n);
	OP(sim_setup(r, n));
	CHECK(sim_nsegs() == 31, "31 ranges (one empty, one crossing 16 MiB) made %d segments",
	    sim_nsegs());
	CHECK(sim_free_count() == (28 * 64 * KB + 2 * MB + 8 * MB) / PG,
	    "free pages %u", sim_free_count());
}

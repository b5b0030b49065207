/*
 * test_kmem.c - the kernel's malloc and KVA allocator under random
 * workloads, with ASan watching every byte.  Kernel side: malloc, free
 * and memset here are the kernel's (sys/malloc.h, sys/systm.h).
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <machine/param.h>
#include <vm/vm_kern.h>

#include "harness.h"

static unsigned long long s;
static unsigned long long rnd(void) { s = s * 6364136223846793005ull + 1442695040888963407ull; return (s >> 17); }

HOST_TEST(malloc_random)
{
	static char arena[1 << 20] __attribute__((aligned(64)));
	void *p[128] = { 0 };
	size_t sz[128];
	struct malloc_stats st0, st1;

	s = harness_seed();
	malloc_init(arena, sizeof(arena));
	malloc_stats(&st0);
	for (int i = 0; i < 50000; i++) {
		int k = (int)(rnd() % 128);
		if (p[k] != NULL) {
			for (size_t b = 0; b < sz[k]; b++)
				CHECK(((unsigned char *)p[k])[b] == (unsigned char)k, "block %d corrupted", k);
			free(p[k]);
			p[k] = NULL;
		} else {
			sz[k] = 1 + rnd() % 5000;
			p[k] = malloc(sz[k]);
			CHECK(p[k] != NULL, "malloc(%zu) failed at step %d", sz[k], i);
			CHECK(((unsigned long)p[k] & 31) == 0, "misaligned");
			CHECK((char *)p[k] >= arena && (char *)p[k] + sz[k] <= arena + sizeof(arena), "outside the arena");
			memset(p[k], k, sz[k]);
		}
	}
	for (int k = 0; k < 128; k++)
		free(p[k]);
	malloc_stats(&st1);
	CHECK(st1.in_use == 0 && st1.allocations == 0, "leak: %zu bytes", st1.in_use);
	CHECK(st1.largest_free == st0.largest_free, "free blocks did not coalesce back");
}

static void
call_free(void *p)
{
	free(p);
}

HOST_TEST(malloc_double_free_panics)
{
	static char arena[4096] __attribute__((aligned(64)));
	void *p;

	malloc_init(arena, sizeof(arena));
	p = malloc(100);
	free(p);
	EXPECT_PANIC(call_free, p, "freed twice");
}

HOST_TEST(malloc_exhaustion_returns_null)
{
	static char arena[4096] __attribute__((aligned(64)));

	malloc_init(arena, sizeof(arena));
	CHECK(malloc(8192) == NULL, "an impossible request succeeded");
	CHECK(malloc(4000) != NULL, "a fitting request failed");
	CHECK(malloc(64) == NULL, "allocated past the end");
}

/* kva_free() of one page at va */
static void
call_kva_free_page(void *va)
{
	kva_free((vm_offset_t)va, PAGE_SIZE);
}

HOST_TEST(kva_random)
{
	vm_offset_t va[64] = { 0 };
	vm_size_t sz[64];
	vm_offset_t base = 0x10000000, end = 0x20000000;

	s = harness_seed() + 7;
	kva_init(base, end);
	for (int i = 0; i < 20000; i++) {
		int k = (int)(rnd() % 64);
		if (va[k] != 0) {
			kva_free(va[k], sz[k]);
			va[k] = 0;
			continue;
		}
		sz[k] = (1 + rnd() % 64) * 4096;
		va[k] = kva_alloc(sz[k]);
		CHECK(va[k] != 0 && va[k] >= base && va[k] + sz[k] <= end, "bad allocation");
		for (int j = 0; j < 64; j++)
			CHECK(j == k || va[j] == 0 || va[j] + sz[j] <= va[k] || va[k] + sz[k] <= va[j],
			    "allocations %d and %d overlap", j, k);
	}
	for (int k = 0; k < 64; k++)
		if (va[k] != 0)
			kva_free(va[k], sz[k]);
	CHECK(kva_free_bytes() == end - base, "space lost: %lu", (unsigned long)kva_free_bytes());
	EXPECT_PANIC(call_kva_free_page, (void *)base, "free");
}

/*
 * vm_physmem.c - keep phys_avail[]-style range arrays sorted and exact.
 *
 * The machine layer adds RAM ranges from the firmware's map and then cuts out
 * what the kernel already uses.  Doing that with two small, tested helpers
 * (instead of ad hoc index juggling in each machine's start-up) is what lets
 * vm_page_startup() trust phys_avail: ranges are page-aligned, disjoint,
 * sorted, non-empty, and ended by a 0,0 pair.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>

vm_paddr_t phys_avail[PHYS_AVAIL_ENTRIES * 2];
vm_paddr_t dump_avail[PHYS_AVAIL_ENTRIES * 2];
uint64_t phys_ignored;

static int
physmem_count(const vm_paddr_t *avail)
{
	int n = 0;

	while (avail[2 * n + 1] != 0)
		n++;
	return (n);
}

/* Remove entry i, shifting the rest (and the terminator) down. */
static void
physmem_delete(vm_paddr_t *avail, int i)
{
	int n = physmem_count(avail);

	memmove(&avail[2 * i], &avail[2 * i + 2], (size_t)(n - i) * 2 * sizeof(*avail));
}

/* Insert [start, end) at entry i; false if the array is full. */
static bool
physmem_insert(vm_paddr_t *avail, int entries, int i, vm_paddr_t start, vm_paddr_t end)
{
	int n = physmem_count(avail);

	if (n + 1 >= entries) {
		printf("physmem: more than %d ranges, dropping [%#jx, %#jx)\n",
		    entries - 1, (uintmax_t)start, (uintmax_t)end);
		return (false);
	}
	memmove(&avail[2 * i + 2], &avail[2 * i], (size_t)(n - i + 1) * 2 * sizeof(*avail));
	avail[2 * i] = start;
	avail[2 * i + 1] = end;
	return (true);
}

/*
 * Add [start, end), shrunk inward to page boundaries, merging with ranges it
 * touches or overlaps.
 */
void
physmem_add(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end)
{
	int i;

	start = round_page(start);
	end = trunc_page(end);
	if (start >= end)
		return;
	for (i = 0; avail[2 * i + 1] != 0 && avail[2 * i + 1] < start; i++)
		continue;
	if (!physmem_insert(avail, entries, i, start, end))
		return;
	/* Merge forward while the next range touches this one. */
	while (avail[2 * i + 3] != 0 && avail[2 * i + 2] <= avail[2 * i + 1]) {
		avail[2 * i] = MIN(avail[2 * i], avail[2 * i + 2]);
		avail[2 * i + 1] = MAX(avail[2 * i + 1], avail[2 * i + 3]);
		physmem_delete(avail, i + 1);
	}
	/* And with the previous one. */
	if (i > 0 && avail[2 * i - 1] >= avail[2 * i]) {
		avail[2 * i - 1] = MAX(avail[2 * i - 1], avail[2 * i + 1]);
		physmem_delete(avail, i);
	}
}

/* Cut [start, end), widened outward to page boundaries, out of every range. */
void
physmem_exclude(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end)
{
	start = trunc_page(start);
	end = round_page(end);
	for (int i = 0; avail[2 * i + 1] != 0; i++) {
		vm_paddr_t s = avail[2 * i], e = avail[2 * i + 1];

		if (e <= start || s >= end)
			continue;
		if (s < start && e > end) {		/* split in two */
			avail[2 * i + 1] = start;
			physmem_insert(avail, entries, i + 1, end, e);
			return;
		}
		if (s < start)
			avail[2 * i + 1] = start;
		else if (e > end)
			avail[2 * i] = end;
		else {
			physmem_delete(avail, i);
			i--;
		}
	}
}

/*
 * The highest end a RAM range may have in this configuration: the machine's
 * limit, lowered to the last page boundary that a vm_paddr_t of paddr_bits
 * bits can hold.  On plain i386 the machine limit is 4 GiB, which is 0 as a
 * 32-bit vm_paddr_t, so the top page below 4 GiB is given up (as FreeBSD's
 * i386 did) rather than the whole range that reaches it.
 */
uint64_t
physmem_end_limit(uint64_t machine_limit, int paddr_bits)
{
	uint64_t max = paddr_bits >= 64 ? UINT64_MAX : (1ull << paddr_bits) - 1;

	return (MIN(machine_limit, max & ~(uint64_t)PAGE_MASK));
}

/*
 * Add a RAM range [start, end) of the firmware's map, which is 64-bit on
 * every configuration, clipped to limit (physmem_end_limit()) before it is
 * narrowed to vm_paddr_t.  Returns the bytes ignored above the limit.
 */
uint64_t
physmem_add_ram(vm_paddr_t *avail, int entries, uint64_t start, uint64_t end,
    uint64_t limit)
{
	uint64_t cut = MAX(start, MIN(end, limit));

	if (cut > start)
		physmem_add(avail, entries, (vm_paddr_t)start, (vm_paddr_t)cut);
	return (end > cut ? end - cut : 0);
}

/*
 * Whether one range of avail holds every byte from first to last, both
 * included (so that the last byte a 32-bit vm_paddr_t can name is no special
 * case: its page's end would be 0).
 */
bool
physmem_contains(const vm_paddr_t *avail, vm_paddr_t first, vm_paddr_t last)
{
	for (int i = 0; avail[2 * i + 1] != 0; i++)
		if (avail[2 * i] <= first && last <= avail[2 * i + 1] - 1)
			return (true);
	return (false);
}

uint64_t
physmem_total(const vm_paddr_t *avail)
{
	uint64_t sum = 0;

	for (int i = 0; avail[2 * i + 1] != 0; i++)
		sum += avail[2 * i + 1] - avail[2 * i];
	return (sum);
}

void
physmem_print(const char *name, const vm_paddr_t *avail)
{
	for (int i = 0; avail[2 * i + 1] != 0; i++)
		printf("  %s[%d] 0x%09jx - 0x%09jx  %6ju KiB\n", name, i,
		    (uintmax_t)avail[2 * i], (uintmax_t)avail[2 * i + 1],
		    (uintmax_t)(avail[2 * i + 1] - avail[2 * i]) >> 10);
}

MONITOR_CMD(meminfo, "", "phys_avail, dump_avail and totals")
{
	struct malloc_stats ms;

	printf("phys_avail (what the page allocator may use):\n");
	physmem_print("phys_avail", phys_avail);
	printf("dump_avail (what a crash dump may contain):\n");
	physmem_print("dump_avail", dump_avail);
	printf("total: avail %ju KiB, dump %ju KiB, ignored %ju KiB\n",
	    (uintmax_t)physmem_total(phys_avail) >> 10,
	    (uintmax_t)physmem_total(dump_avail) >> 10, (uintmax_t)phys_ignored >> 10);
	malloc_stats(&ms);
	printf("malloc: %zu of %zu bytes in use, %d allocations; kva free %u KiB\n",
	    ms.in_use, ms.arena, ms.allocations, (unsigned)(kva_free_bytes() >> 10));
	return (0);
}

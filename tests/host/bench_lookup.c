/*
 * bench_lookup.c - the cost of PHYS_TO_VM_PAGE (vm_phys_paddr_to_vm_page)
 * with a dense page array (one index computation) and a sparse one (a
 * search of the segments), over 128 MiB split into 1, 4 and 16 segments
 * with 1 MiB holes between them.  The lookups are of random valid
 * addresses, so a sparse search walks half the segments on average.
 *
 * vm_phys.c picks dense or sparse at compile time; extra.mk builds this
 * twice (bench_lookup-dense, bench_lookup-sparse).  Prints RESULT lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "host_machine.h"

#define	MB	(1024ull * 1024)
#define	NPG	32768			/* 128 MiB in all */
#define	NADDR	(1 << 20)
#define	ROUNDS	20

static sim_pa_t addrs[NADDR];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

static void
bench(int nseg)
{
	struct sim_range r[16];
	sim_pa_t seg = (sim_pa_t)NPG / (sim_pa_t)nseg * SIM_PAGE, check = 0;
	unsigned long long s = 0x9e3779b97f4a7c15ull;
	double t0, best = 1e30;

	for (int i = 0; i < nseg; i++) {	/* above 16 MiB: no ISA DMA split */
		r[i].start = 16 * MB + (sim_pa_t)i * (seg + 1 * MB);
		r[i].end = r[i].start + seg;
	}
	sim_setup(r, nseg);
	for (int i = 0; i < NADDR; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		addrs[i] = r[(s >> 40) % (unsigned)nseg].start + (s & 0xffffffff) % seg;
	}
	for (int k = 0; k < ROUNDS; k++) {
		t0 = now();
		for (int i = 0; i < NADDR; i++)
			check += sim_lookup(addrs[i]);
		double t = (now() - t0) / NADDR;
		best = t < best ? t : best;
	}
	printf("RESULT bench=lookup array=%s segments=%d ns=%.2f check=%llx\n",
	    sim_is_dense() ? "dense" : "sparse", nseg, best, (check >> 12) & 0xffff);
}

int
main(void)
{
	bench(1);
	bench(4);
	bench(16);
	return (0);
}

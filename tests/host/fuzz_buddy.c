/*
 * fuzz_buddy.c - a libFuzzer target for the buddy allocator: the input
 * bytes are a sequence of operations on a small simulated machine, each
 * checked by the reference model (buddy_model.c) that the seeded random
 * test uses, with the whole state compared after every operation.  Any
 * broken property, panic or sanitizer report is a crash libFuzzer keeps.
 *
 * Build and run from the top: `make fuzz [FUZZTIME=60]`; replay a saved
 * input: build/host/fuzz/fuzz_buddy crash-<hash>.  Not part of `make test`.
 *
 * Each operation takes 8 bytes: an opcode and its arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buddy_model.h"

#define	MB	(1024ull * 1024)
#define	GB	(1024ull * MB)
#define	MAXOPS	64
#define	NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ~3300 pages: ISA DMA, the 16 MiB split, 4 GiB, two adjacent max blocks. */
static const struct sim_range layout[] = {
	{ 0x1000, 0x20000 },
	{ 16 * MB - 0x3d000, 16 * MB + 0x83000 },
	{ 4 * GB - 1 * MB, 4 * GB + 1 * MB + 0x1000 },
	{ 6 * GB, 6 * GB + 8 * MB + 0x2000 },
};

static const uint64_t limits[] = {
	0, 0x10000, 16 * MB, 16 * MB + 0x40000, 4 * GB - 0x80000, 4 * GB,
	4 * GB + 0x81000, 6 * GB + 4 * MB, ~0ull,
};

static void
found(const char *what)
{
	fprintf(stderr, "fuzz_buddy: %s: %s\n", what, model_why);
	abort();
}

static int
one_op(const uint8_t *b)
{
	unsigned arg = (unsigned)b[1] | (unsigned)b[2] << 8;

	switch (b[0] % 8) {
	case 0: case 1: case 2:
		return (model_alloc(b[1] % SIM_NPOOL, b[2] % SIM_NORDER));
	case 3: case 4: case 7:
		return (model_free(arg));
	case 5:
		return (model_contig(1 + arg % 2200, limits[b[3] % NITEMS(limits)],
		    limits[b[4] % NITEMS(limits)], 4096ul << (b[5] % 22),
		    b[6] & 0x80 ? 0 : 4096ul << (b[6] % 22)));
	default:
		return (model_unfree((long)(arg % (unsigned)model_npages())));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (model_setup(layout, (int)NITEMS(layout)) != 0)
		found("setup");
	/* The whole state every 8 operations and at the end: most of the time
	 * would go to it otherwise; each operation checks itself anyway. */
	for (size_t i = 0; i + 8 <= size && i < 8 * MAXOPS; i += 8) {
		if (one_op(data + i) != 0)
			found("operation");
		if (i % 64 == 56 && model_full_check() != 0)
			found("state");
	}
	if (model_full_check() != 0)
		found("state at the end");
	return (0);
}

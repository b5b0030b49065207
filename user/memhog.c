/*
 * memhog <MiB> <seed> - touch MiB of anonymous memory, then check it back.
 *
 * One mmap of MiB; each page gets a seeded word (the LCG from the seed) at
 * a seeded place in it, written in one pass and checked in a second, so
 * every page must come back (from RAM, or from swap) as written.  Prints
 * the pages and the sum of the words (the grader recomputes both) and
 * exits 0.  More than memory and no swap: the fault that finds no page
 * kills the program (`out of memory`, status 137), or mmap fails
 * (ENOMEM, status 1) - never the kernel.
 */
#include <ulib.h>

int
main(int argc, char **argv)
{
	uint32_t seed, s, sum = 0;
	size_t pages, bad = 0;
	intptr_t p;

	if (argc != 3) {
		printf("usage: memhog <MiB> <seed>\n");
		return (2);
	}
	pages = (size_t)strtoul(argv[1], NULL, 0) * 256;
	seed = (uint32_t)strtoul(argv[2], NULL, 0);
	p = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
	if (p < 0 && p > -4096) {
		printf("memhog: mmap of %lu pages: error %ld\n", (unsigned long)pages, (long)-p);
		return (1);
	}
	s = seed;
	for (size_t i = 0; i < pages; i++) {
		uint32_t v = lcg_next(&s), *w = (uint32_t *)(p + i * PAGE_SIZE) + (v & 1023);

		*w = v;
	}
	s = seed;
	for (size_t i = 0; i < pages; i++) {
		uint32_t v = lcg_next(&s), *w = (uint32_t *)(p + i * PAGE_SIZE) + (v & 1023);

		if (*w != v)
			bad++;
		sum += *w;
	}
	printf("memhog: %lu pages, %lu bad, sum %08x\n", (unsigned long)pages, (unsigned long)bad, sum);
	return (bad != 0);
}

/*
 * forktest <seed> <children> - fork and copy-on-write.
 *
 * The parent fills a table (one page of words) from the seed, then forks
 * the children; child c adds c+1 to 64 seeded entries of its copy, sums
 * what it saw, prints the sum and exits with sum % 251.  Right after the
 * forks the parent flips every word of its own table, while the children
 * may not have run yet: with copy-on-write they still see the table as it
 * was at fork.  The parent waits for all of them, checks that its table
 * holds exactly its own flips (no child's write reached it), then prints
 * the sum of the statuses.  The grader
 * recomputes every number from the seed (test_user.py).
 */
#include <ulib.h>

#define	NWORDS	1024

static uint32_t table[NWORDS];

static void
fill(uint32_t seed)
{
	uint32_t s = seed;

	for (int i = 0; i < NWORDS; i++)
		table[i] = lcg_next(&s);
}

static void __attribute__((noreturn))
child(uint32_t seed, int c)
{
	uint32_t s = seed ^ ((uint32_t)(c + 1) * 0x9e3779b9u), v = 0;

	for (int k = 0; k < 64; k++) {
		uint32_t i = lcg_next(&s) % NWORDS;

		table[i] += c + 1;
		v += table[i];
	}
	printf("forktest: child %d sum %u\n", c, v);
	exit((int)(v % 251));
}

int
main(int argc, char **argv)
{
	uint32_t seed, sum = 0, s;
	int n, st, pid;

	if (argc != 3) {
		printf("usage: forktest <seed> <children>\n");
		return (2);
	}
	seed = (uint32_t)strtoul(argv[1], NULL, 0);
	n = atoi(argv[2]);
	fill(seed);
	for (int c = 0; c < n; c++) {
		if ((pid = fork()) < 0) {
			printf("forktest: fork: error %d\n", -pid);
			return (1);
		}
		if (pid == 0)
			child(seed, c);
	}
	for (int i = 0; i < NWORDS; i++)
		table[i] ^= 0xdeadbeefu;
	for (int c = 0; c < n; c++) {
		if ((pid = wait(&st)) < 0) {
			printf("forktest: wait: error %d\n", -pid);
			return (1);
		}
		sum += (uint32_t)st;
	}
	if (wait(&st) != -ECHILD) {
		printf("forktest: a child too many\n");
		return (1);
	}
	s = seed;
	for (int i = 0; i < NWORDS; i++)
		if (table[i] != (lcg_next(&s) ^ 0xdeadbeefu)) {
			printf("forktest: the parent's word %d changed\n", i);
			return (1);
		}
	printf("forktest: %d children, status sum %u\n", n, sum);
	return (0);
}

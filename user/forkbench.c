/*
 * forkbench <MiB> <forks> <syscalls> - figures for tools/bench-user.py.
 *
 * Touches a heap of <MiB> MiB (every page written), then times <forks>
 * rounds of fork + the child's exit + wait, and <syscalls> getpid round
 * trips, with the TSC (rdtsc works in user mode).  Prints
 *   forkbench: fork cycles=<per round> syscall cycles=<per call> heap=<MiB>
 * Faults per round are the bench's to compute (the `user` ktest's counts of
 * a run with <forks> rounds minus one with none).
 */
#include <ulib.h>

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo);
}

int
main(int argc, char **argv)
{
	uint64_t t0, t1, t2;
	int mib, forks, calls, st;
	char *heap;

	if (argc != 4) {
		printf("usage: forkbench <MiB> <forks> <syscalls>\n");
		return (2);
	}
	mib = atoi(argv[1]);
	forks = atoi(argv[2]);
	calls = atoi(argv[3]);
	if ((heap = malloc((size_t)mib << 20)) == NULL && mib > 0) {
		printf("forkbench: no memory for %d MiB\n", mib);
		return (1);
	}
	for (long i = 0; i < (long)mib << 20; i += PAGE_SIZE)
		heap[i] = (char)i;
	t0 = rdtsc();
	for (int i = 0; i < forks; i++) {
		if (fork() == 0)
			exit(0);
		(void)wait(&st);
	}
	t1 = rdtsc();
	for (int i = 0; i < calls; i++)
		(void)getpid();
	t2 = rdtsc();
	printf("forkbench: fork cycles=%llu syscall cycles=%llu heap=%d\n",
	    forks > 0 ? (unsigned long long)((t1 - t0) / forks) : 0ull,
	    calls > 0 ? (unsigned long long)((t2 - t1) / calls) : 0ull, mib);
	return (0);
}

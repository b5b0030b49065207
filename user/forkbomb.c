/*
 * forkbomb [max] - fork until the kernel says no (or max children): each
 * child sleeps until its parent has stopped forking, then exits.  The
 * parent must see an error (ENOMEM), never a panic; then it reaps every
 * child, and the memory all comes back (the `user` ktest's page count).
 * Prints `forkbomb: N children, then error E` and `forkbomb: reaped N`.
 */
#include <ulib.h>

int
main(int argc, char **argv)
{
	int max = argc > 1 ? atoi(argv[1]) : 100000, n, pid, st, reaped = 0, err = 0;
	uint64_t ns = 2000000000ull;	/* 2 s: the children outlive the forking */

	for (n = 0; n < max; n++) {
		if ((pid = fork()) < 0) {
			err = -pid;
			break;
		}
		if (pid == 0) {
			(void)nanosleep(&ns);
			exit(0);
		}
	}
	printf("forkbomb: %d children, then error %d\n", n, err);
	while (wait(&st) > 0)
		reaped++;
	printf("forkbomb: reaped %d\n", reaped);
	return (reaped == n ? 0 : 1);
}

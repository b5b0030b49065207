/*
 * usertests - run the user-side tests, each as its own program (fork,
 * execve, wait), and check its exit status; a few small tests run here
 * (the heap, mmap, exec's arguments).  The last line is
 * `usertests: N passed, M failed' (xv6's idea); the exit status is M.
 */
#include <ulib.h>

static int passed, failed;

static void
result(const char *name, bool ok, int st)
{
	printf("usertests: %s: %s (status %d)\n", name, ok ? "ok" : "FAILED", st);
	if (ok)
		passed++;
	else
		failed++;
}

static void
run(const char *name, char **argv, int want)
{
	int st = spawn_wait(argv[0], argv);

	result(name, st == want, st);
}

/* A child's test, in a child: its status. */
static int
in_child(int (*fn)(void))
{
	int pid = fork(), st = -1;

	if (pid == 0)
		exit(fn());
	if (pid < 0 || wait(&st) != pid)
		return (-1);
	return (st);
}

/* malloc and free 200 blocks of seeded sizes; check each block's bytes. */
static int
t_malloc(void)
{
	char *blk[200];
	uint32_t s = 1, sizes[200];

	for (int i = 0; i < 200; i++) {
		sizes[i] = 1 + lcg_next(&s) % 3000;
		if ((blk[i] = malloc(sizes[i])) == NULL)
			return (1);
		memset(blk[i], i, sizes[i]);
	}
	for (int i = 0; i < 200; i += 2)
		free(blk[i]);
	for (int i = 1; i < 200; i += 2)
		for (uint32_t j = 0; j < sizes[i]; j++)
			if (blk[i][j] != (char)i)
				return (2);
	return (0);
}

/* sbrk up 64 pages, touch them, shrink back: the break returns. */
static int
t_sbrk(void)
{
	intptr_t a = sbrk(0), b;

	if (sbrk(64 * PAGE_SIZE) != a)
		return (1);
	for (int i = 0; i < 64; i++)
		((volatile char *)a)[i * PAGE_SIZE] = (char)i;
	if (sbrk(-64 * PAGE_SIZE) != a + 64 * PAGE_SIZE || (b = sbrk(0)) != a)
		return (2);
	return (0);
}

/* mmap, write, munmap; the page is gone afterwards (a grandchild's load dies). */
static int
t_mmap_gone(void)
{
	intptr_t p = mmap(NULL, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	int st, pid;

	if (p < 0)
		return (1);
	for (int i = 0; i < 8; i++)
		((volatile int *)p)[i * PAGE_SIZE / 4] = i;
	if (munmap((void *)p, 8 * PAGE_SIZE) != 0)
		return (2);
	if ((pid = fork()) == 0)
		exit(*(volatile int *)p);
	if (wait(&st) != pid || st != 139)
		return (3);
	return (0);
}

int
main(int argc, char **argv)
{
	char *echo[] = { "echo", "one", "two", "three", NULL };
	char *fork5[] = { "forktest", "12345", "5", NULL };
	char *bad[] = { "badptr", NULL };

	run("exec with arguments", echo, 3);
	run("forktest", fork5, 0);
	run("badptr", bad, 0);
	result("malloc", in_child(t_malloc) == 0, 0);
	result("sbrk", in_child(t_sbrk) == 0, 0);
	result("mmap, munmap", in_child(t_mmap_gone) == 0, 0);
	printf("usertests: %d passed, %d failed\n", passed, failed);
	return (failed);
}

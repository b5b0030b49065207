/*
 * sendtest <seed> <n> [hog <MiB>] - zero-copy send, and writes to a buffer
 * that is being sent.  (sendtest 0 0 errors x, sendtest 0 0 nodev x: the
 * bad sends, and a kernel without a send disk; test_send.py.)
 *
 * A buffer of a seeded length at a seeded offset in its own mapping (so
 * nothing else shares its pages) is filled with pattern 0 and sent; at
 * once - while the send is pending: the consumer holds it until sendwait -
 * the program writes pattern 1 over it, sends it, writes pattern 2, ... n
 * sends and n writes, then sendwait.  Every odd round the first write is
 * the kernel's: wait() copies a child's exit status out into the loaned
 * buffer (copyout must take the copy-on-write path too, not EFAULT, and
 * not write into the page being sent).  The send disk must hold each
 * pattern as it was at its send (the grader reads it after exit); each
 * write costs one copy per page (v_cowfaults_loan = n * pages).  The bytes
 * of the buffer's pages around it must keep their EDGE value through
 * every copy.
 *
 * With `hog M`, each round also touches the next M/n MiB of an M MiB
 * mapping between the send and the write, so that the copies are made
 * while memory is short (the grader boots small, with swap): the page the
 * copy needs comes after a VM_WAIT, and the bytes sent must still be right.
 *
 * Pattern i is the low bytes of lcg_next from seed ^ (i + 1) * 0x9e3779b9
 * (grader/tests/test_send.py recomputes it).
 */
#include <ulib.h>

#define	MAXLEN		(5 * PAGE_SIZE)
#define	MAPLEN		(MAXLEN + 2 * PAGE_SIZE)
#define	KID_STATUS	42
#define	EDGE		0xa5		/* the mapping's bytes around the buffer */

static unsigned char *buf;
static size_t len;

static void
fill(uint32_t seed, int i)
{
	uint32_t s = seed ^ ((uint32_t)(i + 1) * 0x9e3779b9u);

	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)lcg_next(&s);
}

static int
check(uint32_t seed, int i)
{
	uint32_t s = seed ^ ((uint32_t)(i + 1) * 0x9e3779b9u);

	for (size_t k = 0; k < len; k++)
		if (buf[k] != (unsigned char)lcg_next(&s))
			return ((int)k);
	return (-1);
}

/*
 * The kernel writes into the loaned buffer: a child's exit status, by
 * wait()'s copyout.  The children were forked before the buffer was mapped
 * (a fork would make the buffer copy-on-write between the two processes,
 * another path); they exited at once and wait only to be reaped.
 */
static int
kernel_write(int i)
{
	int got, *where = (int *)(buf + (len / 2 & ~3ul));

	if ((got = wait(where)) <= 0) {
		printf("sendtest: round %d: wait returned %d\n", i, got);
		return (-1);
	}
	if (*where != KID_STATUS) {
		printf("sendtest: round %d: wait wrote %d, want %d\n", i, *where, KID_STATUS);
		return (-1);
	}
	return (0);
}

/* Sends that must fail, each printed with what it returned. */
static int
errors(void)
{
	unsigned char *p = (unsigned char *)mmap(NULL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0);

	if ((intptr_t)p < 0)
		return (1);
	memset(p, 1, 3 * PAGE_SIZE);
	printf("sendtest: null %d\n", send(NULL, 10));
	printf("sendtest: kernel %d\n", send((void *)(0ul - 16 * PAGE_SIZE), 10));
	munmap(p + 2 * PAGE_SIZE, PAGE_SIZE);
	printf("sendtest: unmapped %d\n", send(p + 2 * PAGE_SIZE, 10));
	printf("sendtest: partly unmapped %d\n", send(p + 100, 2 * PAGE_SIZE));
	printf("sendtest: empty %d\n", send(p, 0));
	printf("sendtest: too long %d\n", send(p, 256 * 1024 + 1));
	printf("sendtest: sendwait %d\n", sendwait());
	return (0);
}

int
main(int argc, char **argv)
{
	uint32_t seed, s;
	unsigned char *map, *hog = NULL;
	size_t hoglen = 0, hogoff = 0;
	int n, id, done, bad, pid;

	if (argc == 5 && strcmp(argv[3], "errors") == 0)
		return (errors());
	if (argc == 5 && strcmp(argv[3], "nodev") == 0) {
		printf("sendtest: send %d\n", send(argv[0], 4));
		printf("sendtest: sendwait %d\n", sendwait());
		return (0);
	}
	if (argc != 3 && !(argc == 5 && strcmp(argv[3], "hog") == 0)) {
		printf("usage: sendtest seed n [hog MiB | errors x | nodev x]\n");
		return (2);
	}
	seed = (uint32_t)strtoul(argv[1], NULL, 0);
	n = atoi(argv[2]);
	for (int k = 0; k < n / 2; k++) {
		if ((pid = fork()) == 0)
			exit(KID_STATUS);
		if (pid < 0) {
			printf("sendtest: fork: error %d\n", -pid);
			return (1);
		}
	}
	s = seed;
	len = 1 + lcg_next(&s) % MAXLEN;
	map = (unsigned char *)mmap(NULL, MAPLEN, PROT_READ | PROT_WRITE, 0);
	if ((intptr_t)map < 0) {
		printf("sendtest: mmap: error %d\n", -(int)(intptr_t)map);
		return (1);
	}
	buf = map + lcg_next(&s) % PAGE_SIZE;
	memset(map, EDGE, MAPLEN);
	if (argc == 5) {
		hoglen = (size_t)atoi(argv[4]) << 20;
		hog = (unsigned char *)mmap(NULL, hoglen, PROT_READ | PROT_WRITE, 0);
		if ((intptr_t)hog < 0) {
			printf("sendtest: mmap hog: error %d\n", -(int)(intptr_t)hog);
			return (1);
		}
	}
	fill(seed, 0);
	for (int i = 0; i < n; i++) {
		if ((id = send(buf, len)) != i + 1) {
			printf("sendtest: send %d returned %d\n", i, id);
			return (1);
		}
		for (size_t k = 0; hog != NULL && k < hoglen / n; k += PAGE_SIZE) {
			hog[hogoff] = (unsigned char)(i + 1);
			hogoff = (hogoff + PAGE_SIZE) % hoglen;
		}
		if ((i & 1) != 0 && kernel_write(i) != 0)
			return (1);
		fill(seed, i + 1);
	}
	done = sendwait();
	bad = check(seed, n);
	for (unsigned char *p = map; bad < 0 && p < map + MAPLEN; p++)
		if ((p < buf || p >= buf + len) && *p != EDGE)
			bad = (int)(p - buf);	/* a copy lost the rest of its page */
	printf("sendtest: len %u off %u, %d sends, sendwait %d, buffer %s\n", (unsigned)len,
	    (unsigned)(buf - map), n, done, bad < 0 ? "ok" : "CHANGED");
	return (done == n && bad < 0 ? 0 : 1);
}

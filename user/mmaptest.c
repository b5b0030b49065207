/*
 * mmaptest <private-file> <shared-file> <seed> - file-backed and shared mmap.
 *
 *   private  maps the file MAP_PRIVATE, prints the CRC of what it sees
 *            (the grader's bytes), overwrites every byte with seeded ones
 *            (copy-on-write: each page gets a shadow copy), checks them,
 *            and reads the file with read(): still the grader's bytes
 *   shared   maps the file MAP_SHARED and prints the CRC of what it sees;
 *            a child (the mapping is inherited shared) writes the seeded
 *            bytes of the second half, the parent those of the first half
 *            after the child exited; the parent checks the child's, then
 *            munmaps, fsyncs and reads the file back with read()
 *   anon     MAP_SHARED | MAP_ANON: a child's write is the parent's
 *
 * The grader recomputes each CRC and, after QEMU exits, reads both files
 * from the disk image: the private one unchanged, the shared one the
 * seeded bytes exactly (test_mmap.py).  Seeded bytes: the LCG's low bytes
 * from the seed (private: seed + 1).
 */
#include <ulib.h>

static int failed;

static void
fill(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)lcg_next(&seed);
}

static int
open_map(const char *name, int flags, size_t *lenp, unsigned char **pp)
{
	uint64_t end = 0;
	int fd;
	intptr_t p;

	if ((fd = open(name)) < 3) {
		printf("mmaptest: open %s: error %d\n", name, -fd);
		exit(1);
	}
	/* The length: lseek does not say it, so read to the end. */
	{
		static unsigned char buf[4096];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			end += (uint64_t)n;
		(void)lseek(fd, &(uint64_t){ 0 });
	}
	p = mmap(NULL, (size_t)end, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p < 0 && p > -4096) {
		printf("mmaptest: mmap %s: error %ld\n", name, (long)-p);
		exit(1);
	}
	*lenp = (size_t)end;
	*pp = (unsigned char *)p;
	return (fd);
}

static uint32_t
read_crc(int fd, size_t len)
{
	static unsigned char buf[4096];
	uint32_t crc = 0;
	size_t total = 0;
	ssize_t n;

	(void)lseek(fd, &(uint64_t){ 0 });
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crc = crc32(crc, buf, (size_t)n);
		total += (size_t)n;
	}
	if (total != len) {
		printf("mmaptest: read %lu bytes back, want %lu\n", (unsigned long)total,
		    (unsigned long)len);
		failed++;
	}
	return (crc);
}

static void
t_private(const char *name, uint32_t seed)
{
	unsigned char *p, *want;
	size_t len;
	int fd = open_map(name, MAP_PRIVATE, &len, &p);

	printf("mmaptest: private %lu bytes crc %08x\n", (unsigned long)len, crc32(0, p, len));
	want = malloc(len);
	fill(want, len, seed + 1);
	memcpy(p, want, len);
	if (memcmp(p, want, len) != 0) {
		printf("mmaptest: private: the written bytes did not stay\n");
		failed++;
	}
	printf("mmaptest: private read crc %08x\n", read_crc(fd, len));
	(void)munmap(p, len);
	free(want);
	(void)close(fd);
}

static void
t_shared(const char *name, uint32_t seed)
{
	unsigned char *p, *want;
	size_t len, half;
	int fd = open_map(name, MAP_SHARED, &len, &p), pid, st = -1;

	printf("mmaptest: shared %lu bytes crc %08x\n", (unsigned long)len, crc32(0, p, len));
	want = malloc(len);
	fill(want, len, seed);
	half = len / 2;
	if ((pid = fork()) == 0) {
		memcpy(p + half, want + half, len - half);
		exit(0);
	}
	if (pid < 0 || wait(&st) != pid || st != 0) {
		printf("mmaptest: shared: child pid %d status %d\n", pid, st);
		failed++;
	}
	if (memcmp(p + half, want + half, len - half) != 0) {
		printf("mmaptest: shared: the child's writes are not the parent's\n");
		failed++;
	}
	memcpy(p, want, half);
	(void)munmap(p, len);
	if ((st = fsync(fd)) != 0) {
		printf("mmaptest: fsync: error %d\n", -st);
		failed++;
	}
	printf("mmaptest: shared read crc %08x\n", read_crc(fd, len));
	free(want);
	(void)close(fd);
}

static void
t_anon(uint32_t seed)
{
	intptr_t p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON, -1, 0);
	volatile uint32_t *v = (volatile uint32_t *)p;
	int pid, st = -1;

	if (p < 0 && p > -4096) {
		printf("mmaptest: anon: mmap error %ld\n", (long)-p);
		failed++;
		return;
	}
	*v = 1;
	if ((pid = fork()) == 0) {
		*v = seed;
		exit(0);
	}
	(void)wait(&st);
	printf("mmaptest: anon %08x\n", (unsigned)*v);
	(void)munmap((void *)p, PAGE_SIZE);
}

int
main(int argc, char **argv)
{
	uint32_t seed;

	if (argc != 4) {
		printf("usage: mmaptest <private-file> <shared-file> <seed>\n");
		return (2);
	}
	seed = (uint32_t)strtoul(argv[3], NULL, 0);
	t_private(argv[1], seed);
	t_shared(argv[2], seed);
	t_anon(seed);
	printf("mmaptest: %s\n", failed == 0 ? "ok" : "FAILED");
	return (failed != 0);
}

/*
 * filerd <file> <seed> - read a file larger than memory, sequentially and
 * at seeded offsets.
 *
 *   pass 1, 2  the whole file in 4 KiB reads, in order: its length and
 *              CRC-32 (the second pass finds little of the file still
 *              cached when it is larger than memory: QEMU's read count
 *              says how much, test_user.py)
 *   random     256 reads of 512 bytes at offsets 16 * (lcg % (len / 16))
 *              from the seed (fewer bytes near the end): the CRC of all
 *
 * The grader recomputes the CRCs from the image it wrote.
 */
#include <ulib.h>

#define	RANDOM_READS	256

static unsigned char buf[4096];

static uint32_t
pass(int fd, uint64_t *lenp)
{
	uint64_t len = 0;
	uint32_t crc = 0;
	ssize_t n;

	(void)lseek(fd, &(uint64_t){ 0 });
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crc = crc32(crc, buf, (size_t)n);
		len += (uint64_t)n;
	}
	if (n < 0)
		printf("filerd: read error %ld at %lu\n", (long)-n, (unsigned long)len);
	*lenp = len;
	return (crc);
}

int
main(int argc, char **argv)
{
	uint32_t seed, crc = 0;
	uint64_t len = 0, len2 = 0, off;
	int fd;

	if (argc != 3) {
		printf("usage: filerd <file> <seed>\n");
		return (2);
	}
	seed = (uint32_t)strtoul(argv[2], NULL, 0);
	if ((fd = open(argv[1])) < 3) {
		printf("filerd: open %s: error %d\n", argv[1], -fd);
		return (1);
	}
	crc = pass(fd, &len);
	printf("filerd: pass 1 %lu bytes crc %08x\n", (unsigned long)len, crc);
	crc = pass(fd, &len2);
	printf("filerd: pass 2 %lu bytes crc %08x\n", (unsigned long)len2, crc);
	if (len < 1024) {
		printf("filerd: %s is too short for the random pass\n", argv[1]);
		return (1);
	}
	crc = 0;
	for (int i = 0; i < RANDOM_READS; i++) {
		ssize_t n;

		off = 16 * (uint64_t)(lcg_next(&seed) % (uint32_t)(len / 16));
		(void)lseek(fd, &off);
		if ((n = read(fd, buf, 512)) < 0) {
			printf("filerd: read at %lu: error %ld\n", (unsigned long)off, (long)-n);
			return (1);
		}
		crc = crc32(crc, buf, (size_t)n);
	}
	printf("filerd: random %d crc %08x\n", RANDOM_READS, crc);
	(void)close(fd);
	return (0);
}

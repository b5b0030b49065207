/*
 * filetest <name> <seed> <len> - files through the system calls.
 *
 * Opens the flat file system's file <name>, checks the bad cases (EFAULT
 * for bad buffers, EBADF, ENOENT), truncates it to 0, writes <len> seeded
 * bytes (the LCG's low bytes) in 1000-byte writes, fsyncs, reads them back
 * in 777-byte reads and prints their CRC-32; then a child (fork: its own
 * open, its own offset) and the parent each read the first 4 bytes.  The
 * grader reads the file from the disk image after QEMU exits and
 * recomputes the bytes and the CRC from the seed (test_user.py).
 */
#include <ulib.h>

#ifdef __LP64__
#define	KERNEL_ADDR	0xffffffff80100000ul
#else
#define	KERNEL_ADDR	0xc0100000ul
#endif

static int failed;

static void
expect(const char *what, long got, long want)
{
	if (got != want) {
		printf("filetest: %s: got %ld, want %ld\n", what, got, want);
		failed++;
	}
}

static unsigned char buf[1000], back[777];

int
main(int argc, char **argv)
{
	uint32_t seed, s, crc = 0, got, len, left;
	uint64_t zero = 0;
	int fd, pid, st, n;

	if (argc != 4) {
		printf("usage: filetest <name> <seed> <len>\n");
		return (2);
	}
	seed = (uint32_t)strtoul(argv[2], NULL, 0);
	len = (uint32_t)strtoul(argv[3], NULL, 0);
	if ((fd = open(argv[1])) < 3) {
		printf("filetest: open %s: error %d\n", argv[1], -fd);
		return (1);
	}
	expect("open NULL", open(NULL), -EFAULT);
	expect("open a missing file", open("nosuchfile"), -ENOENT);
	expect("read into NULL", read(fd, NULL, 10), -EFAULT);
	expect("write from the kernel", write(fd, (void *)KERNEL_ADDR, 10), -EFAULT);
	expect("read a bad fd", read(42, buf, 1), -EBADF);
	expect("ftruncate NULL", ftruncate(fd, NULL), -EFAULT);
	expect("ftruncate to 0", ftruncate(fd, &zero), 0);

	s = seed;
	for (left = len; left > 0; left -= n) {
		n = left < sizeof(buf) ? (int)left : (int)sizeof(buf);
		for (int i = 0; i < n; i++)
			buf[i] = (unsigned char)lcg_next(&s);
		expect("write", write(fd, buf, n), n);
	}
	expect("fsync", fsync(fd), 0);
	expect("lseek", lseek(fd, &zero), 0);
	s = seed;
	for (got = 0;; got += n) {
		if ((n = (int)read(fd, back, sizeof(back))) <= 0)
			break;
		for (int i = 0; i < n; i++)
			if (back[i] != (unsigned char)lcg_next(&s)) {
				printf("filetest: byte %u read back wrong\n", got + i);
				failed++;
				break;
			}
		crc = crc32(crc, back, n);
	}
	expect("read back", got, len);
	printf("filetest: wrote %u bytes, read back %u, crc %08x\n", len, got, crc);

	expect("lseek", lseek(fd, &zero), 0);
	if ((pid = fork()) == 0) {
		uint32_t w = 0;

		expect("child read", read(fd, &w, 4), len >= 4 ? 4 : len);
		printf("filetest: child read %08x\n", w);
		exit(failed);
	}
	expect("wait", wait(&st) == pid && st == 0, 1);
	{
		uint32_t w = 0;

		expect("parent read", read(fd, &w, 4), len >= 4 ? 4 : len);
		printf("filetest: parent read %08x\n", w);
	}
	expect("close", close(fd), 0);
	expect("close again", close(fd), -EBADF);
	printf("filetest: %s\n", failed == 0 ? "ok" : "FAILED");
	return (failed);
}

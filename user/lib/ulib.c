/*
 * ulib.c - the libc's start-up (_cstart, from crt0), strings and numbers,
 * and spawn_wait.
 */
#include <ulib.h>

int	main(int argc, char **argv);
void	_cstart(int argc, char **argv) __attribute__((noreturn));

void
_cstart(int argc, char **argv)
{
	exit(main(argc, argv));
}

char *
strcpy(char *d, const char *s)
{
	char *r = d;

	while ((*d++ = *s++) != '\0')
		;
	return (r);
}

unsigned long
strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	int d;

	if (base == 0) {
		base = 10;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		}
	}
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'Z')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end != NULL)
		*end = (char *)s;
	return (v);
}

int
atoi(const char *s)
{
	return (s[0] == '-' ? -(int)strtoul(s + 1, NULL, 10) : (int)strtoul(s, NULL, 10));
}

int
spawn_wait(const char *path, char *const argv[])
{
	int pid, status, r;

	if ((pid = fork()) < 0)
		return (pid);
	if (pid == 0) {
		r = execve(path, argv);
		printf("spawn: execve %s: error %d\n", path, -r);
		exit(127);
	}
	if ((r = wait(&status)) < 0)
		return (r);
	return (status);
}

/* CRC-32 (zlib's: crc32(0, p, n), chained by passing the last result). */
uint32_t
crc32(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return (~crc);
}

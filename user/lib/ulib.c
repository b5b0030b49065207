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

size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return (n);
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
		a++, b++;
	return ((unsigned char)*a - (unsigned char)*b);
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++)
		if (*a != *b || *a == '\0')
			return ((unsigned char)*a - (unsigned char)*b);
	return (0);
}

char *
strcpy(char *d, const char *s)
{
	char *r = d;

	while ((*d++ = *s++) != '\0')
		;
	return (r);
}

void *
memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n-- > 0)
		*p++ = (unsigned char)c;
	return (d);
}

void *
memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n-- > 0)
		*p++ = *q++;
	return (d);
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return (*p - *q);
	return (0);
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

/*
 * libkern.c - the small C library the kernel carries: memory and string
 * routines, character classes, and a seeded pseudo-random generator for
 * tests.  Freestanding code cannot use the host's libc, and the hosted test
 * build (tests/host/) compiles this file too, so nothing here may depend on
 * the machine.
 */
#include <sys/systm.h>

void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return (dst);
}

void *
memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return (dst);
}

void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s || d >= s + n)
		return (memcpy(dst, src, n));
	while (n-- > 0)
		d[n] = s[n];
	return (dst);
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
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return ((unsigned char)*a - (unsigned char)*b);
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return ((unsigned char)*a - (unsigned char)*b);
		if (*a == '\0')
			return (0);
	}
	return (0);
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return ((char *)s);
		if (*s == '\0')
			return (NULL);
	}
}

/* Copy with truncation; always terminates when size > 0.  Returns strlen(src). */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}

int isspace(int c) { return (c == ' ' || (c >= '\t' && c <= '\r')); }
int isdigit(int c) { return (c >= '0' && c <= '9'); }
int isalpha(int c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
int isxdigit(int c) { return (isdigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')); }
int isprint(int c) { return (c >= 0x20 && c < 0x7f); }

/*
 * xorshift64*: small, fast and good enough for test workloads.  A zero seed
 * would stick at zero, so it is replaced by a fixed odd constant.
 */
void
rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (r->s * 0x2545f4914f6cdd1dull);
}

uint32_t
rng_below(struct rng *r, uint32_t bound)
{
	return (bound == 0 ? 0 : (uint32_t)((rng_next(r) >> 32) % bound));
}

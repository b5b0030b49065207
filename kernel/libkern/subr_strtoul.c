/*
 * subr_strtoul.c - strtoull(3) for the kernel.
 *
 * The kernel parses numbers from the command line (seed=, tunables such as
 * vm.blacklist=) and from monitor commands (page 0x1234000).  Physical
 * addresses are 64-bit under PAE, so the one number parser is 64-bit too.
 *
 * Contract (C's strtoull):
 *  - skip leading white space, then an optional '+' or '-';
 *  - base 16 (or 0) accepts an optional "0x"/"0X" prefix; base 0 picks
 *    16 after "0x", 8 after a leading "0", else 10;
 *  - consume the longest run of digits valid in the base;
 *  - on overflow the result saturates at UINT64_MAX (the rest of the digits
 *    are still consumed); a '-' negates the result modulo 2^64;
 *  - if no digits were found, return 0 and set *end = s (the whole input,
 *    untouched, including any white space or sign);
 *  - otherwise *end points just past the last digit used (if end != NULL).
 * This is lab 00's first exercise.
 */
#include <sys/systm.h>

static int
digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c |= 0x20;
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 10);
	return (99);
}

uint64_t
strtoull(const char *s, char **end, int base)
{
	/* BEGIN LAB 00 strtoull
	 * stub:
	 * (void)digit_value;
	 * if (end != NULL)
	 * 	*end = (char *)s;
	 * panic("lab 00: strtoull(\"%s\", base %d): not implemented", s, base);
	 */
	const char *p = s;
	uint64_t v = 0;
	bool neg = false, any = false, overflow = false;
	int d;

	while (isspace(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = (*p++ == '-');
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 0x20) == 'x' &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0)
		base = (p[0] == '0') ? 8 : 10;
	for (; (d = digit_value(*p)) < base; p++) {
		any = true;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = true;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (end != NULL)
		*end = (char *)(any ? p : s);
	if (!any)
		return (0);
	if (overflow)
		return (UINT64_MAX);
	return (neg ? -v : v);
	/* END LAB 00 strtoull */
}

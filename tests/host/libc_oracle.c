/*
 * libc_oracle.c - the C library's strtoull and snprintf for the kernel-side
 * tests to compare against (libc_oracle.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "libc_oracle.h"

unsigned long long
libc_strtoull(const char *s, char **end, int base, int *erange)
{
	unsigned long long v;

	errno = 0;
	v = strtoull(s, end, base);
	*erange = errno == ERANGE;
	return (v);
}

int
libc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}

/*
 * libc_oracle.h - the host C library as the oracle of the kernel-side tests
 * (libc_oracle.c, built with libc).  A kernel-side file cannot include libc's
 * headers, and there the names strtoull and snprintf are the kernel's
 * (hostnames.h), so the C library's are reached through these.  Only
 * built-in C types, so both sides include this one declaration.
 */
#ifndef LIBC_ORACLE_H
#define LIBC_ORACLE_H

/* libc's strtoull(s, end, base); *erange is 1 if it set errno to ERANGE. */
unsigned long long libc_strtoull(const char *s, char **end, int base, int *erange);

/* libc's snprintf. */
int	libc_snprintf(char *buf, __SIZE_TYPE__ size, const char *fmt, ...)
	    __attribute__((format(__printf__, 3, 4)));

#endif

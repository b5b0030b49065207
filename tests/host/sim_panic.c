/*
 * sim_panic.c - the kernel services harness.c provides (console, panic,
 * KASSERT), for the programs that link the kernel's allocator without the
 * test harness: the fuzz target and the benchmarks.  There a panic is a
 * finding, so it prints the message and aborts (libFuzzer then saves the
 * input that caused it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int	vmk_vsnprintf(char *, size_t, const char *, va_list);

void
cons_putc(int c)
{
	putchar(c);
}

static void __attribute__((noreturn))
die(const char *fmt, va_list ap)
{
	char msg[512];

	vmk_vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}

void __attribute__((noreturn))
vmk_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die(fmt, ap);
}

void __attribute__((noreturn))
kassert_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die(fmt, ap);
}

/*
 * sim_panic.c - host_panic() for the programs that link the kernel's
 * allocator without the test harness: the fuzz target and the benchmarks.
 * There a panic (panic() or a KASSERT in host_machine.c) is a finding, so
 * it prints the message and aborts (libFuzzer then saves the input that
 * caused it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "host_machine.h"

void
host_panic(const char *msg)
{
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}

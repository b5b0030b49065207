/*
 * host_mem.c - the host half of the hosted machine (host_machine.h), with
 * the C library: the memory vm_page_map_range() hands the kernel's VM code
 * (mmap'd, behind an inaccessible guard as the kernel's mapping has one, so
 * an underrun of vm_page_array faults here too), a clock and a console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "host_machine.h"

#define	MAX_MAPS	16

static struct { void *base; size_t len; } maps[MAX_MAPS];
static int nmaps;

void *
host_mem_map(unsigned long size, unsigned long guard)
{
	void *p;

	if (nmaps == MAX_MAPS)
		return (NULL);
	p = mmap(NULL, guard + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	if (guard != 0 && mprotect(p, guard, PROT_NONE) != 0)
		abort();
	maps[nmaps].base = p;
	maps[nmaps++].len = guard + size;
	return ((char *)p + guard);
}

void
host_mem_unmap_all(void)
{
	while (nmaps > 0) {
		nmaps--;
		munmap(maps[nmaps].base, maps[nmaps].len);
	}
}

unsigned long long
host_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
}

void
host_putc(int c)
{
	putchar(c);
}

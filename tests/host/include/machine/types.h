/*
 * machine/types.h for the hosted build: the kernel's machine-independent
 * code compiled for the host (x86_64) over simulated physical memory.
 * vm_paddr_t is 64-bit, as on PAE and amd64; sizes match the host's libc so
 * the kernel code can share pointers and sizes with the test harness.
 */
#ifndef _MACHINE_TYPES_H_
#define _MACHINE_TYPES_H_

typedef signed char		int8_t;
typedef unsigned char		uint8_t;
typedef short			int16_t;
typedef unsigned short		uint16_t;
typedef int			int32_t;
typedef unsigned int		uint32_t;
typedef long long		int64_t;
typedef unsigned long long	uint64_t;

typedef unsigned long		uintptr_t;
typedef long			intptr_t;
typedef unsigned long		size_t;
typedef long			ssize_t;
typedef unsigned long		uintmax_t;	/* as the host compiler expects for %j */
typedef long			intmax_t;
typedef long			ptrdiff_t;

typedef unsigned long		register_t;
typedef unsigned long		vm_offset_t;
typedef unsigned long		vm_size_t;
typedef uint64_t		vm_paddr_t;

#endif

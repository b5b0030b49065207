/*
 * machine/types.h - the amd64 sizes of the kernel's basic types (LP64).
 *
 * Pointers, virtual addresses, sizes and physical addresses are all 64 bits
 * wide; machine-independent code prints vm_paddr_t with a 64-bit format on
 * every machine, so nothing above this file notices the difference.
 */
#ifndef _MACHINE_TYPES_H_
#define _MACHINE_TYPES_H_

typedef signed char		int8_t;
typedef unsigned char		uint8_t;
typedef short			int16_t;
typedef unsigned short		uint16_t;
typedef int			int32_t;
typedef unsigned int		uint32_t;
typedef long			int64_t;
typedef unsigned long		uint64_t;

typedef unsigned long		uintptr_t;
typedef long			intptr_t;
typedef unsigned long		size_t;
typedef long			ssize_t;
typedef unsigned long		uintmax_t;
typedef long			intmax_t;
typedef long			ptrdiff_t;

typedef uint64_t		register_t;
typedef uint64_t		vm_offset_t;	/* a kernel or user virtual address */
typedef uint64_t		vm_size_t;	/* a size in virtual address space */
typedef uint64_t		vm_paddr_t;	/* a physical address */

#endif /* !_MACHINE_TYPES_H_ */

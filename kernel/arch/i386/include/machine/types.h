/*
 * machine/types.h - the i386 sizes of the kernel's basic types.
 *
 * The one thing that differs between i386 and i386-PAE at this level is the
 * width of a physical address: PAE page-table entries hold 36-bit (here:
 * 64-bit) frame addresses, so vm_paddr_t is 64 bits wide there.  Virtual
 * addresses stay 32 bits on both.  Machine-independent code never asks which
 * configuration it is in; it uses these types and prints vm_paddr_t with a
 * 64-bit format, always.
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

typedef uint32_t		uintptr_t;
typedef int32_t			intptr_t;
typedef uint32_t		size_t;
typedef int32_t			ssize_t;
typedef uint64_t		uintmax_t;
typedef int64_t			intmax_t;
typedef int32_t			ptrdiff_t;

typedef uint32_t		register_t;
typedef uint32_t		vm_offset_t;	/* a kernel or user virtual address */
typedef uint32_t		vm_size_t;	/* a size in virtual address space */

#ifdef PAE
typedef uint64_t		vm_paddr_t;	/* a physical address: 64 bits under PAE */
#else
typedef uint32_t		vm_paddr_t;	/* a physical address: 32 bits on plain i386 */
#endif

#endif /* !_MACHINE_TYPES_H_ */

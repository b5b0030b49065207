/*
 * machine/types.h for the hosted build (tests/host): the sizes of the HOST
 * machine the tests run on, taken from the compiler's own predefined type
 * macros rather than written down, so they are right on any host (x86_64,
 * aarch64...) and agree with its C library, which the test harness links.
 * vm_paddr_t is 64 bits, as on i386-PAE and any 64-bit port: the tests lay
 * out RAM above 4 GiB.
 */
#ifndef _MACHINE_TYPES_H_
#define _MACHINE_TYPES_H_

typedef __INT8_TYPE__		int8_t;
typedef __UINT8_TYPE__		uint8_t;
typedef __INT16_TYPE__		int16_t;
typedef __UINT16_TYPE__		uint16_t;
typedef __INT32_TYPE__		int32_t;
typedef __UINT32_TYPE__		uint32_t;
typedef __INT64_TYPE__		int64_t;
typedef __UINT64_TYPE__		uint64_t;

typedef __UINTPTR_TYPE__	uintptr_t;
typedef __INTPTR_TYPE__		intptr_t;
typedef __SIZE_TYPE__		size_t;
typedef __PTRDIFF_TYPE__	ssize_t;
typedef __UINTMAX_TYPE__	uintmax_t;
typedef __INTMAX_TYPE__		intmax_t;
typedef __PTRDIFF_TYPE__	ptrdiff_t;

typedef __UINTPTR_TYPE__	register_t;
typedef __UINTPTR_TYPE__	vm_offset_t;	/* a host address: the hosted "kernel" maps nothing */
typedef __SIZE_TYPE__		vm_size_t;
typedef __UINT64_TYPE__		vm_paddr_t;

#endif

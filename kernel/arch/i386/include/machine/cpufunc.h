/*
 * machine/cpufunc.h - inline wrappers for the i386 instructions the kernel
 * needs beyond machine/cpufunc_x86.h: control registers, TLB invalidation.
 */
#ifndef _MACHINE_CPUFUNC_H_
#define _MACHINE_CPUFUNC_H_

#include <machine/cpufunc_x86.h>

static inline uint32_t
rcr0(void)
{
	uint32_t v;

	__asm__ volatile("movl %%cr0, %0" : "=r"(v));
	return (v);
}

static inline uint32_t
rcr2(void)
{
	uint32_t v;

	__asm__ volatile("movl %%cr2, %0" : "=r"(v));
	return (v);
}

static inline uint32_t
rcr3(void)
{
	uint32_t v;

	__asm__ volatile("movl %%cr3, %0" : "=r"(v));
	return (v);
}

static inline void
load_cr3(uint32_t v)
{
	__asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint32_t
rcr4(void)
{
	uint32_t v;

	__asm__ volatile("movl %%cr4, %0" : "=r"(v));
	return (v);
}

static inline void
invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void
invltlb(void)
{
	load_cr3(rcr3());
}


#endif /* !_MACHINE_CPUFUNC_H_ */

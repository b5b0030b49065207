/*
 * machine/cpufunc.h - inline wrappers for the amd64 instructions the kernel
 * needs beyond machine/cpufunc_x86.h: control registers, MSRs, TLB invalidation.
 */
#ifndef _MACHINE_CPUFUNC_H_
#define _MACHINE_CPUFUNC_H_

#include <machine/cpufunc_x86.h>

#define	CPUFUNC_RCR(n)							\
static inline uint64_t							\
rcr##n(void)								\
{									\
	uint64_t v;							\
									\
	__asm__ volatile("movq %%cr" #n ", %0" : "=r"(v));		\
	return (v);							\
}
CPUFUNC_RCR(0)
CPUFUNC_RCR(2)
CPUFUNC_RCR(3)
CPUFUNC_RCR(4)

static inline void
load_cr3(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr3" : : "r"(v) : "memory");
}

static inline void
load_cr4(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32 | lo);
}

static inline void
invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void
invltlb(void)
{
	load_cr3(rcr3());
}


#endif /* !_MACHINE_CPUFUNC_H_ */

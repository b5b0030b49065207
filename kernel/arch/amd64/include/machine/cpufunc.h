/*
 * machine/cpufunc.h - inline wrappers for the amd64 instructions the kernel
 * needs: port I/O, control registers, MSRs, TLB invalidation, interrupts, TSC.
 */
#ifndef _MACHINE_CPUFUNC_H_
#define _MACHINE_CPUFUNC_H_

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

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

static inline uint64_t
read_rbp(void)
{
	uint64_t v;

	__asm__ volatile("movq %%rbp, %0" : "=r"(v));
	return (v);
}

static inline void disable_intr(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void enable_intr(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt"); }
static inline void cpu_spinwait(void) { __asm__ volatile("pause"); }

static inline uint64_t
intr_disable(void)
{
	uint64_t rf;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(rf) : : "memory");
	return (rf);
}

static inline void
intr_restore(uint64_t rf)
{
	if (rf & 0x200)			/* PSL_I */
		enable_intr();
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo);
}

#endif /* !_MACHINE_CPUFUNC_H_ */

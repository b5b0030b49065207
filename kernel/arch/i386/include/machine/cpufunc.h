/*
 * machine/cpufunc.h - inline wrappers for the i386 instructions the kernel
 * needs: port I/O, control registers, TLB invalidation, interrupts, TSC.
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

static inline uint32_t
read_ebp(void)
{
	uint32_t v;

	__asm__ volatile("movl %%ebp, %0" : "=r"(v));
	return (v);
}

static inline void disable_intr(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void enable_intr(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt"); }
static inline void cpu_spinwait(void) { __asm__ volatile("pause"); }

/* FreeBSD's pair: interrupts off, and back to how they were. */
static inline uint32_t
intr_disable(void)
{
	uint32_t ef;

	__asm__ volatile("pushfl; popl %0; cli" : "=r"(ef) : : "memory");
	return (ef);
}

static inline void
intr_restore(uint32_t ef)
{
	if (ef & 0x200)			/* PSL_I */
		enable_intr();
}

static inline uint64_t
rdtsc(void)
{
	uint64_t v;

	__asm__ volatile("rdtsc" : "=A"(v));
	return (v);
}

#endif /* !_MACHINE_CPUFUNC_H_ */

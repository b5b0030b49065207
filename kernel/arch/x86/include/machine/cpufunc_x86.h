/*
 * machine/cpufunc_x86.h - inline wrappers both ports share: port I/O,
 * interrupts on and off, halt, TSC.  The assembler sizes pushf/pop by the
 * mode (l or q) and register_t is the machine word, so one text serves
 * both.  Control registers and TLB flushes, whose widths show in callers'
 * printf formats, stay in each port's machine/cpufunc.h, which includes
 * this file.
 */
#ifndef _MACHINE_CPUFUNC_X86_H_
#define _MACHINE_CPUFUNC_X86_H_

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

static inline void disable_intr(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void enable_intr(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt"); }
static inline void cpu_spinwait(void) { __asm__ volatile("pause"); }

/* FreeBSD's pair: interrupts off, and back to how they were. */
static inline register_t
intr_disable(void)
{
	register_t flags;

	__asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
	return (flags);
}

static inline void
intr_restore(register_t flags)
{
	if (flags & 0x200)		/* PSL_I */
		enable_intr();
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo);
}

#endif /* !_MACHINE_CPUFUNC_X86_H_ */

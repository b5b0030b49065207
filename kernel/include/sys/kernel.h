/*
 * sys/kernel.h - the machine-independent kernel's start-up and the few
 * services it needs from the machine layer.
 */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/types.h>

/*
 * What the machine layer hands machine-independent start-up: the kernel
 * virtual addresses left free for kva_alloc(), and the boot malloc arena
 * (mapped, before the page allocator exists).
 */
struct mi_bootinfo {
	vm_offset_t	kva_start;
	vm_offset_t	kva_end;
	void		*arena;
	vm_size_t	arena_size;
};
void	mi_startup(const struct mi_bootinfo *bi) __noreturn;

/* Machine services (arch/<machine>/). */
void	machine_exit(int v) __noreturn;	/* QEMU isa-debug-exit; see grader/PROTOCOL.md */
void	cpu_idle(void);			/* wait for an interrupt */
void	machine_triple_fault(void) __noreturn;	/* for testing the grader */
uint64_t cpu_ticks(void);		/* a fast cycle counter (the TSC on x86) */
void	db_backtrace(uintptr_t pc, uintptr_t fp);	/* print frames from here */
void	db_backtrace_here(void);
int	probe_read(const volatile void *va, uint32_t *out);	/* 0 or EFAULT */
int	probe_write(volatile void *va, uint32_t val);		/* 0 or EFAULT */

/* The values machine_exit() is given; QEMU exits with (v << 1) | 1. */
#define	EXIT_HALT	0x20
#define	EXIT_PASS	0x10
#define	EXIT_FAIL	0x11
#define	EXIT_PANIC	0x12

extern volatile uint64_t ticks;		/* clock interrupts since boot */
#define	HZ	100
extern int hz;				/* HZ, as FreeBSD names it */
uint64_t cpu_tickrate(void);		/* cpu_ticks() per second, measured against the clock */
uint64_t cpu_tickrate_wait(void);	/* the same, measured now over 5 ticks (sleeps) */
void	hardclock(void);		/* kern_clock.c: the clock interrupt's work */

/*
 * Interrupts (arch/x86/intr.c): a handler per IRQ line.  intr_establish
 * registers one and unmasks the line; the trap code calls intr_dispatch.
 * Handlers run with interrupts off and may call wakeup(), callout_*() and
 * spin mutexes, never sleep.
 */
int	intr_establish(int irq, void (*handler)(void *), void *arg, const char *name);
void	intr_dispatch(int irq);

/* The kernel's symbol table (kern_syms.c), built by the two-pass link. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

#endif

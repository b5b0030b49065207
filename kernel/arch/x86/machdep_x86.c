/*
 * machdep_x86.c - the machine's ends both ports share: leaving QEMU (or
 * the machine), the cycle counter, idling.
 */
#include <sys/systm.h>
#include <machine/cpufunc.h>
#include <machine/md_var.h>

/*
 * Leave QEMU through the isa-debug-exit device at port 0xf4: QEMU exits
 * with status (v << 1) | 1.  On hardware without the device, halt.
 */
void
machine_exit(int v)
{
	disable_intr();
	outl(0xf4, (uint32_t)v);
	for (;;)
		halt();
}

/* An empty IDT, then a trap: no handler, no double-fault handler, a reset. */
void
machine_triple_fault(void)
{
	struct {
		uint16_t	limit;
		uintptr_t	base;
	} __packed none = { 0, 0 };

	__asm__ volatile("cli; lidt %0; int3" : : "m"(none));
	for (;;)
		halt();
}

uint64_t
cpu_ticks(void)
{
	return (rdtsc());
}

/* Interrupts on and halt in one go: sti's one-instruction shadow lets no interrupt in between. */
void
cpu_idle(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

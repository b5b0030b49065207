/*
 * kern_cons.c - the machine-independent side of the console.  The device
 * (cons_init, cons_putc, cons_getc) is a driver's: kernel/dev/uart.c on x86.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/cons.h>
#include <machine/cpufunc.h>

/*
 * Wait for a console byte.  Interrupts are off between the empty check and
 * the halt (cpu_idle's sti takes effect only at its hlt), so a byte that
 * arrives in between wakes the hlt instead of waiting for the next tick.
 */
int
cons_getc_wait(void)
{
	int c;

	for (;;) {
		disable_intr();
		if ((c = cons_getc()) >= 0)
			break;
		cpu_idle();
	}
	enable_intr();
	return (c);
}

/*
 * kern_cons.c - the machine-independent side of the console.  The device
 * (cons_init, cons_putc, cons_getc) is a driver's: kernel/dev/uart.c on x86.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/cons.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>

static int cons_wchan;		/* what a reader sleeps on */

/*
 * Wait for a console byte.  Interrupts are off between the empty check and
 * going to sleep (msleep switches with them off; before the threads start,
 * cpu_idle's sti takes effect only at its hlt), so a byte that arrives in
 * between wakes the reader instead of waiting for the next one.  Once
 * threads run, the reader sleeps and the others run while it waits.
 */
int
cons_getc_wait(void)
{
	register_t ef = intr_disable();
	int c;

	while ((c = cons_getc()) < 0) {
		if (sched_idle != NULL)
			(void)tsleep(&cons_wchan, PWAIT, "cons", 0);
		else {
			cpu_idle();
			disable_intr();
		}
	}
	intr_restore(ef);
	return (c);
}

/* From the driver's interrupt handler. */
void
cons_rx_wakeup(void)
{
	wakeup(&cons_wchan);
}

/*
 * uart.c - the console: a 16550 UART on COM1 (0x3f8), as on every PC.
 *
 * Output is polled, so it works from the first instruction of i386_init()
 * to the last line of a panic, with interrupts on or off.  cons_putc()
 * waits for the transmitter for as long as it takes: when the host is
 * busy, QEMU's device thread may not drain the register for a long while,
 * and a driver that gives up and writes anyway loses bytes (the grader's
 * time-out, not the driver, bounds a wedged run).
 *
 * Input arrives by interrupt (IRQ 4) into a small ring, so a pasted line
 * costs one interrupt per byte instead of one clock tick per byte.  Before
 * intr_init() unmasks IRQ 4 - and whenever the ring is empty - cons_getc()
 * also polls the UART, so early or panic-time reads still work.  The ring
 * never overflows: when it is full the handler leaves the byte in the UART,
 * whose receive register then stays full, so QEMU holds back the rest.
 * QEMU's -serial stdio connects the port to the terminal or the grader.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <machine/cpufunc.h>
#include <machine/md_var.h>

#define	COM1		0x3f8
#define	COM_DATA	0	/* data; divisor low when DLAB=1 */
#define	COM_IER		1	/* interrupt enable; divisor high when DLAB=1 */
#define	COM_FCR		2	/* FIFO control */
#define	COM_LCR		3	/* line control */
#define	COM_MCR		4	/* modem control */
#define	COM_LSR		5	/* line status */
#define	IER_RXRDY	0x01	/* interrupt when a byte has arrived */
#define	LCR_DLAB	0x80
#define	LCR_8N1		0x03
#define	MCR_DTR		0x01
#define	MCR_RTS		0x02
#define	MCR_OUT2	0x08	/* gates the UART's interrupt line on a PC */
#define	LSR_RXRDY	0x01
#define	LSR_TXRDY	0x20

#define	CONS_RING	512	/* a power of two */

static uint8_t cons_ring[CONS_RING];
static volatile uint32_t cons_head, cons_tail;	/* written by intr / reader */

void
cons_init(void)
{
	outb(COM1 + COM_IER, 0);
	outb(COM1 + COM_LCR, LCR_DLAB);
	outb(COM1 + COM_DATA, 1);		/* 115200 baud */
	outb(COM1 + COM_IER, 0);
	outb(COM1 + COM_LCR, LCR_8N1);
	/* FCR untouched: QEMU flushes the receive FIFO when it is enabled, losing
	 * whatever was typed (or piped in) before the kernel got here. */
	outb(COM1 + COM_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	/* Raised only once intr_init() unmasks IRQ 4 at the PIC. */
	outb(COM1 + COM_IER, IER_RXRDY);
}

void
cons_putc(int c)
{
	while ((inb(COM1 + COM_LSR) & LSR_TXRDY) == 0)
		cpu_spinwait();
	outb(COM1 + COM_DATA, (uint8_t)c);
}

/* IRQ 4: move what has arrived into the ring, as far as it has room. */
void
uart_intr(void)
{
	while (cons_head - cons_tail < CONS_RING &&
	    (inb(COM1 + COM_LSR) & LSR_RXRDY) != 0) {
		cons_ring[cons_head % CONS_RING] = inb(COM1 + COM_DATA);
		cons_head++;
	}
	if (cons_head != cons_tail)
		cons_rx_wakeup();
}

int
cons_getc(void)
{
	uint32_t ef = intr_disable();
	int c = -1;

	if (cons_tail != cons_head) {
		c = cons_ring[cons_tail % CONS_RING];
		cons_tail++;
	} else if ((inb(COM1 + COM_LSR) & LSR_RXRDY) != 0)
		c = inb(COM1 + COM_DATA);
	intr_restore(ef);
	return (c);
}

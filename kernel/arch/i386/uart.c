/*
 * uart.c - the console: a polled 16550 UART on COM1 (0x3f8).
 *
 * Polled, not interrupt-driven, so it works from the first instruction of
 * i386_init() to the last line of a panic, with interrupts on or off.
 * QEMU's -serial stdio connects it to the terminal (make qemu) or to the
 * grader's pipe.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <machine/cpufunc.h>

#define	COM1		0x3f8
#define	COM_DATA	0	/* data; divisor low when DLAB=1 */
#define	COM_IER		1	/* interrupt enable; divisor high when DLAB=1 */
#define	COM_FCR		2	/* FIFO control */
#define	COM_LCR		3	/* line control */
#define	COM_MCR		4	/* modem control */
#define	COM_LSR		5	/* line status */
#define	LCR_DLAB	0x80
#define	LCR_8N1		0x03
#define	LSR_RXRDY	0x01
#define	LSR_TXRDY	0x20

void
cons_init(void)
{
	outb(COM1 + COM_IER, 0);		/* polled: no interrupts */
	outb(COM1 + COM_LCR, LCR_DLAB);
	outb(COM1 + COM_DATA, 1);		/* 115200 baud */
	outb(COM1 + COM_IER, 0);
	outb(COM1 + COM_LCR, LCR_8N1);
	/* FCR untouched: QEMU flushes the receive FIFO when it is enabled, losing
	 * whatever was typed (or piped in) before the kernel got here. */
	outb(COM1 + COM_MCR, 0x03);		/* DTR, RTS */
}

void
cons_putc(int c)
{
	for (int spin = 0; spin < 100000; spin++)
		if (inb(COM1 + COM_LSR) & LSR_TXRDY)
			break;
	outb(COM1 + COM_DATA, (uint8_t)c);
}

int
cons_getc(void)
{
	if ((inb(COM1 + COM_LSR) & LSR_RXRDY) == 0)
		return (-1);
	return (inb(COM1 + COM_DATA));
}

/*
 * sys/cons.h - the console, as machine-independent code sees it.
 * A driver provides the device (kernel/dev/uart.c: a 16550 on COM1, polled
 * output, interrupt-driven input); kern_cons.c builds on it.
 */
#ifndef _SYS_CONS_H_
#define _SYS_CONS_H_

void	cons_init(void);
void	cons_putc(int c);
int	cons_getc(void);	/* -1 when no character is waiting */
int	cons_getc_wait(void);	/* kern_cons.c: sleeps until a byte arrives */
void	cons_rx_wakeup(void);	/* the driver's interrupt: input arrived */

#endif

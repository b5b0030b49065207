/*
 * sys/cons.h - the console, as machine-independent code sees it.
 * The machine layer provides a polled serial port (COM1 on i386).
 */
#ifndef _SYS_CONS_H_
#define _SYS_CONS_H_

void	cons_init(void);
void	cons_putc(int c);
int	cons_getc(void);	/* -1 when no character is waiting */
int	cons_getc_wait(void);	/* blocks (halting between interrupts) */

#endif

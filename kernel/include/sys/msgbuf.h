/*
 * sys/msgbuf.h - the kernel message buffer: a ring that every byte printed
 * on the console also goes to, so the monitor's `dmesg` can show the boot
 * again and a minidump carries the console's last words (`tools/minidump.py
 * dmesg DUMP` after the machine is gone).
 *
 * The ring is one page-aligned array in the kernel image (physically
 * contiguous: the dump writes it straight from its physical pages).  Byte
 * number n of the output ever printed sits at msgbuf_data[n % MSGBUF_SIZE];
 * msgbuf_seq counts every byte, so the oldest byte still there is
 * max(0, msgbuf_seq - MSGBUF_SIZE).
 */
#ifndef _SYS_MSGBUF_H_
#define _SYS_MSGBUF_H_

#include <sys/types.h>

#define	MSGBUF_SIZE	(32 * 1024)	/* a multiple of PAGE_SIZE */

extern char msgbuf_data[MSGBUF_SIZE];
extern volatile uint64_t msgbuf_seq;	/* bytes ever added */

void	msgbuf_putc(int c);

#endif /* !_SYS_MSGBUF_H_ */

/*
 * machine/frame.h - the trap frame: what exception.S pushes on the kernel
 * stack before calling trap().  Lowest address first:
 *
 *   tf_edi .. tf_eax                 pushal, in alltraps
 *   tf_gs tf_fs tf_es tf_ds          pushed by alltraps before that
 *   tf_trapno tf_err                 pushed by the vector stub (err by CPU or 0)
 *   tf_eip tf_cs tf_eflags           pushed by the CPU
 *   tf_esp tf_ss                     pushed by the CPU only on a ring change
 */
#ifndef _MACHINE_FRAME_H_
#define _MACHINE_FRAME_H_

#include <sys/types.h>

struct trapframe {
	uint32_t	tf_edi, tf_esi, tf_ebp, tf_isp;
	uint32_t	tf_ebx, tf_edx, tf_ecx, tf_eax;
	uint32_t	tf_gs, tf_fs, tf_es, tf_ds;
	uint32_t	tf_trapno, tf_err;
	uint32_t	tf_eip, tf_cs, tf_eflags;
	uint32_t	tf_esp, tf_ss;
};

#define	T_DIVIDE	0
#define	T_NMI		2
#define	T_BPT		3
#define	T_INVALOP	6
#define	T_DOUBLEFLT	8
#define	T_GPFLT		13
#define	T_PAGEFLT	14
#define	T_IRQ0		32	/* PIC interrupts are remapped to 32..47 */
#define	NTRAPS		48
#define	T_SYSCALL	0x80	/* int $0x80 (exception.S) */

/* Page-fault error code bits. */
#define	PGEX_P		0x01	/* 1: protection violation, 0: page not present */
#define	PGEX_W		0x02	/* 1: write, 0: read */
#define	PGEX_U		0x04	/* 1: from user mode */
#define	PGEX_RSV	0x08	/* a reserved bit was set in a paging entry */
#define	PGEX_I		0x10	/* instruction fetch */

void	trap(struct trapframe *);

#endif

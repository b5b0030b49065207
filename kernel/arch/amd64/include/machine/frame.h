/*
 * machine/frame.h - the amd64 trap frame: what exception.S pushes on the
 * kernel stack before calling trap().  Lowest address first:
 *
 *   tf_rdi .. tf_r15                 pushed by alltraps
 *   tf_trapno tf_err                 pushed by the vector stub (err by CPU or 0)
 *   tf_rip tf_cs tf_rflags tf_rsp tf_ss   pushed by the CPU, always in long mode
 */
#ifndef _MACHINE_FRAME_H_
#define _MACHINE_FRAME_H_

#include <sys/types.h>

struct trapframe {
	uint64_t	tf_rdi, tf_rsi, tf_rdx, tf_rcx, tf_r8, tf_r9, tf_rax;
	uint64_t	tf_rbx, tf_rbp, tf_r10, tf_r11, tf_r12, tf_r13, tf_r14, tf_r15;
	uint64_t	tf_trapno, tf_err;
	uint64_t	tf_rip, tf_cs, tf_rflags, tf_rsp, tf_ss;
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

#define	PGEX_P		0x01
#define	PGEX_W		0x02
#define	PGEX_U		0x04
#define	PGEX_RSV	0x08
#define	PGEX_I		0x10

void	trap(struct trapframe *);

#endif

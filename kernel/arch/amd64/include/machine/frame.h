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

#include <machine/trap.h>

/* What the shared trap code (arch/x86/trap_x86.c) reads and sets. */
#define	TF_PC(tf)	((tf)->tf_rip)
#define	TF_FLAGS(tf)	((tf)->tf_rflags)

#endif

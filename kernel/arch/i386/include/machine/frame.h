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

#include <machine/trap.h>

/* What the shared trap code (arch/x86/trap_x86.c) reads and sets. */
#define	TF_PC(tf)	((tf)->tf_eip)
#define	TF_FLAGS(tf)	((tf)->tf_eflags)

#endif

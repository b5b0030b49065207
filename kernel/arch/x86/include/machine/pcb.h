/*
 * machine/pcb.h - a thread's saved context while it is switched out.
 * cpu_switch pushes the callee-saved registers and its return address on
 * the thread's own stack; the pcb keeps only the stack pointer.  It sits
 * at the top of the thread's kernel stack (vm_machdep.c).
 */
#ifndef _MACHINE_PCB_H_
#define _MACHINE_PCB_H_

#include <sys/types.h>

struct pcb {
	register_t	pcb_sp;		/* the stack pointer cpu_switch left */
	register_t	pcb_onfault;	/* copyin/copyout's recovery point, or 0 (and keeps
					   what lies below 16-byte aligned) */
};

void	cpu_switch_sp(register_t *oldsp, register_t newsp);	/* swtch.S */
void	fork_trampoline(void);					/* swtch.S */

#endif

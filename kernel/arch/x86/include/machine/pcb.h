/*
 * machine/pcb.h - a thread's saved context while it is switched out.
 * cpu_switch pushes the callee-saved registers and its return address on
 * the thread's own stack; the pcb keeps only the stack pointer.  It sits
 * at the top of the thread's kernel stack (vm_machdep.c).
 */
#ifndef _MACHINE_PCB_H_
#define _MACHINE_PCB_H_

#include <sys/types.h>

#define	PCB_TMAP_SAVE	6		/* temporary mappings a switched-out thread may hold */

struct pcb {
	register_t	pcb_sp;		/* the stack pointer cpu_switch left */
	register_t	pcb_onfault;	/* copyin/copyout's recovery point, or 0 (and keeps
					   what lies below 16-byte aligned) */
	/*
	 * The thread's temporary mappings (pmap_map_temp) while it is switched
	 * out: the slots are one LIFO for the machine, so a thread preempted
	 * or blocked while holding some would see another thread's pushes and
	 * pops under it; cpu_switch saves the outgoing thread's and puts back
	 * the incoming one's (pmap_tmap_switch).
	 */
	uint64_t	pcb_tmap[PCB_TMAP_SAVE];
	register_t	pcb_tmap_depth;
	register_t	pcb_pad;	/* the size stays a multiple of 16 */
};
_Static_assert(sizeof(struct pcb) % 16 == 0, "the pcb keeps what lies below 16-byte aligned");

void	pmap_tmap_switch(struct pcb *old, struct pcb *new);	/* pmap.c, from cpu_switch */

void	cpu_switch_sp(register_t *oldsp, register_t newsp);	/* swtch.S */
void	fork_trampoline(void);					/* swtch.S */

#endif

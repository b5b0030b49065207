/*
 * vm_machdep.c - a new thread's machine context, and the switch to it.
 *
 * The pcb sits at the top of the thread's kernel stack; below it, a frame
 * as cpu_switch_sp (swtch.S) leaves one, so the first switch to the thread
 * "returns" into fork_trampoline, which calls fork_exit(fn, arg).
 * thread0 runs on the boot stack; its pcb is static.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <machine/param.h>
#include <machine/pcb.h>

static struct pcb thread0_pcb;

void
cpu_thread_setup(struct thread *td, void (*fn)(void *), void *arg)
{
	vm_offset_t top = td->td_kstack + KSTACK_PAGES * PAGE_SIZE;
	uint32_t *sp;

	td->td_pcb = (struct pcb *)(top - sizeof(struct pcb));
	sp = (uint32_t *)td->td_pcb;
	*--sp = (uint32_t)fork_trampoline;
	*--sp = 0;			/* ebp: ends backtraces */
	*--sp = (uint32_t)fn;		/* ebx */
	*--sp = (uint32_t)arg;		/* esi */
	*--sp = 0;			/* edi */
	td->td_pcb->pcb_sp = (register_t)sp;
}

void
cpu_switch(struct thread *old, struct thread *new)
{
	if (old->td_pcb == NULL)
		old->td_pcb = &thread0_pcb;
	cpu_switch_sp(&old->td_pcb->pcb_sp, new->td_pcb->pcb_sp);
}

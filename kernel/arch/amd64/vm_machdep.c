/*
 * vm_machdep.c - a new thread's machine context, the switch to it, and a
 * process's way into user mode.
 *
 * The pcb sits at the top of the thread's kernel stack; below it the room
 * for a user trap frame (td_frame: where the CPU pushes one on a trap from
 * ring 3, as the TSS's rsp0 points at the pcb, 16-byte aligned); below
 * that, a frame as cpu_switch_sp (swtch.S) leaves one, so the first switch
 * to the thread "returns" into fork_trampoline, which calls
 * fork_exit(fn, arg).  thread0 runs on the boot stack; its pcb is static.
 *
 *   sp -> switch frame | td_frame (struct trapframe, 176 bytes) | pcb | top
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <machine/param.h>
#include <machine/pcb.h>
#include <machine/frame.h>
#include <machine/md_var.h>
#include <vm/vm_map.h>

static struct pcb thread0_pcb;

void
cpu_thread_setup(struct thread *td, void (*fn)(void *), void *arg)
{
	vm_offset_t top = td->td_kstack + KSTACK_PAGES * PAGE_SIZE;
	uint64_t *sp;

	td->td_pcb = (struct pcb *)(top - sizeof(struct pcb));
	td->td_pcb->pcb_onfault = 0;
	td->td_pcb->pcb_tmap_depth = 0;
	td->td_frame = (struct trapframe *)td->td_pcb - 1;
	sp = (uint64_t *)td->td_frame;
	*--sp = (uint64_t)fork_trampoline;	/* 16-byte aligned once popped */
	*--sp = 0;			/* rbp: ends backtraces */
	*--sp = 0;			/* rbx */
	*--sp = (uint64_t)fn;		/* r12 */
	*--sp = (uint64_t)arg;		/* r13 */
	*--sp = 0;			/* r14 */
	*--sp = 0;			/* r15 */
	td->td_pcb->pcb_sp = (register_t)sp;
}

/* A process's thread brings its address space and its kernel stack for traps. */
void
cpu_switch(struct thread *old, struct thread *new)
{
	if (old->td_pcb == NULL)
		old->td_pcb = &thread0_pcb;
	if (new->td_proc != NULL) {
		cpu_set_kstack((vm_offset_t)new->td_pcb);
		if (new->td_proc->p_vmspace != NULL)
			pmap_activate(vmspace_pmap(new->td_proc->p_vmspace));
	}
	pmap_tmap_switch(old->td_pcb, new->td_pcb);
	cpu_switch_sp(&old->td_pcb->pcb_sp, new->td_pcb->pcb_sp);
}

void
cpu_exec_setregs(struct thread *td, vm_offset_t entry, vm_offset_t sp, register_t arg0,
    register_t arg1)
{
	struct trapframe *tf = td->td_frame;

	memset(tf, 0, sizeof(*tf));
	tf->tf_rip = entry;
	tf->tf_rsp = sp;
	tf->tf_rdi = arg0;		/* main's arguments, as the ABI passes them */
	tf->tf_rsi = arg1;
	tf->tf_cs = GSEL_UCODE;
	tf->tf_ss = GSEL_UDATA;
	tf->tf_rflags = 0x202;		/* IF */
}

void
cpu_fork_frame(struct thread *td2, struct thread *td1)
{
	*td2->td_frame = *td1->td_frame;
	td2->td_frame->tf_rax = 0;	/* fork returns 0 in the child */
}

void
cpu_enter_user(struct thread *td)
{
	cpu_set_kstack((vm_offset_t)td->td_pcb);
	pmap_activate(vmspace_pmap(td->td_proc->p_vmspace));
	cpu_enter_user_frame(td->td_frame);
}

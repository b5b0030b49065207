/*
 * kern_sched.c - the run queue and the time slice: round robin on one CPU.
 *
 * Runnable threads wait on one FIFO; a thread made runnable (created,
 * woken, preempted, yielding) goes to the tail, and the next to run is the
 * head.  The idle thread is never queued: runq_choose() returning NULL
 * means "run idle".  The clock charges each tick to the running thread;
 * when its slice is used up and someone else is waiting, it owes a switch,
 * taken on the way out of the interrupt (sched_intr_return, kern_synch.c).
 *
 * All of this is data-structure work with interrupts off (the caller's
 * job), and nothing here touches the machine, so tests/host/test_sched.c
 * builds this file on the host and checks the order.
 */
#include <sys/systm.h>
#include <sys/proc.h>

struct runq runq = { TAILQ_HEAD_INITIALIZER(runq.rq_head), 0 };
struct thread thread0 = {
	.td_tid = 0, .td_name = "thread0", .td_state = TDS_RUNNING, .td_wmesg = "-",
	.td_slice = SCHED_SLICE,
};
struct thread *curthread_ptr = &thread0;
struct thread *sched_idle;		/* (c) the idle thread, once it exists */

void
runq_init(struct runq *rq)
{
	TAILQ_INIT(&rq->rq_head);
	rq->rq_count = 0;
}

void
runq_add(struct runq *rq, struct thread *td)
{
	KASSERT(td->td_state != TDS_RUNQ, ("%s: thread %s is already queued", __func__, td->td_name));
	td->td_state = TDS_RUNQ;
	TAILQ_INSERT_TAIL(&rq->rq_head, td, td_runq);
	rq->rq_count++;
}

void
runq_remove(struct runq *rq, struct thread *td)
{
	KASSERT(td->td_state == TDS_RUNQ, ("%s: thread %s is not queued (state %d)",
	    __func__, td->td_name, td->td_state));
	TAILQ_REMOVE(&rq->rq_head, td, td_runq);
	rq->rq_count--;
	td->td_state = TDS_INACTIVE;
}

struct thread *
runq_choose(struct runq *rq)
{
	struct thread *td = TAILQ_FIRST(&rq->rq_head);

	if (td != NULL)
		runq_remove(rq, td);
	return (td);
}

/*
 * Make td runnable.  If the CPU is idling, the idle thread owes a switch,
 * so a wakeup from an interrupt handler runs the sleeper as soon as the
 * handler returns rather than at the next tick.
 */
void
sched_add(struct thread *td)
{
	KASSERT(td != sched_idle, ("%s: the idle thread is never queued", __func__));
	runq_add(&runq, td);
	if (curthread == sched_idle && sched_idle != NULL)
		sched_idle->td_owepreempt = true;
}

/* The clock interrupt: charge the tick; at the end of the slice owe a switch if anyone waits. */
void
sched_clock(struct thread *td)
{
	td->td_ticks++;
	if (--td->td_slice > 0)
		return;
	if (runq.rq_count > 0)
		td->td_owepreempt = true;
	else
		td->td_slice = SCHED_SLICE;	/* nobody waits: a fresh slice */
}

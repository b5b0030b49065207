/*
 * kern_synch.c - the context switch, preemption, sleep and wakeup.
 *
 * One CPU, so "the scheduler lock" is interrupts off: mi_switch(), the
 * sleep queues and the run queue are only touched with them off.  A thread
 * that sleeps turns interrupts off, puts itself on its channel's queue,
 * releases the caller's mutex and switches - all before any interrupt or
 * other thread can run - so a wakeup() cannot fall between "release the
 * lock" and "go to sleep" (the lost-wakeup race msleep exists to close).
 *
 *   msleep(chan, mtx, pri, wmesg, timo)      wakeup(chan) / wakeup_one(chan)
 *     cli; queue on SLEEPQ(chan)                cli; every (or the oldest)
 *     timo: callout -> sleep_timeout            sleeper on chan -> run queue
 *     mtx_unlock(mtx); mi_switch()              (an interrupt handler may call it)
 *     ...woken: 0, or EWOULDBLOCK
 *     sti; mtx_lock(mtx)
 *
 * Preemption: the clock marks td_owepreempt at the end of a slice;
 * sched_intr_return(), the last thing intr_dispatch() does, switches then
 * unless the interrupted thread is in a critical section, holds a spin
 * mutex or is itself an interrupt handler.  The interrupted context stays
 * on that thread's stack (trap frame and all) until it runs again.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>

#define	SLEEPQ_SIZE	64
#define	SLEEPQ(chan)	(&sleepq[((uintptr_t)(chan) >> 4) % SLEEPQ_SIZE])

static struct threadq sleepq[SLEEPQ_SIZE];	/* (i) sleepers, by hash of channel */

/* mi_startup's first line: the sleep queues, and thread0 in the thread list. */
void
sched_init(void)
{
	for (int i = 0; i < SLEEPQ_SIZE; i++)
		TAILQ_INIT(&sleepq[i]);
	LIST_INSERT_HEAD(&allthreads, &thread0, td_all);
	callout_init(&thread0.td_slpcallout);
}

/*
 * Run the next thread.  Interrupts off.  A running caller goes to the tail
 * of the run queue (a yield or a preemption); one that set itself sleeping,
 * blocked or dead just leaves.  Returns when the caller runs again.
 */
void
mi_switch(void)
{
	struct thread *td = curthread, *newtd;

	if (td->td_state == TDS_RUNNING && td != sched_idle)
		runq_add(&runq, td);
	newtd = runq_choose(&runq);
	if (newtd == NULL) {
		if (sched_idle == NULL)
			panic("mi_switch: thread %s %s and nothing can run (before kthread_start?)",
			    td->td_name, td->td_wmesg != NULL ? td->td_wmesg : "waits");
		newtd = sched_idle;
	}
	td->td_owepreempt = false;
	if (td == sched_idle && newtd != td)
		td->td_state = TDS_RUNQ;	/* not queued: runs whenever nothing else can */
	newtd->td_state = TDS_RUNNING;
	newtd->td_slice = SCHED_SLICE;
	if (newtd == td)
		return;
	newtd->td_switches++;
	curthread_ptr = newtd;
	cpu_switch(td, newtd);
}

/* From intr_dispatch, interrupts off: take the switch the clock (or a wakeup) asked for. */
void
sched_intr_return(void)
{
	struct thread *td = curthread;

	if (!td->td_owepreempt || td->td_critnest > 0 || td->td_spinlocks > 0 ||
	    td->td_intr_nest > 0 || sched_idle == NULL)
		return;
	mi_switch();
}

void
sched_yield(void)
{
	register_t ef = intr_disable();

	mi_switch();
	intr_restore(ef);
}

void
critical_enter(void)
{
	curthread->td_critnest++;
}

void
critical_exit(void)
{
	struct thread *td = curthread;

	KASSERT(td->td_critnest > 0, ("%s: not in a critical section", __func__));
	if (--td->td_critnest == 0 && td->td_owepreempt && td->td_spinlocks == 0 &&
	    td->td_intr_nest == 0 && sched_idle != NULL)
		sched_yield();
}

/* Off its sleep queue (woken or timed out) and onto the run queue.  Interrupts off. */
void
setrunnable(struct thread *td)
{
	KASSERT(td->td_state == TDS_SLEEPING, ("%s: thread %s is not asleep", __func__, td->td_name));
	TAILQ_REMOVE(SLEEPQ(td->td_wchan), td, td_runq);
	(void)callout_stop(&td->td_slpcallout);
	td->td_wchan = NULL;
	td->td_state = TDS_INACTIVE;
	sched_add(td);
}

/* The clock interrupt, timo ticks after msleep: wake it with EWOULDBLOCK. */
static void
sleep_timeout(void *arg)
{
	struct thread *td = arg;

	if (td->td_state != TDS_SLEEPING)
		return;			/* woken in the meantime */
	td->td_timedout = true;
	setrunnable(td);
}

int
msleep(const void *chan, struct mtx *mtx, int pri, const char *wmesg, int timo)
{
	struct thread *td = curthread;
	register_t ef;
	int rval;

	witness_sleep_check(wmesg);
	KASSERT(td->td_intr_nest == 0, ("%s: \"%s\" in an interrupt handler", __func__, wmesg));
	KASSERT(chan != NULL, ("%s: \"%s\" on a NULL channel", __func__, wmesg));
	if (mtx != NULL)
		mtx_assert(mtx, MA_OWNED);
	ef = intr_disable();
	td->td_wchan = chan;
	td->td_wmesg = wmesg;
	td->td_timedout = false;
	td->td_state = TDS_SLEEPING;
	TAILQ_INSERT_TAIL(SLEEPQ(chan), td, td_runq);
	if (timo > 0)
		callout_reset(&td->td_slpcallout, timo, sleep_timeout, td);
	if (mtx != NULL)
		_mtx_unlock_flags(mtx, 0, __FILE__, __LINE__);
	mi_switch();
	rval = td->td_timedout ? EWOULDBLOCK : 0;
	td->td_wmesg = "-";
	intr_restore(ef);
	if (mtx != NULL && (pri & PDROP) == 0)
		_mtx_lock_flags(mtx, 0, __FILE__, __LINE__);
	return (rval);
}

void
pause(const char *wmesg, int timo)
{
	struct thread *td = curthread;

	/* Its own thread as the channel: nobody else wakes it. */
	while (tsleep(td, PPAUSE, wmesg, timo < 1 ? 1 : timo) != EWOULDBLOCK)
		;
}

static void
wakeup_chan(const void *chan, bool one)
{
	struct threadq *q = SLEEPQ(chan);
	struct thread *td, *next;
	register_t ef = intr_disable();

	TAILQ_FOREACH_SAFE(td, q, td_runq, next) {
		if (td->td_wchan != chan)
			continue;
		setrunnable(td);
		if (one)
			break;
	}
	intr_restore(ef);
}

void
wakeup(const void *chan)
{
	wakeup_chan(chan, false);
}

void
wakeup_one(const void *chan)
{
	wakeup_chan(chan, true);
}

/*
 * sys/proc.h - kernel threads (kern_thread.c), the scheduler's run queue
 * (kern_sched.c) and the context switch (kern_synch.c).  One CPU.
 *
 *   thread0     the boot context: runs mi_startup, then the monitor
 *   idle        sti; hlt, when nothing else can run (never on the run queue)
 *   kthread_create(fn, arg, &td, "name%d", ...)   any number more
 *
 * Scheduling is round robin with a time slice of SCHED_SLICE ticks: the
 * clock interrupt charges the tick to curthread and, when the slice is
 * used up and another thread is runnable, switches on its way out of the
 * interrupt - unless the interrupted thread is in a critical section or
 * holds a spin mutex.  Everything the scheduler shares (run queue, sleep
 * queues, mutex queues, td_state) changes with interrupts off: on one CPU
 * that is the scheduler's lock.
 *
 * A thread's kernel stack (KSTACK_PAGES, lowest page an unmapped guard):
 *
 *   td_kstack - PAGE_SIZE   td_kstack                          top
 *   | guard (unmapped)     | ... grows down ...  | pcb frame |
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/callout.h>

#define	KSTACK_PAGES	4		/* mapped pages of a thread's kernel stack */
#define	SCHED_SLICE	2		/* ticks of a time slice (20 ms at HZ 100) */
#define	WITNESS_MAXHELD	16		/* locks one thread may hold at once */

struct mtx;
struct pcb;

enum td_state { TDS_INACTIVE, TDS_RUNQ, TDS_RUNNING, TDS_SLEEPING, TDS_BLOCKED, TDS_DEAD };

struct thread {
	TAILQ_ENTRY(thread) td_runq;	/* (i) run queue, a sleep queue or a mutex's */
	LIST_ENTRY(thread) td_all;	/* (i) allthreads, for ps */
	int		 td_tid;	/* (c) */
	char		 td_name[20];	/* (c) */
	enum td_state	 td_state;	/* (i) */
	const void	*td_wchan;	/* (i) what it sleeps on */
	const char	*td_wmesg;	/* (i) why, for ps */
	uint64_t	 td_ticks;	/* (i) clock ticks charged to it */
	uint64_t	 td_switches;	/* (i) times it was switched to */
	vm_offset_t	 td_kstack;	/* (c) lowest mapped byte; the page below is the guard */
	struct pcb	*td_pcb;	/* (k) machine-dependent saved context */
	int		 td_critnest;	/* (k) critical_enter depth: no preemption */
	int		 td_spinlocks;	/* (k) spin mutexes held */
	register_t	 td_spin_intr;	/* (k) interrupt state before the first spin mutex */
	int		 td_intr_nest;	/* (k) in an interrupt handler */
	int		 td_slice;	/* (i) ticks left of its time slice */
	bool		 td_owepreempt;	/* (i) switch on the way out of the interrupt */
	bool		 td_timedout;	/* (i) msleep ended by its time-out */
	bool		 td_static;	/* (c) record and stack not malloc'd: never exits */
	struct mtx	*td_blocked;	/* (i) the sleep mutex it waits for */
	struct callout	 td_slpcallout;	/* (i) msleep's time-out */
	void		(*td_fn)(void *);	/* (c) what it runs */
	void		*td_arg;	/* (c) */
	struct mtx	*td_locks[WITNESS_MAXHELD];	/* (k) held, in order taken (witness) */
	int		 td_nlocks;	/* (k) */
};
/* (c) constant after creation, (i) changed with interrupts off, (k) curthread's own */

TAILQ_HEAD(threadq, thread);
LIST_HEAD(threadlist, thread);

extern struct thread thread0;		/* the boot thread: runs mi_startup, then the monitor */
extern struct thread *curthread_ptr;	/* (i) the running thread */
extern struct threadlist allthreads;	/* (i) every thread not yet reaped */
extern struct thread *sched_idle;	/* (c) the idle thread; NULL before kthread_start */
static inline struct thread *
curthread_get(void)
{
	return (curthread_ptr);
}
#define	curthread	(curthread_get())

int	kthread_create(void (*fn)(void *), void *arg, struct thread **tdp, const char *fmt, ...)
	    __printflike(4, 5);	/* 0 or ENOMEM; the new thread is runnable at once */
void	kthread_create_static(struct thread *td, void *stack, void (*fn)(void *), void *arg,
	    const char *name);	/* KSTACK_PAGES of stack, a never-ending boot daemon */
void	kthread_exit(void) __noreturn;		/* fn returning == kthread_exit() */
void	sched_init(void);			/* mi_startup's first line */
void	kthread_start(void);			/* mi_startup, after the VM: idle thread, clock on */
void	sched_yield(void);			/* give up the rest of the slice */
void	critical_enter(void);
void	critical_exit(void);
const char *thread_state_name(enum td_state s);
struct thread *thread_find_guard(vm_offset_t va);	/* whose stack guard holds va, or NULL */

/* kern_sched.c: the run queue (also built on the host: tests/host/test_sched.c). */
struct runq {
	struct threadq	rq_head;	/* (i) runnable threads, next to run first */
	int		rq_count;	/* (i) */
};
void	runq_init(struct runq *rq);
void	runq_add(struct runq *rq, struct thread *td);	/* at the tail: round robin */
void	runq_remove(struct runq *rq, struct thread *td);
struct thread *runq_choose(struct runq *rq);	/* take the head, or NULL */
void	sched_add(struct thread *td);		/* make runnable (interrupts off) */
void	sched_clock(struct thread *td);		/* hardclock: charge a tick, end of slice? */
extern struct runq runq;

/* kern_synch.c */
void	mi_switch(void);			/* interrupts off: run the next thread */
void	sched_intr_return(void);		/* the end of an interrupt: preempt if owed */
void	setrunnable(struct thread *td);		/* off a sleep queue onto the run queue */

/* Machine-dependent (arch/.../swtch.S, cpu_thread.c). */
void	cpu_switch(struct thread *old, struct thread *new);
void	cpu_thread_setup(struct thread *td, void (*fn)(void *), void *arg);
void	fork_exit(void (*fn)(void *), void *arg) __noreturn;	/* a new thread's first C */

#endif /* !_SYS_PROC_H_ */

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
struct proc;
struct trapframe;
struct vmspace;

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
	struct proc	*td_proc;	/* (c) the process it runs, or NULL: a kernel thread */
	struct trapframe *td_frame;	/* (c) the user frame, just below the pcb */
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
void	thread_reap_dead(void);			/* free dead kernel threads' stacks now */
void	thread_free_dead(struct thread *td);	/* proc_wait: free a process's dead thread */
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

/*
 * Processes (kern_proc.c): a process is one thread with an address space.
 * `run' in the monitor and the `user' ktest start them as children of
 * proc0 (the kernel, pid 0, no address space); a process that exits stays
 * a zombie, holding its exit status, until its parent waits for it; its
 * children go to proc0.
 *
 * Locks: (p) proctree_mtx (the process tree, states, pids); (c) constant.
 */
#define	PROC_COMM	16
#define	PROC_NFILES	16		/* descriptors: 0-2 the console, 3.. files */

enum p_state { PRS_NEW, PRS_NORMAL, PRS_ZOMBIE };

struct ofile;
struct file;
struct proc {
	LIST_ENTRY(proc) p_list;		/* (p) allproc */
	LIST_ENTRY(proc) p_sibling;		/* (p) the parent's p_children */
	LIST_HEAD(, proc) p_children;		/* (p) */
	struct proc	*p_pptr;		/* (p) the parent */
	int		 p_pid;			/* (c) */
	char		 p_comm[PROC_COMM];	/* (k) the program's name (execve) */
	enum p_state	 p_state;		/* (p) */
	int		 p_xstat;		/* (p) exit status, once a zombie */
	struct vmspace	*p_vmspace;		/* (k) the address space */
	struct thread	*p_thread;		/* (c) its only thread */
	struct ofile	*p_fd[PROC_NFILES];	/* (k) open files (kern_descrip.c); NULL: free */
	struct file	*p_fpin[PROC_NFILES];	/* (k) files mapped (mmap): an open each, held
						   until exit or execve (kern_descrip.c) */
};

extern struct proc proc0;
void	proc_init(void);
int	proc_spawn(const char *path, char *const argv[], int *pidp);	/* a child of proc0 */
int	proc_wait(struct proc *parent, int pid, int *status, bool block);	/* reaped pid, or -errno */
void	proc_exit(int status) __noreturn;	/* curthread's process */
void	proc_kill(const char *why, vm_offset_t addr, vm_offset_t pc, int status) __noreturn;
int	proc_fork(int *childpid);
int	proc_count(void);			/* processes not yet reaped */
int	fd_fork(struct proc *p1, struct proc *p2);	/* kern_descrip.c: the child's own opens */
void	fd_close_all(struct proc *p);
void	fd_unpin_all(struct proc *p);		/* after the address space is gone */
extern void (*proc_output_hook)(const char *buf, size_t len);	/* set: takes console writes */

/* Machine-dependent: entering and leaving user mode (arch/.../vm_machdep.c). */
void	cpu_enter_user(struct thread *td) __noreturn;	/* return to user through td_frame */
void	cpu_exec_setregs(struct thread *td, vm_offset_t entry, vm_offset_t sp,
	    register_t arg0, register_t arg1);	/* a fresh frame: pc, sp, two arguments */
void	cpu_fork_frame(struct thread *td2, struct thread *td1);	/* the child returns 0 */
int	copy_guarded(void *dst, const void *src, size_t len, register_t *onfault);

/* The MI trap side (subr_trap.c), called by the machine's trap(). */
int	trap_pfault(vm_offset_t va, bool write);	/* KERN_* from vm_fault on the process's map */
int	trap_kfault(vm_offset_t va, bool write);	/* KERN_* from vm_fault on the kernel map (vm_kmap.c) */
register_t *trap_onfault(void);			/* the thread's copy recovery point, or NULL */
void	syscall_dispatch(int code, const register_t args[6], register_t *rv);	/* rv: value or -errno */

#endif /* !_SYS_PROC_H_ */

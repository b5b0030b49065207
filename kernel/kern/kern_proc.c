/*
 * kern_proc.c - processes: creating (spawn, fork), ending (exit, a fatal
 * trap) and reaping (wait) them, and the monitor's `run' and `procs'.
 *
 * A process is one kernel thread (kern_thread.c) with an address space
 * (struct vmspace, vm_map.c) and a place in the process tree.  Its thread
 * enters user mode through the trap frame at the top of its kernel stack
 * (cpu_enter_user) and comes back into the kernel on every trap; the
 * switch to it brings its pmap and its kernel stack for traps (cpu_switch).
 *
 * Exit frees the address space at once (the pages go back while the parent
 * has not yet waited) and leaves a zombie: the struct proc with the status,
 * and the dead thread, whose stack the parent's wait frees (thread_reap),
 * so after the last wait every page the process used is back.  Children of
 * an exiting process go to proc0, the kernel's stand-in parent (pid 0), as
 * do the processes `run' and the `user' ktest start; they reap proc0's
 * zombies.
 *
 * Locks: proctree_mtx (a sleep mutex) covers the tree, states and pids;
 * wait sleeps on the parent, with it.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vmmeter.h>
#include "kern_exec.h"

struct proc proc0 = { .p_pid = 0, .p_comm = "kernel", .p_state = PRS_NORMAL };
static LIST_HEAD(, proc) allproc = LIST_HEAD_INITIALIZER(allproc);	/* (p) */
static struct mtx proctree_mtx;
static int proc_nextpid = 1;						/* (p) */
static int proc_nprocs;							/* (p) */

static const char *const p_state_names[] = {
	[PRS_NEW] = "new", [PRS_NORMAL] = "run", [PRS_ZOMBIE] = "zomb",
};

void
proc_init(void)
{
	mtx_init(&proctree_mtx, "proctree", "proctree", MTX_DEF);
	LIST_INIT(&proc0.p_children);
}

int
proc_count(void)
{
	return (proc_nprocs);
}

/* A new process record under parent, not yet running; NULL if out of memory. */
static struct proc *
proc_alloc(struct proc *parent, const char *comm)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return (NULL);
	LIST_INIT(&p->p_children);
	strlcpy(p->p_comm, comm, sizeof(p->p_comm));
	p->p_state = PRS_NEW;
	mtx_lock(&proctree_mtx);
	p->p_pid = proc_nextpid++;
	p->p_pptr = parent;
	LIST_INSERT_HEAD(&parent->p_children, p, p_sibling);
	LIST_INSERT_HEAD(&allproc, p, p_list);
	proc_nprocs++;
	mtx_unlock(&proctree_mtx);
	return (p);
}

/* Undo proc_alloc for a process whose thread never ran. */
static void
proc_unalloc(struct proc *p)
{
	mtx_lock(&proctree_mtx);
	LIST_REMOVE(p, p_sibling);
	LIST_REMOVE(p, p_list);
	proc_nprocs--;
	mtx_unlock(&proctree_mtx);
	if (p->p_vmspace != NULL)
		vmspace_free(p->p_vmspace);
	free(p);
}

/*
 * Give p a thread that starts in fn.  The thread is created in a critical
 * section, so it cannot run before it knows its process: its first switch
 * must find td_proc (and the address space) to load.
 */
static int
proc_thread_create(struct proc *p, void (*fn)(void *), void *arg, struct thread *frame_from)
{
	struct thread *td;
	int error;

	critical_enter();
	error = kthread_create(fn, arg, &td, "%s[%d]", p->p_comm, p->p_pid);
	if (error == 0) {
		td->td_proc = p;
		p->p_thread = td;
		if (frame_from != NULL)
			cpu_fork_frame(td, frame_from);
		mtx_lock(&proctree_mtx);
		p->p_state = PRS_NORMAL;
		mtx_unlock(&proctree_mtx);
	}
	critical_exit();
	return (error);
}

/* ---- spawn: a first program, from the kernel ----------------------------- */

/* A spawned process's first code: load the program in its own address space. */
static void
proc_spawn_start(void *arg)
{
	struct exec_args *ea = arg;
	int error;

	error = kern_execve(curthread, ea);
	free(ea);
	if (error != 0) {
		printf("pid %d (%s): execve failed: error %d\n", curthread->td_proc->p_pid,
		    curthread->td_proc->p_comm, error);
		proc_exit(127);
	}
	cpu_enter_user(curthread);
}

/* Start path with argv (kernel strings, NULL-terminated) as a child of proc0. */
int
proc_spawn(const char *path, char *const argv[], int *pidp)
{
	struct exec_args *ea;
	struct proc *p;
	int error;

	if ((ea = malloc(sizeof(*ea))) == NULL)
		return (ENOMEM);
	if ((error = exec_args_kernel(ea, path, argv)) != 0) {
		free(ea);
		return (error);
	}
	if ((p = proc_alloc(&proc0, exec_basename(path))) == NULL) {
		free(ea);
		return (ENOMEM);
	}
	/* An empty address space until execve: the switch to the thread loads it. */
	if ((p->p_vmspace = vmspace_alloc(PAGE_SIZE, VM_MAXUSER_ADDRESS)) == NULL ||
	    (error = proc_thread_create(p, proc_spawn_start, ea, NULL)) != 0) {
		proc_unalloc(p);
		free(ea);
		return (ENOMEM);
	}
	*pidp = p->p_pid;
	return (0);
}

/* ---- fork ---------------------------------------------------------------- */

static void
proc_fork_start(void *arg __unused)
{
	cpu_enter_user(curthread);
}

/* The child of curthread's process: its address space copied COW, its frame copied. */
int
proc_fork(int *childpid)
{
	struct proc *p1 = curthread->td_proc, *p2;
	struct vmspace *vm2;

	if ((vm2 = vmspace_fork(p1->p_vmspace)) == NULL)
		return (ENOMEM);
	if ((p2 = proc_alloc(p1, p1->p_comm)) == NULL) {
		vmspace_free(vm2);
		return (ENOMEM);
	}
	p2->p_vmspace = vm2;
	if (fd_fork(p1, p2) != 0 ||
	    proc_thread_create(p2, proc_fork_start, NULL, curthread) != 0) {
		fd_close_all(p2);
		proc_unalloc(p2);
		return (ENOMEM);
	}
	*childpid = p2->p_pid;
	return (0);
}

/* ---- exit and wait ------------------------------------------------------- */

void
proc_exit(int status)
{
	struct proc *p = curthread->td_proc, *c;
	struct vmspace *vm = p->p_vmspace;

	KASSERT(p != NULL, ("%s: kernel thread %s", __func__, curthread->td_name));
	fd_close_all(p);		/* the last close syncs a file */
	p->p_vmspace = NULL;		/* the switch back to us loads nothing now */
	if (vm != NULL)
		vmspace_free(vm);	/* activates the kernel's pmap if it was ours */
	mtx_lock(&proctree_mtx);
	while ((c = LIST_FIRST(&p->p_children)) != NULL) {
		LIST_REMOVE(c, p_sibling);
		c->p_pptr = &proc0;
		LIST_INSERT_HEAD(&proc0.p_children, c, p_sibling);
	}
	if (!LIST_EMPTY(&proc0.p_children))
		wakeup(&proc0);		/* zombies among them */
	p->p_xstat = status;
	p->p_state = PRS_ZOMBIE;
	wakeup(p->p_pptr);
	mtx_unlock(&proctree_mtx);
	kthread_exit();
}

/* A trap the process cannot survive: say so, and exit with `status'. */
void
proc_kill(const char *why, vm_offset_t addr, vm_offset_t pc, int status)
{
	struct proc *p = curthread->td_proc;

	if (p == NULL)
		panic("proc_kill: %s in kernel thread %s", why, curthread->td_name);
	if (strcmp(why, "segmentation fault") == 0)
		printf("pid %d (%s): %s at 0x%lx, pc 0x%lx\n", p->p_pid, p->p_comm, why,
		    (u_long)addr, (u_long)pc);
	else
		printf("pid %d (%s): %s, pc 0x%lx\n", p->p_pid, p->p_comm, why, (u_long)pc);
	proc_exit(status);
}

/*
 * Reap a zombie child of parent (pid, or any when pid <= 0): its pid, with
 * *status; 0 if none is a zombie and !block; -ECHILD if it has no such child.
 */
int
proc_wait(struct proc *parent, int pid, int *status, bool block)
{
	struct proc *c;
	bool found;

	mtx_lock(&proctree_mtx);
	for (;;) {
		found = false;
		LIST_FOREACH(c, &parent->p_children, p_sibling) {
			if (pid > 0 && c->p_pid != pid)
				continue;
			found = true;
			if (c->p_state == PRS_ZOMBIE)
				break;
		}
		if (c != NULL || !found || !block)
			break;
		(void)msleep(parent, &proctree_mtx, PWAIT, "wait", 0);
	}
	if (c == NULL) {
		mtx_unlock(&proctree_mtx);
		return (found ? 0 : -ECHILD);
	}
	LIST_REMOVE(c, p_sibling);
	LIST_REMOVE(c, p_list);
	proc_nprocs--;
	mtx_unlock(&proctree_mtx);
	/* Its thread may not have switched away for the last time yet. */
	/* (An earlier reap, by another wait or kthread_create, may have freed it: NULL.) */
	while (c->p_thread != NULL && c->p_thread->td_state != TDS_DEAD)
		pause("reap", 1);
	thread_reap_dead();
	*status = c->p_xstat;
	pid = c->p_pid;
	free(c);
	return (pid);
}

/* ---- the monitor --------------------------------------------------------- */

/* Reap what proc0 has left over (orphans that exited), without waiting. */
static void
proc_reap_orphans(void)
{
	int st;

	while (proc_wait(&proc0, -1, &st, false) > 0)
		;
}

MONITOR_CMD(run, "<program> [args...]", "run a user program (user/), wait for it")
{
	int error, pid, status;

	if (argc < 2) {
		printf("usage: run <program> [args...]; programs:");
		exec_list_programs();
		return (1);
	}
	if ((error = proc_spawn(argv[1], &argv[1], &pid)) != 0) {
		printf("run: %s: error %d%s\n", argv[1], error,
		    error == ENOENT ? " (no such program)" : "");
		return (1);
	}
	if (proc_wait(&proc0, pid, &status, true) != pid)
		panic("run: pid %d vanished", pid);
	proc_reap_orphans();
	printf("pid %d (%s) exited with status %d\n", pid, argv[1], status);
	return (0);
}

MONITOR_CMD(procs, "", "processes: pid, parent, state, name, resident pages")
{
	struct proc *p;

	printf("%5s %5s %-5s %-16s %8s\n", "pid", "ppid", "state", "name", "mapped");
	mtx_lock(&proctree_mtx);
	LIST_FOREACH(p, &allproc, p_list)
		printf("%5d %5d %-5s %-16s %8ju\n", p->p_pid, p->p_pptr->p_pid,
		    p_state_names[p->p_state], p->p_comm,
		    (uintmax_t)(p->p_vmspace != NULL ? p->p_vmspace->vm_map.size / PAGE_SIZE : 0));
	mtx_unlock(&proctree_mtx);
	return (0);
}

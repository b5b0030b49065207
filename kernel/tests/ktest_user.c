/*
 * ktest_user.c - run one user program under the grader.
 *
 *   test=user user.prog=NAME [user.args=a,b,c]
 *   test=user:NAME[,a,b,c]        the same (issue 14's form; the rest of the
 *                                 list is the program and its arguments)
 *
 * (with user.fs=yes the flat file system is mounted first, so the pages
 * the mount keeps are not counted as the program's) spawns NAME with argv NAME a b c (commas separate the arguments: the
 * command line has no quoting) as a child of proc0, waits for it and for
 * every orphan it left, and reports, as KDATA, everything the grader
 * recomputes (grader/tests/test_user.py):
 *
 *   out <text>                 each line the program (or its children)
 *                              wrote to the console, in order
 *   exit pid=<pid> status=<s>  its exit status (128 + n: killed by a trap)
 *   faults zfod=<a> cow=<b> optim=<c> forkpages=<d>   the VM's fault kinds
 *                              during the run; pages eager forks copied
 *   pages before=<n> after=<m> procs=<k>   free + cached pages before the
 *                              spawn and after the last wait; processes left
 *   loans cowfaults=<a> cow=<c> wired_before=<w> wired_after=<x> vmwait=<v>
 *                              zero-copy sends (kern_send.c): writes to
 *                              loaned pages during the run, pages with
 *                              m->cow != 0 after it, wired pages around it,
 *                              VM_WAIT sleeps during it
 *
 *
 * A line the program writes that starts with `@vm` is a probe (user/cowtest.c
 * uses them), not output: `@vm <tag> [<va> <npages>]` reports, from inside
 * the writing process's system call, what the grader cross-checks about
 * copy-on-write:
 *
 *   probe <tag> pid=<pid> free=<n> zfod=<a> cow=<b> optim=<c> forkpages=<d>
 *         collapses=<e>        free + cached pages now; the VM's counters
 *                              since the run began
 *   chain <tag> pid=<pid> start=<va> end=<va> offset=<o> depth=<d>
 *                              each entry that has an object: the objects in
 *                              its shadow chain (1: no backing object)
 *   pte <tag> pid=<pid> va=<va> pa=<pa> level=<l> pindex=<i>
 *                              for each of the npages pages from va: the
 *                              frame the process's page table maps (pa 0:
 *                              none), and by the page array (PHYS_TO_VM_PAGE)
 *                              that frame's object - its place in the
 *                              entry's chain (0: the entry's own object; 99:
 *                              not in the chain) - and pindex there
 *
 * The test FAILs if the program could not start, or if pages or processes
 * leaked (after != before, procs != 0): every page a process had - its
 * address space, page tables, kernel stack - is back once it is reaped.
 */
#include <sys/systm.h>
#include <sys/file.h>
#include <sys/kenv.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/pmap.h>
#include <vm/vmmeter.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>

#define	USER_MAXARGS	32
#define	USER_LINE	160
#define	USER_PTES	64	/* at most this many pte lines per probe */

static struct ktest_ctx *user_t;
static struct vmmeter user_cnt0;	/* the counters when the run began */
static struct mtx user_mtx;		/* one process's output (and probe) at a time */
static char user_line[USER_LINE + 1];
static char user_form[256];		/* test=user:NAME,args */
static size_t user_len;

static u_int
user_free_pages(void)
{
	return (cnt.v_free_count + cnt.v_cache_count);
}

/* The place of object in the chain from front down: 0 the front object, 99 none. */
static u_int
user_chain_level(vm_object_t front, vm_object_t object)
{
	u_int level = 0;

	for (; front != NULL; front = front->backing_object, level++)
		if (front == object)
			return (level);
	return (99);
}

/* `@vm <tag> [<va> <npages>]` from the current process: see the top of the file. */
static void
user_probe(char *args)
{
	struct proc *p = curthread->td_proc;
	vm_map_t map = &p->p_vmspace->vm_map;
	char *tag = args, *rest;
	vm_offset_t va = 0;
	u_long npages = 0;
	vm_map_entry_t e;

	while (*tag == ' ')
		tag++;
	if ((rest = strchr(tag, ' ')) != NULL) {
		*rest++ = '\0';
		va = (vm_offset_t)strtoull(rest, &rest, 0);
		while (*rest == ' ')
			rest++;
		npages = (u_long)strtoull(rest, NULL, 0);
	}
	if (*tag == '\0')
		tag = "-";
	ktest_data(user_t, "probe %s pid=%d free=%u zfod=%u cow=%u optim=%u forkpages=%u "
	    "collapses=%u", tag, p->p_pid, user_free_pages(), cnt.v_zfod - user_cnt0.v_zfod,
	    cnt.v_cow_faults - user_cnt0.v_cow_faults, cnt.v_cow_optim - user_cnt0.v_cow_optim,
	    cnt.v_forkpages - user_cnt0.v_forkpages, cnt.v_collapses - user_cnt0.v_collapses);
	vm_map_lock(map);
	for (e = map->header.next; e != &map->header; e = e->next)
		if (e->object != NULL)
			ktest_data(user_t, "chain %s pid=%d start=%#jx end=%#jx offset=%#jx depth=%d",
			    tag, p->p_pid, (uintmax_t)e->start, (uintmax_t)e->end,
			    (uintmax_t)e->offset, vm_object_chain_depth(e->object));
	for (u_long i = 0; i < npages && i < USER_PTES; i++, va += PAGE_SIZE) {
		vm_paddr_t pa = pmap_extract(map->pmap, va);
		vm_page_t m = pa != 0 ? PHYS_TO_VM_PAGE(pa) : NULL;
		u_int level = 99;

		if (m != NULL && vm_map_lookup_entry(map, va, &e))
			level = user_chain_level(e->object, m->object);
		ktest_data(user_t, "pte %s pid=%d va=%#jx pa=%#jx level=%u pindex=%ju", tag, p->p_pid,
		    (uintmax_t)va, (uintmax_t)trunc_page(pa), level,
		    m != NULL ? (uintmax_t)m->pindex : (uintmax_t)0);
	}
	vm_map_unlock(map);
}

static void
user_flush(void)
{
	user_line[user_len] = '\0';
	if (strncmp(user_line, "@vm", 3) == 0 && curthread->td_proc != NULL)
		user_probe(user_line + 3);
	else
		ktest_data(user_t, "out %s", user_line);
	user_len = 0;
}

/* proc_output_hook: the programs' console output, a KDATA line per line. */
static void
user_output(const char *buf, size_t len)
{
	/* A probe's lines take a while: another process's output must not cut into them. */
	mtx_lock(&user_mtx);
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			user_flush();
			continue;
		}
		user_line[user_len++] = (c >= ' ' && c <= '~') ? c : '?';
		if (user_len == USER_LINE)
			user_flush();
	}
	mtx_unlock(&user_mtx);
}

/* Pages still loaned (m->cow != 0): none once every send is written. */
static u_int
user_loaned_pages(void)
{
	u_int n = 0;

	vm_page_lock_queues();
	for (long i = 0; i < vm_page_array_size; i++)
		if (vm_page_array[i].cow != 0)
			n++;
	vm_page_unlock_queues();
	return (n);
}

KTEST(user, KTEST_VM | KTEST_EXPLICIT)
{
	const char *prog = kenv_get("user.prog"), *args = kenv_get("user.args");
	char *argv[USER_MAXARGS + 2], *copy = NULL;
	u_int before, after, zfod, cow, optim, loans, wired, vmwait;
	int argc = 0, pid = 0, status = 0, error, reaped = -1;

	if (ktest_argument() != NULL) {		/* test=user:NAME,a,b,c */
		char *form = user_form;

		KT_CHECK(t, strlcpy(user_form, ktest_argument(), sizeof(user_form)) <
		    sizeof(user_form), "test=user:...: longer than %zu bytes", sizeof(user_form) - 1);
		prog = form;
		args = NULL;
		if ((copy = strchr(form, ',')) != NULL) {
			*copy++ = '\0';
			args = copy;
		}
		copy = NULL;
	}
	KT_SKIP_UNLESS(t, prog != NULL && prog[0] != '\0',
	    "needs user.prog= (or test=user:PROG,args) on the command line");
	argv[argc++] = (char *)prog;
	if (args != NULL && args[0] != '\0') {
		KT_CHECK(t, (copy = malloc(strlen(args) + 1)) != NULL, "no memory for the arguments");
		strlcpy(copy, args, strlen(args) + 1);
		for (char *s = copy; s != NULL;) {
			if (argc > USER_MAXARGS) {
				free(copy);
				KT_CHECK(t, false, "user.args: more than %d arguments", USER_MAXARGS);
			}
			argv[argc++] = s;
			if ((s = strchr(s, ',')) != NULL)
				*s++ = '\0';
		}
	}
	argv[argc] = NULL;
	if (kenv_get("user.fs") != NULL)
		(void)flatfs_disk();
	user_t = t;
	mtx_init(&user_mtx, "ktest user", NULL, MTX_DEF);
	proc_output_hook = user_output;
	user_cnt0 = cnt;
	zfod = cnt.v_zfod;
	cow = cnt.v_cow_faults;
	optim = cnt.v_cow_optim;
	loans = cnt.v_cowfaults_loan;
	vmwait = cnt.v_vmwait;
	wired = cnt.v_wire_count;
	before = user_free_pages();
	error = proc_spawn(prog, argv, &pid);
	if (error == 0) {
		reaped = proc_wait(&proc0, pid, &status, true);
		while (proc_wait(&proc0, -1, &(int){ 0 }, true) > 0)	/* orphans */
			;
	}
	after = user_free_pages();
	if (user_len > 0)
		user_flush();
	proc_output_hook = NULL;
	mtx_destroy(&user_mtx);
	free(copy);
	KT_CHECK(t, error == 0, "cannot start %s: error %d", prog, error);
	KT_CHECK(t, reaped == pid, "wait for pid %d gave %d", pid, reaped);
	ktest_data(t, "exit pid=%d status=%d", pid, status);
	ktest_data(t, "faults zfod=%u cow=%u optim=%u forkpages=%u", cnt.v_zfod - zfod,
	    cnt.v_cow_faults - cow, cnt.v_cow_optim - optim,
	    cnt.v_forkpages - user_cnt0.v_forkpages);
	ktest_data(t, "pages before=%u after=%u procs=%d", before, after, proc_count());
	ktest_data(t, "loans cowfaults=%u cow=%u wired_before=%u wired_after=%u vmwait=%u",
	    cnt.v_cowfaults_loan - loans, user_loaned_pages(), wired, cnt.v_wire_count,
	    cnt.v_vmwait - vmwait);
	KT_CHECK(t, after == before, "%s: free + cached pages %u before, %u after: %d leaked",
	    prog, before, after, (int)(before - after));
	KT_CHECK(t, proc_count() == 0, "%d processes left", proc_count());
	ktest_detail(t, "%s exited with status %d", prog, status);
}

/*
 * proc_wait_reuse: a zombie's thread belongs to the parent that waits for
 * it.  A child runs and dies; a kernel thread is created (kthread_create
 * frees other dead threads, and malloc would hand their records out
 * again); then the wait must come back at once.  A wait that looked at a
 * thread record someone else had freed found this bystander in it and
 * waited for it to die - or, with the record's memory reused by anything
 * else, forever (forktest's rare hang).  So the record must still be
 * listed after kthread_create, until the wait.
 */
static volatile bool pwr_waited, pwr_timedout, pwr_done;

static void
proc_wait_reuse_bystander(void *arg __unused)
{
	for (int i = 0; i < 200 && !pwr_waited; i++)	/* 2 s */
		pause("bystand", 1);
	pwr_timedout = !pwr_waited;
	pwr_done = true;
}

static bool
proc_wait_reuse_listed(struct thread *td)
{
	struct thread *x;

	LIST_FOREACH(x, &allthreads, td_all)
		if (x == td)
			return (true);
	return (false);
}

static struct proc *
proc_wait_reuse_child(int pid)
{
	struct proc *p;

	LIST_FOREACH(p, &proc0.p_children, p_sibling)
		if (p->p_pid == pid)
			return (p);
	return (NULL);
}

KTEST(proc_wait_reuse, KTEST_VM | KTEST_EXPLICIT)
{
	char *argv[] = { "echo", NULL };
	struct proc *c = NULL;
	struct thread *td;
	int pid, status, i, reaped;
	bool kept;

	pwr_waited = pwr_timedout = pwr_done = false;
	KT_CHECK(t, proc_spawn("echo", argv, &pid) == 0, "cannot start echo");
	for (i = 0; i < 500; i++) {			/* 5 s for echo to die */
		c = proc_wait_reuse_child(pid);
		if (c != NULL && c->p_state == PRS_ZOMBIE && c->p_thread->td_state == TDS_DEAD)
			break;
		pause("zombie", 1);
	}
	KT_CHECK(t, i < 500, "echo (pid %d) did not exit in 5 s", pid);
	td = c->p_thread;
	KT_CHECK(t, kthread_create(proc_wait_reuse_bystander, NULL, NULL, "bystander") == 0,
	    "kthread_create failed");
	kept = proc_wait_reuse_listed(td);	/* before the wait: it must still be there */
	reaped = proc_wait(&proc0, pid, &status, true);
	pwr_waited = true;
	while (!pwr_done)
		pause("join", 1);
	KT_CHECK(t, reaped == pid, "wait for pid %d gave %d", pid, reaped);
	KT_CHECK(t, kept, "the dead echo's thread (pid %d) was freed by kthread_create before "
	    "its parent waited: the parent's wait reads it", pid);
	KT_CHECK(t, !pwr_timedout, "proc_wait for the dead echo (pid %d) waited 2 s for an "
	    "unrelated kernel thread: it looked at a thread record that was not its child's",
	    pid);
}

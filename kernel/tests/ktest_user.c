/*
 * ktest_user.c - run one user program under the grader.
 *
 *   test=user user.prog=NAME [user.args=a,b,c]
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
 *   faults zfod=<a> cow=<b> optim=<c>   the VM's fault kinds during the run
 *   pages before=<n> after=<m> procs=<k>   free + cached pages before the
 *                              spawn and after the last wait; processes left
 *   loans cowfaults=<a> cow=<c> wired_before=<w> wired_after=<x> vmwait=<v>
 *                              zero-copy sends (kern_send.c): writes to
 *                              loaned pages during the run, pages with
 *                              m->cow != 0 after it, wired pages around it,
 *                              VM_WAIT sleeps during it
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
#include <vm/vmmeter.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>

#define	USER_MAXARGS	16
#define	USER_LINE	160

static struct ktest_ctx *user_t;
static char user_line[USER_LINE + 1];
static size_t user_len;

static void
user_flush(void)
{
	user_line[user_len] = '\0';
	ktest_data(user_t, "out %s", user_line);
	user_len = 0;
}

/* proc_output_hook: the programs' console output, a KDATA line per line. */
static void
user_output(const char *buf, size_t len)
{
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
}

static u_int
user_free_pages(void)
{
	return (cnt.v_free_count + cnt.v_cache_count);
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

	KT_SKIP_UNLESS(t, prog != NULL, "needs user.prog= on the command line");
	argv[argc++] = (char *)prog;
	if (args != NULL && args[0] != '\0') {
		KT_CHECK(t, (copy = malloc(strlen(args) + 1)) != NULL, "no memory for the arguments");
		strlcpy(copy, args, strlen(args) + 1);
		for (char *s = copy; s != NULL && argc <= USER_MAXARGS;) {
			argv[argc++] = s;
			if ((s = strchr(s, ',')) != NULL)
				*s++ = '\0';
		}
	}
	argv[argc] = NULL;
	if (kenv_get("user.fs") != NULL)
		(void)flatfs_disk();
	user_t = t;
	proc_output_hook = user_output;
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
	free(copy);
	KT_CHECK(t, error == 0, "cannot start %s: error %d", prog, error);
	KT_CHECK(t, reaped == pid, "wait for pid %d gave %d", pid, reaped);
	ktest_data(t, "exit pid=%d status=%d", pid, status);
	ktest_data(t, "faults zfod=%u cow=%u optim=%u", cnt.v_zfod - zfod, cnt.v_cow_faults - cow,
	    cnt.v_cow_optim - optim);
	ktest_data(t, "pages before=%u after=%u procs=%d", before, after, proc_count());
	ktest_data(t, "loans cowfaults=%u cow=%u wired_before=%u wired_after=%u vmwait=%u",
	    cnt.v_cowfaults_loan - loans, user_loaned_pages(), wired, cnt.v_wire_count,
	    cnt.v_vmwait - vmwait);
	KT_CHECK(t, after == before, "%s: free + cached pages %u before, %u after: %d leaked",
	    prog, before, after, (int)(before - after));
	KT_CHECK(t, proc_count() == 0, "%d processes left", proc_count());
	ktest_detail(t, "%s exited with status %d", prog, status);
}

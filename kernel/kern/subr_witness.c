/*
 * subr_witness.c - a small witness: lock-order checking by class.
 *
 * A class is the type name given to mtx_init (every vm object's lock is
 * one class, "vm object"), or the lock's name.  The first time a thread
 * holding a lock of class A takes one of class B, the witness records
 * "A before B" and where B was taken.  If later some thread holding B
 * takes A, the two orders could deadlock two threads: the witness panics
 *
 *   lock order reversal: A -> B established at file:line, now B -> A at file:line
 *
 * even though this run did not deadlock - the point is to catch the bug
 * before two threads meet in it.  The order is a matrix of classes
 * (WITNESS_NCLASS), each entry the site that established it; it costs a
 * few comparisons per lock taken, so it is on in every build.  It also
 * refuses to let a thread sleep while it holds a spin mutex, and to wait
 * for I/O while it holds a mutex not made MTX_SLEEPABLE
 * (witness_io_sleep_check).  Locks of one class nested in each other are
 * not checked (FreeBSD's DUPOK).
 */
#include <sys/systm.h>
#include <sys/monitor.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>

#define	WITNESS_NCLASS	32

struct lock_class_w {
	const char	*lc_name;
	int		lc_index;
};
struct witness_site {
	const char	*file;		/* NULL: no order recorded */
	int		line;
};

static struct lock_class_w witness_classes[WITNESS_NCLASS];	/* (i) */
static int witness_nclasses;					/* (i) */
static struct witness_site witness_order[WITNESS_NCLASS][WITNESS_NCLASS];	/* [a][b]: a before b */

/* The class of that name, made on first use; NULL (no checking) if the table is full. */
struct lock_class_w *
witness_class(const char *type)
{
	struct lock_class_w *lc = NULL;
	register_t ef = intr_disable();

	for (int i = 0; i < witness_nclasses && lc == NULL; i++)
		if (strcmp(witness_classes[i].lc_name, type) == 0)
			lc = &witness_classes[i];
	if (lc == NULL && witness_nclasses < WITNESS_NCLASS) {
		lc = &witness_classes[witness_nclasses];
		lc->lc_name = type;
		lc->lc_index = witness_nclasses++;
	}
	intr_restore(ef);
	if (lc == NULL)
		printf("witness: more than %d lock classes; %s is not checked\n", WITNESS_NCLASS, type);
	return (lc);
}

/* Before m is taken at file:line: does any held lock's class come after m's? */
void
witness_checkorder(struct mtx *m, const char *file, int line)
{
	struct thread *td = curthread;
	struct lock_class_w *b = m->mtx_witness;

	if (b == NULL)
		return;
	for (int i = 0; i < td->td_nlocks; i++) {
		struct lock_class_w *a = td->td_locks[i]->mtx_witness;
		struct witness_site *rev;

		if (a == NULL || a == b)
			continue;
		rev = &witness_order[b->lc_index][a->lc_index];
		if (rev->file != NULL)
			panic("lock order reversal: %s -> %s established at %s:%d, now %s -> %s at %s:%d",
			    b->lc_name, a->lc_name, rev->file, rev->line, a->lc_name, b->lc_name,
			    file, line);
	}
}

/*
 * m was taken by mtx_trylock: hold it, but learn no order from it - a try
 * never blocks, so it cannot deadlock, and a trylock against the order is
 * how code takes locks "backwards" (the page daemon: page queues, then an
 * object).  FreeBSD's witness does the same (LOP_TRYLOCK).
 */
void
witness_lock_try(struct mtx *m, const char *file, int line)
{
	struct thread *td = curthread;

	if (td->td_nlocks == WITNESS_MAXHELD)
		panic("witness: thread %s holds more than %d locks taking %s at %s:%d", td->td_name,
		    WITNESS_MAXHELD, m->mtx_name, file, line);
	td->td_locks[td->td_nlocks++] = m;
}

/* m was taken at file:line: hold it, and record the order against every held class. */
void
witness_lock(struct mtx *m, const char *file, int line)
{
	struct thread *td = curthread;
	struct lock_class_w *b = m->mtx_witness;

	if (td->td_nlocks == WITNESS_MAXHELD)
		panic("witness: thread %s holds more than %d locks taking %s at %s:%d", td->td_name,
		    WITNESS_MAXHELD, m->mtx_name, file, line);
	for (int i = 0; b != NULL && i < td->td_nlocks; i++) {
		struct lock_class_w *a = td->td_locks[i]->mtx_witness;
		struct witness_site *w;

		if (a == NULL || a == b)
			continue;
		w = &witness_order[a->lc_index][b->lc_index];
		if (w->file == NULL) {
			w->file = file;
			w->line = line;
		}
	}
	td->td_locks[td->td_nlocks++] = m;
}

void
witness_unlock(struct mtx *m)
{
	struct thread *td = curthread;

	for (int i = td->td_nlocks - 1; i >= 0; i--) {
		if (td->td_locks[i] != m)
			continue;
		for (; i + 1 < td->td_nlocks; i++)
			td->td_locks[i] = td->td_locks[i + 1];
		td->td_nlocks--;
		return;
	}
	panic("witness: %s released by %s, which does not hold it", m->mtx_name, td->td_name);
}

/* msleep: sleeping with a spin mutex held would switch with interrupts off forever. */
void
witness_sleep_check(const char *wmesg)
{
	struct thread *td = curthread;

	for (int i = 0; i < td->td_nlocks; i++) {
		struct mtx *m = td->td_locks[i];

		if ((m->mtx_flags & MTX_SPIN) != 0)
			panic("sleeping (\"%s\") with spin mutex %s held (taken at %s:%d)", wmesg,
			    m->mtx_name, m->mtx_file, m->mtx_line);
	}
	if (td->td_spinlocks > 0)
		panic("sleeping (\"%s\") with a spin mutex held", wmesg);
}

/*
 * A sleep for I/O (disk_read, disk_write): the I/O completes only when the
 * disk's completion thread has run every earlier completion, and those
 * take VM locks (a swap or file write's vm_pageout_io_done takes its object
 * and the page queues).  A thread that waits for I/O holding such a lock
 * can wait for a completion thread that waits for it - issue 16's hang: a
 * fault held its front object while it read a backing object's page, and
 * the page daemon had a write of the front object's pages in flight.  It
 * deadlocks only when the two meet, so the rule is checked every time:
 * only locks made MTX_SLEEPABLE (the map lock, the file system's: what
 * FreeBSD makes sx locks, never taken by a completion) may be held.
 */
void
witness_io_sleep_check(const char *what)
{
	struct thread *td = curthread;

	for (int i = 0; i < td->td_nlocks; i++) {
		struct mtx *m = td->td_locks[i];

		if ((m->mtx_flags & MTX_SLEEPABLE) == 0)
			panic("%s (a sleep for I/O) with %s held (taken at %s:%d): the disk's "
			    "completion thread may need it to finish that I/O", what, m->mtx_name,
			    m->mtx_file, m->mtx_line);
	}
	if (td->td_spinlocks > 0)
		panic("%s (a sleep for I/O) with a spin mutex held", what);
}

void
witness_print(void)
{
	printf("lock classes:");
	for (int i = 0; i < witness_nclasses; i++)
		printf(" [%d] %s", i, witness_classes[i].lc_name);
	printf("\norder (first -> then: where established):\n");
	for (int a = 0; a < witness_nclasses; a++)
		for (int b = 0; b < witness_nclasses; b++)
			if (witness_order[a][b].file != NULL)
				printf("  %s -> %s: %s:%d\n", witness_classes[a].lc_name,
				    witness_classes[b].lc_name, witness_order[a][b].file,
				    witness_order[a][b].line);
}

MONITOR_CMD(witness, "", "lock classes and the order the witness recorded")
{
	witness_print();
	return (0);
}

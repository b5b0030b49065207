/*
 * kern_mutex.c - sleep mutexes (MTX_DEF) and spin mutexes (MTX_SPIN), one CPU.
 *
 * Sleep mutex.  A free mutex is taken by setting its owner.  A contender
 * queues itself on the mutex (FIFO, TDS_BLOCKED) and switches away; the
 * owner's unlock hands the mutex straight to the first contender and makes
 * it runnable.  Hand-off, not "wake and retry": with preemptive round
 * robin the releasing thread usually keeps running, and under retry it
 * would take the mutex again before the woken contender ran, again and
 * again - a busy lock starves its waiters.  Hand-off serves them in order.
 *
 * Spin mutex.  Interrupts off for as long as one is held (the first taken
 * saves the interrupt state, the last released restores it: td_spinlocks
 * counts), so neither an interrupt handler nor preemption can run the code
 * it protects concurrently.  On one CPU it never spins: finding one owned
 * by another thread is impossible unless something is broken, and panics.
 *
 * Every operation checks ownership; misuse (unlocking a mutex one does not
 * own, recursing without MTX_RECURSE, the wrong kind of operation, a sleep
 * mutex in an interrupt handler or under a spin mutex) panics with the
 * lock's name and the caller's file:line.  The witness (subr_witness.c)
 * checks the order.
 */
#include <sys/systm.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>

void
mtx_init(struct mtx *m, const char *name, const char *type, int opts)
{
	KASSERT((opts & ~(MTX_SPIN | MTX_RECURSE | MTX_NOWITNESS | MTX_SLEEPABLE)) == 0,
	    ("%s: %s: unknown options %#x", __func__, name, opts));
	memset(m, 0, sizeof(*m));
	m->mtx_name = name;
	m->mtx_flags = opts | MTX_INITED;
	TAILQ_INIT(&m->mtx_blocked);
	if ((opts & MTX_NOWITNESS) == 0)
		m->mtx_witness = witness_class(type != NULL ? type : name);
}

void
mtx_destroy(struct mtx *m)
{
	if (m->mtx_owner != NULL)
		panic("mtx_destroy: %s is held by %s (taken at %s:%d)", m->mtx_name,
		    m->mtx_owner->td_name, m->mtx_file, m->mtx_line);
	m->mtx_flags = 0;
}

static void
mtx_check_kind(const struct mtx *m, bool spin, const char *op, const char *file, int line)
{
	if ((m->mtx_flags & MTX_INITED) == 0)
		panic("%s of an uninitialized mutex %p at %s:%d", op, m, file, line);
	if (((m->mtx_flags & MTX_SPIN) != 0) != spin)
		panic("%s of %s mutex %s at %s:%d", op, spin ? "sleep" : "spin", m->mtx_name,
		    file, line);
}

void
_mtx_lock_flags(struct mtx *m, int opts __unused, const char *file, int line)
{
	struct thread *td = curthread;
	register_t ef;

	mtx_check_kind(m, false, "mtx_lock", file, line);
	if (td->td_intr_nest > 0)
		panic("mtx_lock of sleep mutex %s in an interrupt handler at %s:%d", m->mtx_name,
		    file, line);
	if (td->td_spinlocks > 0)
		panic("mtx_lock of sleep mutex %s with a spin mutex held at %s:%d", m->mtx_name,
		    file, line);
	if (m->mtx_owner == td) {
		if ((m->mtx_flags & MTX_RECURSE) == 0)
			panic("mtx_lock: recursed on non-recursive mutex %s at %s:%d (taken at %s:%d)",
			    m->mtx_name, file, line, m->mtx_file, m->mtx_line);
		m->mtx_recurse++;
		return;
	}
	witness_checkorder(m, file, line);
	ef = intr_disable();
	if (m->mtx_owner != NULL) {
		td->td_blocked = m;
		td->td_wmesg = m->mtx_name;
		td->td_wchan = m;
		td->td_state = TDS_BLOCKED;
		TAILQ_INSERT_TAIL(&m->mtx_blocked, td, td_runq);
		mi_switch();			/* back when handed the mutex */
		KASSERT(m->mtx_owner == td, ("%s: woken without %s", __func__, m->mtx_name));
		td->td_wmesg = "-";
	} else
		m->mtx_owner = td;
	m->mtx_file = file;
	m->mtx_line = line;
	intr_restore(ef);
	witness_lock(m, file, line);
}

int
mtx_trylock(struct mtx *m)
{
	struct thread *td = curthread;
	register_t ef = intr_disable();
	int got = 0;

	mtx_check_kind(m, false, "mtx_trylock", __FILE__, __LINE__);
	if (m->mtx_owner == NULL) {
		m->mtx_owner = td;
		m->mtx_file = "mtx_trylock";
		m->mtx_line = 0;
		got = 1;
	} else if (m->mtx_owner == td && (m->mtx_flags & MTX_RECURSE) != 0) {
		m->mtx_recurse++;
		got = 2;
	}
	intr_restore(ef);
	if (got == 1)
		witness_lock_try(m, __FILE__, __LINE__);	/* a try never blocks: no order */
	return (got != 0);
}

void
_mtx_unlock_flags(struct mtx *m, int opts __unused, const char *file, int line)
{
	struct thread *td = curthread, *next;
	register_t ef;

	mtx_check_kind(m, false, "mtx_unlock", file, line);
	if (m->mtx_owner != td)
		panic("mtx_unlock of %s not owned by %s at %s:%d (owner %s)", m->mtx_name,
		    td->td_name, file, line, m->mtx_owner != NULL ? m->mtx_owner->td_name : "none");
	if (m->mtx_recurse > 0) {
		m->mtx_recurse--;
		return;
	}
	witness_unlock(m);
	ef = intr_disable();
	if ((next = TAILQ_FIRST(&m->mtx_blocked)) != NULL) {
		TAILQ_REMOVE(&m->mtx_blocked, next, td_runq);
		next->td_blocked = NULL;
		next->td_wchan = NULL;
		next->td_state = TDS_INACTIVE;
		m->mtx_owner = next;		/* hand-off */
		sched_add(next);
	} else
		m->mtx_owner = NULL;
	intr_restore(ef);
}

void
_mtx_lock_spin_flags(struct mtx *m, int opts __unused, const char *file, int line)
{
	struct thread *td = curthread;
	register_t ef;

	mtx_check_kind(m, true, "mtx_lock_spin", file, line);
	ef = intr_disable();
	if (m->mtx_owner == td) {
		if ((m->mtx_flags & MTX_RECURSE) == 0)
			panic("mtx_lock_spin: recursed on non-recursive mutex %s at %s:%d "
			    "(taken at %s:%d)", m->mtx_name, file, line, m->mtx_file, m->mtx_line);
		m->mtx_recurse++;
		return;
	}
	if (m->mtx_owner != NULL)
		panic("mtx_lock_spin: %s is held by %s (taken at %s:%d): one CPU, a deadlock, at %s:%d",
		    m->mtx_name, m->mtx_owner->td_name, m->mtx_file, m->mtx_line, file, line);
	witness_checkorder(m, file, line);
	if (td->td_spinlocks++ == 0)
		td->td_spin_intr = ef;
	m->mtx_saved_intr = ef;
	m->mtx_owner = td;
	m->mtx_file = file;
	m->mtx_line = line;
	witness_lock(m, file, line);
}

void
_mtx_unlock_spin_flags(struct mtx *m, int opts __unused, const char *file, int line)
{
	struct thread *td = curthread;

	mtx_check_kind(m, true, "mtx_unlock_spin", file, line);
	if (m->mtx_owner != td)
		panic("mtx_unlock_spin of %s not owned by %s at %s:%d", m->mtx_name, td->td_name,
		    file, line);
	if (m->mtx_recurse > 0) {
		m->mtx_recurse--;
		return;
	}
	witness_unlock(m);
	m->mtx_owner = NULL;
	if (--td->td_spinlocks == 0)
		intr_restore(td->td_spin_intr);
}

int
mtx_owned(struct mtx *m)
{
	return (m->mtx_owner == curthread);
}

void
_mtx_assert(const struct mtx *m, int what, const char *file, int line)
{
	bool owned = m->mtx_owner == curthread;

	if ((what & MA_OWNED) != 0 && !owned)
		panic("mutex %s not owned at %s:%d", m->mtx_name, file, line);
	if ((what & MA_NOTOWNED) != 0 && owned)
		panic("mutex %s owned at %s:%d (taken at %s:%d)", m->mtx_name, file, line,
		    m->mtx_file, m->mtx_line);
	if ((what & MA_RECURSED) != 0 && m->mtx_recurse == 0)
		panic("mutex %s not recursed at %s:%d", m->mtx_name, file, line);
	if ((what & MA_NOTRECURSED) != 0 && m->mtx_recurse != 0)
		panic("mutex %s recursed at %s:%d", m->mtx_name, file, line);
}

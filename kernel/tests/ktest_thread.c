/*
 * ktest_thread.c - kernel threads, preemption, sleep/wakeup, mutexes and
 * the witness (grader/tests/test_threads.py recomputes every outcome from
 * the seed).  All run after the VM starts (thread stacks need pages) and
 * only when named: they take ticks, or panic on purpose.
 *
 * Worker threads never print: a KDATA line is one printf, and two threads
 * writing at once would tear it.  Each test's thread0 waits for its workers
 * (struct join) and then reports.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/mutex.h>
#include <sys/proc.h>

#define	MAXTHREADS	8

/* Waiting for n workers to finish: each calls join_done() as its last act. */
struct join {
	struct mtx	mtx;
	int		done;
};

static void
join_init(struct join *j)
{
	mtx_init(&j->mtx, "ktest join", NULL, MTX_DEF);
	j->done = 0;
}

static void
join_done(struct join *j)
{
	mtx_lock(&j->mtx);
	j->done++;
	wakeup(j);
	mtx_unlock(&j->mtx);
}

static void
join_wait(struct join *j, int n)
{
	mtx_lock(&j->mtx);
	while (j->done < n)
		(void)msleep(j, &j->mtx, PWAIT, "join", 0);
	mtx_unlock(&j->mtx);
	mtx_destroy(&j->mtx);
}

/* ---- threads_interleave: only preemption interleaves the workers ------- */

struct interleave {
	struct mtx	mtx;
	uint64_t	shared;			/* (mtx) */
	uint64_t	own[MAXTHREADS];	/* each worker's own count */
	uint32_t	iters[MAXTHREADS];
	struct thread	*td[MAXTHREADS];
	int		nthreads;		/* (c) */
	int		started;		/* (mtx) workers at the start line */
	volatile bool	released;		/* (mtx) all are there, since tick go */
	volatile uint64_t go;
	bool		stuck[MAXTHREADS];	/* spun 5 s at the start: no preemption */
	struct join	join;
};

static volatile uint32_t busy_sink;

/* Work the compiler cannot remove, a few microseconds under TCG. */
static void
busy_work(uint32_t n)
{
	uint32_t x = busy_sink;

	for (uint32_t i = 0; i < n; i++)
		x = x * 1103515245u + 12345u;
	busy_sink = x;
}

static struct interleave il;

/*
 * The start line: count in, then spin (never yield) until everyone has
 * counted in and one more slice has passed.  Only the clock can take the
 * CPU from a spinning thread, so every worker is preempted here at least
 * once, however fast the machine: the early ones wait for the rest, and
 * the last one spins past the end of its own slice with the others
 * runnable.  Without preemption the first spinner would spin for ever;
 * after 5 s it gives up and says so.
 */
static void
interleave_start(int me)
{
	uint64_t start = ticks;

	mtx_lock(&il.mtx);
	if (++il.started == il.nthreads) {
		il.go = ticks;
		il.released = true;
	}
	mtx_unlock(&il.mtx);
	while (!il.released || ticks - il.go <= SCHED_SLICE) {
		if (ticks - start > 5 * (uint64_t)hz) {
			il.stuck[me] = true;
			return;
		}
		busy_work(1000);
	}
}

static void
interleave_worker(void *arg)
{
	int me = (int)(uintptr_t)arg;

	interleave_start(me);
	for (uint32_t i = 0; i < il.iters[me]; i++) {
		mtx_lock(&il.mtx);
		uint64_t v = il.shared;
		busy_work(20000);			/* inside: a preemption here must not lose an update */
		il.shared = v + 1;
		mtx_unlock(&il.mtx);
		il.own[me]++;
		busy_work(50000);
	}
	join_done(&il.join);
}

KTEST(threads_interleave, KTEST_VM | KTEST_EXPLICIT)
{
	int n = 2 + (int)rng_below(&t->rng, MAXTHREADS - 1);

	memset(&il, 0, sizeof(il));
	mtx_init(&il.mtx, "ktest shared counter", NULL, MTX_DEF);
	join_init(&il.join);
	il.nthreads = n;
	for (int i = 0; i < n; i++)
		il.iters[i] = 200 + rng_below(&t->rng, 400);
	for (int i = 0; i < n; i++)
		KT_CHECK(t, kthread_create(interleave_worker, (void *)(uintptr_t)i, &il.td[i],
		    "interleave%d", i) == 0, "kthread_create %d failed", i);
	join_wait(&il.join, n);
	for (int i = 0; i < n; i++)
		KT_CHECK(t, !il.stuck[i], "thread %d spun 5 s at the start line: the clock never "
		    "preempted it", i);
	ktest_data(t, "params threads=%d", n);
	for (int i = 0; i < n; i++)
		ktest_data(t, "thread %d count=%ju switches=%ju ticks=%ju", i, (uintmax_t)il.own[i],
		    (uintmax_t)il.td[i]->td_switches, (uintmax_t)il.td[i]->td_ticks);
	ktest_data(t, "shared %ju", (uintmax_t)il.shared);
	mtx_destroy(&il.mtx);
}

/* ---- sleep_wakeup: producer and consumer through a small ring ---------- */

#define	RING	4
static struct {
	struct mtx	mtx;
	uint32_t	ring[RING];	/* (mtx) */
	int		head, tail;	/* (mtx) */
	int		items;		/* (c) how many the producer makes */
	uint64_t	seed;		/* (c) */
	uint64_t	sum;		/* (mtx) what the consumer took */
	int		got;		/* (mtx) */
	int		psleeps, csleeps;
	struct join	join;
} pc;

static void
producer(void *arg __unused)
{
	struct rng r;

	rng_seed(&r, pc.seed);
	for (int i = 0; i < pc.items; i++) {
		uint32_t v = (uint32_t)(rng_next(&r) & 0xffff);

		mtx_lock(&pc.mtx);
		while (pc.head - pc.tail == RING) {
			pc.psleeps++;
			(void)msleep(&pc.head, &pc.mtx, PWAIT, "full", 0);
		}
		pc.ring[pc.head++ % RING] = v;
		wakeup(&pc.tail);
		mtx_unlock(&pc.mtx);
	}
	join_done(&pc.join);
}

static void
consumer(void *arg __unused)
{
	mtx_lock(&pc.mtx);
	while (pc.got < pc.items) {
		while (pc.head == pc.tail) {
			pc.csleeps++;
			(void)msleep(&pc.tail, &pc.mtx, PWAIT, "empty", 0);
		}
		pc.sum += pc.ring[pc.tail++ % RING];
		pc.got++;
		wakeup(&pc.head);
	}
	mtx_unlock(&pc.mtx);
	join_done(&pc.join);
}

KTEST(sleep_wakeup, KTEST_VM | KTEST_EXPLICIT)
{
	memset(&pc, 0, sizeof(pc));
	pc.items = 50 + (int)rng_below(&t->rng, 451);
	pc.seed = rng_next(&t->rng);
	mtx_init(&pc.mtx, "ktest ring", NULL, MTX_DEF);
	join_init(&pc.join);
	KT_CHECK(t, kthread_create(consumer, NULL, NULL, "consumer") == 0, "kthread_create failed");
	KT_CHECK(t, kthread_create(producer, NULL, NULL, "producer") == 0, "kthread_create failed");
	join_wait(&pc.join, 2);
	ktest_data(t, "sum items=%d got=%d sum=%ju", pc.items, pc.got, (uintmax_t)pc.sum);
	ktest_data(t, "sleeps producer=%d consumer=%d", pc.psleeps, pc.csleeps);
	mtx_destroy(&pc.mtx);
}

/* ---- msleep_timeout: nobody wakes it ----------------------------------- */

KTEST(msleep_timeout, KTEST_VM | KTEST_EXPLICIT)
{
	static int chan;
	struct mtx m;
	int timo = 2 + (int)rng_below(&t->rng, 9), rv;
	uint64_t t0, t1;

	mtx_init(&m, "ktest timeout", NULL, MTX_DEF);
	mtx_lock(&m);
	t0 = ticks;
	rv = msleep(&chan, &m, PWAIT, "timo", timo);
	t1 = ticks;
	mtx_assert(&m, MA_OWNED);		/* taken again on the way out */
	mtx_unlock(&m);
	mtx_destroy(&m);
	ktest_data(t, "timeout timo=%d waited=%ju rv=%d", timo, (uintmax_t)(t1 - t0), rv);
}

/* ---- wakeup_one: exactly one of N sleepers ------------------------------ */

static struct {
	struct mtx	mtx;
	int		asleep;		/* (mtx) */
	int		woken;		/* (mtx) */
	int		first;		/* (mtx) index of the first woken */
	bool		release;	/* (mtx) */
	struct join	join;
} wo;

static void
wakeup_one_sleeper(void *arg)
{
	int me = (int)(uintptr_t)arg;

	mtx_lock(&wo.mtx);
	wo.asleep++;
	wakeup(&wo.asleep);
	(void)msleep(&wo, &wo.mtx, PWAIT, "one", 0);
	if (wo.woken++ == 0)
		wo.first = me;
	mtx_unlock(&wo.mtx);
	join_done(&wo.join);
}

KTEST(wakeup_one, KTEST_VM | KTEST_EXPLICIT)
{
	int n = 2 + (int)rng_below(&t->rng, 5), woken;

	memset(&wo, 0, sizeof(wo));
	wo.first = -1;
	mtx_init(&wo.mtx, "ktest wakeup_one", NULL, MTX_DEF);
	join_init(&wo.join);
	for (int i = 0; i < n; i++) {
		KT_CHECK(t, kthread_create(wakeup_one_sleeper, (void *)(uintptr_t)i, NULL,
		    "sleeper%d", i) == 0, "kthread_create failed");
		/* One at a time, so they sleep in index order: 0 slept longest. */
		mtx_lock(&wo.mtx);
		while (wo.asleep < i + 1)
			(void)msleep(&wo.asleep, &wo.mtx, PWAIT, "start", 0);
		mtx_unlock(&wo.mtx);
	}
	wakeup_one(&wo);
	pause("settle", 5);			/* time for a wrong second wakeup to show */
	mtx_lock(&wo.mtx);
	woken = wo.woken;
	mtx_unlock(&wo.mtx);
	wakeup(&wo);				/* release the rest */
	join_wait(&wo.join, n);
	ktest_data(t, "woke n=%d woken=%d first=%d", n, woken, wo.first);
	mtx_destroy(&wo.mtx);
}

/* ---- misuse that must panic -------------------------------------------- */

KTEST(mtx_assert_misuse, KTEST_VM | KTEST_EXPLICIT)
{
	static struct mtx m;

	mtx_init(&m, "ktest unowned", NULL, MTX_DEF);
	mtx_assert(&m, MA_OWNED);		/* not held: panics */
	ktest_fail(t, "mtx_assert(MA_OWNED) of a free mutex did not panic");
}

KTEST(witness_lor, KTEST_VM | KTEST_EXPLICIT)
{
	static struct mtx a, b;

	mtx_init(&a, "ktest lor A", NULL, MTX_DEF);
	mtx_init(&b, "ktest lor B", NULL, MTX_DEF);
	mtx_lock(&a);
	mtx_lock(&b);		/* LOR-FIRST: A -> B established here */
	mtx_unlock(&b);
	mtx_unlock(&a);
	mtx_lock(&b);
	mtx_lock(&a);		/* LOR-SECOND: B -> A, a reversal */
	ktest_fail(t, "the witness let B -> A pass after A -> B");
}

KTEST(sleep_spin_held, KTEST_VM | KTEST_EXPLICIT)
{
	static struct mtx s;

	mtx_init(&s, "ktest spin", NULL, MTX_SPIN);
	mtx_lock_spin(&s);
	pause("spin", 1);	/* panics: sleeping with a spin mutex */
	ktest_fail(t, "slept with a spin mutex held");
}

/* ---- kstack_guard: a thread overflows its stack into the guard page ---- */

static volatile int recurse_limit = 1 << 30;	/* volatile: the compiler cannot see the end */

static int
recurse_deep(int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth >= recurse_limit)
		return (0);
	return (recurse_deep(depth + 1) + pad[0]);
}

static void
overflow_thread(void *arg __unused)
{
	(void)recurse_deep(0);
}

KTEST(kstack_guard, KTEST_VM | KTEST_EXPLICIT)
{
	static struct join j;

	join_init(&j);
	KT_CHECK(t, kthread_create(overflow_thread, NULL, NULL, "kstack_guard") == 0,
	    "kthread_create failed");
	join_wait(&j, 1);		/* never: the overflow panics */
}

/* ---- switch_bench: the cost of a context switch, in cpu_ticks ---------- */

static volatile int bench_stop;

static void
yielder(void *arg __unused)
{
	while (!bench_stop)
		sched_yield();
}

KTEST(switch_bench, KTEST_VM | KTEST_EXPLICIT)
{
	int n = 20000;
	uint64_t c0, c1, s0, rate;
	struct thread *td;

	bench_stop = 0;
	rate = cpu_tickrate_wait();	/* reported below, to turn cycles into ns */
	KT_CHECK(t, kthread_create(yielder, NULL, &td, "yielder") == 0, "kthread_create failed");
	sched_yield();			/* let it start */
	s0 = curthread->td_switches;
	c0 = cpu_ticks();
	for (int i = 0; i < n; i++)
		sched_yield();
	c1 = cpu_ticks();
	bench_stop = 1;
	/* n yields here, each answered by one there: 2n switches. */
	ktest_data(t, "switch n=%d switches=%ju cycles=%ju tickrate=%ju", 2 * n,
	    (uintmax_t)(2 * (curthread->td_switches - s0)), (uintmax_t)((c1 - c0) / (2 * (uint64_t)n)),
	    (uintmax_t)rate);
	sched_yield();
}

/* ---- mtx_early: locks before the VM and the threads exist -------------- */

/*
 * In the boot phase (before vm_mem_init and kthread_start) curthread is
 * thread0 and interrupts are off: sleep and spin mutexes, recursion and
 * trylock must work there, and nested spin mutexes must count.  Part of
 * test=all.
 */
KTEST(mtx_early, 0)
{
	struct mtx d, r, s1, s2;

	mtx_init(&d, "ktest early", NULL, MTX_DEF);
	mtx_init(&r, "ktest early recursive", NULL, MTX_DEF | MTX_RECURSE);
	mtx_init(&s1, "ktest early spin 1", NULL, MTX_SPIN);
	mtx_init(&s2, "ktest early spin 2", NULL, MTX_SPIN);
	KT_CHECK(t, curthread == &thread0, "curthread is not thread0 in the boot phase");
	mtx_lock(&d);
	KT_CHECK(t, mtx_owned(&d) && d.mtx_owner == &thread0, "mtx_lock did not record thread0");
	KT_CHECK(t, mtx_trylock(&r), "trylock of a free mutex failed");
	mtx_lock(&r);
	mtx_assert(&r, MA_OWNED | MA_RECURSED);
	mtx_unlock(&r);
	mtx_unlock(&r);
	mtx_assert(&r, MA_NOTOWNED);
	mtx_unlock(&d);
	KT_CHECK(t, d.mtx_owner == NULL, "mtx_unlock left an owner");

	mtx_lock_spin(&s1);
	mtx_lock_spin(&s2);
	mtx_unlock_spin(&s2);
	KT_CHECK(t, curthread->td_spinlocks == 1, "spin count %d after one unlock", curthread->td_spinlocks);
	mtx_unlock_spin(&s1);
	KT_CHECK(t, curthread->td_spinlocks == 0 && curthread->td_nlocks == 0,
	    "thread0 still holds %d spin, %d witnessed locks", curthread->td_spinlocks, curthread->td_nlocks);
	mtx_destroy(&d);
	mtx_destroy(&r);
	mtx_destroy(&s1);
	mtx_destroy(&s2);
}

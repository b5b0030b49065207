/*
 * test_sched.c - the scheduler's run queue (kernel/kern/kern_sched.c),
 * hosted: round-robin order, a woken thread placed at the tail, removal
 * from the middle, the idle thread never queued, and the time slice the
 * clock charges.  Kernel side: the kernel's own struct thread and queue.
 */
#include <sys/systm.h>
#include <sys/proc.h>

#include "harness.h"

#define	NT	6

static struct thread td[NT];

static void
setup(struct runq *rq)
{
	runq_init(rq);
	memset(td, 0, sizeof(td));
	for (int i = 0; i < NT; i++) {
		td[i].td_tid = i + 1;
		td[i].td_state = TDS_INACTIVE;
	}
}

HOST_TEST(runq_round_robin_order)
{
	struct runq rq;
	struct thread *t;

	setup(&rq);
	for (int i = 0; i < NT; i++)
		runq_add(&rq, &td[i]);
	/* Three rounds: take the head, run it, put it back at the tail. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NT; i++) {
			t = runq_choose(&rq);
			CHECK(t == &td[i], "round %d: chose tid %d, want %d", round,
			    t != NULL ? t->td_tid : -1, td[i].td_tid);
			CHECK(t->td_state == TDS_INACTIVE, "a chosen thread is still marked queued");
			runq_add(&rq, t);
		}
	}
	CHECK(rq.rq_count == NT, "count %d, want %d", rq.rq_count, NT);
}

HOST_TEST(runq_wakeup_goes_to_tail)
{
	struct runq rq;

	setup(&rq);
	runq_add(&rq, &td[0]);
	runq_add(&rq, &td[1]);
	/* td[2] wakes while 0 and 1 wait: it runs after both. */
	runq_add(&rq, &td[2]);
	CHECK(runq_choose(&rq) == &td[0], "the oldest waiter must run first");
	runq_add(&rq, &td[0]);		/* preempted: behind the woken one */
	CHECK(runq_choose(&rq) == &td[1], "second: td[1]");
	CHECK(runq_choose(&rq) == &td[2], "third: the woken thread");
	CHECK(runq_choose(&rq) == &td[0], "last: the preempted one");
	CHECK(runq_choose(&rq) == NULL && rq.rq_count == 0, "the queue should be empty");
}

HOST_TEST(runq_remove_middle_and_ends)
{
	struct runq rq;
	int want[] = { 1, 3, 5 };

	setup(&rq);
	for (int i = 0; i < NT; i++)
		runq_add(&rq, &td[i]);
	runq_remove(&rq, &td[0]);	/* head */
	runq_remove(&rq, &td[2]);	/* middle */
	runq_remove(&rq, &td[4]);
	for (int i = 0; i < 3; i++) {
		struct thread *t = runq_choose(&rq);

		CHECK(t == &td[want[i]], "after removals chose tid %d, want %d",
		    t != NULL ? t->td_tid : -1, td[want[i]].td_tid);
	}
	CHECK(runq_choose(&rq) == NULL, "removed threads came back");
}

static void
add_twice(void *arg)
{
	struct runq *rq = arg;

	runq_add(rq, &td[0]);
	runq_add(rq, &td[0]);
}

HOST_TEST(runq_double_add_panics)
{
	struct runq rq;

	setup(&rq);
	(void)harness_expect_panic(add_twice, &rq, "already queued", __FILE__, __LINE__);
}

HOST_TEST(sched_clock_slice)
{
	struct thread me = { .td_slice = SCHED_SLICE, .td_state = TDS_RUNNING };

	runq_init(&runq);
	/* Nobody waits: the slice renews and no switch is owed. */
	for (int i = 0; i < 3 * SCHED_SLICE; i++)
		sched_clock(&me);
	CHECK(!me.td_owepreempt && me.td_ticks == 3 * SCHED_SLICE,
	    "alone: owepreempt %d ticks %d", me.td_owepreempt, (int)me.td_ticks);
	setup(&runq);
	runq_add(&runq, &td[0]);
	me.td_slice = SCHED_SLICE;
	for (int i = 0; i < SCHED_SLICE - 1; i++)
		sched_clock(&me);
	CHECK(!me.td_owepreempt, "preempted before its slice ended");
	sched_clock(&me);
	CHECK(me.td_owepreempt, "not preempted after %d ticks with a thread waiting", SCHED_SLICE);
	(void)runq_choose(&runq);
}

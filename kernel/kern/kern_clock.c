/*
 * kern_clock.c - what the clock interrupt does: charge the tick to the
 * running thread (and end its time slice), run the callouts that are due,
 * and measure the cycle counter's rate against the clock.
 *
 * Callouts are one list of pending entries, each with the `ticks` value at
 * which it runs; every tick walks it.  That is O(pending) per tick - a few
 * sleepers' time-outs here - where FreeBSD keeps a timing wheel.
 *
 * cpu_tickrate() needs no busy-wait at boot: the clock interrupt notes
 * cpu_ticks() at the first tick it sees and at the latest one, and the rate
 * is cycles per tick times hz.  It is 0 until two ticks have passed.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/callout.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>

static TAILQ_HEAD(, callout) callout_pending = TAILQ_HEAD_INITIALIZER(callout_pending);	/* (i) */
static uint64_t tick_first_tsc, tick_first;	/* the first tick seen, for cpu_tickrate */
static uint64_t tick_last_tsc, tick_last;

void
hardclock(void)
{
	uint64_t now = cpu_ticks();

	if (tick_first == 0) {
		tick_first = ticks;
		tick_first_tsc = now;
	}
	tick_last = ticks;
	tick_last_tsc = now;
	sched_clock(curthread);
	callout_tick();
}

uint64_t
cpu_tickrate(void)
{
	register_t ef = intr_disable();
	uint64_t n = tick_last - tick_first, c = tick_last_tsc - tick_first_tsc;

	intr_restore(ef);
	return (n == 0 ? 0 : c / n * (uint64_t)hz);
}

/*
 * cpu_ticks() per second, measured now over 5 ticks (after sleeping to the
 * next tick): for tests and benchmarks that turn cycles into time.  Not
 * cpu_tickrate(): QEMU re-injects the clock interrupts a long interrupts-off
 * stretch of start-up lost, in a burst, so the first ticks after start-up
 * come too fast and a rate from them is several times too low.  Thread
 * context only.
 */
uint64_t
cpu_tickrate_wait(void)
{
	uint64_t t0, start;

	pause("tickrate", 1);
	start = ticks;
	t0 = cpu_ticks();
	pause("tickrate", 5);
	return ((cpu_ticks() - t0) * (uint64_t)hz / MAX(ticks - start, 1));
}

void
callout_init(struct callout *c)
{
	memset(c, 0, sizeof(*c));
}

/* Run fn(arg) once from the clock interrupt, nticks (at least 1) from now. */
void
callout_reset(struct callout *c, int nticks, void (*fn)(void *), void *arg)
{
	register_t ef = intr_disable();

	if (c->c_pending)
		TAILQ_REMOVE(&callout_pending, c, c_link);
	c->c_time = ticks + (uint64_t)(nticks < 1 ? 1 : nticks);
	c->c_func = fn;
	c->c_arg = arg;
	c->c_pending = true;
	TAILQ_INSERT_TAIL(&callout_pending, c, c_link);
	intr_restore(ef);
}

int
callout_stop(struct callout *c)
{
	register_t ef = intr_disable();
	int was = c->c_pending;

	if (c->c_pending) {
		TAILQ_REMOVE(&callout_pending, c, c_link);
		c->c_pending = false;
	}
	intr_restore(ef);
	return (was);
}

/* From hardclock, interrupts off: run (and forget) every callout that is due. */
void
callout_tick(void)
{
	struct callout *c, *next;

	TAILQ_FOREACH_SAFE(c, &callout_pending, c_link, next) {
		if (c->c_time > ticks)
			continue;
		TAILQ_REMOVE(&callout_pending, c, c_link);
		c->c_pending = false;
		c->c_func(c->c_arg);
	}
}

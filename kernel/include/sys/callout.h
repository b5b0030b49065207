/*
 * sys/callout.h - one-shot functions run from the clock interrupt after a
 * number of ticks (kern_clock.c).  msleep's time-out is one.
 */
#ifndef _SYS_CALLOUT_H_
#define _SYS_CALLOUT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct callout {
	TAILQ_ENTRY(callout) c_link;	/* (i) on the pending list */
	uint64_t	c_time;		/* (i) the `ticks` at which it runs */
	void		(*c_func)(void *);
	void		*c_arg;
	bool		c_pending;	/* (i) on the list */
};
/* (i) changed with interrupts off */

void	callout_init(struct callout *c);
void	callout_reset(struct callout *c, int nticks, void (*fn)(void *), void *arg);
int	callout_stop(struct callout *c);	/* 1 if it was pending (and now will not run) */
void	callout_tick(void);			/* hardclock: run what is due */

#endif /* !_SYS_CALLOUT_H_ */

/*
 * vm/vm_pageout.h - the page daemon (vm_pageout.c) and waiting for memory.
 *
 *   allocation --free + cached < v_free_target--> pagedaemon_wakeup()
 *   the daemon: scan inactive (referenced -> active, clean -> cache,
 *               dirty -> launder through the pager), age active (cold ->
 *               inactive), until free + cached = v_free_target + v_cache_min
 *   VM_WAIT:    a caller that may sleep waits on &cnt.v_free_count; freeing
 *               and caching wake it once free + cached >= v_free_min, the
 *               daemon wakes it with ENOMEM when nothing is left to reclaim
 *
 * pagedaemon_wakeup, vm_wait and the page sleeps live in vm_page.c (the
 * allocator's side; the host build has no daemon); the rest in vm_pageout.c.
 */
#ifndef _VM_VM_PAGEOUT_H_
#define _VM_VM_PAGEOUT_H_

#include <sys/types.h>
#include <vm/vmmeter.h>

struct vm_object;
struct vm_page;

extern int vm_pages_needed;		/* (f) the daemon was asked to run */
extern int vm_page_waiters;		/* (f) threads asleep in vm_wait */
extern u_int vm_pageout_oom_gen;	/* (f) bumped when the daemon gives up */
extern int vm_pageout_nocache;		/* (c) vm.pageout_nocache=1: free clean pages, never cache */

/* Memory is short enough for the daemon to run (vm_page_alloc's test). */
static inline bool
vm_paging_needed(void)
{
	return (cnt.v_free_count + cnt.v_cache_count < cnt.v_free_target);
}

/* Too short for VM_WAIT sleepers to be woken yet. */
static inline bool
vm_page_count_min(void)
{
	return (cnt.v_free_count + cnt.v_cache_count < cnt.v_free_min);
}

void	pagedaemon_wakeup(void);		/* free-queue lock held */
int	vm_wait(void);				/* 0, or ENOMEM: nothing left to reclaim */
#define	VM_WAIT	vm_wait()
void	vm_page_free_wakeup(void);		/* free-queue lock held */

void	vm_pageout_init(void);			/* vm_mem_init: the thresholds */
void	vm_pageout_start(void);			/* vm_mem_init: the "pagedaemon" thread */
int	vm_pageout_pass_now(void);		/* `pageout`: one full pass, waited for */
void	vm_pageout_io_done(struct vm_object *object, struct vm_page **ma, int count,
	    int error);				/* a pager's write finished */
extern struct thread *vm_pageout_td;		/* (c) the daemon, NULL before it starts */

#endif

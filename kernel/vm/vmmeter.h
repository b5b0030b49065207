/*
 * vm/vmmeter.h - the VM system's counters, one global set (uniprocessor),
 * defined in vm_meter.c.  Locks as in vm_page.h: (f) free-queue lock,
 * (q) page-queues lock, (c) constant after vm_page_startup().
 */
#ifndef _VM_VMMETER_H_
#define _VM_VMMETER_H_

#include <sys/types.h>

struct vmmeter {
	u_int	v_page_count;		/* (c) pages managed */
	u_int	v_free_count;		/* (f) pages free in the buddy queues */
	u_int	v_cache_count;		/* (f) pages cached in the buddy queues */
	u_int	v_wire_count;		/* (q) wired pages */
	u_int	v_active_count;		/* (q) */
	u_int	v_inactive_count;	/* (q) */
	u_int	v_hold_count;		/* (q) pages on PQ_HOLD */
	u_int	v_free_reserved;	/* (c) NORMAL allocations leave this many */
	u_int	v_interrupt_free_min;	/* (c) SYSTEM allocations leave this many */
	u_int	v_free_min;		/* (c) below this VM_WAIT sleepers stay asleep */
	u_int	v_free_target;		/* (c) free + cached below this wakes the daemon */
	u_int	v_cache_min;		/* (c) a pass aims for free + cached = target + this */
	u_int	v_inactive_target;	/* (c) the daemon keeps this many pages inactive */
	u_int	v_pdwakeups;		/* (f) times an allocation woke the page daemon */
	u_int	v_pdpasses;		/* (f) page-daemon passes */
	u_int	v_pdpages;		/* (q) pages the daemon examined */
	u_int	v_pdreact;		/* (q) inactive pages it found referenced: reactivated */
	u_int	v_pddeact;		/* (q) active pages it deactivated */
	u_int	v_pdcached;		/* (q) pages it cached (clean, or once laundered) */
	u_int	v_pdfreed;		/* (q) invalid pages it freed */
	u_int	v_pdnopager;		/* (q) dirty pages it skipped: their object has no pager */
	u_int	v_pdoom;		/* (f) times it gave up: VM_WAIT sleepers got ENOMEM */
	u_int	v_vmwait;		/* (f) sleeps in VM_WAIT */
	u_int	v_pgsleep;		/* (o) sleeps on a busy page (vm_page_sleep) */
	u_int	v_pageout_writes;	/* (o) pager put calls (one per cluster) */
	u_int	v_pageout_pages;	/* (o) pages in them */
	u_int	v_pageout_done;		/* (o) pages whose write completed */
	u_int	v_pageout_errors;	/* (o) pages whose write failed or had no space */
	u_int	v_pagein_reads;		/* (o) pager get calls that read a page */
	u_int	v_pagein_pages;		/* (o) pages in them */
	u_int	v_vm_faults;		/* (m) calls to vm_fault */
	u_int	v_reactivated;		/* cached pages found again on lookup */
	u_int	v_cow_faults;		/* copy-on-write copies */
	u_int	v_cow_optim;		/* copy-on-write moves instead of copies */
	u_int	v_cowfaults_loan;	/* (q) writes to loaned pages: vm_page_cowfault copies */
	u_int	v_collapses;		/* (o) backing objects merged into their shadow */
	u_int	v_zfod;			/* zero-fill faults */
	u_int	v_forkpages;		/* pages copied by eager forks (vm_object_copy) */
	uint64_t v_pdcycles;		/* (f) cpu_ticks() the daemon spent in its passes */
	u_int	v_pdswitched;		/* (f) passes it was switched out in: their cycles
					 *     include other threads' */
	uint64_t v_pdswcycles;		/* (f) the cycles of those passes (in v_pdcycles too) */
};
extern struct vmmeter cnt;

void	vm_meter_print(void);		/* the monitor's vmstat */

#endif

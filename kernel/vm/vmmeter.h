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
	u_int	v_pdwakeups;		/* times an allocation woke the page daemon */
	u_int	v_reactivated;		/* cached pages found again on lookup */
	u_int	v_cow_faults;		/* copy-on-write copies */
	u_int	v_cow_optim;		/* copy-on-write moves instead of copies */
	u_int	v_zfod;			/* zero-fill faults */
};
extern struct vmmeter cnt;

void	vm_meter_print(void);		/* the monitor's vmstat */

#endif

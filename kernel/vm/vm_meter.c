/*
 * vm_meter.c - the VM system's counters (struct vmmeter cnt) and the
 * monitor's `vmstat`, which prints them.
 *
 * The counters live here, as in FreeBSD, rather than in the allocator that
 * happens to update most of them: the page layer, vm_phys, the cache queue
 * (lab 03) and the fault handler (lab 04) all count into the one structure.
 * This file builds in the hosted harness too (tests/host).
 */
#include <sys/systm.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/vmmeter.h>

struct vmmeter cnt;

/* Pages in a state the counters track, as the page array should agree. */
void
vm_meter_print(void)
{
	printf("pages   %8u managed, %u free, %u cached, %u wired\n", cnt.v_page_count,
	    cnt.v_free_count, cnt.v_cache_count, cnt.v_wire_count);
	printf("queues  %8u active, %u inactive, %u held\n", cnt.v_active_count,
	    cnt.v_inactive_count, cnt.v_hold_count);
	printf("reserve %8u for NORMAL allocations, %u for SYSTEM\n", cnt.v_free_reserved,
	    cnt.v_interrupt_free_min);
	printf("events  %8u page-daemon wakeups, %u reactivations, %u zero-fill faults, "
	    "%u copy-on-write copies, %u moves\n", cnt.v_pdwakeups, cnt.v_reactivated,
	    cnt.v_zfod, cnt.v_cow_faults, cnt.v_cow_optim);
}

MONITOR_CMD(vmstat, "", "the VM counters (struct vmmeter cnt)")
{
	vm_meter_print();
	return (0);
}

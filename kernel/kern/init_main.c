/*
 * init_main.c - machine-independent start-up.
 *
 * The machine layer has a console, traps, phys_avail[] and page tables when
 * it calls mi_startup(), and hands over (struct mi_bootinfo) the kernel
 * virtual addresses it left free and the boot malloc arena.  mi_startup()
 * is a flat list, in order, one line each: the order is the documentation.
 * Tests named on the command line run in two phases, before and after the
 * VM system starts (see sys/ktest.h), and then the kernel leaves QEMU;
 * without tests it ends in the monitor.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/disk.h>
#include <sys/file.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_extern.h>
#include <vm/vm_kern.h>
#include <vm/vm_pager.h>
#include "kern_send.h"

static void
print_memory(void)
{
	printf("vmkit (%s): %ju MiB available, %ju MiB RAM\n", MACHINE_CONFIG,
	    (uintmax_t)physmem_total(phys_avail) >> 20,
	    (uintmax_t)physmem_total(dump_avail) >> 20);
	if (phys_ignored != 0) {
		uintmax_t kib = (uintmax_t)phys_ignored >> 10;

		printf("WARNING: ignoring %ju %s of RAM beyond the %ju GiB %s can "
		    "address (boot a configuration with 64-bit physical addresses to use it)\n",
		    kib >= 1024 ? kib >> 10 : kib, kib >= 1024 ? "MiB" : "KiB",
		    (uintmax_t)(PHYS_ADDR_LIMIT >> 30), MACHINE_CONFIG);
	}
}

/*
 * Stop on a bad command line, before anything reports a result computed
 * from other input than was given.  kenv counts as errors the command
 * line's own faults (too long, too many words: a lost word may have been
 * test=) and, in a test run, every refused tunable; without test= a bad
 * tunable is only a warning and the monitor runs without it.
 */
static void
kenv_check(void)
{
	if (kenv_errors() == 0)
		return;
	printf("vmkit: stopping: the kernel command line is bad (see the errors above)\n");
	machine_exit(EXIT_FAIL);
}

void
mi_startup(const struct mi_bootinfo *bi)
{
	sched_init();				/* thread0 (this), sleep queues: locks work */
	print_memory();				/* what RAM the machine found */
	kenv_check();				/* stop on a bad command line */
	kva_init(bi->kva_start, bi->kva_end);	/* kernel virtual addresses for kva_alloc() */
	malloc_init(bi->arena, bi->arena_size);	/* malloc, in the boot arena for now */
	ktest_run_phase(KTEST_PHASE_BOOT);	/* test=: tests that need no VM; may leave QEMU */
	vm_mem_init();				/* the VM system: page array, allocator, kmem */
	kenv_check();				/* vm.blacklist= may have been refused */
	kthread_start();			/* the idle thread; interrupts on: the clock preempts */
	proc_init();				/* processes: proc0, the process tree */
	disk_init();				/* find the disks (PCI), attach their drivers */
	flatfs_init();				/* files: mounted at the first use (fsdev=) */
	swap_pager_swapon();			/* swapdev= or the only disk, or no swap */
	send_init();				/* senddev=: the zero-copy send's disk */
	ktest_run_phase(KTEST_PHASE_VM);	/* test=: the VM tests, END, leave QEMU */
	monitor();				/* the console shell, until `halt` */
}

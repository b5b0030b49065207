/*
 * init_main.c - machine-independent start-up.
 *
 * The machine layer has a console, traps, phys_avail[] and page tables when
 * it calls mi_startup().  From here the kernel sets up its own memory
 * (kernel virtual addresses, malloc), says what memory it found, starts the
 * VM system (vm_page_startup), and then either runs the tests named on the
 * command line and leaves QEMU, or enters the monitor.  Tests that do not
 * need the VM system run before it starts (see sys/ktest.h).
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>

static void
print_memory(void)
{
	printf("vmkit (%s): %ju MiB available, %ju MiB RAM\n", MACHINE_CONFIG,
	    (uintmax_t)physmem_total(phys_avail) >> 20,
	    (uintmax_t)physmem_total(dump_avail) >> 20);
	if (phys_ignored != 0) {
		uintmax_t kib = (uintmax_t)phys_ignored >> 10;

		printf("WARNING: ignoring %ju %s of RAM beyond the %ju GiB this "
		    "configuration can address (boot CONFIG=i386-pae to use it)\n",
		    kib >= 1024 ? kib >> 10 : kib, kib >= 1024 ? "MiB" : "KiB",
		    (uintmax_t)(PHYS_ADDR_LIMIT >> 30));
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
mi_startup(void)
{
	print_memory();
	kenv_check();
	kva_init(kva_start, kva_end);
	malloc_init((void *)kmem_arena_va, kmem_arena_size);
	/* test=: the tests that need no VM; leaves QEMU if no VM test was named. */
	ktest_run_phase(KTEST_PHASE_BOOT);
	vm_page_startup();
	kenv_check();
	/* test=: the VM tests, then END, and leave QEMU. */
	ktest_run_phase(KTEST_PHASE_VM);
	monitor();
}

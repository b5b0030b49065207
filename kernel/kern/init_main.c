/*
 * init_main.c - machine-independent start-up.
 *
 * The machine layer has a console, traps, phys_avail[] and page tables when
 * it calls mi_startup().  From here the kernel sets up its own memory
 * (kernel virtual addresses, malloc), says what memory it found, and then
 * either runs the tests named on the command line and leaves QEMU, or
 * enters the monitor.
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

static void
print_memory(void)
{
	printf("vmkit (%s): %ju MiB available, %ju MiB RAM\n", MACHINE_CONFIG,
	    (uintmax_t)physmem_total(phys_avail) >> 20,
	    (uintmax_t)physmem_total(dump_avail) >> 20);
	if (phys_ignored != 0)
		printf("WARNING: ignoring %ju MiB of RAM at or above %ju GiB: "
		    "this configuration cannot address it (boot CONFIG=i386-pae to use it)\n",
		    (uintmax_t)phys_ignored >> 20, (uintmax_t)(PHYS_ADDR_LIMIT >> 30));
}

void
mi_startup(void)
{
	const char *tests, *nonce;
	uint64_t seed = 1;

	print_memory();
	kva_init(kva_start, kva_end);
	malloc_init((void *)kmem_arena_va, kmem_arena_size);

	tests = kenv_get("test");
	if (tests == NULL)
		monitor();
	nonce = kenv_get("nonce");
	if (nonce == NULL || *nonce == '\0')
		nonce = "-";
	(void)tunable_u64("seed", &seed);
	machine_exit(ktest_run_list(tests, nonce, seed) == 0 ? EXIT_PASS : EXIT_FAIL);
}

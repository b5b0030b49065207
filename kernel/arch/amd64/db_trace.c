/*
 * db_trace.c - stack backtraces by the frame-pointer chain, amd64.
 *
 * The kernel is built with -fno-omit-frame-pointer, so every frame starts
 *
 *      [rbp + 8]  return address into the caller
 *      [rbp + 0]  the caller's rbp            <- rbp
 *
 * and locore.S sets rbp = 0 before calling amd64_init, which ends the
 * chain.  Frames must lie in the kernel's half and grow upward, so a
 * corrupt stack ends the trace instead of faulting inside a panic.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <machine/param.h>
#include <machine/cpufunc.h>

#define	BACKTRACE_MAX	24
#define	KERNEL_HALF	0xffff800000000000ul	/* lowest kernel (canonical upper-half) address */

static void
db_print_frame(int i, uintptr_t pc)
{
	uintptr_t off;
	const char *name = ksym_lookup(pc, &off);

	if (name != NULL)
		printf("  #%d %#018lx %s+%#lx\n", i, pc, name, off);
	else
		printf("  #%d %#018lx ?\n", i, pc);
}

void
db_backtrace(uintptr_t pc, uintptr_t fp)
{
	int i = 0;

	db_print_frame(i++, pc);
	while (fp >= KERNEL_HALF && (fp & 7) == 0 && i < BACKTRACE_MAX) {
		uintptr_t *frame = (uintptr_t *)fp;
		uintptr_t ret = frame[1], next = frame[0];

		if (ret < KERNBASE)
			break;
		/* ret points after the call; show the call instruction's line. */
		db_print_frame(i++, ret - 1);
		if (next != 0 && next <= fp)
			break;
		fp = next;
	}
}

void
db_backtrace_here(void)
{
	uintptr_t fp = read_rbp();

	/* Start from our caller: skip this function's own frame. */
	db_backtrace(((uintptr_t *)fp)[1] - 1, ((uintptr_t *)fp)[0]);
}

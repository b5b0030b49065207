/*
 * db_trace.c - stack backtraces by the frame-pointer chain.
 *
 * The kernel is built with -fno-omit-frame-pointer, so every frame starts
 *
 *      [ebp + 4]  return address into the caller
 *      [ebp + 0]  the caller's ebp            <- ebp
 *
 * and locore.S sets ebp = 0 before calling i386_init, which ends the chain.
 * Frames are checked to lie in the kernel and to grow upward, so a corrupt
 * stack ends the trace instead of faulting inside a panic.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <machine/param.h>
#include <machine/cpufunc.h>

#define	BACKTRACE_MAX	24

static void
db_print_frame(int i, uintptr_t pc)
{
	uintptr_t off;
	const char *name = ksym_lookup(pc, &off);

	if (name != NULL)
		printf("  #%d %#010x %s+%#x\n", i, (unsigned)pc, name, (unsigned)off);
	else
		printf("  #%d %#010x ?\n", i, (unsigned)pc);
}

void
db_backtrace(uintptr_t pc, uintptr_t fp)
{
	int i = 0;

	db_print_frame(i++, pc);
	while (fp >= KERNBASE && (fp & 3) == 0 && i < BACKTRACE_MAX) {
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
	uintptr_t fp = read_ebp();

	/* Start from our caller: skip this function's own frame. */
	db_backtrace(((uintptr_t *)fp)[1] - 1, ((uintptr_t *)fp)[0]);
}

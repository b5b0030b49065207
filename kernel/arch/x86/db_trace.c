/*
 * db_trace.c - stack backtraces by the frame-pointer chain, both ports.
 *
 * The kernel is built with -fno-omit-frame-pointer, so every frame starts
 *
 *      [fp + 1 word]  return address into the caller
 *      [fp + 0]       the caller's frame pointer      <- ebp / rbp
 *
 * and locore.S zeroes the frame pointer before calling i386_init or
 * amd64_init, which ends the chain.  Frames are checked to lie in the
 * kernel (at or above DB_FRAME_MIN, machine/param.h), to be word-aligned
 * and to grow upward, so a corrupt stack ends the trace instead of
 * faulting inside a panic.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <machine/param.h>

#define	BACKTRACE_MAX	24
#if __SIZEOF_POINTER__ == 8
#define	PC_FMT		"%#018lx"	/* 0x and every hex digit */
#else
#define	PC_FMT		"%#010lx"
#endif

static void
db_print_frame(int i, uintptr_t pc)
{
	uintptr_t off;
	const char *name = ksym_lookup(pc, &off);

	if (name != NULL)
		printf("  #%d " PC_FMT " %s+%#lx\n", i, (u_long)pc, name, (u_long)off);
	else
		printf("  #%d " PC_FMT " ?\n", i, (u_long)pc);
}

void
db_backtrace(uintptr_t pc, uintptr_t fp)
{
	int i = 0;

	db_print_frame(i++, pc);
	while (fp >= DB_FRAME_MIN && (fp & (sizeof(uintptr_t) - 1)) == 0 && i < BACKTRACE_MAX) {
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
	uintptr_t *fp = __builtin_frame_address(0);

	/* Start from our caller: skip this function's own frame. */
	db_backtrace(fp[1] - 1, fp[0]);
}

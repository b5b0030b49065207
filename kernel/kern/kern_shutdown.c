/*
 * kern_shutdown.c - panic: stop the kernel, say why and where, and leave.
 *
 * A panic prints its message, a backtrace with symbol names, and (when a
 * grader is watching) a KPANIC line with the nonce; then it leaves QEMU with
 * the panic exit code; before that, it writes a minidump to the dump disk
 * if there is one (kern_dump.c).  A panic while panicking - say a fault
 * inside the backtrace or the dump - skips straight to the exit, so a panic can never hang.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/kerneldump.h>

static int panicking;
const char *panicstr;		/* set once a panic starts (sys/kerneldump.h) */
static char panicbuf[192];

static void __noreturn
vpanic(const char *fmt, va_list ap)
{
	va_list aq;

	if (panicking++ > 0) {
		printf("\npanic: nested panic; exiting\n");
		machine_exit(EXIT_PANIC);
	}

	va_copy(aq, ap);
	vsnprintf(panicbuf, sizeof(panicbuf), fmt, aq);
	va_end(aq);
	panicstr = panicbuf;
	printf("\npanic: ");
	vprintf(fmt, ap);
	printf("\nbacktrace:\n");
	db_backtrace_here();
	(void)dumpsys(panicstr, true);
	ktest_kpanic();
	machine_exit(EXIT_PANIC);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(fmt, ap);
}

void
kassert_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(fmt, ap);
}

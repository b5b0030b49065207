/*
 * harness.c - the hosted test runner (libc side), and where a kernel panic
 * in a test lands: host_machine.c's panic() and KASSERT call host_panic().
 *
 * Usage: host_tests [name-substring]
 * Prints one line per test and ends with "N passed, N failed"; exits 1 if
 * any failed.  HOST_SEED=n changes the seed of the randomised tests (the
 * seed in use is printed, so a failure can be replayed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "host_machine.h"

static struct host_test *tests;
static bool cur_failed;
static char cur_msg[512];

/* Where a panic returns to: the running test, or the EXPECT_PANIC in it. */
static jmp_buf *harness_panic_jmp;
static char harness_panic_msg[512];

void
harness_register(struct host_test *t)
{
	struct host_test **pp = &tests;

	while (*pp != NULL && strcmp((*pp)->name, t->name) < 0)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

void
harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (cur_failed)
		return;
	cur_failed = true;
	n = snprintf(cur_msg, sizeof(cur_msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(cur_msg + n, sizeof(cur_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

unsigned long long
harness_xorshift(unsigned long long *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (*state * 0x2545f4914f6cdd1dull);
}

unsigned long long
harness_seed(void)
{
	const char *s = getenv("HOST_SEED");

	return (s != NULL ? strtoull(s, NULL, 0) : 20071001ull);
}

/* ---- Panics ------------------------------------------------------------ */

/*
 * host_machine.c's panic() and KASSERT formatted the message with the
 * kernel's printf; return to the test that expected it, or to the runner.
 */
void
host_panic(const char *msg)
{
	snprintf(harness_panic_msg, sizeof(harness_panic_msg), "%s", msg);
	if (harness_panic_jmp != NULL)
		longjmp(*harness_panic_jmp, 1);
	fprintf(stderr, "panic outside a test: %s\n", harness_panic_msg);
	abort();
}

bool
harness_expect_panic(void (*fn)(void *), void *arg, const char *substr, const char *file,
    int line)
{
	jmp_buf jb, *saved = harness_panic_jmp;

	harness_panic_msg[0] = '\0';
	harness_panic_jmp = &jb;
	if (setjmp(jb) == 0) {
		fn(arg);
		harness_panic_jmp = saved;
		harness_fail(file, line, "expected a panic containing \"%s\"", substr);
		return (false);
	}
	harness_panic_jmp = saved;
	if (strstr(harness_panic_msg, substr) == NULL) {
		harness_fail(file, line, "panic message \"%s\" lacks \"%s\"", harness_panic_msg,
		    substr);
		return (false);
	}
	return (true);
}

/* ---- Runner ------------------------------------------------------------- */

/* Run one test, catching a panic that escapes it. */
static void
run_one(struct host_test *t)
{
	jmp_buf jb;

	cur_failed = false;
	harness_panic_jmp = &jb;
	if (setjmp(jb) == 0)
		t->fn();
	else
		harness_fail(t->name, 0, "unexpected panic: %s", harness_panic_msg);
	harness_panic_jmp = NULL;
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("host tests, seed %llu (HOST_SEED=n to change)\n", harness_seed());
	for (struct host_test *t = tests; t != NULL; t = t->next) {
		if (argc > 1 && strstr(t->name, argv[1]) == NULL)
			continue;
		run_one(t);
		if (cur_failed) {
			printf("FAIL %s: %s\n", t->name, cur_msg);
			failed++;
		} else {
			printf("  ok %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return (failed == 0 && passed > 0 ? 0 : 1);
}

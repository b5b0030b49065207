/*
 * harness.h - the hosted unit-test harness.
 *
 * Test files include the host's libc headers and this file - never the
 * kernel's headers, whose names clash with libc's - and declare the vmk_*
 * kernel functions they call in kernel_api.h.
 *
 *	HOST_TEST(strtoull_matches_libc)
 *	{
 *		CHECK(vmk_strtoull("12", NULL, 10) == 12, "...%d", x);
 *	}
 *
 * A kernel panic or KASSERT failure inside a test is caught (longjmp) and
 * fails that test with the panic message, unless the test expected it with
 * EXPECT_PANIC(stmt, "substring").
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>

struct host_test {
	const char	*name;
	void		(*fn)(void);
	struct host_test *next;
};

void	harness_register(struct host_test *t);
void	harness_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
unsigned long long harness_seed(void);	/* HOST_SEED env, or fixed */
unsigned long long harness_xorshift(unsigned long long *state);	/* next of a xorshift64* stream */

/* Panic capture. */
extern jmp_buf *harness_panic_jmp;
extern char harness_panic_msg[512];

#define	HOST_TEST(tname)						\
	static void host_test_##tname(void);				\
	static struct host_test host_test_rec_##tname =			\
	    { #tname, host_test_##tname, NULL };			\
	__attribute__((constructor)) static void			\
	host_test_reg_##tname(void)					\
	{								\
		harness_register(&host_test_rec_##tname);		\
	}								\
	static void host_test_##tname(void)

#define	CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		harness_fail(__FILE__, __LINE__, __VA_ARGS__);		\
		return;							\
	}								\
} while (0)

/* Run stmt; pass only if it panics with a message containing `substr`. */
#define	EXPECT_PANIC(stmt, substr) do {					\
	jmp_buf jb_, *saved_ = harness_panic_jmp;			\
	harness_panic_msg[0] = '\0';					\
	harness_panic_jmp = &jb_;					\
	if (setjmp(jb_) == 0) {						\
		stmt;							\
		harness_panic_jmp = saved_;				\
		harness_fail(__FILE__, __LINE__, "expected a panic containing \"%s\"", substr); \
		return;							\
	}								\
	harness_panic_jmp = saved_;					\
	CHECK(strstr(harness_panic_msg, substr) != NULL,		\
	    "panic message \"%s\" lacks \"%s\"", harness_panic_msg, substr); \
} while (0)

#endif

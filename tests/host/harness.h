/*
 * harness.h - the hosted unit-test harness, included by both kinds of test
 * file, so it uses only built-in C types:
 *
 *   kernel side  (test_libkern.c, test_kenv.c, test_kmem.c, test_physmem.c):
 *		compiled like the kernel's own files (kernel headers, hostnames.h,
 *		no libc), they call the kernel through its own prototypes; where
 *		a test compares with the C library it asks libc_oracle.h;
 *   libc side    (test_buddy.c, test_page.c, test_buddy_model.c): built with
 *		the host's C library, they reach the kernel's page layer through
 *		host_machine.h.
 *
 *	HOST_TEST(strtoull_edges)
 *	{
 *		CHECK(strtoull("12", NULL, 10) == 12, "got %d", x);
 *	}
 *
 * A kernel panic or KASSERT failure inside a test is caught (longjmp, in
 * harness.c) and fails that test with the panic message, unless the test
 * expected it with EXPECT_PANIC(fn, arg, "substring").
 */
#ifndef HARNESS_H
#define HARNESS_H

struct host_test {
	const char	*name;
	void		(*fn)(void);
	struct host_test *next;
};

void	harness_register(struct host_test *t);
void	harness_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(__printf__, 3, 4)));
unsigned long long harness_seed(void);	/* HOST_SEED env, or fixed */
unsigned long long harness_xorshift(unsigned long long *state);	/* next of a xorshift64* stream */

/*
 * Call fn(arg): true if it panicked with a message containing substr;
 * otherwise false, and the test has failed.
 */
_Bool	harness_expect_panic(void (*fn)(void *), void *arg, const char *substr,
	    const char *file, int line);

#define	HOST_TEST(tname)						\
	static void host_test_##tname(void);				\
	static struct host_test host_test_rec_##tname =			\
	    { #tname, host_test_##tname, 0 };				\
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

/* Pass only if fn(arg) panics with a message containing `substr`. */
#define	EXPECT_PANIC(fn, arg, substr) do {				\
	if (!harness_expect_panic((fn), (arg), (substr), __FILE__, __LINE__)) \
		return;							\
} while (0)

#endif

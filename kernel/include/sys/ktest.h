/*
 * sys/ktest.h - in-kernel tests.
 *
 * A test is a function registered by name:
 *
 *	KTEST(malloc_basic, 0)
 *	{
 *		void *p = malloc(64);
 *		KT_CHECK(t, p != NULL, "malloc(64) failed");
 *		ktest_data(t, "ptr=%p", p);		-> KDATA <nonce> malloc_basic ptr=...
 *	}
 *
 * The kernel runs the tests named by test=NAME[,NAME...] (or test=all) and
 * prints one result line each, carrying the grader's nonce:
 *
 *	KTEST <nonce> <name> PASS|FAIL <detail>
 *
 * A test passes unless it calls ktest_fail() (KT_CHECK does).  Tests marked
 * KTEST_EXPLICIT (ones that panic or fail on purpose) only run when named.
 * Graders must not trust PASS alone: where they can, they recompute the
 * outcome from KDATA lines and from inputs they chose (grader/PROTOCOL.md).
 */
#ifndef _SYS_KTEST_H_
#define _SYS_KTEST_H_

#include <sys/systm.h>

struct ktest_ctx {
	const char	*name;
	const char	*nonce;
	uint64_t	seed;		/* from seed=, mixed with the test's name */
	struct rng	rng;		/* seeded from `seed` */
	bool		failed;
	char		detail[160];	/* first failure, or ktest_detail() text */
};

struct ktest {
	const char	*name;
	void		(*fn)(struct ktest_ctx *);
	int		flags;
};
#define	KTEST_EXPLICIT	0x1		/* not part of test=all */

#define	KTEST(tname, tflags)						\
	static void ktest_fn_##tname(struct ktest_ctx *);		\
	static const struct ktest ktest_##tname				\
	    __section("ktest_set") __used __aligned(4) =		\
	    { #tname, ktest_fn_##tname, (tflags) };			\
	static void ktest_fn_##tname(struct ktest_ctx *t __unused)

void	ktest_fail(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);
void	ktest_detail(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);
void	ktest_data(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);

#define	KT_CHECK(t, cond, ...) do {					\
	if (!(cond)) {							\
		ktest_fail((t), __VA_ARGS__);				\
		return;							\
	}								\
} while (0)

int	ktest_run_list(const char *list, const char *nonce, uint64_t seed);
const char *ktest_nonce(void);	/* the nonce in force, or NULL */
void	ktest_list(void);

#endif

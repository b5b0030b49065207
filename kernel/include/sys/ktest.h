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
 *	KTEST <nonce> <name> PASS|FAIL <detail> #<seq>:<crc>
 *
 * (every protocol line ends in a sequence number and a CRC-32, so the
 * grader can tell serial damage from a wrong answer).
 * A test passes unless it calls ktest_fail() (KT_CHECK does).  Tests marked
 * KTEST_EXPLICIT (ones that panic or fail on purpose, or that need the
 * grader's arguments, such as a script) only run when named.
 *
 * Tests run in two phases.  Plain tests run as soon as the kernel has
 * malloc, before the VM system starts; KTEST_VM tests run after
 * vm_page_startup().  If no KTEST_VM test was asked for, the kernel exits
 * without starting the VM at all - so the warm-up lab's tests pass even in
 * a tree whose page array is still a stub, and boots stay short.
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
#define	KTEST_VM	0x2		/* runs after vm_page_startup() */

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

void	ktest_begin(const char *list, const char *nonce, uint64_t seed);
bool	ktest_wants(int phase_flags);	/* a requested test runs in this phase */
void	ktest_run_phase(int phase_flags);	/* 0: boot phase; KTEST_VM */
int	ktest_end(void);		/* report unknown names, END; returns failures */
int	ktest_run_list(const char *list, const char *nonce, uint64_t seed);	/* all phases */
const char *ktest_nonce(void);	/* the nonce in force, or NULL */
void	ktest_kpanic(void);		/* the KPANIC line, if a nonce is in force */
void	ktest_list(void);

#endif

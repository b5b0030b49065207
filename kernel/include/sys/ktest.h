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
 *	KTEST <nonce> <name> PASS|FAIL|SKIP <detail> #<seq>:<crc>
 *
 * (every protocol line ends in a sequence number and a CRC-32, so the
 * grader can tell serial damage from a wrong answer).
 * A test passes unless it calls ktest_fail() (KT_CHECK does).  A test that
 * cannot run here - it needs an argument the command line did not give, or
 * a configuration or memory size this boot does not have - calls
 * ktest_skip() with the reason (KT_SKIP_UNLESS does): a SKIP is neither a
 * pass nor a failure, and a grader that asked for the test treats it as a
 * failure.  Tests marked KTEST_EXPLICIT (ones that panic or fail on
 * purpose, or that only make sense with a grader's script) only run when
 * named.
 *
 * Tests run in two phases, each one call in mi_startup():
 * ktest_run_phase(KTEST_PHASE_BOOT) as soon as the kernel has malloc, and
 * ktest_run_phase(KTEST_PHASE_VM) (tests flagged KTEST_VM) after the VM
 * system has started.  Without test= both do nothing.  If no KTEST_VM test
 * was asked for, the first prints END and leaves QEMU without starting the
 * VM at all - so the warm-up lab's tests pass even in a tree whose page
 * array is still a stub, and boots stay short.
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
	bool		skipped;	/* ktest_skip(): could not run here */
	char		detail[160];	/* first failure, skip reason, or ktest_detail() text */
};

struct ktest {
	const char	*name;
	void		(*fn)(struct ktest_ctx *);
	int		flags;
};
#define	KTEST_EXPLICIT	0x1		/* not part of test=all */
#define	KTEST_VM	0x2		/* runs in KTEST_PHASE_VM */

/* The phases of start-up at which tests run (ktest_run_phase). */
#define	KTEST_PHASE_BOOT	0	/* malloc works; the VM system is off */
#define	KTEST_PHASE_VM		1	/* the VM system has started */

#define	KTEST(tname, tflags)						\
	static void ktest_fn_##tname(struct ktest_ctx *);		\
	static const struct ktest ktest_##tname				\
	    __section("ktest_set") __used __aligned(4) =		\
	    { #tname, ktest_fn_##tname, (tflags) };			\
	static void ktest_fn_##tname(struct ktest_ctx *t __unused)

void	ktest_fail(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);
void	ktest_skip(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);
void	ktest_detail(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);
void	ktest_data(struct ktest_ctx *t, const char *fmt, ...) __printflike(2, 3);

const char *ktest_argument(void);	/* test=NAME:ARG's ARG, or NULL */

#define	KT_CHECK(t, cond, ...) do {					\
	if (!(cond)) {							\
		ktest_fail((t), __VA_ARGS__);				\
		return;							\
	}								\
} while (0)

/* Skip the test, with the reason, unless cond holds (an argument, a config). */
#define	KT_SKIP_UNLESS(t, cond, ...) do {				\
	if (!(cond)) {							\
		ktest_skip((t), __VA_ARGS__);				\
		return;							\
	}								\
} while (0)

void	ktest_run_phase(int phase);	/* with test=: run that phase's tests (see above) */
int	ktest_run_list(const char *list, const char *nonce, uint64_t seed);	/* monitor: all phases */
const char *ktest_nonce(void);	/* the nonce in force, or NULL */
void	ktest_kpanic(void);		/* the KPANIC line, if a nonce is in force */
void	ktest_list(void);

#endif

/*
 * sys/systm.h - what every kernel source file needs: printing, panics,
 * assertions and the libkern string routines.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>

/* printf(9): %d %i %u %x %X %o %p %s %c %%, length l ll j z, width, flags 0 - #. */
int	printf(const char *fmt, ...) __printflike(1, 2);
int	vprintf(const char *fmt, va_list ap);
int	snprintf(char *buf, size_t size, const char *fmt, ...) __printflike(3, 4);
int	vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int	kvprintf(const char *fmt, void (*put)(int, void *), void *arg, va_list ap);

void	panic(const char *fmt, ...) __printflike(1, 2) __noreturn;

/*
 * KASSERT(cond, (fmt, args...)): an invariant.  On failure the kernel panics
 * with the message; the hosted build turns it into a test failure report.
 */
#define	KASSERT(cond, msg) do {						\
	if (__builtin_expect(!(cond), 0))				\
		kassert_panic msg;					\
} while (0)
void	kassert_panic(const char *fmt, ...) __printflike(1, 2) __noreturn;

#define	CTASSERT(x)	_Static_assert(x, "compile-time assertion failed: " #x)

/* libkern */
#include <sys/libkern.h>

/*
 * Copies between the kernel and the current process's user memory
 * (subr_trap.c): 0, or EFAULT for an address that is not the process's to
 * touch that way (a kernel address, unmapped, past the end of user space,
 * read-only for copyout); never a panic.
 */
int	copyin(const void *uaddr, void *kaddr, size_t len);
int	copyout(const void *kaddr, void *uaddr, size_t len);
int	copyinstr(const void *uaddr, void *kaddr, size_t len, size_t *done);	/* ENAMETOOLONG */
uint64_t strtoull(const char *, char **, int);
int	isspace(int);
int	isdigit(int);
int	isxdigit(int);
int	isalpha(int);
int	isprint(int);

/* A small seeded PRNG for tests and workloads (xorshift64*). */
struct rng { uint64_t s; };
void	rng_seed(struct rng *, uint64_t);
uint64_t rng_next(struct rng *);
uint32_t rng_below(struct rng *, uint32_t bound);

/*
 * Sleep and wakeup (kern_synch.c), FreeBSD's semantics.  msleep releases
 * mtx (a sleep mutex, or NULL) atomically with going to sleep and takes it
 * again before returning (not with PDROP in pri).  timo is in ticks, 0 =
 * forever.  It returns 0 when woken, EWOULDBLOCK on time-out; callers loop
 * on their condition.  wakeup and wakeup_one may be called from interrupt
 * handlers.  Priorities are advisory: the scheduler is round robin.
 */
struct mtx;
int	msleep(const void *chan, struct mtx *mtx, int pri, const char *wmesg, int timo);
#define	tsleep(chan, pri, wmesg, timo)	msleep((chan), NULL, (pri), (wmesg), (timo))
void	pause(const char *wmesg, int timo);
void	wakeup(const void *chan);	/* every sleeper on chan */
void	wakeup_one(const void *chan);	/* the one that slept longest */
#define	PVM	4
#define	PRIBIO	16
#define	PWAIT	32
#define	PPAUSE	40
#define	PDROP	0x200		/* msleep: do not take mtx again */

#endif /* !_SYS_SYSTM_H_ */

/*
 * sys/mutex.h - sleep and spin mutexes (kern_mutex.c), FreeBSD's names.
 *
 * One CPU.  A sleep mutex (MTX_DEF) may be held across a context switch;
 * a thread that finds it owned blocks on the mutex's queue and the owner,
 * on release, hands it straight to the first of them (FIFO).  A spin mutex
 * (MTX_SPIN) turns interrupts off while held: on one CPU that is all a spin
 * lock can do, so finding one owned is a deadlock and panics.  Spin mutexes
 * are the only ones an interrupt handler may take.
 *
 * Every lock has an owner (mtx_assert checks it in every build) and a
 * witness class (subr_witness.c): the type name given to mtx_init, or the
 * lock's name.  The witness records the order in which classes are first
 * nested and panics on a reversal, naming both sites.
 */
#ifndef _SYS_MUTEX_H_
#define _SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/queue.h>

struct thread;
struct lock_class_w;

struct mtx {
	const char	*mtx_name;		/* (c) "vm page queue free mutex" */
	struct lock_class_w *mtx_witness;	/* (c) the witness' class record, NULL: none */
	struct thread	*mtx_owner;		/* (i) NULL when free */
	int		 mtx_flags;		/* (c) MTX_DEF or MTX_SPIN, MTX_RECURSE, ... */
	int		 mtx_recurse;		/* (o) times re-taken by its owner */
	register_t	 mtx_saved_intr;	/* (o) spin: interrupt state before it was taken */
	TAILQ_HEAD(, thread) mtx_blocked;	/* (i) sleep: contenders, in arrival order */
	const char	*mtx_file;		/* (o) where it was last taken */
	int		 mtx_line;
};
/* (c) constant after mtx_init, (o) the owner's, (i) changed with interrupts off */

#define	MTX_DEF		0x0	/* sleep mutex: a contender blocks (switches away) */
#define	MTX_SPIN	0x1	/* spin mutex: interrupts off while held (one CPU: never spins) */
#define	MTX_RECURSE	0x4	/* the owner may take it again */
#define	MTX_NOWITNESS	0x8	/* no lock-order checking */
#define	MTX_SLEEPABLE	0x10	/* may be held across a sleep for I/O (FreeBSD's sx locks' role) */
#define	MTX_INITED	0x100	/* internal: mtx_init ran */

void	mtx_init(struct mtx *m, const char *name, const char *type, int opts);
void	mtx_destroy(struct mtx *m);
void	_mtx_lock_flags(struct mtx *m, int opts, const char *file, int line);
void	_mtx_unlock_flags(struct mtx *m, int opts, const char *file, int line);
void	_mtx_lock_spin_flags(struct mtx *m, int opts, const char *file, int line);
void	_mtx_unlock_spin_flags(struct mtx *m, int opts, const char *file, int line);
void	_mtx_assert(const struct mtx *m, int what, const char *file, int line);
int	mtx_trylock(struct mtx *m);
int	mtx_owned(struct mtx *m);

#define	mtx_lock(m)		_mtx_lock_flags((m), 0, __FILE__, __LINE__)
#define	mtx_unlock(m)		_mtx_unlock_flags((m), 0, __FILE__, __LINE__)
#define	mtx_lock_spin(m)	_mtx_lock_spin_flags((m), 0, __FILE__, __LINE__)
#define	mtx_unlock_spin(m)	_mtx_unlock_spin_flags((m), 0, __FILE__, __LINE__)

#define	MA_OWNED	0x1
#define	MA_NOTOWNED	0x2
#define	MA_RECURSED	0x4
#define	MA_NOTRECURSED	0x8
#define	mtx_assert(m, what)	_mtx_assert((m), (what), __FILE__, __LINE__)	/* checked in every build */

/* The witness (subr_witness.c): called by kern_mutex.c. */
struct lock_class_w *witness_class(const char *type);
void	witness_checkorder(struct mtx *m, const char *file, int line);
void	witness_lock(struct mtx *m, const char *file, int line);
void	witness_lock_try(struct mtx *m, const char *file, int line);	/* learns no order */
void	witness_unlock(struct mtx *m);
void	witness_sleep_check(const char *wmesg);	/* panics if a spin mutex is held */
void	witness_io_sleep_check(const char *what);	/* panics if a lock but MTX_SLEEPABLE is held */
void	witness_print(void);

#endif /* !_SYS_MUTEX_H_ */

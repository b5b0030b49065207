/*
 * test_mutex.c - sleep mutexes and the witness (kernel/kern/kern_mutex.c,
 * subr_witness.c), hosted: owner tracking, recursion only when asked for,
 * mtx_assert, and a lock-order reversal caught with both sites named even
 * though this one thread never deadlocks.  Kernel side.
 */
#include <sys/systm.h>
#include <sys/mutex.h>
#include <sys/proc.h>

#include "harness.h"

/* Each test makes its own classes: the witness' order table is global. */
static struct mtx a, b, r;

static void
lock_it(void *m)
{
	mtx_lock((struct mtx *)m);
}

static void
unlock_it(void *m)
{
	mtx_unlock((struct mtx *)m);
}

static void
assert_owned(void *m)
{
	mtx_assert((struct mtx *)m, MA_OWNED);
}

HOST_TEST(mutex_owner_and_recursion)
{
	mtx_init(&a, "test owner a", NULL, MTX_DEF);
	mtx_init(&r, "test recurse r", NULL, MTX_DEF | MTX_RECURSE);
	CHECK(!mtx_owned(&a), "a fresh mutex is owned");
	mtx_lock(&a);
	CHECK(mtx_owned(&a) && a.mtx_owner == curthread, "not owned after mtx_lock");
	mtx_assert(&a, MA_OWNED);
	EXPECT_PANIC(lock_it, &a, "recursed on non-recursive mutex test owner a");
	EXPECT_PANIC(unlock_it, &a, "not owned");	/* the panic released it */
	EXPECT_PANIC(assert_owned, &a, "not owned");
	mtx_lock(&r);
	mtx_lock(&r);
	mtx_assert(&r, MA_OWNED | MA_RECURSED);
	mtx_unlock(&r);
	mtx_assert(&r, MA_OWNED | MA_NOTRECURSED);
	mtx_unlock(&r);
	CHECK(!mtx_owned(&r), "still owned after the last unlock");
}

static void
take_b_then_a(void *arg __unused)
{
	mtx_lock(&b);
	mtx_lock(&a);	/* the reversal: panics here */
}

HOST_TEST(witness_reversal_names_both_sites)
{
	char first[64];

	mtx_init(&a, "test lor a", NULL, MTX_DEF);
	mtx_init(&b, "test lor b", NULL, MTX_DEF);
	mtx_lock(&a);
	mtx_lock(&b);	/* establishes a -> b here */
	snprintf(first, sizeof(first), "established at %s:%d", __FILE__, __LINE__ - 1);
	mtx_unlock(&b);
	mtx_unlock(&a);
	EXPECT_PANIC(take_b_then_a, NULL, "lock order reversal: test lor a -> test lor b");
	EXPECT_PANIC(take_b_then_a, NULL, first);
	/* The same order again is fine. */
	mtx_lock(&a);
	mtx_lock(&b);
	mtx_unlock(&b);
	mtx_unlock(&a);
}

HOST_TEST(witness_same_class_is_not_a_reversal)
{
	static struct mtx o1, o2;

	mtx_init(&o1, "object 1", "test object class", MTX_DEF);
	mtx_init(&o2, "object 2", "test object class", MTX_DEF);
	mtx_lock(&o2);
	mtx_lock(&o1);
	mtx_unlock(&o1);
	mtx_unlock(&o2);
	mtx_lock(&o1);
	mtx_lock(&o2);
	mtx_unlock(&o2);
	mtx_unlock(&o1);
}

/*
 * test_object.c - VM objects, page states and the cache queue (vm_object.c,
 * vm_page.c, over vm_phys.c) against a model, under ASan/UBSan.  Kernel
 * side: it calls the kernel through its own headers.
 *
 *   object_trees          random inserts, lookups, renames and removes over
 *                         a few objects; memq order, the splay trees and
 *                         every lookup against the model's sets;
 *   object_model_random   page states and the cache: a model predicts every
 *                         state count and which (object, pindex) are
 *                         resident, cached or gone, through allocation
 *                         (reactivation included), (de)activation, wiring,
 *                         caching, freeing, freeing while held, range removal,
 *                         contiguous allocation and memory exhaustion
 *                         (reclaim); 3 fixed seeds (HOST_SEED moves them);
 *   object_collapse_keeps_cache_and_swap  collapse of a backing object with
 *                         resident, cached and (stand-in) swapped pages into
 *                         a front object with its own: what moves, what
 *                         stays, which blocks are freed;
 *   object_cache_transfer cached pages past an offset move to a new object,
 *                         re-based; those past its end stay;
 *   pages_check_detects   vm_page_check() catches broken invariants.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_object.h>
#include <vm/vm_lock.h>
#include <vm/vm_pager.h>
#include <vm/vmmeter.h>

#include "harness.h"
#include "host_machine.h"

#define	MB		(1024ull * 1024)
#define	NOBJ		4
#define	NPIDX		32
#define	NHELD		16
#define	STEPS		20000
#define	SEEDS		3
#define	CHECK_EVERY	50

static char arena[1 << 20] __attribute__((aligned(64)));
static unsigned long long rs;

static unsigned
rnd(unsigned bound)
{
	return ((unsigned)(harness_xorshift(&rs) >> 33) % bound);
}

/* A fresh machine (16 MiB, one range) and a fresh kernel heap for objects. */
static void
boot(void)
{
	static const struct sim_range r[] = { { 1 * MB, 17 * MB } };
	struct sim_carve c;

	malloc_init(arena, sizeof(arena));
	vm_object_init();
	(void)sim_startup(r, 1, &c);
}

/* Does s contain word? (the kernel's libkern has no strstr) */
static bool
has(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s != '\0'; s++)
		if (strncmp(s, word, n) == 0)
			return (true);
	return (false);
}

/*
 * The locks the kernel's callers hold (vm_lock.h): the tests are one
 * thread, so they hold every object's lock and the page-queue lock the
 * whole time (taken in the witness' order: objects, then page queues) and
 * let go only around the calls that take them themselves.
 */
static vm_object_t *held_objs;
static int nheld_objs;

static void
locks_take(vm_object_t *objs_, int n)
{
	held_objs = objs_;
	nheld_objs = n;
	for (int i = 0; i < n; i++)
		VM_OBJECT_LOCK(objs_[i]);
	vm_page_lock_queues();
}

static void
locks_drop(void)
{
	vm_page_unlock_queues();
	for (int i = nheld_objs - 1; i >= 0; i--)
		VM_OBJECT_UNLOCK(held_objs[i]);
}

/* vm_page_check takes the page-queue and free-queue locks itself. */
static int
check_all(char *why, size_t size)
{
	int rc;

	vm_page_unlock_queues();
	rc = vm_page_check(why, size);
	vm_page_lock_queues();
	return (rc);
}

static vm_page_t
cache_lookup(vm_object_t o, vm_pindex_t p)
{
	vm_page_t m;

	mtx_lock(&vm_page_queue_free_mtx);
	m = vm_page_cache_lookup(o, p);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (m);
}

/* ---- object_trees -------------------------------------------------------- */

HOST_TEST(object_trees)
{
	vm_object_t o[3];
	vm_page_t pg[3][256] = { { 0 } };
	char why[200];

	boot();
	rs = harness_seed() | 1;
	for (int i = 0; i < 3; i++)
		CHECK((o[i] = vm_object_allocate(OBJT_DEFAULT, 256)) != NULL, "allocate");
	locks_take(o, 3);
	for (int step = 0; step < 30000; step++) {
		int a = (int)rnd(3), b = (int)rnd(3);
		vm_pindex_t p = rnd(step < 15000 ? 256 : 16), q = rnd(256);	/* dense, then sparse */
		vm_page_t m = vm_page_lookup(o[a], p);

		CHECK(m == pg[a][p], "step %d: lookup(%d, %ju) = %p, model %p", step, a,
		    (uintmax_t)p, m, pg[a][p]);
		switch (rnd(4)) {
		case 0:
		case 1:
			if (m == NULL) {
				CHECK((m = vm_page_alloc(o[a], p, VM_ALLOC_NORMAL)) != NULL,
				    "step %d: alloc", step);
				vm_page_activate(m);
				vm_page_wakeup(m);
				pg[a][p] = m;
			}
			break;
		case 2:
			if (m != NULL) {
				vm_page_free(m);
				pg[a][p] = NULL;
			}
			break;
		case 3:
			if (m != NULL && pg[b][q] == NULL) {
				vm_page_rename(m, o[b], q);
				CHECK(m->object == o[b] && m->pindex == q && m->dirty != 0,
				    "step %d: rename", step);
				pg[a][p] = NULL;
				pg[b][q] = m;
			}
			break;
		}
		if (step % 500 == 0) {
			CHECK(check_all(why, sizeof(why)) == 0, "step %d: %s", step, why);
			for (int i = 0; i < 3; i++) {
				vm_page_t prev = NULL, x;
				int n = 0;

				TAILQ_FOREACH(x, &o[i]->memq, listq) {
					CHECK(prev == NULL || prev->pindex < x->pindex, "memq order");
					CHECK(pg[i][x->pindex] == x, "memq has a page the model lacks");
					prev = x;
					n++;
				}
				CHECK(n == o[i]->resident_page_count, "count");
			}
		}
	}
	locks_drop();
	for (int i = 0; i < 3; i++)
		vm_object_deallocate(o[i]);
	CHECK(vm_page_check(why, sizeof(why)) == 0, "end: %s", why);
	CHECK(cnt.v_free_count == cnt.v_page_count && cnt.v_active_count == 0,
	    "pages lost: %u free of %u, %u active", cnt.v_free_count, cnt.v_page_count,
	    cnt.v_active_count);
}

/* ---- object_model_random ------------------------------------------------ */

enum mstate { GONE, ACTIVE, INACTIVE, WIRED, CACHED };
struct mpage {
	enum mstate	st;
	vm_page_t	m;		/* the physical page, resident or cached */
	int		wires;
	bool		valid;
};

static struct mpage model[NOBJ][NPIDX];
static vm_object_t objs[NOBJ];
static vm_page_t held[NHELD];
static int nheld;
static struct { long alloc, reactivated, cached, reclaimed_alloc, reclaimed_contig, reclaimed_all,
    removed_cached, held; } seen;

static bool
resident(enum mstate st)
{
	return (st == ACTIVE || st == INACTIVE || st == WIRED);
}

/* Counters and every (object, pindex) against the model; the full check every CHECK_EVERY. */
static int
model_check(int step, char *why, size_t size)
{
	u_int n[5] = { 0 };

	for (int o = 0; o < NOBJ; o++)
		for (int p = 0; p < NPIDX; p++) {
			struct mpage *mp = &model[o][p];
			vm_page_t r = vm_page_lookup(objs[o], (vm_pindex_t)p), c;

			c = cache_lookup(objs[o], (vm_pindex_t)p);
			n[mp->st]++;
			if ((r != NULL) != resident(mp->st) || (r != NULL && r != mp->m) ||
			    (c != NULL) != (mp->st == CACHED) || (c != NULL && c != mp->m)) {
				snprintf(why, size, "object %d pindex %d: model state %d page %p; "
				    "resident %p, cached %p", o, p, mp->st, mp->m, r, c);
				return (-1);
			}
		}
	if (cnt.v_active_count != n[ACTIVE] || cnt.v_inactive_count != n[INACTIVE] ||
	    cnt.v_wire_count != n[WIRED] || cnt.v_cache_count != n[CACHED] ||
	    cnt.v_hold_count != (u_int)nheld ||
	    cnt.v_free_count != cnt.v_page_count - n[ACTIVE] - n[INACTIVE] - n[WIRED] -
	    n[CACHED] - (u_int)nheld) {
		snprintf(why, size, "counters: active %u inactive %u wired %u cached %u hold %u "
		    "free %u; model %u %u %u %u %d, free %u", cnt.v_active_count,
		    cnt.v_inactive_count, cnt.v_wire_count, cnt.v_cache_count, cnt.v_hold_count,
		    cnt.v_free_count, n[ACTIVE], n[INACTIVE], n[WIRED], n[CACHED], nheld,
		    cnt.v_page_count - n[ACTIVE] - n[INACTIVE] - n[WIRED] - n[CACHED] -
		    (u_int)nheld);
		return (-1);
	}
	if (step % CHECK_EVERY == 0)
		return (check_all(why, size));
	return (0);
}

static objtype_t
obj_type(int o)
{
	return (o == 0 ? OBJT_DEFAULT : o == 1 ? OBJT_SWAP : OBJT_VNODE);
}

/* One random operation; -1 with why on a disagreement. */
static int
model_step(int step, char *why, size_t size)
{
	int o = (int)rnd(NOBJ), p = (int)rnd(NPIDX);
	struct mpage *mp = &model[o][p];
	unsigned r = rnd(100);
	vm_page_t m;

#define	FAIL(...) do { snprintf(why, size, __VA_ARGS__); return (-1); } while (0)
	if (r < 25) {				/* allocate: a new page, or the cached one back */
		if (resident(mp->st))
			return (0);
		m = vm_page_alloc(objs[o], (vm_pindex_t)p, VM_ALLOC_NORMAL);
		if (m == NULL)
			FAIL("vm_page_alloc(%d, %d) failed", o, p);
		if ((mp->st == CACHED) != (m->valid != 0) || (mp->st == CACHED && m != mp->m))
			FAIL("vm_page_alloc(%d, %d): model %s page %p, got %p valid %#x", o, p,
			    mp->st == CACHED ? "cached" : "gone", mp->m, m, m->valid);
		seen.alloc++;
		seen.reactivated += mp->st == CACHED;
		if (mp->st != CACHED)		/* a new page may be another's cached one, reclaimed */
			for (int i = 0; i < NOBJ; i++)
				for (int j = 0; j < NPIDX; j++)
					if (model[i][j].st == CACHED && model[i][j].m == m) {
						model[i][j].st = GONE;
						seen.reclaimed_alloc++;
					}
		vm_page_activate(m);
		vm_page_wakeup(m);
		m->valid = VM_PAGE_BITS_ALL;	/* as a pager would leave it */
		*mp = (struct mpage){ .st = ACTIVE, .m = m, .valid = true };
	} else if (r < 35) {			/* (de)activate */
		if (mp->st == ACTIVE) {
			vm_page_deactivate(mp->m);
			mp->st = INACTIVE;
		} else if (mp->st == INACTIVE) {
			vm_page_activate(mp->m);
			mp->st = ACTIVE;
		}
	} else if (r < 45) {			/* wire, unwire */
		if (resident(mp->st) && (mp->wires == 0 || rnd(2) == 0) && mp->wires < 3) {
			vm_page_wire(mp->m);
			mp->wires++;
			mp->st = WIRED;
		} else if (mp->st == WIRED) {
			bool act = rnd(2) != 0;

			vm_page_unwire(mp->m, act);
			if (--mp->wires == 0)
				mp->st = act ? ACTIVE : INACTIVE;
		}
	} else if (r < 65) {			/* cache */
		if (mp->st != ACTIVE && mp->st != INACTIVE)
			return (0);
		vm_page_undirty(mp->m);
		vm_page_cache(mp->m);
		if (obj_type(o) == OBJT_DEFAULT || !mp->valid)
			mp->st = GONE;
		else {
			mp->st = CACHED;
			seen.cached++;
		}
	} else if (r < 73) {			/* free */
		if (mp->st == ACTIVE || mp->st == INACTIVE) {
			vm_page_free(mp->m);
			mp->st = GONE;
		}
	} else if (r < 78) {			/* free while held: waits on PQ_HOLD */
		if ((mp->st == ACTIVE || mp->st == INACTIVE) && nheld < NHELD) {
			vm_page_hold(mp->m);
			vm_page_free(mp->m);
			if (mp->m->queue != PQ_HOLD || mp->m->object != NULL)
				FAIL("a freed held page is not on PQ_HOLD");
			held[nheld++] = mp->m;
			mp->st = GONE;
			seen.held++;
		}
	} else if (r < 83) {			/* the last unhold frees it */
		if (nheld > 0) {
			int k = (int)rnd((unsigned)nheld);

			m = held[k];
			held[k] = held[--nheld];
			vm_page_unhold(m);
			if ((m->flags & PG_FREE) == 0)
				FAIL("the last unhold of a freed page did not free it");
		}
	} else if (r < 89) {			/* vm_object_page_remove(o, p, end) */
		int end = rnd(2) ? 0 : p + 1 + (int)rnd(NPIDX - (unsigned)p);

		vm_page_unlock_queues();	/* it takes them itself */
		vm_object_page_remove(objs[o], (vm_pindex_t)p, (vm_pindex_t)end);
		vm_page_lock_queues();
		for (int i = p; i < (end == 0 ? NPIDX : end); i++) {
			struct mpage *x = &model[o][i];

			if (x->st == WIRED)
				x->valid = false;
			else if (x->st != GONE) {
				seen.removed_cached += x->st == CACHED;
				x->st = GONE;
			}
		}
	} else if (r < 92) {			/* a contiguous run reclaims the cached pages in it */
		u_long n = 1 + rnd(64);

		m = vm_page_alloc_contig(n, 0, ~(vm_paddr_t)0, PAGE_SIZE, 0,
		    VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT);
		if (m == NULL)
			return (0);
		for (int i = 0; i < NOBJ; i++)
			for (int j = 0; j < NPIDX; j++) {
				struct mpage *x = &model[i][j];

				if (x->st == GONE || x->m < m || x->m >= m + n)
					continue;
				if (x->st != CACHED)
					FAIL("contig run %p+%lu holds object %d's page %d (state %d)",
					    m, n, i, j, x->st);
				x->st = GONE;
				seen.reclaimed_contig++;
			}
		vm_page_free_contig(m, n);
	} else if (r < 94) {			/* exhaust memory: every cached page reclaimed */
		struct pglist taken;

		TAILQ_INIT(&taken);
		while ((m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_INTERRUPT)) != NULL)
			TAILQ_INSERT_TAIL(&taken, m, pageq);
		if (cnt.v_cache_count != 0 || cnt.v_free_count != 0)
			FAIL("memory exhausted with %u cached, %u free pages left", cnt.v_cache_count,
			    cnt.v_free_count);
		while ((m = TAILQ_FIRST(&taken)) != NULL) {
			TAILQ_REMOVE(&taken, m, pageq);
			vm_page_free(m);
		}
		for (int i = 0; i < NOBJ; i++)
			for (int j = 0; j < NPIDX; j++)
				if (model[i][j].st == CACHED) {
					model[i][j].st = GONE;
					seen.reclaimed_all++;
				}
	} else {				/* deallocate and re-create an object without wirings */
		for (int j = 0; j < NPIDX; j++)
			if (model[o][j].st == WIRED)
				return (0);
		locks_drop();
		vm_object_deallocate(objs[o]);
		objs[o] = vm_object_allocate(obj_type(o), NPIDX);
		if (objs[o] == NULL)
			FAIL("vm_object_allocate");
		locks_take(objs, NOBJ);
		for (int j = 0; j < NPIDX; j++)
			model[o][j].st = GONE;
	}
#undef FAIL
	return (model_check(step, why, size));
}

HOST_TEST(object_model_random)
{
	char why[240];

	for (int k = 0; k < SEEDS; k++) {
		unsigned long long seed = harness_seed() + (unsigned long long)k;

		boot();
		rs = seed | 1;
		memset(model, 0, sizeof(model));
		memset(&seen, 0, sizeof(seen));
		nheld = 0;
		for (int o = 0; o < NOBJ; o++)
			CHECK((objs[o] = vm_object_allocate(obj_type(o), NPIDX)) != NULL, "allocate");
		locks_take(objs, NOBJ);
		for (int step = 1; step <= STEPS; step++)
			CHECK(model_step(step, why, sizeof(why)) == 0, "seed %llu, step %d: %s", seed,
			    step, why);
		locks_drop();
		CHECK(seen.reactivated > 10 && seen.cached > 100 && seen.reclaimed_contig > 0 &&
		    seen.reclaimed_all > 0 && seen.removed_cached > 0 && seen.held > 0,
		    "seed %llu: a path was never taken: %ld reactivated, %ld cached, %ld reclaimed "
		    "by contig, %ld by exhaustion (%ld by single allocations), %ld removed while "
		    "cached, %ld held", seed, seen.reactivated, seen.cached, seen.reclaimed_contig,
		    seen.reclaimed_all, seen.reclaimed_alloc,
		    seen.removed_cached, seen.held);
	}
}

/* ---- cache_transfer, check ---------------------------------------------- */

/* orig: pages 0..9 cached.  Transfer from 3 into a 4-page object. */
HOST_TEST(object_cache_transfer)
{
	vm_object_t orig, new;
	vm_page_t pg[10], m;
	char why[200];

	boot();
	objs[0] = orig = vm_object_allocate(OBJT_SWAP, 10);
	objs[1] = new = vm_object_allocate(OBJT_SWAP, 4);
	locks_take(objs, 2);
	/* All allocated first: an allocation may reclaim any cached page. */
	for (int i = 0; i < 10; i++) {
		CHECK((pg[i] = vm_page_alloc(orig, (vm_pindex_t)i, VM_ALLOC_NORMAL)) != NULL, "alloc");
		pg[i]->valid = VM_PAGE_BITS_ALL;
		vm_page_wakeup(pg[i]);
		vm_page_deactivate(pg[i]);
	}
	for (int i = 0; i < 10; i++)
		vm_page_cache(pg[i]);
	vm_page_cache_transfer(orig, 3, new);
	CHECK(check_all(why, sizeof(why)) == 0, "%s", why);
	CHECK(orig->cache_count == 6 && new->cache_count == 4, "counts %d %d", orig->cache_count,
	    new->cache_count);
	for (int i = 0; i < 10; i++) {
		bool moved = i >= 3 && i < 7;

		m = cache_lookup(moved ? new : orig, (vm_pindex_t)(moved ? i - 3 : i));
		CHECK(m == pg[i] && m->object == (moved ? new : orig), "page %d: %p", i, m);
	}
	locks_drop();
	vm_object_deallocate(orig);
	vm_object_deallocate(new);
	CHECK(vm_page_check(why, sizeof(why)) == 0 && cnt.v_cache_count == 0, "%s", why);
}

HOST_TEST(pages_check_detects)
{
	vm_object_t o;
	vm_page_t m;
	char why[200];

	boot();
	o = vm_object_allocate(OBJT_VNODE, 4);
	locks_take(&o, 1);
	CHECK((m = vm_page_alloc(o, 0, VM_ALLOC_NORMAL)) != NULL, "alloc");
	m->valid = VM_PAGE_BITS_ALL;
	vm_page_wakeup(m);
	vm_page_activate(m);
	CHECK(check_all(why, sizeof(why)) == 0, "%s", why);
	cnt.v_active_count++;
	CHECK(check_all(why, sizeof(why)) != 0 && has(why, "queue"),
	    "an active count off by one passed: %s", why);
	cnt.v_active_count--;
	vm_page_deactivate(m);
	vm_page_cache(m);
	CHECK(check_all(why, sizeof(why)) == 0, "%s", why);
	m->dirty = 1;
	CHECK(check_all(why, sizeof(why)) != 0 && has(why, "cached"),
	    "a dirty cached page passed: %s", why);
	m->dirty = 0;
	m->flags |= PG_FREE;
	CHECK(check_all(why, sizeof(why)) != 0, "a page both free and cached passed");
	m->flags &= ~PG_FREE;
	o->cache_count++;
	CHECK(check_all(why, sizeof(why)) != 0 && has(why, "cache_count"),
	    "a wrong cache_count passed: %s", why);
	o->cache_count--;
	CHECK(check_all(why, sizeof(why)) == 0, "%s", why);
	locks_drop();
	vm_object_deallocate(o);
}

/* ---- collapse: a backing object's resident, cached and swapped pages ----- */

/*
 * A stand-in swap pager for OBJT_SWAP (the host builds no disk layer): an
 * object's "blocks" are numbers in an array hung on object->handle, and
 * every block freed is remembered, so a test sees which copies a collapse
 * kept, moved and dropped.
 */
#define	FAKE_NONE	0
static int fake_freed[64], nfake_freed;

static int *
fake_meta(vm_object_t o)
{
	if (o->handle == NULL)
		o->handle = calloc((size_t)o->size, sizeof(int));
	return (o->handle);
}

static void
fake_free(int blk)
{
	if (blk != FAKE_NONE && nfake_freed < (int)nitems(fake_freed))
		fake_freed[nfake_freed++] = blk;
}

static bool
fake_haspage(vm_object_t o, vm_pindex_t p)
{
	return (o->handle != NULL && p < o->size && ((int *)o->handle)[p] != FAKE_NONE);
}

static void
fake_freespace(vm_object_t o, vm_pindex_t start, vm_pindex_t end)
{
	if (o->handle == NULL)
		return;
	if (end == 0 || end > o->size)
		end = o->size;
	for (vm_pindex_t p = start; p < end; p++) {
		fake_free(((int *)o->handle)[p]);
		((int *)o->handle)[p] = FAKE_NONE;
	}
}

static void
fake_dealloc(vm_object_t o)
{
	fake_freespace(o, 0, 0);
	free(o->handle);
	o->handle = NULL;
}

/* The swap pager's transfer contract (swap_pager_transfer), on the fake blocks. */
static void
fake_transfer(vm_object_t src, vm_pindex_t off, vm_object_t dst)
{
	int *from = src->handle, *to = fake_meta(dst);

	for (vm_pindex_t q = 0; from != NULL && q < dst->size && off + q < src->size; q++) {
		if (from[off + q] == FAKE_NONE)
			continue;
		if (to[q] == FAKE_NONE)
			to[q] = from[off + q];
		else
			fake_free(from[off + q]);
		from[off + q] = FAKE_NONE;
	}
}

static struct pagerops fake_swap_ops = {
	.pgo_name = "fake swap",
	.pgo_haspage = fake_haspage,
	.pgo_dealloc = fake_dealloc,
	.pgo_freespace = fake_freespace,
	.pgo_transfer = fake_transfer,
};

static bool
fake_was_freed(int blk)
{
	for (int i = 0; i < nfake_freed; i++)
		if (fake_freed[i] == blk)
			return (true);
	return (false);
}

/* A valid page of o at p, unbusied and inactive (the page-queue lock held). */
static vm_page_t
collapse_page(vm_object_t o, vm_pindex_t p)
{
	vm_page_t m = vm_page_alloc(o, p, VM_ALLOC_NORMAL);

	if (m != NULL) {
		m->valid = VM_PAGE_BITS_ALL;
		vm_page_wakeup(m);
		vm_page_deactivate(m);
	}
	return (m);
}

/*
 * Backing object B (9 pages) under front F (7 pages) at offset 1, so B's
 * pindex p is F's p - 1.  What each of B's places holds, and F's:
 *   p0  resident                     outside F's window: freed
 *   p1  resident + block 101         F nothing      -> page moves (dirty), block freed
 *   p2  resident                     F block 201    -> B's page freed, F keeps its block
 *   p3  resident                     F cached       -> B's page freed, F's cached stays
 *   p4  cached + block 104           F nothing      -> both move to F at 3
 *   p5  cached + block 105           F resident     -> both freed
 *   p6  block 106                    F nothing      -> moves to F at 5
 *   p7  cached                       F block 207    -> B's cached page freed
 *   p8  block 108                    outside        -> freed with B
 * Then B is gone and F's chain ends (v_collapses + 1).
 */
HOST_TEST(object_collapse_keeps_cache_and_swap)
{
	vm_object_t b, f, two[2];
	vm_page_t pb[8], pf2 = NULL, pf4;
	vm_page_t pb7;
	vm_ooffset_t off = ptoa(1);
	u_int collapses = cnt.v_collapses;
	int *fb;
	char why[200];

	boot();
	nfake_freed = 0;
	vm_pager_register(OBJT_SWAP, &fake_swap_ops);
	b = vm_object_allocate(OBJT_SWAP, 9);
	f = b;
	CHECK(vm_object_shadow(&f, &off, ptoa(7)), "shadow");
	f->type = OBJT_SWAP;
	two[0] = f;
	two[1] = b;
	locks_take(two, 2);
	for (int p = 0; p < 4; p++)
		CHECK((pb[p] = collapse_page(b, (vm_pindex_t)p)) != NULL, "alloc B %d", p);
	CHECK((pb[4] = collapse_page(b, 4)) != NULL && (pb[5] = collapse_page(b, 5)) != NULL,
	    "alloc B 4, 5");
	CHECK((pf2 = collapse_page(f, 2)) != NULL && (pf4 = collapse_page(f, 4)) != NULL,
	    "alloc F 2, 4");
	CHECK((pb7 = collapse_page(b, 7)) != NULL, "alloc B 7");
	vm_page_cache(pb7);
	vm_page_cache(pb[4]);
	vm_page_cache(pb[5]);
	vm_page_cache(pf2);
	fake_meta(b)[1] = 101;
	fake_meta(b)[4] = 104;
	fake_meta(b)[5] = 105;
	fake_meta(b)[6] = 106;
	fake_meta(b)[8] = 108;
	fake_meta(f)[6] = 207;
	fake_meta(f)[1] = 201;
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(b);
	vm_object_collapse(f);
	nheld_objs = 1;			/* B is gone: F alone is held now */
	vm_page_lock_queues();
	CHECK(f->backing_object == NULL && cnt.v_collapses == collapses + 1,
	    "B was not merged: backing %p, %u collapses", f->backing_object,
	    cnt.v_collapses - collapses);
	CHECK(check_all(why, sizeof(why)) == 0, "%s", why);
	fb = f->handle;
	CHECK(vm_page_lookup(f, 0) == pb[1] && pb[1]->dirty != 0, "F 0: B's page 1 should have "
	    "moved up, dirty: %p", vm_page_lookup(f, 0));
	CHECK(vm_page_lookup(f, 1) == NULL && fb[1] == 201, "F 1: F's own block 201 must stay "
	    "and B's older page must not cover it: page %p, block %d", vm_page_lookup(f, 1), fb[1]);
	CHECK(vm_page_lookup(f, 2) == NULL && cache_lookup(f, 2) == pf2, "F 2: F's own cached "
	    "page must stay, not B's resident page 3: resident %p, cached %p",
	    vm_page_lookup(f, 2), cache_lookup(f, 2));
	CHECK(cache_lookup(f, 3) == pb[4] && fb[3] == 104, "F 3: B's cached page 4 and its block "
	    "104 should have moved up: cached %p, block %d", cache_lookup(f, 3), fb[3]);
	CHECK(vm_page_lookup(f, 4) == pf4 && fb[4] == FAKE_NONE, "F 4: F's page must stay, "
	    "B's cached page and block 105 go: %p, block %d", vm_page_lookup(f, 4), fb[4]);
	CHECK(fb[5] == 106, "F 5: B's block 106 should have moved up: %d", fb[5]);
	CHECK(cache_lookup(f, 6) == NULL && fb[6] == 207, "F 6: F's own block 207 must stay and "
	    "B's older cached page 7 must not cover it: cached %p, block %d", cache_lookup(f, 6),
	    fb[6]);
	CHECK(fb[0] == FAKE_NONE && fb[2] == FAKE_NONE, "F 0/2 gained blocks %d %d", fb[0], fb[2]);
	CHECK(fake_was_freed(101) && fake_was_freed(105) && fake_was_freed(108) &&
	    !fake_was_freed(104) && !fake_was_freed(106) && !fake_was_freed(201) &&
	    !fake_was_freed(207), "blocks freed: want 101, 105, 108 (of B) and not 104, 106 "
	    "(moved) or 201, 207 (F's)");
	CHECK(f->cache_count == 2 && f->resident_page_count == 2, "F: %d cached, %d resident, "
	    "want 2 and 2", f->cache_count, f->resident_page_count);
	locks_drop();
	vm_object_deallocate(f);
	vm_pager_register(OBJT_SWAP, NULL);
	CHECK(vm_page_check(why, sizeof(why)) == 0 && cnt.v_cache_count == 0, "%s", why);
}

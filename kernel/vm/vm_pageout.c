/*
 * vm_pageout.c - the page daemon: FreeBSD 7's vm_pageout, a kernel thread
 * ("pagedaemon") that makes free + cached memory when it runs short.
 *
 * vm_page_alloc wakes it once free + cached falls below v_free_target -
 * before allocations fail, not after.  A pass then aims for v_free_target +
 * v_cache_min free + cached pages and v_inactive_target inactive ones:
 *
 *   inactive queue, head first:
 *     held, busy, object locked elsewhere          -> skip
 *     referenced (PG_REFERENCED, pmap_ts_referenced) -> active, act_count up
 *     invalid                                       -> free
 *     clean (once unmapped: m->dirty is the truth)  -> cache (vm_page_cache)
 *     dirty, first time seen on pass 0              -> PG_WINATCFLS, requeue
 *     dirty, object has a pager                     -> launder: a cluster of
 *            adjacent dirty pages, busy (m->busy), written asynchronously;
 *            vm_pageout_io_done caches them when the write completes
 *     dirty, no pager (OBJT_DEFAULT before swap)    -> skip, stays dirty
 *   active queue, head first, while inactive is short:
 *     referenced -> act_count += ACT_ADVANCE, requeue
 *     else       -> act_count -= ACT_DECLINE; at 0 -> inactive (the coldest)
 *
 * The daemon takes the page-queues lock for a scan and each page's object
 * lock with a trylock (the order is object -> page queues: a page whose
 * object is locked elsewhere is simply passed over this time).
 *
 * When memory is still short after a pass it goes again at once if the
 * pass made progress, and otherwise sleeps a tenth of a second (a write
 * may be in flight).  With VM_WAIT sleepers, VM_PAGEOUT_FRUITLESS_MAX
 * passes in a row that reclaimed nothing, with no write in flight, mean
 * nothing can be: the sleepers wake with ENOMEM (vm_wait) instead of
 * sleeping for ever.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/monitor.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/vm_lock.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	VM_PAGEOUT_CLUSTER	16	/* pages in one pager write, at most */

static int vm_pageout_forced;		/* (f) `pageout` asked for a full pass */
static u_int vm_pageout_inflight;	/* (q) pages whose write has not completed */
static bool vm_pageout_oom_said;	/* the out-of-memory message was printed */
static u_int vm_pageout_fruitless;	/* (f) passes in a row that reclaimed nothing */

/*
 * Passes in a row that free nothing before the daemon gives up: enough for
 * a page just activated to age down to 0 (ACT_MAX / ACT_DECLINE) and be
 * tried once more from the inactive queue.
 */
#define	VM_PAGEOUT_FRUITLESS_MAX	(ACT_MAX / ACT_DECLINE + 2)

/*
 * What a pass did.  Reclaimed: pages freed, cached or sent to be written
 * (what makes memory).  Progress: that, or pages aged or deactivated
 * (what lets a later pass reclaim).
 */
struct pass_stats {
	u_int	scanned, react, deact, aged, cached, freed, laundered, nopager;
	u_int	skipped;	/* busy, held, or its object locked elsewhere: try again later */
};

static u_int
pass_reclaimed(const struct pass_stats *st)
{
	return (st->cached + st->freed + st->laundered);
}

/*
 * The thresholds, from memory size, as FreeBSD 7's vm_pageout computes
 * them (v_free_reserved, set by vm_page_startup, stays what lab 02 grades):
 * v_free_min a little above the reserve, v_free_target two (small
 * machines) or four times that, v_cache_min = v_free_target,
 * v_inactive_target one and a half times it.
 */
void
vm_pageout_init(void)
{
	u_int pages = cnt.v_page_count;

	cnt.v_free_min = cnt.v_free_reserved + 4 + (pages > 1024 ? (pages - 1024) / 200 : 0);
	cnt.v_free_target = (cnt.v_free_count > 6144 ? 4 : 2) * cnt.v_free_min +
	    cnt.v_free_reserved;
	cnt.v_cache_min = cnt.v_free_target;
	cnt.v_inactive_target = 3 * cnt.v_free_target / 2;
}

/* How many more free + cached pages a pass should make (<= 0: none). */
static int
vm_paging_target(void)
{
	return ((int)(cnt.v_free_target + cnt.v_cache_min) -
	    (int)(cnt.v_free_count + cnt.v_cache_count));
}

/*
 * Can m join a laundering cluster?  Resident in the object, inactive, not
 * busy, held, wired or referenced, valid, and dirty once unmapped.
 */
static bool
vm_pageout_cluster_ok(vm_page_t p)
{
	if (p == NULL || p->queue != PQ_INACTIVE || p->busy != 0 ||
	    (p->oflags & VPO_BUSY) != 0 || p->hold_count != 0 || p->wire_count != 0 ||
	    (p->flags & PG_REFERENCED) != 0 || p->valid != VM_PAGE_BITS_ALL)
		return (false);
	if (p->dirty == 0 && !pmap_is_modified(p))
		return (false);
	pmap_remove_all(p);		/* no writer behind our back: m->dirty holds */
	return (p->dirty != 0);
}

static void vm_pageout_page_done(vm_object_t object, vm_page_t m, int error);

/*
 * Write the dirty pages ma[0..count) through the object's pager, busy
 * meanwhile.  A page the pager finished at once (VM_PAGER_OK) or refused
 * is settled here; VM_PAGER_PEND pages are settled by vm_pageout_io_done.
 * Returns the pages written or being written (not the refused ones).
 * Object and page-queues locks held.
 */
static int
vm_pageout_flush(vm_object_t object, vm_page_t *ma, int count)
{
	int rtvals[VM_PAGEOUT_CLUSTER], sent = 0;

	for (int i = 0; i < count; i++) {
		vm_page_io_start(ma[i]);
		rtvals[i] = VM_PAGER_ERROR;
	}
	vm_object_pip_add(object, count);
	vm_pageout_inflight += (u_int)count;
	cnt.v_pageout_writes++;
	cnt.v_pageout_pages += (u_int)count;
	vm_pager_put_pages(object, ma, count, 0, rtvals);
	for (int i = 0; i < count; i++) {
		if (rtvals[i] == VM_PAGER_PEND || rtvals[i] == VM_PAGER_OK)
			sent++;
		if (rtvals[i] != VM_PAGER_PEND)
			vm_pageout_page_done(object, ma[i], rtvals[i] == VM_PAGER_OK ? 0 : rtvals[i]);
	}
	return (sent);
}

/*
 * Launder m: gather the adjacent dirty inactive pages on both sides (up to
 * VM_PAGEOUT_CLUSTER in all, one pager write) and flush them.  Returns the
 * pages the pager took.  Object and page-queues locks held; m unmapped and dirty.
 */
static int
vm_pageout_clean(vm_page_t m)
{
	vm_object_t object = m->object;
	vm_page_t mc[2 * VM_PAGEOUT_CLUSTER], p;
	int center = VM_PAGEOUT_CLUSTER, first = center, last = center + 1;

	mc[center] = m;
	for (vm_pindex_t pi = m->pindex; pi > 0 && last - first < VM_PAGEOUT_CLUSTER; pi--) {
		if (!vm_pageout_cluster_ok(p = vm_page_lookup(object, pi - 1)))
			break;
		mc[--first] = p;
	}
	for (vm_pindex_t pi = m->pindex + 1; pi < object->size &&
	    last - first < VM_PAGEOUT_CLUSTER; pi++) {
		if (!vm_pageout_cluster_ok(p = vm_page_lookup(object, pi)))
			break;
		mc[last++] = p;
	}
	return (vm_pageout_flush(object, &mc[first], last - first));
}

/*
 * A pager's write of m finished (error 0) or failed.  A written page is
 * clean: if it is still inactive and unwanted it goes to the cache (the
 * point of laundering it); a failed one stays dirty and goes back to the
 * active queue so it does not clog the inactive one (as FreeBSD does).
 * Object and page-queues locks held.
 */
static void
vm_pageout_page_done(vm_object_t object, vm_page_t m, int error)
{
	VM_OBJECT_LOCK_ASSERT(object, MA_OWNED);
	mtx_assert(&vm_page_queue_mtx, MA_OWNED);
	KASSERT(m->object == object && m->busy > 0, ("%s: page %p (object %p, busy %u) "
	    "was not being written for object %p", __func__, m, m->object, m->busy, object));
	vm_page_io_finish(m);
	KASSERT(vm_pageout_inflight > 0, ("%s: no write in flight", __func__));
	vm_pageout_inflight--;
	vm_object_pip_wakeup(object);
	if (error != 0) {
		cnt.v_pageout_errors++;
		vm_page_activate(m);
		return;
	}
	cnt.v_pageout_done++;
	vm_page_undirty(m);
	pmap_clear_modify(m);
	if (m->queue == PQ_INACTIVE && m->busy == 0 && (m->oflags & VPO_BUSY) == 0 &&
	    m->hold_count == 0 && (m->flags & PG_REFERENCED) == 0 && !pmap_is_referenced(m)) {
		vm_page_cache(m);
		cnt.v_pdcached++;
	}
}

/*
 * An asynchronous write of ma[0..count) (pages of one object) finished:
 * settle each page (vm_pageout_page_done) and wake VM_WAIT sleepers.
 * Called from the pager's own thread, never an interrupt handler; no VM
 * locks held.
 */
void
vm_pageout_io_done(vm_object_t object, vm_page_t *ma, int count, int error)
{
	VM_OBJECT_LOCK(object);
	vm_page_lock_queues();
	for (int i = 0; i < count; i++)
		vm_pageout_page_done(object, ma[i], error);
	mtx_lock(&vm_page_queue_free_mtx);
	vm_page_free_wakeup();
	mtx_unlock(&vm_page_queue_free_mtx);
	vm_page_unlock_queues();
	VM_OBJECT_UNLOCK(object);
}

/*
 * One inactive page, object and page-queues locks held: reactivate, free,
 * cache, launder or pass over it.  Returns the pages it made free or
 * cached or sent to be written (what counts against the shortage).
 */
static int
vm_pageout_inactive_page(vm_page_t m, int pass, bool forced, struct pass_stats *st)
{
	vm_object_t object = m->object;
	int act;

	if (object->ref_count == 0) {		/* nobody will use it again: forget references */
		m->flags &= ~PG_REFERENCED;
		pmap_clear_reference(m);
	} else if ((m->flags & PG_REFERENCED) == 0 && (act = pmap_ts_referenced(m)) != 0) {
		vm_page_activate(m);
		m->act_count = (uint8_t)MIN(ACT_MAX, m->act_count + act + ACT_ADVANCE);
		st->react++;
		return (0);
	}
	if ((m->flags & PG_REFERENCED) != 0) {
		m->flags &= ~PG_REFERENCED;
		act = pmap_ts_referenced(m);
		vm_page_activate(m);
		m->act_count = (uint8_t)MIN(ACT_MAX, m->act_count + act + ACT_ADVANCE + 1);
		st->react++;
		return (0);
	}
	pmap_remove_all(m);			/* the mappings' modified bits into m->dirty */
	if (m->valid == 0) {
		vm_page_free(m);
		st->freed++;
		return (1);
	}
	if (m->dirty == 0) {
		vm_page_cache(m);
		st->cached++;
		return (1);
	}
	if (!vm_pager_can_put(object)) {
		vm_pageq_requeue(m);
		st->nopager++;
		return (0);
	}
	if ((m->flags & PG_WINATCFLS) == 0 && pass == 0 && !forced) {
		/* Writing costs more than caching: a dirty page goes round twice first. */
		m->flags |= PG_WINATCFLS;
		vm_pageq_requeue(m);
		st->aged++;		/* progress: the next pass launders it */
		return (0);
	}
	act = vm_pageout_clean(m);
	st->laundered += (u_int)act;
	if (m->queue == PQ_INACTIVE)
		vm_pageq_requeue(m);	/* busy until written: off the head */
	return (act);
}

/*
 * The inactive queue, from the head (the longest inactive), until the
 * shortage is made up or every page was seen once.  Every page examined
 * leaves the head - to another queue, the cache, or the tail - so the loop
 * always takes the head: no pointer into the queue survives a step that
 * may have moved other pages (a laundered cluster, a failed write).
 * Page-queues lock held.
 */
static void
vm_pageout_scan_inactive(int shortage, int pass, bool forced, struct pass_stats *st)
{
	struct pglist *pl = &vm_page_queues[PQ_INACTIVE].pl;
	vm_page_t m;
	u_int maxscan = cnt.v_inactive_count;
	vm_object_t object;

	while (maxscan-- > 0 && shortage > 0 && (m = TAILQ_FIRST(pl)) != NULL) {
		st->scanned++;
		object = m->object;
		if (object == NULL || m->hold_count != 0 || m->busy != 0 ||
		    (m->oflags & VPO_BUSY) != 0 || !mtx_trylock(&object->mtx)) {
			vm_pageq_requeue(m);
			st->skipped++;
			continue;
		}
		shortage -= vm_pageout_inactive_page(m, pass, forced, st);
		VM_OBJECT_UNLOCK(object);
	}
}

/*
 * The active queue: age each page's act_count (up when referenced, down
 * by ACT_DECLINE when not) and deactivate those that reach 0, until the
 * shortage is made up.  Page-queues lock held.
 */
static void
vm_pageout_scan_active(int shortage, struct pass_stats *st)
{
	struct pglist *pl = &vm_page_queues[PQ_ACTIVE].pl;
	vm_page_t m;
	u_int pcount = cnt.v_active_count;
	vm_object_t object;
	int act;

	/* As the inactive scan: each page leaves the head (requeued or deactivated). */
	while (pcount-- > 0 && shortage > 0 && (m = TAILQ_FIRST(pl)) != NULL) {
		st->scanned++;
		object = m->object;
		if (object == NULL || m->hold_count != 0 || m->busy != 0 ||
		    (m->oflags & VPO_BUSY) != 0 || !mtx_trylock(&object->mtx)) {
			vm_pageq_requeue(m);
			st->skipped++;
			continue;
		}
		act = 0;
		if (object->ref_count != 0) {
			act = ((m->flags & PG_REFERENCED) != 0) + pmap_ts_referenced(m);
			if (act != 0)
				m->act_count = (uint8_t)MIN(ACT_MAX, m->act_count + ACT_ADVANCE + act);
		}
		m->flags &= ~PG_REFERENCED;
		if (act != 0) {
			vm_pageq_requeue(m);
			st->aged++;	/* progress too: its reference is used up, it can decline next */
		} else {
			m->act_count -= MIN(m->act_count, ACT_DECLINE);
			if (object->ref_count == 0 || m->act_count == 0) {
				vm_page_deactivate(m);
				st->deact++;
				shortage--;
			} else {
				vm_pageq_requeue(m);
				st->aged++;
			}
		}
		VM_OBJECT_UNLOCK(object);
	}
}

/*
 * One pass (FreeBSD's vm_pageout_scan).  A forced pass (`pageout`) works
 * as if every inactive page were needed and gives dirty pages no second
 * round.  Fills *st with what it did.
 */
static void
vm_pageout_scan(int pass, bool forced, struct pass_stats *stp)
{
	struct pass_stats st = { 0 };
	int shortage;

	vm_page_lock_queues();
	shortage = forced ? (int)cnt.v_inactive_count : vm_paging_target();
	vm_pageout_scan_inactive(shortage, pass, forced, &st);
	/* Keep v_inactive_target pages inactive, plus what is still short. */
	shortage = (int)cnt.v_inactive_target - (int)cnt.v_inactive_count;
	if (vm_paging_target() > 0)
		shortage += vm_paging_target();
	if (forced)
		shortage = (int)cnt.v_active_count;
	vm_pageout_scan_active(shortage, &st);
	cnt.v_pdpages += st.scanned;
	cnt.v_pdreact += st.react;
	cnt.v_pddeact += st.deact;
	cnt.v_pdcached += st.cached;
	cnt.v_pdfreed += st.freed;
	cnt.v_pdnopager += st.nopager;
	vm_page_unlock_queues();
	*stp = st;
}

/*
 * After a pass, free-queue lock held: wake VM_WAIT sleepers if memory came
 * back, or with ENOMEM once VM_PAGEOUT_FRUITLESS_MAX passes in a row have
 * reclaimed nothing with no write in flight that could still free
 * something - dirty pages with no pager, or a full swap - or at once when
 * every page a pass looked at was dirty with no pager to write it.  A pass
 * that merely moved nothing is no proof: pages may be busy, their objects
 * locked by a fault in progress, or the pass cut short (a scan stops at the
 * shortage).  The kernel has no process to kill, as FreeBSD's
 * vm_pageout_oom would.
 */
static void
vm_pageout_settle(const struct pass_stats *st)
{
	mtx_assert(&vm_page_queue_free_mtx, MA_OWNED);
	if (pass_reclaimed(st) != 0 || vm_pageout_inflight != 0)
		vm_pageout_fruitless = 0;
	else if (st->scanned > 0 && st->nopager == st->scanned)
		vm_pageout_fruitless = VM_PAGEOUT_FRUITLESS_MAX;	/* all dirty, no pager: proof */
	else
		vm_pageout_fruitless++;
	if (!vm_page_count_min()) {
		if (vm_page_waiters > 0)
			wakeup(&cnt.v_free_count);
		vm_pageout_oom_said = false;
		return;
	}
	if (vm_page_waiters == 0 || vm_pageout_fruitless < VM_PAGEOUT_FRUITLESS_MAX)
		return;
	vm_pageout_fruitless = 0;
	cnt.v_pdoom++;
	vm_pageout_oom_gen++;
	if (!vm_pageout_oom_said) {
		printf("vm_pageout: out of memory: %u free, %u cached, %u inactive, %u active, "
		    "%u wired; nothing left to reclaim (dirty pages skipped for want of a pager: "
		    "%u; pages the pager could not write: %u)\n", cnt.v_free_count,
		    cnt.v_cache_count, cnt.v_inactive_count, cnt.v_active_count, cnt.v_wire_count,
		    cnt.v_pdnopager, cnt.v_pageout_errors);
		vm_pageout_oom_said = true;
	}
	wakeup(&cnt.v_free_count);
}

/* The daemon's loop (FreeBSD's vm_pageout). */
static void
vm_pageout(void *arg __unused)
{
	struct pass_stats st = { .aged = 1 };
	int pass = 0;
	bool forced;

	mtx_lock(&vm_page_queue_free_mtx);
	for (;;) {
		if (vm_pages_needed && !vm_paging_needed() && vm_paging_target() <= 0)
			vm_pages_needed = 0;	/* caught up */
		if (vm_pageout_forced) {
			/* `pageout`: go now */
		} else if (vm_pages_needed) {
			pass++;
			if (pass_reclaimed(&st) + st.aged + st.deact == 0)	/* waiting for writes */
				msleep(&vm_pages_needed, &vm_page_queue_free_mtx, 0, "psleep",
				    hz / 10);
		} else {
			pass = 0;
			msleep(&vm_pages_needed, &vm_page_queue_free_mtx, 0, "psleep", 0);
		}
		forced = vm_pageout_forced != 0;
		vm_pageout_forced = 0;
		if (!vm_pages_needed && !forced)
			continue;
		mtx_unlock(&vm_page_queue_free_mtx);
		vm_pageout_scan(pass, forced, &st);
		mtx_lock(&vm_page_queue_free_mtx);
		cnt.v_pdpasses++;
		wakeup(&cnt.v_pdpasses);	/* vm_pageout_pass_now */
		vm_pageout_settle(&st);
	}
}

/*
 * vm_mem_init: the daemon's thread; it runs once the scheduler does.  Its
 * record and stack are static (kthread_create_static): starting it takes
 * no page, so the free queues after boot are what lab 02's graders model.
 */
static struct thread vm_pageout_thread;
static char vm_pageout_stack[KSTACK_PAGES * PAGE_SIZE] __aligned(PAGE_SIZE);

void
vm_pageout_start(void)
{
	kthread_create_static(&vm_pageout_thread, vm_pageout_stack, vm_pageout, NULL,
	    "pagedaemon");
	vm_pageout_td = &vm_pageout_thread;
}

/*
 * Have the daemon make one full pass now and wait for it (at most a
 * second).  Returns 0, or EWOULDBLOCK, or ENOENT without a daemon.
 */
int
vm_pageout_pass_now(void)
{
	u_int want;
	int error = 0;

	if (vm_pageout_td == NULL)
		return (ENOENT);
	mtx_lock(&vm_page_queue_free_mtx);
	want = cnt.v_pdpasses + 1;
	vm_pageout_forced = 1;
	wakeup(&vm_pages_needed);
	while ((int)(cnt.v_pdpasses - want) < 0 && error == 0)
		error = msleep(&cnt.v_pdpasses, &vm_page_queue_free_mtx, 0, "pdpass", hz);
	mtx_unlock(&vm_page_queue_free_mtx);
	return (error != 0 ? EWOULDBLOCK : 0);
}

MONITOR_CMD(pageout, "", "one page-daemon pass now, then what it did (vmstat)")
{
	int error;

	if (!vm_page_ready()) {
		printf("the VM system is off: no page daemon\n");
		return (0);
	}
	if ((error = vm_pageout_pass_now()) != 0) {
		printf("pageout: %s\n", error == ENOENT ? "no page daemon" :
		    "the daemon did not finish a pass within a second");
		return (0);
	}
	vm_meter_print();
	return (0);
}

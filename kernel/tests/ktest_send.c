/*
 * ktest_send.c - vm_page_cowfault (lab 04), the page-level copy-on-write of
 * zero-copy sends, on the paths a user program cannot reach on demand.
 *
 * cowfault_maps: one page of an object mapped (shared) by two address
 * spaces, both read in, wired once for a loan and once more (as an mlock
 * would); a write through the first makes the copy.  The second may not keep a mapping of the loaned page (it would
 * read the old bytes while its object holds new ones):
 *   maps first=<old|copy|none> second=<old|copy|none> copies=<n> data=<yesno>
 *       what each pmap maps at the address after the write (old: the
 *       loaned page), v_cowfaults_loan's change, the copy holds the
 *       page's bytes (and the write's word)
 *   loan old_object=<yesno> old_wired=<n> old_cow=<n> copy_wired=<n>
 *       want no 1 1 1: the copy takes the mlock's wiring, the loaned page
 *       keeps the loan's
 *
 * cowfault_sleep (cowfault.case=waited|renamed|ended): a thread calls
 * vm_page_cowfault on a loaned page while every page is taken (allocations
 * of NORMAL class fail), so it sleeps in VM_WAIT.  Meanwhile the test does
 * nothing (waited), moves the page to another object (renamed: it was
 * freed, cached or collapsed away while the thread slept), or ends the loan
 * (ended); then it gives the memory back:
 *   sleep case=<word> slept=<yesno> rv=<n> at=<none|old|copy> old_object=<none|first|other>
 *       old_wired=<n> old_cow=<n> copies=<n> data=<yesno>
 *       the page at pindex 0 of the first object afterwards, where the
 *       loaned page is, its counts, the copies made, and the page at
 *       pindex 0 holds the original bytes
 * Expected (grader/tests/test_send.py): waited: at=copy old_object=none
 * old_wired=1 old_cow=1 copies=1; renamed: at=none old_object=other
 * old_wired=1 old_cow=1 copies=0 (the seed's fix: no retry on a page that
 * is no longer the object's); ended: at=old old_object=first old_cow=0
 * copies=0.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_lock.h>
#include <vm/vm_pageout.h>
#include <vm/vmmeter.h>
#include <vm/pmap.h>

#define	UBASE		0x00400000ul
#define	UTOP		0x40000000ul
#define	PATTERN(i)	(0x5e4d0000u ^ (uint32_t)(i) * 2654435761u)
#define	WAIT_TICKS	(5 * hz)

/* Fill m with the test pattern, or say whether it holds it (word `skip` excepted). */
static void
send_fill(vm_page_t m)
{
	uint32_t *p = pmap_map_temp(VM_PAGE_TO_PHYS(m));

	for (u_int i = 0; i < PAGE_SIZE / 4; i++)
		p[i] = PATTERN(i);
	pmap_unmap_temp(p);
}

static bool
send_holds(vm_page_t m, u_int skip)
{
	uint32_t *p = pmap_map_temp(VM_PAGE_TO_PHYS(m));
	bool ok = true;

	for (u_int i = 0; i < PAGE_SIZE / 4; i++)
		if (i != skip && p[i] != PATTERN(i))
			ok = false;
	pmap_unmap_temp(p);
	return (ok);
}

/* A page of object at pindex 0 with the pattern, loaned (wired + vm_page_cowsetup). */
static vm_page_t
send_loaned_page(vm_object_t object)
{
	vm_page_t m;

	VM_OBJECT_LOCK(object);
	if ((m = vm_page_alloc(object, 0, VM_ALLOC_NORMAL | VM_ALLOC_NOBUSY)) != NULL) {
		send_fill(m);
		m->valid = VM_PAGE_BITS_ALL;
		vm_page_dirty(m);
		vm_page_lock_queues();
		vm_page_wire(m);
		(void)vm_page_cowsetup(m);
		vm_page_unlock_queues();
	}
	VM_OBJECT_UNLOCK(object);
	return (m);
}

/* End m's loans as kern_send.c does: a page in no object is freed by its last one. */
static void
send_end_loans(vm_page_t m)
{
	vm_page_lock_queues();
	while (m->cow > 0) {
		vm_page_cowclear(m);
		vm_page_unwire(m, 0);
	}
	if (m->wire_count == 0 && m->object == NULL)
		vm_page_free(m);
	vm_page_unlock_queues();
}

static const char *
send_which(vm_paddr_t pa, vm_page_t old, vm_page_t copy)
{
	if (pa == 0)
		return ("none");
	if (pa == VM_PAGE_TO_PHYS(old))
		return ("old");
	if (copy != NULL && pa == VM_PAGE_TO_PHYS(copy))
		return ("copy");
	return ("other");
}

KTEST(cowfault_maps, KTEST_VM)
{
	struct vmspace *vm[2] = { vmspace_alloc(UBASE, UTOP), vmspace_alloc(UBASE, UTOP) };
	vm_object_t object = vm_object_allocate(OBJT_DEFAULT, 1);
	vm_page_t m = NULL, copy = NULL;
	vm_paddr_t pa[2] = { 0, 0 };
	u_int copies = cnt.v_cowfaults_loan;
	bool data = false;
	uint32_t *p;
	int rv = KERN_FAILURE;

	KT_CHECK(t, vm[0] != NULL && vm[1] != NULL && object != NULL, "no memory");
	vm_object_reference(object);		/* one reference per map */
	KT_CHECK(t, vm_map_insert(&vm[0]->vm_map, object, 0, UBASE, UBASE + PAGE_SIZE, VM_PROT_RW,
	    VM_PROT_ALL, 0) == KERN_SUCCESS && vm_map_insert(&vm[1]->vm_map, object, 0, UBASE,
	    UBASE + PAGE_SIZE, VM_PROT_RW, VM_PROT_ALL, 0) == KERN_SUCCESS, "vm_map_insert failed");
	m = send_loaned_page(object);
	KT_CHECK(t, m != NULL, "no page");
	vm_page_lock_queues();
	vm_page_wire(m);			/* one wiring that is not the loan's (an mlock) */
	vm_page_unlock_queues();
	/* Both map it (read), then the loan write-protects both. */
	for (int i = 0; i < 2; i++)
		(void)vm_fault(&vm[i]->vm_map, UBASE, VM_PROT_READ, VM_FAULT_NORMAL);
	vm_page_lock_queues();
	pmap_remove_write(m);
	vm_page_unlock_queues();
	KT_CHECK(t, pmap_extract(vmspace_pmap(vm[0]), UBASE) == VM_PAGE_TO_PHYS(m) &&
	    pmap_extract(vmspace_pmap(vm[1]), UBASE) == VM_PAGE_TO_PHYS(m),
	    "the two maps do not both map the page before the write");
	rv = vm_fault(&vm[0]->vm_map, UBASE, VM_PROT_RW, VM_FAULT_NORMAL);
	VM_OBJECT_LOCK(object);
	copy = vm_page_lookup(object, 0);
	VM_OBJECT_UNLOCK(object);
	for (int i = 0; i < 2; i++)
		pa[i] = pmap_extract(vmspace_pmap(vm[i]), UBASE);
	if (copy != NULL && copy != m) {
		p = pmap_map_temp(VM_PAGE_TO_PHYS(copy));
		p[7] = 0xfeedface;		/* the write the fault was for */
		pmap_unmap_temp(p);
		data = send_holds(copy, 7) && send_holds(m, ~0u);
	}
	ktest_data(t, "maps first=%s second=%s copies=%u data=%s", send_which(pa[0], m, copy),
	    send_which(pa[1], m, copy), cnt.v_cowfaults_loan - copies, data ? "yes" : "no");
	ktest_data(t, "loan old_object=%s old_wired=%u old_cow=%u copy_wired=%u",
	    m->object != NULL ? "yes" : "no", m->wire_count, m->cow,
	    copy != NULL && copy != m ? copy->wire_count : 0);
	KT_CHECK(t, rv == KERN_SUCCESS, "the write fault failed: %s", vm_fault_result_name(rv));
	send_end_loans(m);
	vm_page_lock_queues();
	vm_page_unwire(copy != NULL && copy != m && copy->wire_count > 0 ? copy : m, 0);
	vm_page_unlock_queues();
	vmspace_free(vm[0]);
	vmspace_free(vm[1]);
	KT_CHECK(t, pa[1] != VM_PAGE_TO_PHYS(m), "the second map still maps the loaned page");
}

/* ---- cowfault_sleep ----------------------------------------------------- */

struct cowsleep {
	vm_object_t	object;
	vm_page_t	m;
	volatile bool	go, done;
	int		rv;
};

static void
cowsleep_thread(void *arg)
{
	struct cowsleep *c = arg;

	while (!c->go)
		pause("cowgo", 1);
	VM_OBJECT_LOCK(c->object);
	vm_object_pip_add(c->object, 1);	/* as vm_fault: the object outlives the sleep */
	c->rv = vm_page_cowfault(c->m);
	vm_object_pip_wakeup(c->object);
	VM_OBJECT_UNLOCK(c->object);
	c->done = true;
}

/* Take every page a NORMAL allocation may have; give them back. */
static u_int
hoard_fill(struct pglist *h)
{
	vm_page_t p;
	u_int n = 0;

	while ((p = vm_page_alloc(NULL, 0, VM_ALLOC_NORMAL | VM_ALLOC_NOOBJ)) != NULL) {
		TAILQ_INSERT_TAIL(h, p, pageq);
		n++;
	}
	return (n);
}

static void
hoard_free(struct pglist *h)
{
	vm_page_t p;

	vm_page_lock_queues();
	while ((p = TAILQ_FIRST(h)) != NULL) {
		TAILQ_REMOVE(h, p, pageq);
		vm_page_free(p);
	}
	vm_page_unlock_queues();
}

KTEST(cowfault_sleep, KTEST_VM | KTEST_EXPLICIT)
{
	const char *which = kenv_get("cowfault.case");
	struct cowsleep c = { .go = false, .done = false, .rv = 99 };
	vm_object_t other = NULL;
	struct pglist hoard = TAILQ_HEAD_INITIALIZER(hoard);
	struct thread *td;
	vm_page_t at = NULL;
	u_int copies, hoarded;
	bool slept = false, data = false;

	KT_SKIP_UNLESS(t, which != NULL && (strcmp(which, "waited") == 0 ||
	    strcmp(which, "renamed") == 0 || strcmp(which, "ended") == 0),
	    "needs cowfault.case=waited|renamed|ended");
	c.object = vm_object_allocate(OBJT_DEFAULT, 1);
	other = vm_object_allocate(OBJT_DEFAULT, 1);
	KT_CHECK(t, c.object != NULL && other != NULL, "no memory for the objects");
	c.m = send_loaned_page(c.object);
	KT_CHECK(t, c.m != NULL, "no page");
	KT_CHECK(t, kthread_create(cowsleep_thread, &c, &td, "cowsleep") == 0, "no thread");
	copies = cnt.v_cowfaults_loan;
	hoarded = hoard_fill(&hoard);
	c.go = true;
	for (int i = 0; i < WAIT_TICKS && !c.done && !(slept = vm_page_waiters > 0); i++)
		pause("cowslp", 1);
	if (slept && strcmp(which, "renamed") == 0) {
		VM_OBJECT_LOCK(c.object);
		VM_OBJECT_LOCK(other);
		vm_page_rename(c.m, other, 0);
		VM_OBJECT_UNLOCK(other);
		VM_OBJECT_UNLOCK(c.object);
	} else if (slept && strcmp(which, "ended") == 0)
		send_end_loans(c.m);
	hoard_free(&hoard);
	for (int i = 0; i < WAIT_TICKS && !c.done; i++)
		pause("cowdone", 1);
	KT_CHECK(t, c.done, "vm_page_cowfault did not return within %d ticks of the memory "
	    "coming back", WAIT_TICKS);
	VM_OBJECT_LOCK(c.object);
	at = vm_page_lookup(c.object, 0);
	data = at != NULL && send_holds(at, ~0u);
	VM_OBJECT_UNLOCK(c.object);
	ktest_data(t, "sleep case=%s slept=%s rv=%d at=%s old_object=%s old_wired=%u old_cow=%u "
	    "copies=%u data=%s", which, slept ? "yes" : "no", c.rv,
	    at == NULL ? "none" : at == c.m ? "old" : "copy",
	    c.m->object == NULL ? "none" : c.m->object == c.object ? "first" : "other",
	    c.m->wire_count, c.m->cow, cnt.v_cowfaults_loan - copies, data ? "yes" : "no");
	ktest_detail(t, "%u pages taken", hoarded);
	send_end_loans(c.m);
	vm_object_deallocate(other);
	vm_object_deallocate(c.object);
	thread_reap_dead();
}

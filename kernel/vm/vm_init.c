/*
 * vm_init.c - start the VM system: one entry point, vm_mem_init() (FreeBSD's
 * name), that starts each VM subsystem in the order they need each other.
 * mi_startup() calls it once the kernel has malloc and kernel virtual
 * addresses; nothing in the VM system starts another subsystem from its tail.
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_extern.h>
#include <vm/vm_kern.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <vm/vm_pageout.h>
#include <vm/pmap.h>

void
vm_mem_init(void)
{
	vm_page_startup();		/* the page array; every free page to vm_phys */
	vm_phys_print_freelists();	/* the machine's free lists, for people and graders */
	if (!vm_page_ready())
		return;			/* no page array (lab 01 not done): the VM stays off */
	vm_object_init();		/* the list of objects (`pages check` walks it) */
	kmem_init();			/* malloc may grow onto the page allocator */
	pmap_init();			/* the pmap's per-page machinery (pv chunks) */
	kmap_init();			/* the kernel map: pageable kernel memory */
	vm_pageout_init();		/* the page daemon's thresholds, from memory size */
	vm_pager_init();		/* the pagers, as they use all of the above */
	vm_pageout_start();		/* the "pagedaemon" thread; runs once threads do */
}

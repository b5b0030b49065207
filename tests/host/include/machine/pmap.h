/*
 * machine/pmap.h for the hosted build (tests/host): the host has no page
 * tables, so a page's machine-dependent state is only the pv list head that
 * struct vm_page embeds (m->md) and vm_page_init_page() initialises.
 */
#ifndef _MACHINE_PMAP_H_
#define _MACHINE_PMAP_H_

#include <sys/types.h>
#include <sys/queue.h>

struct pv_entry;

struct md_page {
	TAILQ_HEAD(, pv_entry) pv_list;	/* always empty here */
};

struct pmap {
	int	pm_unused;
};

#define	pmap_page_init(m)	TAILQ_INIT(&(m)->md.pv_list)

#endif

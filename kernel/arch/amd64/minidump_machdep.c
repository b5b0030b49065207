/*
 * minidump_machdep.c - the amd64 half of the minidump
 * (sys/kerneldump.h): the header's machine fields and the kernel's page
 * tables.  Every kernel PTE from KERNBASE to KVA_END (1 GiB) is in one flat,
 * physically contiguous array (pmap.c's KPTmap, in the low map at
 * KERNBASE + pa), so the dump writes it as it is, up to its last page that
 * maps something.  The kernel maps only 4 KiB pages: no large page to
 * expand.  The direct map is described, not walked: [dmapbase, dmapend)
 * maps pa + dmapbase, and the pages the kernel reaches only through it are
 * in the dump when it called dump_add_page() for them.
 * The page-table half, the same on every port, is arch/x86/minidump_x86.c.
 */
#include <sys/systm.h>
#include <sys/kerneldump.h>
#include <machine/param.h>
#include <machine/pte.h>
#include <machine/md_var.h>
#include <vm/vm_param.h>

void
minidump_md_header(struct minidumphdr *h)
{
	strlcpy(h->config, MACHINE_CONFIG, sizeof(h->config));
	h->ptewidth = sizeof(pt_entry_t);
	h->kernbase = KERNBASE;
	h->dmapbase = DMAP_MIN_ADDRESS;
	h->dmapend = DMAP_MIN_ADDRESS + pmap_dmap_end();
}

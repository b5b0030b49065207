/*
 * minidump_x86.c - the kernel page-table half of the minidump, the same on
 * every port (sys/kerneldump.h): the kernel's PTEs are one flat, physically
 * contiguous array (pmap.c's KPTmap, pmap_kptmap()) of 4 KiB mappings, so
 * the dump writes it as it is, up to its last page that maps something,
 * and dumps every page a valid PTE maps.  Each port's minidump_machdep.c
 * fills the header's machine fields.
 */
#include <sys/systm.h>
#include <sys/kerneldump.h>
#include <machine/param.h>
#include <machine/pte.h>
#include <machine/md_var.h>
#include <vm/vm_param.h>

vm_paddr_t
minidump_md_ptes(uint32_t *bytes)
{
	u_long n, last = 0;
	pt_entry_t *pte = pmap_kptmap(&n);

	for (u_long i = 0; i < n; i++)
		if ((pte[i] & PG_V) != 0)
			last = i;
	*bytes = (uint32_t)roundup2((last + 1) * sizeof(pt_entry_t), PAGE_SIZE);
	return ((vm_paddr_t)((uintptr_t)pte - KERNBASE));
}

void
minidump_md_walk(void (*fn)(vm_paddr_t pa))
{
	u_long n;
	pt_entry_t *pte = pmap_kptmap(&n);

	for (u_long i = 0; i < n; i++)
		if ((pte[i] & PG_V) != 0)
			fn((vm_paddr_t)(pte[i] & PG_FRAME));
}

/*
 * vm/vm_param.h - physical memory as the machine layer found it, and the
 * page arithmetic every VM file uses.
 *
 * phys_avail[] and dump_avail[] are arrays of [start, end) pairs of
 * vm_paddr_t, sorted, page-aligned and ended by a 0,0 pair:
 *
 *   phys_avail: memory the page allocator may hand out (RAM less page 0,
 *               the kernel image and the boot allocations);
 *   dump_avail: memory a crash dump may contain (all usable RAM, kernel
 *               image included).
 *
 * phys_ignored counts RAM the configuration cannot address (RAM at or above
 * 4 GiB on plain i386), so the kernel can say what it left out.
 */
#ifndef _VM_VM_PARAM_H_
#define _VM_VM_PARAM_H_

#include <sys/types.h>
#include <machine/param.h>

#define	PHYS_AVAIL_ENTRIES	32	/* pairs, including the terminating 0,0 */

extern vm_paddr_t phys_avail[PHYS_AVAIL_ENTRIES * 2];
extern vm_paddr_t dump_avail[PHYS_AVAIL_ENTRIES * 2];
extern uint64_t phys_ignored;

#define	trunc_page(x)	((x) & ~(__typeof__(x))PAGE_MASK)
#define	round_page(x)	(((x) + PAGE_MASK) & ~(__typeof__(x))PAGE_MASK)
#define	atop(x)		((x) >> PAGE_SHIFT)
#define	ptoa(x)		((vm_paddr_t)(x) << PAGE_SHIFT)

/* The highest physical address a command or tunable may name (inclusive):
 * parse into 64 bits and check against this before narrowing to vm_paddr_t. */
#define	PADDR_MAX	((uint64_t)(PHYS_ADDR_LIMIT - 1))

void	physmem_add(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end);
void	physmem_exclude(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end);
uint64_t physmem_end_limit(uint64_t machine_limit, int paddr_bits);
uint64_t physmem_add_ram(vm_paddr_t *avail, int entries, uint64_t start, uint64_t end,
	    uint64_t limit);
bool	physmem_contains(const vm_paddr_t *avail, vm_paddr_t first, vm_paddr_t last);
uint64_t physmem_total(const vm_paddr_t *avail);
void	physmem_print(const char *name, const vm_paddr_t *avail);

#endif

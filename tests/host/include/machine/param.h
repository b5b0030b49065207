/*
 * machine/param.h for the hosted build (tests/host): the host's page
 * geometry (4 KiB on x86_64 and the default elsewhere) and the limits of
 * the hosted configuration.  Nothing here describes i386: the tests lay out
 * their own physical memory, up to PHYS_ADDR_LIMIT.
 */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#define	MACHINE_ARCH	"host"
#define	MACHINE_CONFIG	"host"
#define	PAGE_SHIFT	12
#define	PAGE_SIZE	4096
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	VM_NFREEORDER	11		/* blocks of up to 2^10 pages = 4 MiB */
#define	PHYS_ADDR_LIMIT	(1ull << 40)	/* simulated RAM may lie above 4 GiB */

#endif

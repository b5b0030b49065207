/*
 * machine/param.h for the hosted build: page geometry only.  Nothing here
 * describes a real machine; the tests build their own physical layouts.
 */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#define	MACHINE_ARCH	"host"
#define	MACHINE_CONFIG	"host"
#define	PAGE_SHIFT	12
#define	PAGE_SIZE	4096
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	VM_NFREEORDER	11
#define	PHYS_ADDR_LIMIT	(1ull << 40)

#endif

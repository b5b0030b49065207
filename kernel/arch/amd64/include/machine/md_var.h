/*
 * machine/md_var.h - machine-dependent entry points that only the amd64
 * layer (and the shared uart.c) calls among itself: machine/md_var_x86.h's,
 * and amd64's own.
 */
#ifndef _MACHINE_MD_VAR_H_
#define _MACHINE_MD_VAR_H_

#include <machine/md_var_x86.h>

void	amd64_init(uint32_t magic, uint32_t mbi_pa) __noreturn;
extern uint32_t amd_feature;		/* CPUID 0x80000001 %edx (locore.S) */
vm_paddr_t pmap_dmap_end(void);	/* the direct map covers [0, this) */

#endif

/*
 * machine/md_var.h - machine-dependent entry points that only the i386
 * layer calls among itself: machine/md_var_x86.h's, and i386's own.
 */
#ifndef _MACHINE_MD_VAR_H_
#define _MACHINE_MD_VAR_H_

#include <machine/md_var_x86.h>

void	i386_init(uint32_t magic, uint32_t mbi_pa) __noreturn;

#endif

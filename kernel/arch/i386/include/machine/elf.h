/* machine/elf.h - the ELF programs this kernel runs: 32-bit, EM_386. */
#ifndef _MACHINE_ELF_H_
#define _MACHINE_ELF_H_

#include <sys/elf.h>

typedef Elf32_Ehdr Elf_Ehdr;
typedef Elf32_Phdr Elf_Phdr;
#define	ELF_TARG_CLASS	ELFCLASS32
#define	ELF_TARG_MACH	3		/* EM_386 */

#endif

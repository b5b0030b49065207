/* machine/elf.h - the ELF programs this kernel runs: 64-bit, EM_X86_64. */
#ifndef _MACHINE_ELF_H_
#define _MACHINE_ELF_H_

#include <sys/elf.h>

typedef Elf64_Ehdr Elf_Ehdr;
typedef Elf64_Phdr Elf_Phdr;
#define	ELF_TARG_CLASS	ELFCLASS64
#define	ELF_TARG_MACH	62		/* EM_X86_64 */

#endif

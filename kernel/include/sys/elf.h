/*
 * sys/elf.h - the bits of ELF the program loader (kern_exec.c) reads: the
 * file header and the program headers, in both classes; machine/elf.h
 * says which class and machine this kernel runs (Elf_Ehdr, Elf_Phdr,
 * ELF_TARG_CLASS, ELF_TARG_MACH).
 */
#ifndef _SYS_ELF_H_
#define _SYS_ELF_H_

#include <sys/types.h>

#define	EI_NIDENT	16
#define	EI_CLASS	4
#define	EI_DATA		5
#define	ELFCLASS32	1
#define	ELFCLASS64	2
#define	ELFDATA2LSB	1
#define	ET_EXEC		2
#define	PT_LOAD		1
#define	PF_X		0x1
#define	PF_W		0x2
#define	PF_R		0x4

typedef struct {
	uint8_t		e_ident[EI_NIDENT];
	uint16_t	e_type, e_machine;
	uint32_t	e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t	e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf32_Ehdr;

typedef struct {
	uint32_t	p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} Elf32_Phdr;

typedef struct {
	uint8_t		e_ident[EI_NIDENT];
	uint16_t	e_type, e_machine;
	uint32_t	e_version;
	uint64_t	e_entry, e_phoff, e_shoff;
	uint32_t	e_flags;
	uint16_t	e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t	p_type, p_flags;
	uint64_t	p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

#endif

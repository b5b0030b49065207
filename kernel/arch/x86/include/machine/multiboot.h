/*
 * machine/multiboot.h - the parts of the Multiboot v1 information structure
 * the kernel reads: the command line and the BIOS memory map.
 */
#ifndef _MACHINE_MULTIBOOT_H_
#define _MACHINE_MULTIBOOT_H_

#include <sys/types.h>

#define	MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002
#define	MBI_FLAG_MEM		0x001
#define	MBI_FLAG_CMDLINE	0x004
#define	MBI_FLAG_MMAP		0x040

struct multiboot_info {
	uint32_t	flags;
	uint32_t	mem_lower, mem_upper;	/* KiB; mem_upper stops at 4 GiB */
	uint32_t	boot_device;
	uint32_t	cmdline;		/* physical address of a C string */
	uint32_t	mods_count, mods_addr;
	uint32_t	syms[4];
	uint32_t	mmap_length, mmap_addr;	/* physical address of the map */
};

/* One memory-map entry; `size` does not count itself. */
struct multiboot_mmap_entry {
	uint32_t	size;
	uint64_t	addr;
	uint64_t	len;
	uint32_t	type;			/* 1 = usable RAM */
} __packed;

#define	MMAP_TYPE_RAM	1

#endif

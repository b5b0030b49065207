/*
 * sys/kerneldump.h - the minidump: what a panic (or the monitor's `dump`)
 * writes to the dump disk, FreeBSD's minidump format adapted to vmkit's
 * three configs.  tools/minidump.py reads it on the host.
 *
 * Layout on the dump disk, from sector 0, every part a whole number of pages:
 *
 *   +--------+---------+--------+--------------------+---------------------+
 *   | header | msgbuf  | bitmap | kernel PTEs        | the pages, ascending |
 *   | 1 page | MSGBUF_ | 1 bit  | KPTmap from        | physical order, one  |
 *   |        | SIZE    | /frame | kernbase, ptesize  | per set bitmap bit   |
 *   +--------+---------+--------+--------------------+---------------------+
 *
 * The kernel's PTEs are one flat array on every config (KPTmap: entry i
 * maps kernbase + i * PAGE_SIZE, 4 KiB pages only, ptewidth bytes each), so
 * a reader translates a kernel virtual address with one lookup; on amd64
 * the direct map [dmapbase, dmapend) is pa + dmapbase, as in FreeBSD's
 * amd64 minidump header.  Which frames are dumped: every page mapped in
 * kernel virtual memory, every page given to dump_add_page() (malloc's
 * slabs, the page array, the bitmap), none outside dump_avail.
 *
 * The header is written twice: first without MINIDUMP_COMPLETE, last with
 * it, so a dump cut short (the machine died while writing) says so.  A disk
 * too small for every page gets what fits, MINIDUMP_TRUNCATED, and
 * pageswritten < npages: the first pageswritten frames of the bitmap.
 */
#ifndef _SYS_KERNELDUMP_H_
#define _SYS_KERNELDUMP_H_

#include <sys/types.h>

#define	MINIDUMP_MAGIC		"minidump vmkit"
#define	MINIDUMP_VERSION	1

#define	MINIDUMP_COMPLETE	0x1	/* every part was written */
#define	MINIDUMP_TRUNCATED	0x2	/* the disk was too small: pageswritten < npages */
#define	MINIDUMP_PANIC		0x4	/* written by panic (else by `dump` or a test) */

struct minidumphdr {
	char		magic[24];	/* MINIDUMP_MAGIC, NUL-padded */
	char		config[16];	/* "i386", "i386-pae", "amd64" */
	uint32_t	version;
	uint32_t	flags;
	uint32_t	msgbufsize;	/* bytes */
	uint32_t	bitmapsize;	/* bytes, a multiple of PAGE_SIZE */
	uint32_t	ptesize;	/* bytes of kernel PTEs, a multiple of PAGE_SIZE */
	uint32_t	ptewidth;	/* 4 (i386) or 8 (PAE, amd64) */
	uint64_t	kernbase;	/* the virtual address of PTE 0 */
	uint64_t	dmapbase;	/* amd64: the direct map; else 0, 0 */
	uint64_t	dmapend;
	uint64_t	msgbufseq;	/* bytes ever added to the msgbuf (sys/msgbuf.h) */
	uint64_t	npages;		/* bits set in the bitmap */
	uint64_t	pageswritten;	/* pages after the PTEs */
	uint64_t	dumpsize;	/* bytes written, header included */
	uint64_t	physmem;	/* bytes of RAM (dump_avail) */
	uint64_t	pc, sp, fp;	/* dumpsys's caller, as it returns (a core's registers) */
	uint64_t	dumptime;	/* cpu_ticks() the dump took */
	uint64_t	tickrate;	/* cpu_ticks() per second */
	char		panicstr[192];	/* the panic message, or why the dump was taken */
};

extern const char *panicstr;	/* kern_shutdown.c: set once a panic starts */

int	dumpsys(const char *why, bool panic);	/* 0 or an errno; says what it did */

/*
 * The machine's half (arch/ARCH/minidump_machdep.c).  minidump_md_header
 * fills config, ptewidth, kernbase and the direct map; minidump_md_ptes
 * gives the physical address and size of the flat kernel PTE array (up to
 * the last page of it with a valid entry); minidump_md_walk calls fn for
 * the frame of every valid kernel PTE.
 */
struct minidumphdr;
void	minidump_md_header(struct minidumphdr *h);
vm_paddr_t minidump_md_ptes(uint32_t *bytes);
void	minidump_md_walk(void (*fn)(vm_paddr_t pa));

#endif /* !_SYS_KERNELDUMP_H_ */

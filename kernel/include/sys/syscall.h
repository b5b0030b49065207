/*
 * sys/syscall.h - system call numbers, shared by the kernel's table
 * (kern/kern_syscall.c) and user/'s stubs (user/lib/usys.S includes this
 * file): one list, so the two cannot disagree.  Only #defines here, so
 * both an assembler and a user program can include it.
 *
 * The convention: `int $0x80' with the number in eax/rax; arguments in
 * ebx ecx edx esi edi ebp (i386) or rdi rsi rdx r10 r8 r9 (amd64); the
 * result in eax/rax, a value >= 0 or -errno.
 */
#ifndef _SYS_SYSCALL_H_
#define _SYS_SYSCALL_H_

#define	SYS_exit	1	/* (int status): does not return */
#define	SYS_fork	2	/* (): child pid, 0 in the child */
#define	SYS_read	3	/* (int fd, void *buf, size_t n): fd 0 the console, >= 3 a file */
#define	SYS_write	4	/* (int fd, const void *buf, size_t n): fd 1, 2 the console, >= 3 a file */
#define	SYS_wait	5	/* (int *status): a reaped child's pid; -ECHILD if none */
#define	SYS_execve	6	/* (const char *path, char *const argv[]): an embedded program */
#define	SYS_getpid	7	/* () */
#define	SYS_sbrk	8	/* (intptr_t incr): the old break */
#define	SYS_sched_yield	9	/* () */
#define	SYS_nanosleep	10	/* (uint64_t *nsec): sleeps that long (whole ticks, rounded up) */
#define	SYS_mmap	11	/* (void *addr, size_t len, int prot, int flags, int fd, off): anonymous or a file */
#define	SYS_munmap	12	/* (void *addr, size_t len) */
#define	SYS_mprotect	13	/* (void *addr, size_t len, int prot) */
#define	SYS_open	14	/* (const char *name): a flat file system file, fd >= 3 */
#define	SYS_close	15	/* (int fd) */
#define	SYS_fsync	16	/* (int fd): its dirty pages to the disk */
#define	SYS_ftruncate	17	/* (int fd, uint64_t *len) */
#define	SYS_lseek	18	/* (int fd, uint64_t *off): sets the offset; SEEK_SET only */
#define	SYS_send	19	/* (const void *buf, size_t len): zero-copy, a send id (kern_send.c) */
#define	SYS_sendwait	20	/* (): waits for the caller's sends; how many there were */
#define	SYS_MAXSYSCALL	25

/* mmap/mprotect prot (VM_PROT_* values) and mmap flags. */
#define	PROT_READ	0x01
#define	PROT_WRITE	0x02
#define	PROT_EXEC	0x04
#define	MAP_SHARED	0x01	/* fd's file: writes reach it; anonymous: shared with children */
#define	MAP_PRIVATE	0x02	/* fd's file copy-on-write: writes stay in this process */
#define	MAP_FIXED	0x10	/* exactly at addr, else the first free range at or above it */
#define	MAP_ANON	0x1000	/* no file (fd, off ignored); so is a mapping with neither of
				   MAP_SHARED, MAP_PRIVATE: the four-argument form */

#endif

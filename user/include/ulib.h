/*
 * ulib.h - vmkit's small user libc: system calls (user/arch/ARCH/usys.S),
 * strings, printf, malloc (user/lib/).  System calls return what the
 * kernel does: a value >= 0, or -errno (no errno variable).
 */
#ifndef _ULIB_H_
#define _ULIB_H_

#include <sys/syscall.h>

typedef unsigned long	size_t;
typedef long		ssize_t;
typedef long		intptr_t;
typedef unsigned long	uintptr_t;
typedef unsigned int	uint32_t;
typedef unsigned long long uint64_t;
typedef __builtin_va_list va_list;
#define	va_start(ap, last)	__builtin_va_start(ap, last)
#define	va_arg(ap, t)		__builtin_va_arg(ap, t)
#define	va_end(ap)		__builtin_va_end(ap)
#define	NULL		((void *)0)
#define	PAGE_SIZE	4096
#define	nitems(a)	(sizeof(a) / sizeof((a)[0]))
typedef _Bool		bool;
#define	true		1
#define	false		0

/* errno values, the kernel's (sys/types.h). */
#define	ENOENT		2
#define	ESRCH		3
#define	E2BIG		7
#define	ENOEXEC		8
#define	EBADF		9
#define	ECHILD		10
#define	ENOMEM		12
#define	EACCES		13
#define	EFAULT		14
#define	ENODEV		19
#define	EINVAL		22
#define	EMFILE		24
#define	ENOSPC		28
#define	ENXIO		6
#define	ENAMETOOLONG	63
#define	ENOSYS		78

/* System calls. */
void	exit(int status) __attribute__((noreturn));
int	fork(void);
ssize_t	read(int fd, void *buf, size_t n);
ssize_t	write(int fd, const void *buf, size_t n);
int	wait(int *status);
int	execve(const char *path, char *const argv[]);
int	getpid(void);
intptr_t sbrk(intptr_t incr);		/* the old break, or -errno */
int	sched_yield(void);
int	nanosleep(const uint64_t *nsec);
/* mmap(addr, len, prot, flags[, fd, off]): anonymous, or with MAP_SHARED/MAP_PRIVATE fd's file. */
intptr_t mmap(void *addr, size_t len, int prot, int flags, ...);
int	munmap(void *addr, size_t len);
int	mprotect(void *addr, size_t len, int prot);
int	open(const char *name);		/* a flat file system file: fd >= 3 */
int	close(int fd);
int	fsync(int fd);
int	ftruncate(int fd, const uint64_t *len);
int	lseek(int fd, const uint64_t *off);	/* sets the offset */
int	send(const void *buf, size_t len);	/* zero-copy to the send disk: a send id */
int	sendwait(void);			/* waits for this process's sends: how many */

/* Strings and numbers (ulib.c). */
size_t	strlen(const char *s);
int	strcmp(const char *a, const char *b);
int	strncmp(const char *a, const char *b, size_t n);
char	*strcpy(char *d, const char *s);
void	*memmove(void *d, const void *s, size_t n);
char	*strchr(const char *s, int c);
size_t	strlcpy(char *d, const char *s, size_t size);	/* kernel/libkern/string.c, shared */
void	*memset(void *d, int c, size_t n);
void	*memcpy(void *d, const void *s, size_t n);
int	memcmp(const void *a, const void *b, size_t n);
unsigned long strtoul(const char *s, char **end, int base);
int	atoi(const char *s);
uint32_t crc32(uint32_t crc, const void *buf, size_t n);	/* zlib's; start with 0 */

/* Output (printf.c): to fd 1, through one write per call. */
int	printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int	vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* The heap (malloc.c), on sbrk. */
void	*malloc(size_t n);
void	free(void *p);

/* Run a program and wait for it (ulib.c): its exit status, or -errno. */
int	spawn_wait(const char *path, char *const argv[]);

/* A 32-bit LCG the grader recomputes (grader/tests/test_user.py: lcg). */
static inline uint32_t
lcg_next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8);
}

#endif

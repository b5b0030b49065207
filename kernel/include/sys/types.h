/*
 * sys/types.h - the kernel's basic types, built on the machine's sizes.
 *
 * Machine-independent code includes this (never machine/types.h directly),
 * so the same source compiles for the kernel and for the hosted test build
 * (tests/host/), where machine/types.h comes from the host shim.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <machine/types.h>

typedef _Bool bool;
#define	true	1
#define	false	0

typedef uint8_t		u_char;
typedef uint32_t	u_int;
typedef unsigned long	u_long;
typedef uint64_t	vm_pindex_t;	/* a page index within an object */
typedef int64_t		daddr_t;	/* a disk address, in DEV_BSIZE sectors */

#define	UINT64_MAX	0xffffffffffffffffull
#define	UINT32_MAX	0xffffffffu

#ifndef NULL
#define	NULL	((void *)0)
#endif

#define	offsetof(t, f)	__builtin_offsetof(t, f)
#define	nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define	MIN(a, b)	((a) < (b) ? (a) : (b))
#define	MAX(a, b)	((a) > (b) ? (a) : (b))
#define	roundup2(x, y)	(((x) + ((y) - 1)) & ~((__typeof__(x))(y) - 1))
#define	rounddown2(x, y) ((x) & ~((__typeof__(x))(y) - 1))
#define	powerof2(x)	((((x) - 1) & (x)) == 0)

#define	__unused	__attribute__((unused))
#define	__packed	__attribute__((packed))
#define	__aligned(x)	__attribute__((aligned(x)))
#define	__noreturn	__attribute__((noreturn))
#define	__printflike(f, a) __attribute__((format(__printf__, f, a)))
#define	__section(s)	__attribute__((section(s)))
#define	__used		__attribute__((used))

typedef __builtin_va_list va_list;
#define	va_start(ap, last)	__builtin_va_start(ap, last)
#define	va_arg(ap, t)		__builtin_va_arg(ap, t)
#define	va_end(ap)		__builtin_va_end(ap)
#define	va_copy(d, s)		__builtin_va_copy(d, s)

/* errno values returned by kernel functions (positive, as in BSD). */
#define	ENOENT		2
#define	ESRCH		3	/* no such process */
#define	EIO		5	/* the device failed or did not answer */
#define	ENXIO		6
#define	E2BIG		7	/* execve: arguments too long */
#define	ENOEXEC		8	/* execve: not a program this kernel runs */
#define	EBADF		9	/* not an open file descriptor */
#define	ECHILD		10	/* wait: no children */
#define	ENOMEM		12
#define	EACCES		13	/* mprotect above the maximum protection */
#define	EFAULT		14
#define	EBUSY		16
#define	ENODEV		19	/* no such device (no dump disk, no polled path) */
#define	EEXIST		17
#define	EINVAL		22
#define	EMFILE		24	/* no free file descriptor */
#define	EFBIG		27	/* past a file's fixed extent (vfs_flat.c) */
#define	ENOSPC		28	/* the dump disk is too small for the dump's metadata */
#define	EROFS		30	/* a write to a read-only disk */
#define	ERANGE		34
#define	EAGAIN		35
#define	ENAMETOOLONG	63	/* a string longer than its buffer */
#define	EWOULDBLOCK	EAGAIN		/* msleep: the time-out ran out */
#define	ENOSYS		78
#define	EFTYPE		79	/* not our file system (bad magic) */

#endif /* !_SYS_TYPES_H_ */

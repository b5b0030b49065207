/*
 * kern_exec.h - execve's arguments and the embedded programs (kern_exec.c;
 * private to kern/: kern_proc.c and kern_syscall.c use it).
 */
#ifndef _KERN_KERN_EXEC_H_
#define _KERN_KERN_EXEC_H_

#include <sys/types.h>

#define	EXEC_PATHMAX	64
#define	EXEC_ARGMAX	4096		/* bytes of argument strings, NULs included */
#define	EXEC_MAXARGS	32
#define	USTACK_SIZE	(256u * 1024)	/* the user stack; below it an unmapped gap */

/* The arguments, copied into the kernel before the old address space goes. */
struct exec_args {
	char	path[EXEC_PATHMAX];
	int	argc;
	size_t	len;			/* bytes of buf used */
	char	buf[EXEC_ARGMAX];	/* argv[0..argc-1], each NUL-terminated, in order */
};

/* A program linked into the kernel image (the build's user_programs.S). */
struct uprog {
	const char	*name;
	const char	*start;		/* its ELF file */
	const char	*end;
};
extern const struct uprog user_programs[];	/* ends with a NULL name */

struct thread;
int	exec_args_kernel(struct exec_args *ea, const char *path, char *const argv[]);
int	exec_args_user(struct exec_args *ea, const char *upath, char *const *uargv);
int	kern_execve(struct thread *td, const struct exec_args *ea);
const char *exec_basename(const char *path);
void	exec_list_programs(void);

#endif

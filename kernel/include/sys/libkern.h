/*
 * sys/libkern.h - the memory and string routines of kernel/libkern/string.c,
 * which the kernel (through sys/systm.h) and user programs' libc share.
 */
#ifndef _SYS_LIBKERN_H_
#define _SYS_LIBKERN_H_

#include <sys/types.h>

void	*memset(void *, int, size_t);
void	*memcpy(void *, const void *, size_t);
void	*memmove(void *, const void *, size_t);
int	memcmp(const void *, const void *, size_t);
size_t	strlen(const char *);
int	strcmp(const char *, const char *);
int	strncmp(const char *, const char *, size_t);
char	*strchr(const char *, int);
size_t	strlcpy(char *, const char *, size_t);

#endif /* !_SYS_LIBKERN_H_ */

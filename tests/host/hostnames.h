/*
 * hostnames.h - forced into every kernel file of the hosted build
 * (-include).  The kernel's libkern defines malloc, printf, memset... with
 * the C library's names; in a host process those would replace libc's for
 * everyone, sanitizer runtime included.  Renaming them vmk_* keeps the two
 * apart.  The kernel-side tests (harness.h) are compiled with this too, so
 * their malloc() is the kernel's; they reach libc's through libc_oracle.h.
 */
#define	memset		vmk_memset
#define	memcpy		vmk_memcpy
#define	memmove		vmk_memmove
#define	memcmp		vmk_memcmp
#define	strlen		vmk_strlen
#define	strcmp		vmk_strcmp
#define	strncmp		vmk_strncmp
#define	strchr		vmk_strchr
#define	strlcpy		vmk_strlcpy
#define	strtoull	vmk_strtoull
#define	isspace		vmk_isspace
#define	isdigit		vmk_isdigit
#define	isxdigit	vmk_isxdigit
#define	isalpha		vmk_isalpha
#define	isprint		vmk_isprint
#define	printf		vmk_printf
#define	vprintf		vmk_vprintf
#define	snprintf	vmk_snprintf
#define	vsnprintf	vmk_vsnprintf
#define	malloc		vmk_malloc
#define	calloc		vmk_calloc
#define	free		vmk_free
#define	panic		vmk_panic

/*
 * No monitor to register commands with: each MONITOR_CMD in a hosted file
 * (vm_page.c, vm_physmem.c, ...) compiles as a plain unused function.
 */
#define	MONITOR_CMD(cname, cargs, chelp)				\
	static int mon_##cname(int argc __attribute__((unused)),	\
	    char **argv __attribute__((unused))) __attribute__((unused));	\
	static int mon_##cname(int argc __attribute__((unused)),	\
	    char **argv __attribute__((unused)))

/*
 * kernel_api.h - the kernel functions the host tests call, under their
 * hosted names (see hostnames.h), with host types.
 */
#ifndef KERNEL_API_H
#define KERNEL_API_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t vm_paddr_t;
typedef unsigned long vm_offset_t;
typedef unsigned long vm_size_t;

/* libkern */
unsigned long long vmk_strtoull(const char *, char **, int);
int	vmk_snprintf(char *, size_t, const char *, ...);
size_t	vmk_strlcpy(char *, const char *, size_t);
int	vmk_strcmp(const char *, const char *);
void	*vmk_memmove(void *, const void *, size_t);

/* kenv */
struct kenv_entry { const char *key, *value; };
int	cmdline_parse(char *buf, struct kenv_entry *tab, int max);
void	kenv_init(const char *cmdline);
int	kenv_count(void);
int	kenv_errors(void);
_Bool	tunable_u64(const char *key, uint64_t *val);
int	kstrtou64(const char *s, char **end, uint64_t max, uint64_t *v);

/* malloc */
struct malloc_stats { size_t arena, in_use, largest_free; int allocations; };
void	malloc_init(void *arena, size_t size);
void	*vmk_malloc(size_t);
void	vmk_free(void *);
void	malloc_stats(struct malloc_stats *);

/* physmem */
void	physmem_add(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end);
void	physmem_exclude(vm_paddr_t *avail, int entries, vm_paddr_t start, vm_paddr_t end);
uint64_t physmem_end_limit(uint64_t machine_limit, int paddr_bits);
uint64_t physmem_add_ram(vm_paddr_t *avail, int entries, uint64_t start, uint64_t end,
	    uint64_t limit);
bool	physmem_contains(const vm_paddr_t *avail, vm_paddr_t first, vm_paddr_t last);
uint64_t physmem_total(const vm_paddr_t *avail);

/* kva */
void	kva_init(vm_offset_t start, vm_offset_t end);
vm_offset_t kva_alloc(vm_size_t size);
void	kva_free(vm_offset_t va, vm_size_t size);
vm_size_t kva_free_bytes(void);

#endif

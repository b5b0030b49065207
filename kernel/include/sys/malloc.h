/*
 * sys/malloc.h - the kernel's general-purpose memory allocator.
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/types.h>

void	malloc_init(void *arena, size_t size);
void	malloc_add_region(void *base, size_t size);
/*
 * When the free list cannot satisfy a request, malloc asks this hook (set by
 * the VM system once it runs) for at least `need` more bytes of mapped
 * memory; it returns the region and its size in *got, or NULL.
 */
extern void *(*malloc_grow_hook)(size_t need, size_t *got);
void	*malloc(size_t size);		/* NULL when out of memory; 32-byte aligned */
void	*calloc(size_t n, size_t size);
void	free(void *p);			/* free(NULL) does nothing; a double free panics */

struct malloc_stats {
	size_t	arena;			/* bytes managed */
	size_t	in_use;			/* bytes handed out, headers included */
	size_t	largest_free;		/* the biggest single block available */
	int	allocations;		/* live allocations */
};
void	malloc_stats(struct malloc_stats *st);

#endif

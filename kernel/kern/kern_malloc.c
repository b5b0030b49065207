/*
 * kern_malloc.c - malloc/free for the kernel: first fit over one arena.
 *
 * It starts with one arena the machine layer reserves at boot, so malloc
 * works before the VM system does.  Once vm_page_startup() has run, malloc
 * grows by asking malloc_grow_hook for more: pages from the DIRECT pool
 * (vm_page_alloc with VM_ALLOC_NOOBJ), mapped into kernel virtual memory,
 * which the buddy allocator keeps physically clustered.  Every block, free or
 * used, starts with a 32-byte header, which keeps user pointers 32-byte
 * aligned (a PAE page-directory-pointer table needs that):
 *
 *   arena: [hdr|  used  ][hdr|    free    ][hdr| used ][hdr| free ] ...
 *                              ^ free list, sorted by address --^
 *
 * Freeing inserts the block into the address-sorted free list and merges it
 * with free neighbours, so fragmentation does not grow without bound.  The
 * magic word catches a double free or a pointer malloc never returned.
 *
 * One sleep mutex, "malloc", guards the list and the statistics; it is held
 * across growing too (vm_page_alloc takes the free-queue lock after it), so
 * two threads short of memory grow the heap once, not twice.  Not for
 * interrupt handlers (a sleep mutex there panics).
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/mutex.h>

#define	MALLOC_ALIGN	32
#define	MAGIC_FREE	0xf4eeb10cu
#define	MAGIC_USED	0x05edb10cu

struct mhdr {
	uint32_t	magic;
	size_t		size;		/* whole block, header included */
	struct mhdr	*next;		/* next free block (free blocks only) */
} __aligned(MALLOC_ALIGN);
CTASSERT(sizeof(struct mhdr) == MALLOC_ALIGN);

static struct mtx malloc_mtx;
static struct mhdr *free_list;		/* (m) */
static struct malloc_stats stats;	/* (m) */
void *(*malloc_grow_hook)(size_t need, size_t *got);

void
malloc_init(void *arena, size_t size)
{
	uintptr_t start = roundup2((uintptr_t)arena, MALLOC_ALIGN);

	size -= start - (uintptr_t)arena;
	size = rounddown2(size, MALLOC_ALIGN);
	mtx_init(&malloc_mtx, "malloc", NULL, MTX_DEF);
	free_list = (struct mhdr *)start;
	*free_list = (struct mhdr){ .magic = MAGIC_FREE, .size = size, .next = NULL };
	stats = (struct malloc_stats){ .arena = size };
}

static void free_locked(void *p);

/* Give malloc another region of memory; it is never returned.  (m) held. */
static void
malloc_add_region_locked(void *base, size_t size)
{
	uintptr_t start = roundup2((uintptr_t)base, MALLOC_ALIGN);
	struct mhdr *b = (struct mhdr *)start;

	size = rounddown2(size - (start - (uintptr_t)base), MALLOC_ALIGN);
	if (size < 2 * sizeof(struct mhdr))
		return;
	*b = (struct mhdr){ .magic = MAGIC_USED, .size = size };
	stats.arena += size;
	stats.in_use += size;		/* free() below takes it back out */
	stats.allocations++;
	free_locked(b + 1);
}

void
malloc_add_region(void *base, size_t size)
{
	mtx_lock(&malloc_mtx);
	malloc_add_region_locked(base, size);
	mtx_unlock(&malloc_mtx);
}

static void *malloc_from_list(size_t need);

void *
malloc(size_t size)
{
	size_t need, got;
	void *p, *region;

	if (size == 0 || size > (1u << 30))
		return (NULL);
	need = roundup2(size, MALLOC_ALIGN) + sizeof(struct mhdr);
	mtx_lock(&malloc_mtx);
	if ((p = malloc_from_list(need)) == NULL && malloc_grow_hook != NULL &&
	    (region = malloc_grow_hook(need + sizeof(struct mhdr), &got)) != NULL) {
		malloc_add_region_locked(region, got);
		p = malloc_from_list(need);
	}
	mtx_unlock(&malloc_mtx);
	return (p);
}

/* First fit.  (m) held. */
static void *
malloc_from_list(size_t need)
{
	struct mhdr **pp, *b;

	for (pp = &free_list; (b = *pp) != NULL; pp = &b->next) {
		KASSERT(b->magic == MAGIC_FREE, ("malloc: free list corrupt at %p", b));
		if (b->size < need)
			continue;
		if (b->size - need >= 2 * sizeof(struct mhdr)) {	/* split */
			struct mhdr *rest = (struct mhdr *)((char *)b + need);

			*rest = (struct mhdr){ .magic = MAGIC_FREE, .size = b->size - need,
			    .next = b->next };
			b->size = need;
			*pp = rest;
		} else
			*pp = b->next;
		b->magic = MAGIC_USED;
		b->next = NULL;
		stats.in_use += b->size;
		stats.allocations++;
		return (b + 1);
	}
	return (NULL);
}

void *
calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > (size_t)-1 / size)
		return (NULL);
	if ((p = malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return (p);
}

void
free(void *p)
{
	if (p == NULL)
		return;
	mtx_lock(&malloc_mtx);
	free_locked(p);
	mtx_unlock(&malloc_mtx);
}

/* Back into the address-sorted list, merged with free neighbours.  (m) held. */
static void
free_locked(void *p)
{
	struct mhdr *b, **pp, *prev = NULL;

	b = (struct mhdr *)p - 1;
	if (b->magic != MAGIC_USED)
		panic("free: %p was not allocated by malloc, or was freed twice (magic %#x)",
		    p, (unsigned)b->magic);
	b->magic = MAGIC_FREE;
	stats.in_use -= b->size;
	stats.allocations--;
	for (pp = &free_list; *pp != NULL && *pp < b; pp = &(*pp)->next)
		prev = *pp;
	b->next = *pp;
	*pp = b;
	if (b->next != NULL && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev != NULL && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

void
malloc_stats(struct malloc_stats *st)
{
	mtx_lock(&malloc_mtx);
	*st = stats;
	st->largest_free = 0;
	for (struct mhdr *b = free_list; b != NULL; b = b->next)
		st->largest_free = MAX(st->largest_free, b->size - sizeof(struct mhdr));
	mtx_unlock(&malloc_mtx);
}

/*
 * malloc.c - K&R's first-fit allocator on sbrk: a circular free list of
 * blocks, each with a header of its size in units; free coalesces with its
 * neighbours.  The heap grows by at least 16 pages at a time.
 */
#include <ulib.h>

union header {
	struct {
		union header	*next;
		size_t		 units;
	} s;
	long long	align;
};

static union header base;
static union header *freep;

void
free(void *ap)
{
	union header *bp, *p;

	if (ap == NULL)
		return;
	bp = (union header *)ap - 1;
	for (p = freep; !(bp > p && bp < p->s.next); p = p->s.next)
		if (p >= p->s.next && (bp > p || bp < p->s.next))
			break;
	if (bp + bp->s.units == p->s.next) {
		bp->s.units += p->s.next->s.units;
		bp->s.next = p->s.next->s.next;
	} else
		bp->s.next = p->s.next;
	if (p + p->s.units == bp) {
		p->s.units += bp->s.units;
		p->s.next = bp->s.next;
	} else
		p->s.next = bp;
	freep = p;
}

static union header *
morecore(size_t units)
{
	union header *hp;
	intptr_t cp;

	if (units < 16 * PAGE_SIZE / sizeof(union header))
		units = 16 * PAGE_SIZE / sizeof(union header);
	cp = sbrk((intptr_t)(units * sizeof(union header)));
	if (cp < 0)
		return (NULL);
	hp = (union header *)cp;
	hp->s.units = units;
	free(hp + 1);
	return (freep);
}

void *
malloc(size_t n)
{
	union header *p, *prev;
	size_t units = (n + sizeof(union header) - 1) / sizeof(union header) + 1;

	if ((prev = freep) == NULL) {
		base.s.next = freep = prev = &base;
		base.s.units = 0;
	}
	for (p = prev->s.next;; prev = p, p = p->s.next) {
		if (p->s.units >= units) {
			if (p->s.units == units)
				prev->s.next = p->s.next;
			else {
				p->s.units -= units;
				p += p->s.units;
				p->s.units = units;
			}
			freep = prev;
			return (p + 1);
		}
		if (p == freep && (p = morecore(units)) == NULL)
			return (NULL);
	}
}

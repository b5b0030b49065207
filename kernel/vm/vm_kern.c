/*
 * vm_kern.c - the kernel virtual address allocator.
 *
 * Kernel virtual memory between kva_start and kva_end (see machine/param.h)
 * is handed out in page-multiple extents.  Free space is a short array of
 * [start, end) extents sorted by address; allocation is first fit and
 * freeing merges with neighbours, so a fixed array of extents suffices for a
 * kernel that maps a few large things (the page array, contigmalloc runs,
 * test windows).  It only hands out addresses: mapping pages there is the
 * caller's job (pmap_kenter).
 */
#include <sys/systm.h>
#include <vm/vm_param.h>
#include <vm/vm_kern.h>

#define	KVA_EXTENTS	128

static struct { vm_offset_t start, end; } kva_ext[KVA_EXTENTS];
static int kva_n;
static vm_offset_t kva_lo, kva_hi;	/* the whole range, free or not */

void
kva_init(vm_offset_t start, vm_offset_t end)
{
	kva_ext[0].start = round_page(start);
	kva_ext[0].end = trunc_page(end);
	kva_n = 1;
	kva_lo = kva_ext[0].start;
	kva_hi = kva_ext[0].end;
}

/* Is va kernel virtual memory (not, say, an amd64 direct-map address)? */
bool
kva_contains(vm_offset_t va)
{
	return (va >= kva_lo && va < kva_hi);
}

vm_offset_t
kva_alloc(vm_size_t size)
{
	size = round_page(size);
	if (size == 0)
		return (0);
	for (int i = 0; i < kva_n; i++) {
		if (kva_ext[i].end - kva_ext[i].start < size)
			continue;
		vm_offset_t va = kva_ext[i].start;
		kva_ext[i].start += size;
		if (kva_ext[i].start == kva_ext[i].end) {
			memmove(&kva_ext[i], &kva_ext[i + 1], (size_t)(kva_n - i - 1) * sizeof(kva_ext[0]));
			kva_n--;
		}
		return (va);
	}
	return (0);
}

void
kva_free(vm_offset_t va, vm_size_t size)
{
	vm_offset_t end;
	int i;

	size = round_page(size);
	end = va + size;
	KASSERT((va & PAGE_MASK) == 0 && size > 0,
	    ("kva_free: bad range %#jx+%#jx", (uintmax_t)va, (uintmax_t)size));
	for (i = 0; i < kva_n && kva_ext[i].start < va; i++)
		KASSERT(kva_ext[i].end <= va, ("kva_free: %#jx is already free", (uintmax_t)va));
	KASSERT(i == kva_n || kva_ext[i].start >= end, ("kva_free: %#jx overlaps free space", (uintmax_t)va));
	if (i > 0 && kva_ext[i - 1].end == va) {		/* extend the previous */
		kva_ext[i - 1].end = end;
		if (i < kva_n && kva_ext[i].start == end) {
			kva_ext[i - 1].end = kva_ext[i].end;
			memmove(&kva_ext[i], &kva_ext[i + 1], (size_t)(kva_n - i - 1) * sizeof(kva_ext[0]));
			kva_n--;
		}
		return;
	}
	if (i < kva_n && kva_ext[i].start == end) {		/* extend the next */
		kva_ext[i].start = va;
		return;
	}
	if (kva_n == KVA_EXTENTS)
		panic("kva_free: more than %d free extents; leaking %#jx+%#jx", KVA_EXTENTS,
		    (uintmax_t)va, (uintmax_t)size);
	memmove(&kva_ext[i + 1], &kva_ext[i], (size_t)(kva_n - i) * sizeof(kva_ext[0]));
	kva_ext[i].start = va;
	kva_ext[i].end = end;
	kva_n++;
}

vm_size_t
kva_free_bytes(void)
{
	vm_size_t sum = 0;

	for (int i = 0; i < kva_n; i++)
		sum += kva_ext[i].end - kva_ext[i].start;
	return (sum);
}

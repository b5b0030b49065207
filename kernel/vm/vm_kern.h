/*
 * vm/vm_kern.h - kernel virtual address space.
 */
#ifndef _VM_VM_KERN_H_
#define _VM_VM_KERN_H_

#include <sys/types.h>

void		kva_init(vm_offset_t start, vm_offset_t end);
vm_offset_t	kva_alloc(vm_size_t size);	/* page-aligned; 0 when exhausted */
void		kva_free(vm_offset_t va, vm_size_t size);
vm_size_t	kva_free_bytes(void);
bool		kva_contains(vm_offset_t va);	/* in the range kva_init() was given */

/* Kernel memory from the page allocator (vm_kmem.c). */
void		kmem_init(void);
void		*contigmalloc(vm_size_t size, vm_paddr_t low, vm_paddr_t high,
		    vm_paddr_t alignment, vm_paddr_t boundary);
void		contigfree(void *addr, vm_size_t size);

/* Pageable kernel memory: the kernel map (vm_kmap.c). */
void		kmap_init(void);
vm_offset_t	kmem_alloc_pageable(vm_size_t size);	/* 0 if no space */
void		kmem_free_pageable(vm_offset_t addr, vm_size_t size);
bool		kmap_contains(vm_offset_t va);

#endif

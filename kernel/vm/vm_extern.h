/*
 * vm/vm_extern.h - the VM system's entry points for the rest of the kernel.
 */
#ifndef _VM_VM_EXTERN_H_
#define _VM_VM_EXTERN_H_

void	vm_mem_init(void);	/* vm_init.c: start the VM system */

#endif

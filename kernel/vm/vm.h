/*
 * vm/vm.h - protection bits and the small types every VM file shares.
 */
#ifndef _VM_VM_H_
#define _VM_VM_H_

#include <sys/types.h>

typedef uint8_t vm_prot_t;
#define	VM_PROT_NONE	0x00
#define	VM_PROT_READ	0x01
#define	VM_PROT_WRITE	0x02
#define	VM_PROT_EXECUTE	0x04
#define	VM_PROT_RW	(VM_PROT_READ | VM_PROT_WRITE)
#define	VM_PROT_ALL	(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)

#endif

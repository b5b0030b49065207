/*
 * machine/md_var_x86.h - machine-dependent entry points both ports have,
 * which only the machine layer calls among itself; each port's
 * machine/md_var.h includes it and adds its own.
 */
#ifndef _MACHINE_MD_VAR_X86_H_
#define _MACHINE_MD_VAR_X86_H_

#include <sys/types.h>

void	gdt_idt_init(void);
void	intr_init(void);		/* PIC remap and PIT at hz */
void	intr_eoi(int irq);
void	uart_intr(void);		/* IRQ 4: COM1 received a byte */
void	getmemsize(uint32_t mbi_pa);
struct mi_bootinfo;
void	pmap_bootstrap(vm_paddr_t first_free, struct mi_bootinfo *bi);

extern volatile uintptr_t probe_onfault;	/* exception.S: a probe's recovery point */
extern const uintptr_t vector_table[];		/* exception.S: the IDT's stubs */
void	vector_syscall(void);
void	cpu_set_kstack(vm_offset_t top);
struct trapframe;
void	cpu_enter_user_frame(struct trapframe *tf) __noreturn;
extern char kernel_start[], etext[], edata[], kernel_end[];
extern vm_paddr_t boot_alloc_end;	/* physical end of boot allocations */

void	*pmap_kptmap(u_long *nptes);	/* KPTmap and its entries (minidump_x86.c) */

#endif

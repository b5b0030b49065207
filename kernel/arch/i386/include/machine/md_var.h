/*
 * machine/md_var.h - machine-dependent entry points that only the i386
 * layer calls among itself.
 */
#ifndef _MACHINE_MD_VAR_H_
#define _MACHINE_MD_VAR_H_

#include <sys/types.h>

void	i386_init(uint32_t magic, uint32_t mbi_pa) __noreturn;
void	gdt_idt_init(void);
void	intr_init(void);		/* PIC remap and PIT at hz */
void	intr_eoi(int irq);
void	uart_intr(void);		/* IRQ 4: COM1 received a byte */
void	getmemsize(uint32_t mbi_pa);
struct mi_bootinfo;
void	pmap_bootstrap(vm_paddr_t first_free, struct mi_bootinfo *bi);

extern volatile uint32_t probe_onfault;
extern const uint32_t vector_table[];
void	vector_syscall(void);
void	cpu_set_kstack(vm_offset_t top);
struct trapframe;
void	cpu_enter_user_frame(struct trapframe *tf) __noreturn;
extern char kernel_start[], etext[], edata[], kernel_end[];
extern vm_paddr_t boot_alloc_end;	/* physical end of boot allocations */

void	*pmap_kptmap(u_long *nptes);	/* KPTmap and its entries (minidump_machdep.c) */

#endif

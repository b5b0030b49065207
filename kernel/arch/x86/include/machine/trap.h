/*
 * machine/trap.h - trap numbers, page-fault error bits, and the split of
 * trap handling between the shared x86 half (arch/x86/trap_x86.c: which
 * trap it is, user faults, copy and probe recovery) and each port's
 * trap.c (reading its frame's registers: a system call's arguments, the
 * dump of a fatal kernel trap).  The numbers are the CPU's, the same in
 * 32- and 64-bit mode.
 */
#ifndef _MACHINE_TRAP_H_
#define _MACHINE_TRAP_H_

#define	T_DIVIDE	0
#define	T_NMI		2
#define	T_BPT		3
#define	T_INVALOP	6
#define	T_DOUBLEFLT	8
#define	T_GPFLT		13
#define	T_PAGEFLT	14
#define	T_IRQ0		32	/* PIC interrupts are remapped to 32..47 */
#define	NTRAPS		48
#define	T_SYSCALL	0x80	/* int $0x80 (exception.S) */

/* Page-fault error code bits. */
#define	PGEX_P		0x01	/* 1: protection violation, 0: page not present */
#define	PGEX_W		0x02	/* 1: write, 0: read */
#define	PGEX_U		0x04	/* 1: from user mode */
#define	PGEX_RSV	0x08	/* a reserved bit was set in a paging entry */
#define	PGEX_I		0x10	/* instruction fetch */

#define	PSL_I		0x200	/* eflags/rflags: interrupts enabled */

#ifndef __ASSEMBLER__
struct trapframe;

void	trap(struct trapframe *);			/* trap_x86.c, from exception.S */
const char *trap_name(u_long trapno);			/* trap_x86.c */
void	trap_syscall(struct trapframe *);		/* the port's trap.c */
void	trap_fatal(struct trapframe *) __noreturn;	/* the port's trap.c */
#endif

#endif

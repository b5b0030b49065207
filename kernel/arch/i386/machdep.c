/*
 * machdep.c - i386 start-up: segments, the interrupt table, the memory map
 * from Multiboot, and the hand-off to machine-independent code.
 *
 * i386_init() runs on the boot stack with the boot page tables of locore.S
 * (physical 0..16 MiB at KERNBASE).  Its order matters:
 *   1. the console, so everything after can print;
 *   2. segments and the IDT, so a fault prints a report instead of rebooting;
 *   3. the command line, copied before anything can reuse its memory;
 *   4. the memory map -> phys_avail[] / dump_avail[];
 *   5. pmap_bootstrap(): real page tables, the kernel's low map, and what
 *      machine-independent start-up needs (free KVA, the malloc arena);
 *   6. the PIC and timer; then mi_startup() never returns.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <sys/proc.h>
#include <machine/param.h>
#include <machine/cpufunc.h>
#include <machine/frame.h>
#include <machine/multiboot.h>
#include <machine/md_var.h>
#include <vm/vm_param.h>

/* ---- Segments ---------------------------------------------------------- */

struct segdesc {
	uint16_t	limit_lo, base_lo;
	uint8_t		base_mid, access, flags_limit_hi, base_hi;
} __packed;

struct gatedesc {
	uint16_t	off_lo, sel;
	uint8_t		zero, type;
	uint16_t	off_hi;
} __packed;

struct pseudodesc {
	uint16_t	limit;
	uint32_t	base;
} __packed;

#define	SEG_FLAT(access)	{ 0xffff, 0, 0, (access), 0xcf, 0 }
static struct segdesc gdt[] = {
	{ 0, 0, 0, 0, 0, 0 },		/* null */
	SEG_FLAT(0x9a),			/* GSEL_KCODE: ring 0 code */
	SEG_FLAT(0x92),			/* GSEL_KDATA: ring 0 data */
	SEG_FLAT(0xfa),			/* GSEL_UCODE: ring 3 code */
	SEG_FLAT(0xf2),			/* GSEL_UDATA: ring 3 data */
	{ 0, 0, 0, 0, 0, 0 },		/* GSEL_TSS: the kernel's task (tss_init) */
	{ 0, 0, 0, 0, 0, 0 },		/* GSEL_DFTSS: the double-fault task */
};
static struct gatedesc idt[256];

/*
 * The double fault runs as its own task, through a task gate: the CPU
 * saves the faulting context into the current TSS and loads a fresh one -
 * with its own stack - from the double-fault TSS.  An interrupt gate would
 * push onto the stack that just overflowed, fault again, and triple-fault.
 */
struct i386tss {
	uint32_t	link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t	eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t	es, cs, ss, ds, fs, gs, ldt;
	uint16_t	trap, iomap;
} __packed;
#define	GSEL_TSS	0x28
#define	GSEL_DFTSS	0x30
static struct i386tss common_tss, dblfault_tss;
static char dblfault_stack[2 * PAGE_SIZE] __aligned(16);

/* The double-fault task: interrupts off, on dblfault_stack. */
static void __noreturn
dblfault_handler(void)
{
	uint32_t cr2 = rcr2();
	struct thread *td = thread_find_guard(cr2);

	printf("\nfatal trap 8: double fault\n  eip %#010x  esp %#010x  ebp %#010x  cr2 %#010x\n",
	    common_tss.eip, common_tss.esp, common_tss.ebp, cr2);
	if (td != NULL)
		panic("kernel stack overflow in thread %s (cr2 %#x is in its guard page)", td->td_name, cr2);
	db_backtrace(common_tss.eip, common_tss.ebp);
	panic("double fault at eip %#x", common_tss.eip);
}

static void
tss_desc(struct segdesc *d, struct i386tss *tss)
{
	uint32_t base = (uint32_t)tss, limit = sizeof(*tss) - 1;

	*d = (struct segdesc){ limit & 0xffff, base & 0xffff, (base >> 16) & 0xff, 0x89,
	    (limit >> 16) & 0xf, base >> 24 };
}

/* After pmap_bootstrap (the double-fault task takes the kernel's %cr3). */
static void
tss_init(void)
{
	dblfault_tss = (struct i386tss){ .cr3 = rcr3(), .eip = (uint32_t)dblfault_handler,
	    .eflags = 0x2, .esp = (uint32_t)(dblfault_stack + sizeof(dblfault_stack)),
	    .cs = GSEL_KCODE, .ss = GSEL_KDATA, .ds = GSEL_KDATA, .es = GSEL_KDATA,
	    .fs = GSEL_KDATA, .gs = GSEL_KDATA, .iomap = sizeof(struct i386tss) };
	common_tss.iomap = sizeof(struct i386tss);
	common_tss.ss0 = GSEL_KDATA;	/* esp0: cpu_set_kstack, per thread switched to */
	tss_desc(&gdt[GSEL_TSS >> 3], &common_tss);
	tss_desc(&gdt[GSEL_DFTSS >> 3], &dblfault_tss);
	__asm__ volatile("ltr %w0" : : "r"(GSEL_TSS));
	/* 0x85: present, ring 0, task gate. */
	idt[T_DOUBLEFLT] = (struct gatedesc){ 0, GSEL_DFTSS, 0, 0x85, 0 };
}

void
gdt_idt_init(void)
{
	struct pseudodesc gd = { sizeof(gdt) - 1, (uint32_t)gdt };
	struct pseudodesc id = { sizeof(idt) - 1, (uint32_t)idt };

	__asm__ volatile(
	    "lgdt %0\n\t"
	    "ljmp %1, $1f\n"
	    "1:\tmovw %w2, %%ds\n\tmovw %w2, %%es\n\tmovw %w2, %%ss\n\t"
	    "movw %w2, %%fs\n\tmovw %w2, %%gs"
	    : : "m"(gd), "i"(GSEL_KCODE), "r"(GSEL_KDATA) : "memory");
	for (int i = 0; i < NTRAPS; i++) {
		uint32_t off = vector_table[i];
		/* 0x8e: present, ring 0, 32-bit interrupt gate (IF cleared). */
		idt[i] = (struct gatedesc){ off & 0xffff, GSEL_KCODE, 0, 0x8e, off >> 16 };
	}
	/* 0xee: present, DPL 3 (user mode may `int $0x80'), 32-bit interrupt gate. */
	idt[T_SYSCALL] = (struct gatedesc){ (uint32_t)vector_syscall & 0xffff, GSEL_KCODE, 0, 0xee,
	    (uint32_t)vector_syscall >> 16 };
	__asm__ volatile("lidt %0" : : "m"(id));
}

/* Where the CPU switches stacks on a trap from user mode: the thread's frame top. */
void
cpu_set_kstack(vm_offset_t top)
{
	common_tss.esp0 = (uint32_t)top;
}

/* ---- The memory map ---------------------------------------------------- */

/*
 * Turn the Multiboot memory map into dump_avail[] (all usable RAM this
 * configuration can address) and phys_avail[] (that, less page 0, the
 * kernel image and the boot allocations; pmap_bootstrap() trims the latter).
 */
void
getmemsize(uint32_t mbi_pa)
{
	struct multiboot_info *mbi = (void *)(mbi_pa + KERNBASE);
	uint64_t limit = physmem_end_limit(PHYS_ADDR_LIMIT, (int)sizeof(vm_paddr_t) * 8);
	uint32_t p, end;

	if ((mbi->flags & MBI_FLAG_MMAP) == 0)
		panic("getmemsize: the loader gave no memory map");
	end = mbi->mmap_addr + mbi->mmap_length;
	for (p = mbi->mmap_addr; p < end;) {
		struct multiboot_mmap_entry *e = (void *)(p + KERNBASE);
		uint64_t start = e->addr, stop = e->addr + e->len;

		p += e->size + sizeof(e->size);
		if (e->type != MMAP_TYPE_RAM || e->len == 0)
			continue;
		/* Clipped in 64 bits first; page-aligned inward, kept sorted. */
		phys_ignored += physmem_add_ram(dump_avail, PHYS_AVAIL_ENTRIES, start, stop, limit);
		(void)physmem_add_ram(phys_avail, PHYS_AVAIL_ENTRIES, start, stop, limit);
	}
	physmem_exclude(phys_avail, PHYS_AVAIL_ENTRIES, 0, PAGE_SIZE);	/* page 0: BIOS data, and NULL */
}

static void
read_cmdline(uint32_t mbi_pa)
{
	struct multiboot_info *mbi = (void *)(mbi_pa + KERNBASE);

	if ((mbi->flags & MBI_FLAG_CMDLINE) != 0 && mbi->cmdline < (16u << 20))
		kenv_init((const char *)(mbi->cmdline + KERNBASE));
	else
		kenv_init("");
}

void
i386_init(uint32_t magic, uint32_t mbi_pa)
{
	struct mi_bootinfo bi;

	cons_init();
	gdt_idt_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("i386_init: not loaded by a Multiboot loader (magic %#x)", magic);
	read_cmdline(mbi_pa);
	getmemsize(mbi_pa);
	pmap_bootstrap(round_page((vm_paddr_t)((uint32_t)kernel_end - KERNBASE)), &bi);
	tss_init();
	intr_init();
	mi_startup(&bi);
}

/*
 * machdep.c - amd64 start-up: segments, the interrupt table, the memory map
 * from Multiboot, and the hand-off to machine-independent code.
 *
 * amd64_init() runs on the boot stack in long mode, with the boot page
 * tables of locore.S (physical 0..1 GiB at KERNBASE and at 0).  The order
 * is i386's:
 *   1. the console, so everything after can print;
 *   2. the GDT and the IDT, so a fault prints a report instead of rebooting;
 *   3. the command line, copied before anything can reuse its memory
 *      (QEMU puts the Multiboot data right after the kernel's bss);
 *   4. the memory map -> phys_avail[] / dump_avail[], RAM above 4 GiB too;
 *   5. pmap_bootstrap(): 4-level tables, the low map, the direct map;
 *   6. the PIC and timer; then mi_startup() never returns.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
#include <machine/param.h>
#include <machine/cpufunc.h>
#include <machine/frame.h>
#include <machine/multiboot.h>
#include <machine/md_var.h>
#include <vm/vm_param.h>

/* ---- Segments ---------------------------------------------------------- */

/* In long mode segments are flat; only the code segment's L bit matters. */
static uint64_t gdt[] = {
	0,				/* null */
	0x00af9a000000ffffull,		/* GSEL_KCODE: 64-bit ring 0 code */
	0x00cf92000000ffffull,		/* GSEL_KDATA: ring 0 data */
	0x00affa000000ffffull,		/* GSEL_UCODE: 64-bit ring 3 code */
	0x00cff2000000ffffull,		/* GSEL_UDATA: ring 3 data */
	0, 0,				/* GSEL_TSS: 16 bytes (gdt_idt_init) */
};

/*
 * The TSS: in long mode only for its stacks.  IST1 is the double fault's
 * own stack, so a kernel stack overflow (a page fault that cannot push its
 * frame) reaches trap() instead of triple-faulting.
 */
struct amd64tss {
	uint32_t	rsvd0;
	uint64_t	rsp[3];
	uint64_t	rsvd1;
	uint64_t	ist[7];
	uint64_t	rsvd2;
	uint16_t	rsvd3, iomap;
} __packed;
#define	GSEL_TSS	0x28
static struct amd64tss common_tss;
static char dblfault_stack[2 * PAGE_SIZE] __aligned(16);

/* A 16-byte long-mode interrupt gate. */
struct gatedesc {
	uint16_t	off_lo, sel;
	uint8_t		ist, type;
	uint16_t	off_mid;
	uint32_t	off_hi, reserved;
} __packed;

struct pseudodesc {
	uint16_t	limit;
	uint64_t	base;
} __packed;

static struct gatedesc idt[256];

void
gdt_idt_init(void)
{
	struct pseudodesc gd = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct pseudodesc id = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t tss = (uint64_t)&common_tss, limit = sizeof(common_tss) - 1;

	common_tss.ist[0] = (uint64_t)(dblfault_stack + sizeof(dblfault_stack));
	common_tss.iomap = sizeof(common_tss);
	/* 0x89: present, available 64-bit TSS. */
	gdt[GSEL_TSS >> 3] = (limit & 0xffff) | (tss & 0xffffff) << 16 | 0x89ull << 40 |
	    ((limit >> 16) & 0xf) << 48 | ((tss >> 24) & 0xff) << 56;
	gdt[(GSEL_TSS >> 3) + 1] = tss >> 32;
	/* There is no far jump to a 64-bit address: reload %cs with lretq. */
	__asm__ volatile(
	    "lgdt %0\n\t"
	    "pushq %1\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1:\tmovw %w2, %%ds\n\tmovw %w2, %%es\n\tmovw %w2, %%ss\n\t"
	    "movw %w2, %%fs\n\tmovw %w2, %%gs"
	    : : "m"(gd), "i"(GSEL_KCODE), "r"(GSEL_KDATA) : "rax", "memory");
	for (int i = 0; i < NTRAPS; i++) {
		uint64_t off = vector_table[i];

		/* 0x8e: present, ring 0, 64-bit interrupt gate (IF cleared). */
		idt[i] = (struct gatedesc){ (uint16_t)off, GSEL_KCODE, 0, 0x8e,
		    (uint16_t)(off >> 16), (uint32_t)(off >> 32), 0 };
	}
	idt[T_DOUBLEFLT].ist = 1;
	/* 0xee: present, DPL 3 (user mode may `int $0x80'), 64-bit interrupt gate. */
	idt[T_SYSCALL] = (struct gatedesc){ (uint16_t)(uint64_t)vector_syscall, GSEL_KCODE, 0, 0xee,
	    (uint16_t)((uint64_t)vector_syscall >> 16), (uint32_t)((uint64_t)vector_syscall >> 32), 0 };
	__asm__ volatile("lidt %0" : : "m"(id));
	__asm__ volatile("ltr %w0" : : "r"(GSEL_TSS));
}

/* Where the CPU switches stacks on a trap from user mode: the thread's frame top. */
void
cpu_set_kstack(vm_offset_t top)
{
	common_tss.rsp[0] = top;
}

/* ---- The memory map ---------------------------------------------------- */

/* A physical address the boot page tables reach (0..1 GiB at KERNBASE). */
static void *
boot_p2v(uint64_t pa)
{
	if (pa >= NBPDP)
		panic("amd64_init: Multiboot data at %#lx, outside the boot map", pa);
	return ((void *)(KERNBASE + pa));
}

/*
 * Turn the Multiboot memory map into dump_avail[] (all usable RAM below
 * PHYS_ADDR_LIMIT) and phys_avail[] (that, less page 0; pmap_bootstrap()
 * takes out the kernel and its boot allocations).  Reserved ranges, such
 * as qemu-system-x86_64's at 0xfd00000000, are not RAM and stay out.
 */
void
getmemsize(uint32_t mbi_pa)
{
	struct multiboot_info *mbi = boot_p2v(mbi_pa);
	uint64_t limit = physmem_end_limit(PHYS_ADDR_LIMIT, (int)sizeof(vm_paddr_t) * 8);
	uint64_t p, end;

	if ((mbi->flags & MBI_FLAG_MMAP) == 0)
		panic("getmemsize: the loader gave no memory map");
	end = (uint64_t)mbi->mmap_addr + mbi->mmap_length;
	for (p = mbi->mmap_addr; p < end;) {
		struct multiboot_mmap_entry *e = boot_p2v(p);
		uint64_t start = e->addr, stop = e->addr + e->len;

		p += e->size + sizeof(e->size);
		if (e->type != MMAP_TYPE_RAM || e->len == 0)
			continue;
		phys_ignored += physmem_add_ram(dump_avail, PHYS_AVAIL_ENTRIES, start, stop, limit);
		(void)physmem_add_ram(phys_avail, PHYS_AVAIL_ENTRIES, start, stop, limit);
	}
	physmem_exclude(phys_avail, PHYS_AVAIL_ENTRIES, 0, PAGE_SIZE);	/* page 0: BIOS data, and NULL */
}

static void
read_cmdline(uint32_t mbi_pa)
{
	struct multiboot_info *mbi = boot_p2v(mbi_pa);

	if ((mbi->flags & MBI_FLAG_CMDLINE) != 0 && mbi->cmdline < (16u << 20))
		kenv_init(boot_p2v(mbi->cmdline));
	else
		kenv_init("");
}

void
amd64_init(uint32_t magic, uint32_t mbi_pa)
{
	struct mi_bootinfo bi;

	cons_init();
	gdt_idt_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("amd64_init: not loaded by a Multiboot loader (magic %#x)", magic);
	read_cmdline(mbi_pa);
	getmemsize(mbi_pa);
	pmap_bootstrap(round_page((vm_paddr_t)((uint64_t)kernel_end - KERNBASE)), &bi);
	intr_init();
	mi_startup(&bi);
}

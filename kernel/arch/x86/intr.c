/*
 * intr.c - the 8259A interrupt controllers and the 8254 timer.
 *
 * The PICs are remapped so IRQ 0..15 arrive as vectors 32..47, clear of the
 * CPU's exceptions.  Two lines are unmasked: IRQ 0, the PIT at HZ, and
 * IRQ 4, COM1's receiver (uart.c).  The clock does nothing but count
 * `ticks`; the kernel has no scheduler to drive yet.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <machine/cpufunc.h>
#include <machine/md_var.h>

#define	PIC1_CMD	0x20
#define	PIC1_DATA	0x21
#define	PIC2_CMD	0xa0
#define	PIC2_DATA	0xa1
#define	PIC_EOI		0x20
#define	PIT_CH0		0x40
#define	PIT_MODE	0x43
#define	PIT_FREQ	1193182

volatile uint64_t ticks;

static void
pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: edge triggered, cascade, ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 32);		/* ICW2: vector base */
	outb(PIC2_DATA, 40);
	outb(PIC1_DATA, 0x04);		/* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff & ~(1u << 0) & ~(1u << 4));	/* all but IRQ 0, 4 */
	outb(PIC2_DATA, 0xff);
}

static void
pit_init(void)
{
	uint32_t divisor = PIT_FREQ / HZ;

	outb(PIT_MODE, 0x34);		/* channel 0, lo/hi byte, rate generator */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
}

void
intr_init(void)
{
	pic_init();
	pit_init();
}

void
intr_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

void
clock_intr(void)
{
	ticks++;
}

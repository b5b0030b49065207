/*
 * intr.c - the 8259A interrupt controllers, the 8254 timer, and the table
 * of interrupt handlers.
 *
 * The PICs are remapped so IRQ 0..15 arrive as vectors 32..47, clear of the
 * CPU's exceptions.  Every line starts masked; intr_establish() registers a
 * handler and unmasks its line (the clock, IRQ 0, at intr_init; COM1's
 * receiver, IRQ 4, likewise; disks add theirs).  trap() calls
 * intr_dispatch(irq) for each interrupt: the handler runs, the PIC gets
 * its EOI, and then - the interrupted thread permitting - the scheduler
 * may switch threads (sched_intr_return, kern_synch.c).
 *
 * IRQ 7 and 15 may be spurious: the PIC raises them when a request went
 * away before it was acknowledged.  The in-service register tells; a
 * spurious one gets no EOI from its own PIC (IRQ 15's master still gets
 * one for the cascade line).
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>
#include <machine/md_var.h>

#define	PIC1_CMD	0x20
#define	PIC1_DATA	0x21
#define	PIC2_CMD	0xa0
#define	PIC2_DATA	0xa1
#define	PIC_EOI		0x20
#define	PIC_READ_ISR	0x0b
#define	PIT_CH0		0x40
#define	PIT_MODE	0x43
#define	PIT_FREQ	1193182
#define	NIRQ		16

struct intr_handler {
	void		(*ih_fn)(void *);
	void		*ih_arg;
	const char	*ih_name;
	uint64_t	ih_count;	/* interrupts handled */
};

volatile uint64_t ticks;
int hz = HZ;
static struct intr_handler intr_table[NIRQ];
static uint16_t intr_mask = 0xffff & ~(1u << 2);	/* IRQ 2: the cascade */
static uint64_t intr_spurious;

static void
pic_setmask(void)
{
	outb(PIC1_DATA, intr_mask & 0xff);
	outb(PIC2_DATA, intr_mask >> 8);
}

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
	pic_setmask();
}

static void
pit_init(void)
{
	uint32_t divisor = PIT_FREQ / HZ;

	outb(PIT_MODE, 0x34);		/* channel 0, lo/hi byte, rate generator */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
}

static void
clock_intr(void *arg __unused)
{
	ticks++;
	hardclock();
}

static void
uart_intr_handler(void *arg __unused)
{
	uart_intr();
}

void
intr_init(void)
{
	pic_init();
	pit_init();
	(void)intr_establish(0, clock_intr, NULL, "clock");
	(void)intr_establish(4, uart_intr_handler, NULL, "uart");
}

/* Register `handler` for `irq` and unmask the line: 0, or EBUSY/EINVAL. */
int
intr_establish(int irq, void (*handler)(void *), void *arg, const char *name)
{
	register_t ef;

	if (irq < 0 || irq >= NIRQ || irq == 2 || handler == NULL)
		return (EINVAL);
	if (intr_table[irq].ih_fn != NULL)
		return (EBUSY);
	ef = intr_disable();
	intr_table[irq] = (struct intr_handler){ handler, arg, name, 0 };
	intr_mask &= ~(1u << irq);
	pic_setmask();
	intr_restore(ef);
	return (0);
}

/* Was IRQ 7 (or 15) a real request?  Its bit in the PIC's in-service register says. */
static bool
intr_is_spurious(int irq)
{
	uint16_t port = irq < 8 ? PIC1_CMD : PIC2_CMD;

	if ((irq & 7) != 7)
		return (false);
	outb(port, PIC_READ_ISR);
	return ((inb(port) & 0x80) == 0);
}

void
intr_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

void
intr_dispatch(int irq)
{
	struct intr_handler *ih = &intr_table[irq];
	struct thread *td = curthread;

	if (intr_is_spurious(irq)) {
		intr_spurious++;
		if (irq == 15)
			outb(PIC1_CMD, PIC_EOI);	/* the master saw a real cascade request */
		return;
	}
	td->td_intr_nest++;
	if (ih->ih_fn != NULL) {
		ih->ih_count++;
		ih->ih_fn(ih->ih_arg);
	}
	td->td_intr_nest--;
	intr_eoi(irq);
	sched_intr_return();
}

/*
 * virtio_blk.c - a virtio block device: QEMU's `-drive if=virtio`, found on
 * PCI as vendor 0x1af4 device 0x1001 (a transitional device, so it has the
 * legacy I/O-port interface in BAR 0) and driven through one virtqueue.
 *
 * Why virtio-blk and not IDE: data moves by DMA straight to the bio's pages
 * (IDE PIO costs QEMU one emulated port access per 16-bit word); QEMU 7.2
 * refuses a read-only IDE hard disk but offers VIRTIO_BLK_F_RO; one driver
 * serves i386 and amd64 alike; xv6-riscv uses the same device.
 *
 * A request is a chain of descriptors in the virtqueue, each a physical
 * address (64 bits wide on every config) and a length:
 *
 *   desc[head]  -> struct vtblk_hdr {type, sector}   (device reads)
 *   desc[..]    -> page 0 of the bio ... page n-1     (device writes: a read)
 *   desc[last]  -> status byte                        (device writes)
 *
 * The legacy virtqueue is one physically contiguous area below 4 GiB (the
 * queue-address register holds a 32-bit page frame number):
 *
 *   0               16*Q           16*Q+6+2*Q   4096-aligned
 *   | descriptors Q  | avail ring  |  (pad)      | used ring 6+8*Q |
 *
 * The driver puts the head of a chain in the avail ring and writes the
 * queue number to the notify register; the device DMAs the data, writes the
 * status byte, appends {head, bytes} to the used ring and raises its PCI
 * interrupt line (INTx, the IRQ the BIOS wrote to config register 0x3c).
 * The handler reads the ISR register (which lowers the line), takes what
 * the used ring holds and hands each bio back with disk_done(); the disk
 * layer's thread does the rest.  Lines may be shared: one handler per IRQ
 * serves every vtblk on it.  sc->mtx (spin) covers the queue, the free
 * descriptors and the slots, which d_start (a thread) and the handler share.
 * Headers and status bytes live in a second contiguous area, one slot per
 * possible head, so a request needs no allocation.
 */
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/bio.h>
#include <sys/disk.h>
#include <sys/kerneldump.h>
#include <vm/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_kern.h>
#include <vm/pmap.h>
#include <machine/cpufunc.h>
#include <dev/pcivar.h>

/* Legacy virtio-pci registers, offsets in the I/O BAR (virtio 1.0, 4.1.4.8). */
#define	VIRTIO_PCI_HOST_FEATURES	0x00	/* 32 */
#define	VIRTIO_PCI_GUEST_FEATURES	0x04	/* 32 */
#define	VIRTIO_PCI_QUEUE_PFN		0x08	/* 32: queue address >> 12 */
#define	VIRTIO_PCI_QUEUE_NUM		0x0c	/* 16: the queue's size (read-only) */
#define	VIRTIO_PCI_QUEUE_SEL		0x0e	/* 16 */
#define	VIRTIO_PCI_QUEUE_NOTIFY		0x10	/* 16 */
#define	VIRTIO_PCI_STATUS		0x12	/* 8 */
#define	VIRTIO_PCI_ISR			0x13	/* 8: reading it acknowledges the interrupt */
#define	VIRTIO_PCI_CONFIG		0x14	/* the device's own config, without MSI-X */
#define	VIRTIO_PCI_QUEUE_ADDR_SHIFT	12

#define	VIRTIO_STATUS_ACK		0x01
#define	VIRTIO_STATUS_DRIVER		0x02
#define	VIRTIO_STATUS_DRIVER_OK		0x04
#define	VIRTIO_STATUS_FAILED		0x80

/* virtio-blk's config (offsets from VIRTIO_PCI_CONFIG), features, requests. */
#define	VTBLK_CFG_CAPACITY		0x00	/* 64: 512-byte sectors */
#define	VTBLK_CFG_SIZE_MAX		0x08	/* 32: bytes in one segment */
#define	VTBLK_CFG_SEG_MAX		0x0c	/* 32: segments in one request */
#define	VIRTIO_BLK_F_SIZE_MAX		(1u << 1)
#define	VIRTIO_BLK_F_SEG_MAX		(1u << 2)
#define	VIRTIO_BLK_F_RO			(1u << 5)
#define	VIRTIO_BLK_T_IN			0	/* read */
#define	VIRTIO_BLK_T_OUT		1	/* write */
#define	VIRTIO_BLK_S_OK			0

struct vring_desc {
	uint64_t	addr;		/* physical */
	uint32_t	len;
	uint16_t	flags;
	uint16_t	next;
};
#define	VRING_DESC_F_NEXT	1
#define	VRING_DESC_F_WRITE	2	/* the device writes this buffer */

struct vring_avail {
	uint16_t	flags;
	uint16_t	idx;		/* where the driver puts the next head */
	uint16_t	ring[];
};
#define	VRING_AVAIL_F_NO_INTERRUPT	1

struct vring_used_elem {
	uint32_t	id;		/* the head of a finished chain */
	uint32_t	len;		/* bytes the device wrote */
};

struct vring_used {
	uint16_t	flags;
	uint16_t	idx;		/* where the device puts the next element */
	struct vring_used_elem ring[];
};

struct vtblk_hdr {
	uint32_t	type;		/* VIRTIO_BLK_T_IN or _OUT */
	uint32_t	ioprio;
	uint64_t	sector;
};
CTASSERT(sizeof(struct vring_desc) == 16);
CTASSERT(sizeof(struct vtblk_hdr) == 16);

struct vtblk_softc {
	struct mtx	 mtx;		/* "vtblk" (spin): everything below that changes */
	struct pci_dev	 pd;
	uint16_t	 iobase;
	struct disk	*disk;
	int		 qsize;		/* Q: descriptors in the queue */
	volatile struct vring_desc  *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used  *used;
	struct vtblk_hdr *hdr;		/* [Q]: the header of the chain with that head */
	volatile uint8_t *status;	/* [Q]: its status byte */
	vm_paddr_t	 hdr_pa, status_pa;
	struct bio	**slot;		/* [Q]: the bio of the chain with that head */
	uint16_t	 free_head;	/* free descriptors, linked by .next */
	int		 nfree;
	uint16_t	 last_used;	/* used->idx as far as vtblk_poll has taken it */
	int		 unit;		/* "vtblk%d" in messages */
};

static int vtblk_units;
static struct vtblk_softc *vtblk_softcs[DISK_MAX];	/* by unit: the interrupt handlers' list */
static uint32_t vtblk_irqs;			/* lines with a handler established */

/* The virtqueue's bytes for Q descriptors, legacy layout (see the top). */
static size_t
vtblk_used_offset(int q)
{
	return (roundup2(16 * (size_t)q + 6 + 2 * (size_t)q, PAGE_SIZE));
}

static size_t
vtblk_ring_size(int q)
{
	return (vtblk_used_offset(q) + roundup2(6 + 8 * (size_t)q, PAGE_SIZE));
}

static void
vtblk_barrier(void)
{
	__sync_synchronize();
}

/* Allocate the queue and the header slots, below 4 GiB, and tell the device. */
static int
vtblk_alloc_queue(struct vtblk_softc *sc)
{
	size_t rsize = vtblk_ring_size(sc->qsize);
	size_t hsize = (size_t)sc->qsize * (sizeof(struct vtblk_hdr) + 1);
	vm_paddr_t ring_pa;
	char *ring, *hdr;

	ring = contigmalloc(rsize, 0, (vm_paddr_t)0xffffffffu, PAGE_SIZE, 0);
	hdr = contigmalloc(hsize, 0, (vm_paddr_t)0xffffffffu, PAGE_SIZE, 0);
	sc->slot = malloc(sizeof(struct bio *) * (size_t)sc->qsize);
	if (ring == NULL || hdr == NULL || sc->slot == NULL) {
		if (ring != NULL)
			contigfree(ring, rsize);
		if (hdr != NULL)
			contigfree(hdr, hsize);
		if (sc->slot != NULL)
			free(sc->slot);
		return (ENOMEM);
	}
	memset(ring, 0, rsize);
	memset(hdr, 0, hsize);
	memset(sc->slot, 0, sizeof(struct bio *) * (size_t)sc->qsize);
	ring_pa = pmap_kextract((vm_offset_t)ring);
	sc->desc = (volatile struct vring_desc *)ring;
	sc->avail = (volatile struct vring_avail *)(ring + 16 * (size_t)sc->qsize);
	sc->used = (volatile struct vring_used *)(ring + vtblk_used_offset(sc->qsize));
	sc->hdr = (struct vtblk_hdr *)hdr;
	sc->status = (volatile uint8_t *)(hdr + (size_t)sc->qsize * sizeof(struct vtblk_hdr));
	sc->hdr_pa = pmap_kextract((vm_offset_t)hdr);
	sc->status_pa = sc->hdr_pa + (vm_paddr_t)sc->qsize * sizeof(struct vtblk_hdr);
	for (int i = 0; i < sc->qsize; i++)
		sc->desc[i].next = (uint16_t)(i + 1);
	sc->free_head = 0;
	sc->nfree = sc->qsize;
	outl(sc->iobase + VIRTIO_PCI_QUEUE_PFN, (uint32_t)(ring_pa >> VIRTIO_PCI_QUEUE_ADDR_SHIFT));
	return (0);
}

static uint16_t
vtblk_desc_get(struct vtblk_softc *sc)
{
	uint16_t d = sc->free_head;

	KASSERT(sc->nfree > 0, ("%s: vtblk%d: no free descriptor", __func__, sc->unit));
	sc->free_head = sc->desc[d].next;
	sc->nfree--;
	return (d);
}

/* Put the chain that starts at head back on the free list. */
static void
vtblk_chain_free(struct vtblk_softc *sc, uint16_t head)
{
	uint16_t d = head;

	for (;;) {
		bool more = (sc->desc[d].flags & VRING_DESC_F_NEXT) != 0;
		uint16_t next = sc->desc[d].next;

		sc->desc[d].next = sc->free_head;
		sc->free_head = d;
		sc->nfree++;
		if (!more)
			break;
		d = next;
	}
}

/* d_start: one chain for bp, or EBUSY if the queue lacks the descriptors. */
static int
vtblk_start(struct disk *dp, struct bio *bp)
{
	struct vtblk_softc *sc = dp->d_softc;
	uint16_t head, d, prev;

	mtx_lock_spin(&sc->mtx);
	if (sc->nfree < bp->bio_npages + 2) {
		mtx_unlock_spin(&sc->mtx);
		return (EBUSY);
	}
	head = vtblk_desc_get(sc);
	sc->hdr[head].type = bp->bio_cmd == BIO_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
	sc->hdr[head].ioprio = 0;
	sc->hdr[head].sector = (uint64_t)bp->bio_blkno;
	sc->status[head] = 0xff;
	sc->slot[head] = bp;
	sc->desc[head].addr = sc->hdr_pa + head * sizeof(struct vtblk_hdr);
	sc->desc[head].len = sizeof(struct vtblk_hdr);
	sc->desc[head].flags = 0;	/* the device reads the header */
	prev = head;
	for (int i = 0; i < bp->bio_npages; i++) {
		d = vtblk_desc_get(sc);
		sc->desc[prev].flags |= VRING_DESC_F_NEXT;
		sc->desc[prev].next = d;
		sc->desc[d].addr = VM_PAGE_TO_PHYS(bp->bio_ma[i]);
		sc->desc[d].len = PAGE_SIZE;
		sc->desc[d].flags = bp->bio_cmd == BIO_READ ? VRING_DESC_F_WRITE : 0;
		prev = d;
	}
	d = vtblk_desc_get(sc);
	sc->desc[prev].flags |= VRING_DESC_F_NEXT;
	sc->desc[prev].next = d;
	sc->desc[d].addr = sc->status_pa + head;
	sc->desc[d].len = 1;
	sc->desc[d].flags = VRING_DESC_F_WRITE;
	sc->avail->ring[sc->avail->idx % sc->qsize] = head;
	vtblk_barrier();		/* the chain before the index that publishes it */
	sc->avail->idx++;
	vtblk_barrier();
	outw(sc->iobase + VIRTIO_PCI_QUEUE_NOTIFY, 0);
	mtx_unlock_spin(&sc->mtx);
	return (0);
}

/* Hand every chain the device finished back to the disk layer (sc->mtx held). */
static void
vtblk_drain(struct vtblk_softc *sc)
{
	struct bio *bp;
	uint16_t head;
	uint8_t st;

	mtx_assert(&sc->mtx, MA_OWNED);
	while (sc->last_used != sc->used->idx) {
		vtblk_barrier();	/* the element after the index that published it */
		head = (uint16_t)sc->used->ring[sc->last_used % sc->qsize].id;
		sc->last_used++;
		KASSERT(head < sc->qsize && sc->slot[head] != NULL,
		    ("%s: vtblk%d: used head %u has no request", __func__, sc->unit, head));
		bp = sc->slot[head];
		st = sc->status[head];
		sc->slot[head] = NULL;
		vtblk_chain_free(sc, head);
		if (st != VIRTIO_BLK_S_OK)
			printf("vtblk%d: %s at sector %jd failed: device status %u\n", sc->unit,
			    bp->bio_cmd == BIO_READ ? "read" : "write", (intmax_t)bp->bio_blkno, st);
		disk_done(bp, st == VIRTIO_BLK_S_OK ? 0 : EIO);
	}
}

/* d_poll: the disk layer suspects a lost interrupt. */
static void
vtblk_poll(struct disk *dp)
{
	struct vtblk_softc *sc = dp->d_softc;

	mtx_lock_spin(&sc->mtx);
	vtblk_drain(sc);
	mtx_unlock_spin(&sc->mtx);
}

/*
 * The interrupt handler of one IRQ line: every vtblk on it whose ISR says
 * it interrupted (bit 0: the queue).  Reading the ISR lowers the line.
 */
static void
vtblk_intr(void *arg)
{
	int irq = (int)(uintptr_t)arg;

	for (int i = 0; i < vtblk_units; i++) {
		struct vtblk_softc *sc = vtblk_softcs[i];

		if (sc == NULL || sc->pd.irq != irq)
			continue;
		if ((inb(sc->iobase + VIRTIO_PCI_ISR) & 1) == 0)
			continue;
		mtx_lock_spin(&sc->mtx);
		vtblk_drain(sc);
		mtx_unlock_spin(&sc->mtx);
	}
}

/*
 * d_dump: write npages physical pages at blkno and wait for the device by
 * polling the used ring, with interrupts off and sc->mtx not taken (a
 * panic may have interrupted its holder; nothing else runs).  Chains the
 * device finishes meanwhile that are not ours are handed back as usual,
 * unless the kernel is panicking: then no thread will ever take them.
 * Gives up after VTBLK_DUMP_TIMEOUT_S seconds with EIO.
 */
#define	VTBLK_DUMP_TIMEOUT_S	10

static int
vtblk_dump(struct disk *dp, daddr_t blkno, const vm_paddr_t *pa, int npages)
{
	struct vtblk_softc *sc = dp->d_softc;
	/* cpu_tickrate() may still be an early, low estimate (QEMU replays the ticks
	 * a busy host delayed in a burst): a floor of 1 GHz keeps the limit seconds. */
	uint64_t start = cpu_ticks(), limit = MAX(cpu_tickrate(), 1000000000ull) *
	    VTBLK_DUMP_TIMEOUT_S;
	uint16_t head, d, prev;
	struct bio *bp;
	uint8_t st;

	if (sc->nfree < npages + 2)
		return (EBUSY);
	head = vtblk_desc_get(sc);
	sc->hdr[head].type = VIRTIO_BLK_T_OUT;
	sc->hdr[head].ioprio = 0;
	sc->hdr[head].sector = (uint64_t)blkno;
	sc->status[head] = 0xff;
	sc->slot[head] = NULL;
	sc->desc[head].addr = sc->hdr_pa + head * sizeof(struct vtblk_hdr);
	sc->desc[head].len = sizeof(struct vtblk_hdr);
	sc->desc[head].flags = 0;
	prev = head;
	for (int i = 0; i < npages; i++) {
		d = vtblk_desc_get(sc);
		sc->desc[prev].flags |= VRING_DESC_F_NEXT;
		sc->desc[prev].next = d;
		sc->desc[d].addr = pa[i];
		sc->desc[d].len = PAGE_SIZE;
		sc->desc[d].flags = 0;
		prev = d;
	}
	d = vtblk_desc_get(sc);
	sc->desc[prev].flags |= VRING_DESC_F_NEXT;
	sc->desc[prev].next = d;
	sc->desc[d].addr = sc->status_pa + head;
	sc->desc[d].len = 1;
	sc->desc[d].flags = VRING_DESC_F_WRITE;
	sc->avail->ring[sc->avail->idx % sc->qsize] = head;
	vtblk_barrier();
	sc->avail->idx++;
	vtblk_barrier();
	outw(sc->iobase + VIRTIO_PCI_QUEUE_NOTIFY, 0);
	for (;;) {
		if (sc->last_used == sc->used->idx) {
			if (limit != 0 && cpu_ticks() - start > limit)
				return (EIO);	/* the chain stays the device's */
			cpu_spinwait();
			continue;
		}
		vtblk_barrier();
		d = (uint16_t)sc->used->ring[sc->last_used % sc->qsize].id;
		sc->last_used++;
		if (d >= sc->qsize)
			continue;
		bp = sc->slot[d];
		st = sc->status[d];
		sc->slot[d] = NULL;
		vtblk_chain_free(sc, d);
		if (d == head)
			return (st == VIRTIO_BLK_S_OK ? 0 : EIO);
		if (bp != NULL && panicstr == NULL)
			disk_done(bp, st == VIRTIO_BLK_S_OK ? 0 : EIO);
	}
}

/* d_stop: reset the device (it stops all DMA) and fail what it held. */
static void
vtblk_stop(struct disk *dp)
{
	struct vtblk_softc *sc = dp->d_softc;
	struct bio *bp;

	mtx_lock_spin(&sc->mtx);
	outb(sc->iobase + VIRTIO_PCI_STATUS, 0);
	for (int i = 0; i < sc->qsize; i++) {
		if ((bp = sc->slot[i]) == NULL)
			continue;
		sc->slot[i] = NULL;
		disk_done(bp, EIO);
	}
	mtx_unlock_spin(&sc->mtx);
}

static int
vtblk_fail(struct vtblk_softc *sc, const char *why)
{
	printf("vtblk%d: %s\n", sc->unit, why);
	outb(sc->iobase + VIRTIO_PCI_STATUS, VIRTIO_STATUS_FAILED);
	free(sc);
	return (ENXIO);
}

int
virtio_blk_attach(struct pci_dev *pd)
{
	struct vtblk_softc *sc;
	uint32_t bar, features, want, seg_max;
	uint64_t sectors;
	int maxpages;

	bar = pci_read_config(pd, PCIR_BAR(0), 4);
	if ((bar & PCIM_BAR_IO) == 0) {
		printf("vtblk: BAR 0 is not an I/O-port BAR (%#x)\n", bar);
		return (ENXIO);
	}
	if ((sc = malloc(sizeof(*sc))) == NULL)
		return (ENOMEM);
	memset(sc, 0, sizeof(*sc));
	sc->pd = *pd;
	sc->iobase = (uint16_t)(bar & ~3u);
	sc->unit = vtblk_units;
	mtx_init(&sc->mtx, "vtblk", NULL, MTX_SPIN);
	if (sc->unit >= DISK_MAX || pd->irq == 0 || pd->irq >= 16 || pd->irq == 2)
		return (vtblk_fail(sc, sc->unit >= DISK_MAX ? "too many disks" :
		    "no usable interrupt line (config register 0x3c)"));
	vtblk_units++;
	pci_write_config(pd, PCIR_COMMAND, pci_read_config(pd, PCIR_COMMAND, 2) |
	    PCIM_CMD_PORTEN | PCIM_CMD_BUSMASTER, 2);

	outb(sc->iobase + VIRTIO_PCI_STATUS, 0);	/* reset */
	outb(sc->iobase + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACK);
	outb(sc->iobase + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	features = inl(sc->iobase + VIRTIO_PCI_HOST_FEATURES);
	want = features & (VIRTIO_BLK_F_RO | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_SIZE_MAX);
	outl(sc->iobase + VIRTIO_PCI_GUEST_FEATURES, want);
	sectors = inl(sc->iobase + VIRTIO_PCI_CONFIG + VTBLK_CFG_CAPACITY) |
	    (uint64_t)inl(sc->iobase + VIRTIO_PCI_CONFIG + VTBLK_CFG_CAPACITY + 4) << 32;
	if ((want & VIRTIO_BLK_F_SIZE_MAX) != 0 &&
	    inl(sc->iobase + VIRTIO_PCI_CONFIG + VTBLK_CFG_SIZE_MAX) < PAGE_SIZE)
		return (vtblk_fail(sc, "segments smaller than a page are not supported"));

	outw(sc->iobase + VIRTIO_PCI_QUEUE_SEL, 0);
	sc->qsize = inw(sc->iobase + VIRTIO_PCI_QUEUE_NUM);
	if (sc->qsize < 3)
		return (vtblk_fail(sc, "queue 0 is missing or too small"));
	if (vtblk_alloc_queue(sc) != 0)
		return (vtblk_fail(sc, "no memory below 4 GiB for the virtqueue"));
	maxpages = sc->qsize - 2;
	if ((want & VIRTIO_BLK_F_SEG_MAX) != 0) {
		seg_max = inl(sc->iobase + VIRTIO_PCI_CONFIG + VTBLK_CFG_SEG_MAX);
		if (seg_max >= 1)
			maxpages = MIN(maxpages, (int)MIN(seg_max, 65536u));
	}
	sc->disk = disk_create("virtio-blk", sectors, (features & VIRTIO_BLK_F_RO) != 0, maxpages,
	    vtblk_start, vtblk_poll, vtblk_stop, sc);
	if (sc->disk == NULL) {
		outb(sc->iobase + VIRTIO_PCI_STATUS, 0);
		return (ENOMEM);
	}
	sc->disk->d_dump = vtblk_dump;
	vtblk_softcs[sc->unit] = sc;
	if ((vtblk_irqs & (1u << pd->irq)) == 0) {
		if (intr_establish(pd->irq, vtblk_intr, (void *)(uintptr_t)pd->irq, "vtblk") != 0)
			printf("vtblk%d: irq %d is taken by another device: requests will time out\n",
			    sc->unit, pd->irq);
		vtblk_irqs |= 1u << pd->irq;
	}
	outb(sc->iobase + VIRTIO_PCI_STATUS,
	    VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	return (0);
}

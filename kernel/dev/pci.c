/*
 * pci.c - find the machine's disk controllers on PCI bus 0.
 *
 * Configuration mechanism #1: write the address of a register (bus, slot,
 * function, offset) to port 0xcf8, then read or write it at 0xcfc..0xcff.
 * QEMU's pc machine (i440FX) puts every device on bus 0, so one bus is
 * scanned; bridges are not followed.  Each function whose (vendor, device)
 * is in pci_drivers[] is handed to that driver; the others are only
 * counted.  disk_bus_probe() is the disk layer's hook (sys/disk.h).
 */
#include <sys/systm.h>
#include <sys/disk.h>
#include <machine/cpufunc.h>
#include <dev/pcivar.h>

#define	PCI_CONF_ADDR	0xcf8
#define	PCI_CONF_DATA	0xcfc
#define	PCI_SLOTMAX	31
#define	PCI_FUNCMAX	7

static const struct pci_driver {
	uint16_t	vendor, device;
	const char	*name;
	int		(*attach)(struct pci_dev *);
} pci_drivers[] = {
	{ 0x1af4, 0x1001, "virtio-blk (transitional)", virtio_blk_attach },
};

static void
pci_select(const struct pci_dev *pd, int reg)
{
	outl(PCI_CONF_ADDR, 0x80000000u | (uint32_t)pd->bus << 16 | (uint32_t)pd->slot << 11 |
	    (uint32_t)pd->func << 8 | (uint32_t)(reg & 0xfc));
}

/* A width-byte (1, 2, 4) register at reg, which is width-aligned. */
uint32_t
pci_read_config(const struct pci_dev *pd, int reg, int width)
{
	uint32_t v;

	KASSERT(reg % width == 0, ("%s: register %#x not aligned to %d", __func__, reg, width));
	pci_select(pd, reg);
	v = inl(PCI_CONF_DATA) >> (8 * (reg & 3));
	return (width == 4 ? v : v & ((1u << (8 * width)) - 1));
}

void
pci_write_config(const struct pci_dev *pd, int reg, uint32_t val, int width)
{
	KASSERT(reg % width == 0, ("%s: register %#x not aligned to %d", __func__, reg, width));
	pci_select(pd, reg);
	if (width == 4)
		outl(PCI_CONF_DATA, val);
	else if (width == 2)
		outw(PCI_CONF_DATA + (reg & 2), (uint16_t)val);
	else
		outb(PCI_CONF_DATA + (reg & 3), (uint8_t)val);
}

static void
pci_attach(struct pci_dev *pd)
{
	for (size_t i = 0; i < nitems(pci_drivers); i++) {
		const struct pci_driver *d = &pci_drivers[i];

		if (d->vendor != pd->vendor || d->device != pd->device)
			continue;
		printf("pci0:%d:%d: %s, vendor %#06x device %#06x, irq %d\n", pd->slot, pd->func,
		    d->name, pd->vendor, pd->device, pd->irq);
		if (d->attach(pd) != 0)
			printf("pci0:%d:%d: %s not attached\n", pd->slot, pd->func, d->name);
		return;
	}
	if (pd->vendor == 0x1af4 && pd->device == 0x1042)
		printf("pci0:%d:%d: a modern-only virtio-blk (no I/O BAR) is not supported; "
		    "QEMU's pc machine attaches transitional ones\n", pd->slot, pd->func);
}

void
disk_bus_probe(void)
{
	struct pci_dev pd = { 0 };
	int nfunc;

	for (int slot = 0; slot <= PCI_SLOTMAX; slot++) {
		pd.slot = (uint8_t)slot;
		nfunc = 1;
		for (int func = 0; func < nfunc; func++) {
			pd.func = (uint8_t)func;
			pd.vendor = (uint16_t)pci_read_config(&pd, PCIR_VENDOR, 2);
			if (pd.vendor == 0xffff)
				continue;
			if (func == 0 && (pci_read_config(&pd, PCIR_HDRTYPE, 1) & PCIM_MFDEV) != 0)
				nfunc = PCI_FUNCMAX + 1;
			pd.device = (uint16_t)pci_read_config(&pd, PCIR_DEVICE, 2);
			pd.irq = (uint8_t)pci_read_config(&pd, PCIR_INTLINE, 1);
			pci_attach(&pd);
		}
	}
}

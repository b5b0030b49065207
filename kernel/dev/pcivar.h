/*
 * dev/pcivar.h - PCI configuration space (mechanism #1, ports 0xcf8/0xcfc)
 * and the table of drivers that pci.c attaches to the devices it finds.
 */
#ifndef _DEV_PCIVAR_H_
#define _DEV_PCIVAR_H_

#include <sys/types.h>

/* One function found on the bus, as pci_probe() hands it to a driver. */
struct pci_dev {
	uint8_t		bus, slot, func;
	uint16_t	vendor, device;
	uint8_t		irq;		/* config 0x3c: the PIC line the BIOS routed INTx to */
};

/* Configuration-space registers (PCI Local Bus 3.0, type 0 header). */
#define	PCIR_VENDOR	0x00
#define	PCIR_DEVICE	0x02
#define	PCIR_COMMAND	0x04
#define	PCIR_HDRTYPE	0x0e
#define	PCIR_BAR(n)	(0x10 + 4 * (n))
#define	PCIR_INTLINE	0x3c
#define	PCIM_CMD_PORTEN	 0x0001	/* respond to I/O-port BARs */
#define	PCIM_CMD_BUSMASTER 0x0004	/* may do DMA */
#define	PCIM_MFDEV	0x80	/* header type: a multi-function device */
#define	PCIM_BAR_IO	0x1	/* BAR bit 0: an I/O-port BAR */

uint32_t pci_read_config(const struct pci_dev *pd, int reg, int width);
void	pci_write_config(const struct pci_dev *pd, int reg, uint32_t val, int width);

/* Drivers, matched by (vendor, device); attach returns 0 if it took the device. */
int	virtio_blk_attach(struct pci_dev *pd);

#endif /* !_DEV_PCIVAR_H_ */

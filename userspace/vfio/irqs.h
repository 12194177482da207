/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host IRQs VFIO requested for a device: its "vfio-msix[K](BDF)" and
 * "vfio-msi[K](BDF)" lines of /proc/interrupts (drivers/vfio/pci names
 * them so), i.e. what `exitless attach --device BDF` registers.
 */
#ifndef XL_VFIO_IRQS_H
#define XL_VFIO_IRQS_H

#include <stdint.h>
#include <stdio.h>

/*
 * The MSI/MSI-X IRQs of @bdf (canonical "dddd:bb:dd.f") in the
 * /proc/interrupts text @f, in file order: their number (0 when VFIO has
 * none: the guest has not enabled MSI/MSI-X), or -E2BIG when more than
 * @max, or -EINVAL on a line that is not /proc/interrupts.
 */
int xl_vfio_irqs_parse(FILE *f, const char *bdf, uint32_t *irqs,
		       unsigned int max);
/* The same from /proc/interrupts (env XL_PROC_INTERRUPTS overrides). */
int xl_vfio_irqs(const char *bdf, uint32_t *irqs, unsigned int max);

#endif /* XL_VFIO_IRQS_H */

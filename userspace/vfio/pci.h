/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI devices through sysfs, for `exitless assign/release`: BDF names,
 * drivers, IOMMU groups and the vfio-pci binding dance. Every path is
 * taken relative to xl_sysfs_root() so the unit tests can run these
 * functions against a fake tree (env XL_SYSFS_ROOT).
 */
#ifndef XL_VFIO_PCI_H
#define XL_VFIO_PCI_H

#include <stddef.h>

#define XL_BDF_LEN	13	/* "dddd:bb:dd.f" + NUL */
#define XL_DRV_LEN	64

/* Canonical "dddd:bb:dd.f" from "DDDD:BB:DD.F" or "BB:DD.F" (hex, any case). */
int xl_bdf_parse(const char *in, char out[XL_BDF_LEN]);

const char *xl_sysfs_root(void);
int xl_pci_exists(const char *bdf);
/* Driver bound to bdf into drv ("" when unbound). */
int xl_pci_driver(const char *bdf, char *drv, size_t len);
/* driver_override ("" when none). */
int xl_pci_override(const char *bdf, char *buf, size_t len);
int xl_pci_ids(const char *bdf, unsigned int *vendor, unsigned int *device,
	       unsigned int *class);
/* IOMMU group number of bdf, -ENOENT without one. */
int xl_pci_iommu_group(const char *bdf);
/* 1 when /sys/kernel/iommu_groups has at least one group. */
int xl_iommu_enabled(void);

/*
 * Is the group usable by VFIO once bdf is bound to vfio-pci? Every other
 * member must be unbound or bound to vfio-pci / pci-stub; PCI bridges are
 * exempt. Returns 0, or -EBUSY with the first offender's BDF and driver.
 */
int xl_group_viable(int group, const char *bdf, char *who, size_t wlen,
		    char *drv, size_t dlen);

/* Write text to the sysfs attribute rel (relative to the sysfs root). */
int xl_sysfs_write(const char *rel, const char *text);

/* Bind/unbind steps; each returns 0 or a negative errno. */
int xl_pci_set_override(const char *bdf, const char *drv);
int xl_pci_unbind(const char *bdf);
int xl_pci_probe(const char *bdf);
int xl_pci_bind(const char *bdf, const char *drv);

/* Pid of a process holding /dev/vfio/GROUP open, 0 if none. */
int xl_vfio_group_user(int group, char *comm, size_t len);

#endif /* XL_VFIO_PCI_H */

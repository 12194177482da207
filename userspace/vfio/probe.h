/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `exitless assign --test`: drive a vfio-pci device through the VFIO uAPI
 * the way QEMU and DPDK do (container/group, DMA map, device fd, regions,
 * MSI/MSI-X eventfds) and prove an interrupt reaches an eventfd.
 */
#ifndef XL_VFIO_PROBE_H
#define XL_VFIO_PROBE_H

struct json_object;

/*
 * Runs every step on bdf (bound to vfio-pci, in IOMMU group `group`),
 * printing one line per step, or adding them to the "steps" array of
 * `out` when it is not NULL. Returns 0 when every step passed, 1 when a
 * step failed, 3 when VFIO itself is unavailable (see enum xl_exit).
 */
int xl_vfio_probe(const char *bdf, int group, struct json_object *out);

#endif /* XL_VFIO_PROBE_H */

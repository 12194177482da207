/* SPDX-License-Identifier: GPL-2.0 */
/* test_dev.c: a stand-in for a passthrough device's MSI (debugfs selftest). */
#ifndef XL_KMOD_TEST_DEV_H
#define XL_KMOD_TEST_DEV_H

#include <linux/irqbypass.h>
#include <linux/types.h>

#include "host_vec.h"

struct eventfd_ctx;
struct kvm;
struct seq_file;

/*
 * One interrupt source per VM for the rigs without a passthrough device:
 * "firing" it sends the physical IPI an MSI of an assigned device would
 * be, on a vector of our own bound to the CPU the vCPU ran on. Landing in
 * the host, its handler injects @guest_vec into the vCPU through KVM's
 * LAPIC, which is how an assigned device's interrupt reaches a guest in
 * baseline; in eli the shadow IDT maps the vector to @guest_vec instead.
 */
struct xl_test_dev {
	struct kvm *kvm;
	u32 vcpu;
	u8 guest_vec;
	struct xl_host_vec hv;
	atomic64_t fired, in_host;
};

/*
 * An MSI source shaped like a VFIO device's vector, for the rigs without
 * one: its IRQ is requested with an eventfd as dev_id and its host
 * handler signals that eventfd, which a KVM irqfd with an MSI route
 * consumes, and it registers an IRQ-bypass producer with that eventfd as
 * token, so KVM links the irqfd to its host IRQ exactly as for VFIO
 * (vfio_msi_set_vector_signal), and exitless finds the irqfd as for VFIO
 * (irq_route.c). The guest vector and vCPU come from
 * the route the VMM set; user space registers @hv.irq like any assigned
 * device's IRQ (XL_IOC_REGISTER_IRQS) and eli/did map it (assigned.c).
 */
struct xl_test_msi {
	struct xl_host_vec hv;
	struct eventfd_ctx *trigger;
	struct irq_bypass_producer prod;
	bool producer;
	atomic64_t fired, in_host;
};

int xl_test_msi_init(struct xl_test_msi *m, int eventfd, u32 cpu);
void xl_test_msi_exit(struct xl_test_msi *m);
int xl_test_msi_fire(struct xl_test_msi *m);
void xl_test_msi_show(struct seq_file *m, struct xl_test_msi *t);

int xl_test_dev_init(struct xl_test_dev *d, struct kvm *kvm, u32 vcpu,
		     u8 guest_vec);
void xl_test_dev_exit(struct xl_test_dev *d);
int xl_test_dev_fire(struct xl_test_dev *d);
void xl_test_dev_show(struct seq_file *m, struct xl_test_dev *d);

#endif /* XL_KMOD_TEST_DEV_H */

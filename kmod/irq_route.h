/* SPDX-License-Identifier: GPL-2.0 */
/* irq_route.c: where a VM's assigned host IRQ is delivered in the guest. */
#ifndef XL_KMOD_IRQ_ROUTE_H
#define XL_KMOD_IRQ_ROUTE_H

#include <linux/types.h>

struct kvm;

/* The guest side of one host IRQ: a fixed MSI to exactly one vCPU. */
struct xl_irq_dest {
	u32 gsi;
	u32 vcpu_id;		/* KVM's vcpu_id (the APIC ID) */
	u32 vcpu_idx;		/* index in kvm->vcpu_array */
	u8 vector;
};

/*
 * Host IRQ @irq as the guest gets it: the routing entry of the KVM irqfd
 * bound to @irq, the one whose IRQ-bypass producer is @irq (VFIO
 * registers one per MSI/MSI-X vector, as KVM's
 * kvm_arch_irq_bypass_add_producer finds it) or, where KVM links no
 * producer (6.12 with APICv off), the one whose eventfd is the dev_id
 * @irq was requested with (VFIO's trigger), decoded as an MSI (Intel SDM
 * vol.3 11.11.1). 0 and @d filled, or -EOPNOTSUPP and
 * *@reason when that MSI does not have exactly one physical, fixed or
 * lowest-priority destination (neither VT-d posting nor one shadow IDT
 * can deliver multicast or broadcast), or the IRQ is not bound to @kvm.
 */
int xl_irq_route(struct kvm *kvm, u32 irq, struct xl_irq_dest *d,
		 const char **reason);

/*
 * Append one clause per distinct reason to @why (@at characters used, @len
 * in all): "host IRQ 25,26 not bound to this VM ...; host IRQ 27 ...".
 * @reason[i] is NULL for the IRQs that are fine; the array is consumed.
 */
void xl_irq_reasons(char *why, size_t at, size_t len, const u32 *irqs,
		    const char **reason, u32 count);

#endif /* XL_KMOD_IRQ_ROUTE_H */

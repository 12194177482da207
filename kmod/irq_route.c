// SPDX-License-Identifier: GPL-2.0
/*
 * Where a VM's assigned host IRQ is delivered in the guest: the guest MSI
 * routed to the KVM irqfd that VFIO's IRQ-bypass producer for the IRQ is
 * attached to. Shared by `pi` (pi.c, which posts to that vCPU's
 * descriptor) and `eli`/`did` (assigned.c, which maps the host vector to
 * that guest vector in the shadow IDT).
 */
#include <linux/irqbypass.h>
#include <linux/kvm_host.h>
#include <linux/kvm_irqfd.h>
#include <asm/apicdef.h>

#include "irq_route.h"

/*
 * The routing entry of the irqfd whose bypass producer is @irq. KVM reads
 * irqfd->producer under the same lock in kvm_irq_routing_update();
 * irq_entry is under its seqcount (irqfd_update).
 */
static int xl_irq_route_entry(struct kvm *kvm, u32 irq,
			      struct kvm_kernel_irq_routing_entry *e, u32 *gsi)
{
	struct kvm_kernel_irqfd *irqfd;
	struct irq_bypass_producer *prod;
	unsigned int seq;
	int ret = -ENOENT;

	spin_lock_irq(&kvm->irqfds.lock);
	list_for_each_entry(irqfd, &kvm->irqfds.items, list) {
		prod = READ_ONCE(irqfd->producer);
		if (!prod || prod->irq != irq)
			continue;
		do {
			seq = read_seqcount_begin(&irqfd->irq_entry_sc);
			*e = irqfd->irq_entry;
		} while (read_seqcount_retry(&irqfd->irq_entry_sc, seq));
		*gsi = irqfd->gsi;
		ret = 0;
		break;
	}
	spin_unlock_irq(&kvm->irqfds.lock);
	return ret;
}

int xl_irq_route(struct kvm *kvm, u32 irq, struct xl_irq_dest *d,
		 const char **reason)
{
	struct kvm_kernel_irq_routing_entry e;
	struct kvm_lapic_irq li;
	struct kvm_vcpu *vcpu = NULL;
	const char *bad = NULL;
	u32 gsi;

	if (xl_irq_route_entry(kvm, irq, &e, &gsi)) {
		bad = "not bound to this VM (no KVM irqfd has it as IRQ-bypass producer)";
	} else if (e.type != KVM_IRQ_ROUTING_MSI) {
		bad = "routed to a non-MSI guest interrupt";
	} else {
		kvm_set_msi_irq(kvm, &e, &li);
		if (li.dest_mode != APIC_DEST_PHYSICAL)
			bad = "guest MSI: logical destination (multicast)";
		/* KVM's APIC_DEST_NOSHORT is 0 */
		else if (li.shorthand ||
			 li.dest_id == 0xff || li.dest_id == 0xffffffff)
			bad = "guest MSI: broadcast";
		else if (!kvm_irq_is_postable(&li))
			bad = "guest MSI: delivery mode not fixed/lowest-priority";
		else if (!kvm_intr_is_single_vcpu(kvm, &li, &vcpu))
			bad = "guest MSI: not exactly one target vCPU";
	}
	*reason = bad;
	if (bad)
		return -EOPNOTSUPP;
	d->gsi = gsi;
	d->vcpu_id = vcpu->vcpu_id;
	d->vcpu_idx = vcpu->vcpu_idx;
	d->vector = li.vector;
	return 0;
}

void xl_irq_reasons(char *why, size_t at, size_t len, const u32 *irqs,
		    const char **reason, u32 count)
{
	u32 i, j;

	for (i = 0; i < count && at < len; i++) {
		if (!reason[i])
			continue;
		at += scnprintf(why + at, len - at, "%shost IRQ %u",
				at ? "; " : "", irqs[i]);
		for (j = i + 1; j < count; j++) {
			if (reason[j] != reason[i])
				continue;
			at += scnprintf(why + at, len - at, ",%u", irqs[j]);
			reason[j] = NULL;
		}
		at += scnprintf(why + at, len - at, " %s", reason[i]);
	}
}

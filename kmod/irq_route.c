// SPDX-License-Identifier: GPL-2.0
/*
 * Where a VM's assigned host IRQ is delivered in the guest: the guest MSI
 * routed to the KVM irqfd VFIO binds the IRQ to. Shared by `pi` (pi.c,
 * which posts to that vCPU's descriptor) and `eli`/`did` (assigned.c,
 * which maps the host vector to that guest vector in the shadow IDT).
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqbypass.h>
#include <linux/irqdesc.h>
#include <linux/kvm_host.h>
#include <linux/kvm_irqfd.h>
#include <linux/rcupdate.h>
#include <asm/apicdef.h>

#include "irq_route.h"

#define XL_WHY_UNBOUND "not bound to this VM (no KVM irqfd has it as IRQ-bypass producer or its eventfd as the IRQ's dev_id)"

/*
 * Whether @desc's IRQ was requested with @eventfd as its dev_id. VFIO
 * requests each MSI/MSI-X vector's IRQ that way, the trigger eventfd as
 * dev_id: request_irq(irq, vfio_msihandler, 0, name, trigger) in
 * vfio_msi_set_vector_signal (drivers/vfio/pci/vfio_pci_intrs.c, 6.1 and
 * 6.12), and a KVM irqfd on the same eventfd file holds the same
 * eventfd_ctx (kvm_irqfd_assign: eventfd_ctx_fileget). Pointers are only
 * compared: dev_id is the requester's and never dereferenced here.
 * __free_irq unlinks an action under desc->lock (kernel/irq/manage.c).
 */
static bool xl_irq_has_dev_id(struct irq_desc *desc,
			      struct eventfd_ctx *eventfd)
{
	struct irqaction *action;

	lockdep_assert_held(&desc->lock);
	for (action = desc->action; action; action = action->next)
		if (action->dev_id == eventfd)
			return true;
	return false;
}

/*
 * The routing entry of the irqfd bound to @irq: the one whose IRQ-bypass
 * producer is @irq (VFIO registers one per vector, token = the trigger
 * eventfd), or else the one whose eventfd @irq was requested with. The
 * producer alone is not enough: 6.12's KVM registers an irqfd's bypass
 * consumer only if kvm_arch_has_irq_bypass(), which 6.12 made
 * enable_apicv && irq_remapping_cap(IRQ_POSTING_CAP) (arch/x86/kvm/x86.c;
 * 6.1: always true), so with APICv off, as eli and did need it, no irqfd
 * ever gets a producer (virt/kvm/eventfd.c, kvm_irqfd_assign). Where both
 * exist they name the same irqfd (the producer's token is the dev_id, and
 * KVM allows one irqfd per eventfd and VM).
 */
static int xl_irqfd_find(struct kvm *kvm, u32 irq, struct irq_desc *desc,
			 struct kvm_kernel_irq_routing_entry *e, u32 *gsi)
{
	struct kvm_kernel_irqfd *irqfd;
	struct irq_bypass_producer *prod;
	unsigned int seq;

	list_for_each_entry(irqfd, &kvm->irqfds.items, list) {
		prod = READ_ONCE(irqfd->producer);
		if (!(prod && prod->irq == irq) &&
		    !xl_irq_has_dev_id(desc, irqfd->eventfd))
			continue;
		do {
			seq = read_seqcount_begin(&irqfd->irq_entry_sc);
			*e = irqfd->irq_entry;
		} while (read_seqcount_retry(&irqfd->irq_entry_sc, seq));
		*gsi = irqfd->gsi;
		return 0;
	}
	return -ENOENT;
}

/*
 * KVM reads irqfd->producer under irqfds.lock in kvm_irq_routing_update();
 * irq_entry is under its seqcount (irqfd_update). desc->lock is taken
 * inside irqfds.lock as KVM itself nests them (kvm_irq_routing_update ->
 * vmx_pi_update_irte -> irq_set_vcpu_affinity). The irq_desc is freed
 * after an RCU grace period (kernel/irq/irqdesc.c, free_desc);
 * irq_to_desc is not exported on x86, irq_get_irq_data is, and the
 * irq_data is inside the irq_desc (irq_data_to_desc, linux/irqdesc.h;
 * the same in 6.1 and 6.12). An IRQ that does not exist is bound to
 * nothing.
 */
static int xl_irq_route_entry(struct kvm *kvm, u32 irq,
			      struct kvm_kernel_irq_routing_entry *e, u32 *gsi)
{
	struct irq_data *data;
	struct irq_desc *desc;
	int ret = -ENOENT;

	rcu_read_lock();
	data = irq_get_irq_data(irq);
	if (data) {
		desc = irq_data_to_desc(data);
		spin_lock_irq(&kvm->irqfds.lock);
		raw_spin_lock(&desc->lock);
		ret = xl_irqfd_find(kvm, irq, desc, e, gsi);
		raw_spin_unlock(&desc->lock);
		spin_unlock_irq(&kvm->irqfds.lock);
	}
	rcu_read_unlock();
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
		bad = XL_WHY_UNBOUND;
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

// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a passthrough device's MSI, for the rigs that have none
 * (Bochs: no IOMMU, no assignable device). See test_dev.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <asm/apicdef.h>

#include "compat.h"
#include "test_dev.h"
#include "vmx_hw.h"

/*
 * The interrupt landed in the host: the vCPU was not in guest mode on
 * this CPU (exit, preemption, halt) or is not in direct mode. Hand it to
 * KVM as a fixed interrupt of the vCPU's own virtual LAPIC, as KVM's irqfd
 * does for an assigned device's MSI from hard-IRQ context.
 */
static irqreturn_t xl_test_dev_irq(int irq, void *dev_id)
{
	struct xl_test_dev *d = dev_id;
	struct kvm_vcpu *vcpu = kvm_get_vcpu(d->kvm, d->vcpu);

	atomic64_inc(&d->in_host);
	if (vcpu && vcpu->arch.apic)
		kvm_apic_send_ipi(vcpu->arch.apic,
				  APIC_DEST_SELF | APIC_DM_FIXED | d->guest_vec,
				  0);
	return IRQ_HANDLED;
}

int xl_test_dev_init(struct xl_test_dev *d, struct kvm *kvm, u32 vcpu,
		     u8 guest_vec)
{
	struct kvm_vcpu *v = kvm_get_vcpu(kvm, vcpu);
	int cpu;

	memset(d, 0, sizeof(*d));
	if (!v || !v->arch.apic || guest_vec < FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	/* the CPU the vCPU last ran on; it has not run yet: try again */
	cpu = READ_ONCE(v->cpu);
	if (cpu < 0)
		return -EAGAIN;
	d->kvm = kvm;
	d->vcpu = vcpu;
	d->guest_vec = guest_vec;
	return xl_host_vec_alloc(&d->hv, cpu, xl_test_dev_irq, d,
				 "exitless-testdev", true);
}

void xl_test_dev_exit(struct xl_test_dev *d)
{
	xl_host_vec_free(&d->hv);
}

int xl_test_dev_fire(struct xl_test_dev *d)
{
	int ret = xl_host_vec_fire(&d->hv);

	if (!ret)
		atomic64_inc(&d->fired);
	return ret;
}

void xl_test_dev_show(struct seq_file *m, struct xl_test_dev *d)
{
	seq_printf(m, "  testdev irq %d host_vector 0x%x cpu %u guest_vector 0x%x vcpu %u fired %lld handled_in_host %lld\n",
		   d->hv.irq, d->hv.vector, d->hv.cpu, d->guest_vec, d->vcpu,
		   atomic64_read(&d->fired), atomic64_read(&d->in_host));
}

/*
 * Landed in the host: VFIO's vfio_msihandler does the same with its
 * dev_id, the trigger. The record is the IRQ's handler data; it is set
 * before the first interrupt, which only xl_test_msi_fire sends.
 */
static irqreturn_t xl_test_msi_irq(int irq, void *dev_id)
{
	struct xl_test_msi *m = irq_get_handler_data(irq);

	if (m)
		atomic64_inc(&m->in_host);
	xl_eventfd_signal(dev_id);
	return IRQ_HANDLED;
}

int xl_test_msi_init(struct xl_test_msi *m, int eventfd, u32 cpu)
{
	struct eventfd_ctx *trigger = eventfd_ctx_fdget(eventfd);
	int ret;

	memset(m, 0, sizeof(*m));
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	m->trigger = trigger;
	/*
	 * Movable, as VFIO's vectors are, and requested with the trigger
	 * as dev_id, as vfio_msi_set_vector_signal requests a vector
	 * (drivers/vfio/pci/vfio_pci_intrs.c): irq_route.c finds the irqfd
	 * through it where KVM binds no producer (6.12 with APICv off).
	 */
	ret = xl_host_vec_alloc(&m->hv, cpu, xl_test_msi_irq, trigger,
				"exitless-testmsi", false);
	if (ret) {
		eventfd_ctx_put(trigger);
		return ret;
	}
	irq_set_handler_data(m->hv.irq, m);
	m->prod.token = trigger;
	m->prod.irq = m->hv.irq;
	/* as VFIO: no bypass is not an error, the eventfd still works */
	ret = irq_bypass_register_producer(&m->prod);
	if (ret)
		pr_info("test MSI: IRQ-bypass producer not registered (%d)\n",
			ret);
	m->producer = !ret;
	return 0;
}

void xl_test_msi_exit(struct xl_test_msi *m)
{
	if (m->producer)
		irq_bypass_unregister_producer(&m->prod);
	m->producer = false;
	xl_host_vec_free(&m->hv);
	if (m->trigger)
		eventfd_ctx_put(m->trigger);
	m->trigger = NULL;
}

int xl_test_msi_fire(struct xl_test_msi *m)
{
	int ret = xl_host_vec_fire(&m->hv);

	if (!ret)
		atomic64_inc(&m->fired);
	return ret;
}

void xl_test_msi_show(struct seq_file *m, struct xl_test_msi *t)
{
	u32 cpu = 0;
	u8 vector = 0;

	xl_irq_where(t->hv.irq, &cpu, &vector);
	seq_printf(m, "  testmsi irq %d host_vector 0x%x cpu %u producer %d fired %lld handled_in_host %lld\n",
		   t->hv.irq, vector, cpu, t->producer,
		   atomic64_read(&t->fired), atomic64_read(&t->in_host));
}

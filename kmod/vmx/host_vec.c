// SPDX-License-Identifier: GPL-2.0
/*
 * An interrupt vector of exitless's own on one host CPU.
 *
 * A directly delivered interrupt is a physical one: the CPU running the
 * vCPU receives it, and only if the vCPU is in guest mode at that moment
 * does the shadow IDT take it into the guest. Otherwise the host's IDT
 * runs, and a vector nobody requested in Linux is dropped with "No irq
 * handler for vector". So the vector is a real Linux IRQ from the x86
 * vector domain (the same allocator MSI and IOAPIC interrupts use, so it
 * cannot collide with a host device), bound to one CPU, with a handler
 * that hands the interrupt to KVM when it lands in the host. This is
 * what the passthrough device's own MSI handler is in ELI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>

#include "host_vec.h"

int xl_host_vec_alloc(struct xl_host_vec *hv, u32 cpu, irq_handler_t handler,
		      void *dev_id, const char *name, bool pinned)
{
	/* no type, no mask: a plain vector, placed by the affinity below */
	struct irq_alloc_info info = { };
	struct irq_data *d;
	struct irq_cfg *cfg;
	int irq, ret;

	memset(hv, 0, sizeof(*hv));
	if (!x86_vector_domain)
		return -ENODEV;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	irq = irq_domain_alloc_irqs(x86_vector_domain, 1, cpu_to_node(cpu),
				    &info);
	if (irq <= 0)
		return irq ? irq : -ENOSPC;
	/* lapic_controller acks with an EOI on the local APIC */
	irq_set_handler(irq, handle_edge_irq);
	/* stored now, applied when request_irq activates the vector */
	ret = irq_set_affinity(irq, cpumask_of(cpu));
	ret = ret ?: request_irq(irq, handler, pinned ? IRQF_NOBALANCING : 0,
				 name, dev_id);
	if (ret) {
		irq_dispose_mapping(irq);
		return ret;
	}
	/*
	 * The vector is only valid on the CPU it was allocated on (the
	 * effective affinity; cfg->dest_apicid is a logical ID in flat mode).
	 */
	d = irq_get_irq_data(irq);
	cfg = d ? irqd_cfg(d) : NULL;
	if (!cfg || !cfg->vector ||
	    !cpumask_equal(irq_data_get_effective_affinity_mask(d),
			   cpumask_of(cpu))) {
		pr_warn("irq %d: no vector of its own on CPU %u\n", irq, cpu);
		free_irq(irq, dev_id);
		irq_dispose_mapping(irq);
		return -ENOSPC;
	}
	hv->irq = irq;
	hv->cpu = cpu;
	hv->vector = cfg->vector;
	hv->dev_id = dev_id;
	return 0;
}

void xl_host_vec_free(struct xl_host_vec *hv)
{
	if (!hv->irq)
		return;
	/* free_irq waits for a handler still running on another CPU */
	free_irq(hv->irq, hv->dev_id);
	irq_dispose_mapping(hv->irq);
	memset(hv, 0, sizeof(*hv));
}

int xl_irq_where(u32 irq, u32 *cpu, u8 *vector)
{
	struct irq_data *d = irq ? irq_get_irq_data(irq) : NULL;
	const struct cpumask *eff;
	struct irq_cfg *cfg;

	if (!d)
		return -ENODEV;
	eff = irq_data_get_effective_affinity_mask(d);
	cfg = irqd_cfg(d);
	if (!cfg || cpumask_weight(eff) != 1)
		return -ENODEV;
	*cpu = cpumask_first(eff);
	*vector = cfg->vector;
	return 0;
}

int xl_host_vec_fire(const struct xl_host_vec *hv)
{
	u32 cpu;
	u8 vector;
	int ret = xl_irq_where(hv->irq, &cpu, &vector);

	if (ret || !cpu_online(cpu))
		return ret ?: -ENODEV;
	apic->send_IPI(cpu, vector);
	return 0;
}

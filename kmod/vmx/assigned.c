// SPDX-License-Identifier: GPL-2.0
/*
 * An assigned device's host IRQs delivered through the shadow IDT (modes
 * eli and did), ELI's direct delivery of a passthrough NIC's MSIs.
 *
 * For each registered host IRQ: its guest side comes from the KVM irqfd
 * VFIO bound it to (irq_route.c: guest vector, target vCPU); its host side
 * is the vector the x86 vector domain gave it (irqd_cfg; behind VT-d
 * interrupt remapping the IRTE's vector, VT-d 9.10) on the one CPU of its
 * effective affinity. A host vector means something on one CPU only, and
 * the VM has one shadow IDT, so all the IRQs must target one vCPU and sit
 * on the CPU that vCPU runs on: the engine is bound to that pair and the
 * vCPU runs with the shadow IDT only there (kvm_hooks.c keeps the bind).
 *
 * An IRQ elsewhere is moved to the vCPU's CPU when Linux can do that at
 * once (interrupt remapping: IRQD_MOVE_PCNTXT), and moved back when the
 * mapping ends; without remapping Linux moves an MSI only at its next
 * interrupt, so the IRQ is refused with what to do instead.
 *
 * The host handler stays VFIO's: an interrupt that lands while the vCPU is
 * not in guest mode (or on another CPU) reaches the guest as in baseline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <asm/hw_irq.h>

#include "assigned.h"
#include "host_vec.h"
#include "xl_engine.h"

/* Refusals that need more words than fit a line. */
#define XL_WHY_PENDING_MOVE "is on another host CPU than its vCPU last ran on, and without interrupt remapping Linux moves an MSI only at its next interrupt: write that CPU to /proc/irq/N/smp_affinity_list (or pin the vCPU thread to the IRQ's CPU), let one interrupt arrive and set the mode again"
#define XL_WHY_OTHER_VCPU "targets another vCPU than the first one (one shadow IDT per VM delivers one vCPU's device interrupts: point the guest's MSI-X vectors at one vCPU, or use mode pi)"

static void xl_assigned_restore(struct xl_assigned_irq *q)
{
	int ret;

	if (!q->moved)
		return;
	ret = irq_get_irq_data(q->irq) ?
	      irq_set_affinity(q->irq, q->saved) : -ENOENT;
	if (ret)
		pr_warn_ratelimited("host IRQ %u: affinity not restored (%d)\n",
				    q->irq, ret);
	q->moved = false;
}

static void xl_assigned_drop(struct xl_assigned *a, struct xl_engine *e,
			     u32 i)
{
	struct xl_assigned_irq *q = &a->irq[i];

	if (q->mapped) {
		xl_engine_unassign(e, q->irq);
		xl_engine_own(e, q->vector, false);
	}
	xl_assigned_restore(q);
	free_cpumask_var(q->saved);
}

/* Put @q's vector on @cpu. NULL, or why not. */
static const char *xl_assigned_place(struct xl_assigned_irq *q, u32 cpu)
{
	struct irq_data *d = irq_get_irq_data(q->irq);
	u32 now = U32_MAX;
	u8 vector = 0;

	if (!d)
		return "no longer exist(s)";
	if (xl_irq_where(q->irq, &now, &vector) || now != cpu) {
		if (!irqd_can_move_in_process_context(d))
			return XL_WHY_PENDING_MOVE;
		cpumask_copy(q->saved, irq_data_get_affinity_mask(d));
		if (irq_set_affinity(q->irq, cpumask_of(cpu)))
			return "refused a move to its vCPU's host CPU";
		q->moved = true;
		if (xl_irq_where(q->irq, &now, &vector) || now != cpu)
			return "not on its vCPU's host CPU after the move";
	}
	if (vector < FIRST_EXTERNAL_VECTOR)
		return "has no host vector (not an x86 vector-domain interrupt)";
	q->vector = vector;
	q->cpu = cpu;
	return NULL;
}

int xl_assigned_map(struct xl_assigned *a, struct kvm *kvm,
		    struct xl_engine *e, const u32 *irqs, u32 count,
		    u32 vcpu_idx, u32 cpu, char *why, size_t len)
{
	const char *reason[XL_MAX_IRQS] = { };
	struct xl_assigned_irq *q;
	struct kvm_vcpu *vcpu;
	size_t at;
	int ret = 0, cur;
	u32 i;

	memset(a, 0, sizeof(*a));
	count = min_t(u32, count, XL_MAX_IRQS);
	for (i = 0; i < count; i++) {
		q = &a->irq[i];
		q->irq = irqs[i];
		if (!zalloc_cpumask_var(&q->saved, GFP_KERNEL)) {
			ret = -ENOMEM;
			break;
		}
		a->nr = i + 1;
		if (!irq_get_irq_data(q->irq)) {
			reason[i] = "no longer exist(s)";
			continue;
		}
		if (xl_irq_route(kvm, q->irq, &q->dest, &reason[i]))
			continue;
		if (vcpu_idx == U32_MAX) {
			vcpu = kvm_get_vcpu(kvm, q->dest.vcpu_idx);
			cur = vcpu ? READ_ONCE(vcpu->cpu) : -1;
			if (cur < 0) {
				reason[i] = "targets a vCPU that has not run yet";
				continue;
			}
			vcpu_idx = q->dest.vcpu_idx;
			cpu = cur;
		}
		if (q->dest.vcpu_idx != vcpu_idx) {
			reason[i] = XL_WHY_OTHER_VCPU;
			continue;
		}
		reason[i] = xl_assigned_place(q, cpu);
		if (reason[i])
			continue;
		ret = xl_engine_own(e, q->vector, true);
		if (!ret) {
			ret = xl_engine_assign(e, q->irq, q->vector,
					       q->dest.vector, vcpu_idx);
			if (ret)
				xl_engine_own(e, q->vector, false);
		}
		q->mapped = !ret;
		if (ret)
			reason[i] = "its host vector cannot be mapped (reserved, or another IRQ's)";
		ret = 0;
	}
	for (i = 0; i < count && !ret; i++)
		if (reason[i])
			ret = -EOPNOTSUPP;
	if (ret) {
		at = vcpu_idx == U32_MAX ? 0 :
		     scnprintf(why, len, "vCPU %u last ran on host CPU %u: ",
			       vcpu_idx, cpu);
		xl_irq_reasons(why + at, 0, len - at, irqs, reason, count);
		while (a->nr)
			xl_assigned_drop(a, e, --a->nr);
		return ret;
	}
	a->vcpu_idx = vcpu_idx;
	a->cpu = cpu;
	return 0;
}

void xl_assigned_unmap(struct xl_assigned *a, struct xl_engine *e)
{
	while (a->nr)
		xl_assigned_drop(a, e, --a->nr);
}

/*
 * The irq_desc is freed after an RCU grace period, its vector-domain data
 * (irqd_cfg) is not; VFIO frees an IRQ only after unregistering its
 * bypass producer, which invalidates the mapping first (kvm_hooks.c), so
 * nobody reads a freed IRQ's vector here.
 */
bool xl_assigned_intact(const struct xl_assigned *a)
{
	u32 i, cpu;
	u8 vector;

	for (i = 0; i < a->nr; i++)
		if (xl_irq_where(a->irq[i].irq, &cpu, &vector) ||
		    vector != a->irq[i].vector || cpu != a->irq[i].cpu)
			return false;
	return true;
}

bool xl_assigned_has(const struct xl_assigned *a, u32 irq)
{
	u32 i;

	for (i = 0; i < a->nr; i++)
		if (a->irq[i].irq == irq)
			return true;
	return false;
}

void xl_assigned_show(struct seq_file *m, const struct xl_assigned *a)
{
	const struct xl_assigned_irq *q;
	u32 i;

	if (a->nr)
		seq_printf(m, "  assigned %u bound_vcpu %u bound_cpu %u\n",
			   a->nr, a->vcpu_idx, a->cpu);
	for (i = 0; i < a->nr; i++) {
		q = &a->irq[i];
		seq_printf(m, "  assigned irq %u host_vector 0x%x cpu %u -> gsi %u guest_vector 0x%x vcpu %u moved %d\n",
			   q->irq, q->vector, q->cpu, q->dest.gsi,
			   q->dest.vector, q->dest.vcpu_idx, q->moved);
	}
}

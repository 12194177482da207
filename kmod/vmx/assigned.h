/* SPDX-License-Identifier: GPL-2.0 */
/* assigned.c: an assigned device's host IRQs through the shadow IDT. */
#ifndef XL_KMOD_ASSIGNED_H
#define XL_KMOD_ASSIGNED_H

#include <linux/cpumask.h>
#include <linux/types.h>
#include <uapi/exitless.h>

#include "irq_route.h"

struct kvm;
struct seq_file;
struct xl_engine;

struct xl_assigned_irq {
	u32 irq;
	struct xl_irq_dest dest;	/* guest vector and vCPU */
	u32 cpu;			/* host CPU of @vector */
	u8 vector;			/* host vector, valid on @cpu only */
	bool mapped;			/* in the engine */
	bool moved;			/* we changed its affinity: @saved */
	cpumask_var_t saved;
};

/*
 * The registered host IRQs of one VM as eli/did deliver them: each one's
 * host vector mapped to its guest vector in the shadow IDT. Host vectors
 * are per CPU and the VM has one shadow IDT, so every IRQ must target the
 * same vCPU and sit on the host CPU that vCPU runs on; the engine is
 * bound to that (vCPU, CPU) pair (xl_engine_bind).
 */
struct xl_assigned {
	u32 nr;
	struct xl_assigned_irq irq[XL_MAX_IRQS];
	u32 vcpu_idx, cpu;		/* the bind, valid when @nr */
};

/*
 * Map @irqs into @e, all or nothing. @vcpu_idx/@cpu: a bind the IRQs must
 * agree with (the test device's), or U32_MAX to take it from the first
 * IRQ's target vCPU and the CPU that vCPU last ran on. Process context.
 * 0, or -EOPNOTSUPP with every reason in @why (left alone on success);
 * nothing changed.
 */
int xl_assigned_map(struct xl_assigned *a, struct kvm *kvm,
		    struct xl_engine *e, const u32 *irqs, u32 count,
		    u32 vcpu_idx, u32 cpu, char *why, size_t len);
/*
 * Undo: out of the engine, affinities back to what they were. No vCPU may
 * still be in guest mode with the shadow IDT (bind held, vCPUs out).
 */
void xl_assigned_unmap(struct xl_assigned *a, struct xl_engine *e);
/*
 * Each mapped IRQ still has the same vector on the same CPU (nobody moved
 * or freed it). Any context; the caller holds rcu_read_lock().
 */
bool xl_assigned_intact(const struct xl_assigned *a);
bool xl_assigned_has(const struct xl_assigned *a, u32 irq);
void xl_assigned_show(struct seq_file *m, const struct xl_assigned *a);

#endif /* XL_KMOD_ASSIGNED_H */

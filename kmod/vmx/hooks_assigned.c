// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX backend's side of an assigned device's host IRQs (assigned.c
 * maps them): when to map them (entering eli/did, registering IRQs), how
 * to withdraw them safely (hold the engine's bind, wait until no vCPU is
 * in guest mode with the shadow IDT), and mapping them again when a hook
 * finds them stale (moved, freed, re-routed by the guest).
 *
 * Locking: xl_hooks_lock for everything but xl_asg_invalidate, which the
 * hooks call under rcu_read_lock(), in the context of the function they
 * hook (hooks_priv.h, Locking: entry and irqchg), with IRQs off or on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kvm_host.h>

#include "hooks_priv.h"
#include "kvm_hooks.h"

/*
 * A mapped host IRQ moved, was freed or was re-routed by the guest: from
 * the next entry on no vCPU runs with the shadow IDT (the bound one is
 * kicked out now unless it is the caller), and remap_work maps the IRQs
 * again. Any context; the caller holds rcu_read_lock().
 */
void xl_asg_invalidate(struct xl_hvm *h, bool kick)
{
	struct xl_engine *e;
	struct kvm_vcpu *vcpu;

	if (!atomic_xchg(&h->asg_live, 0))
		return;
	/* not published yet: xl_hooks_engine_mode holds it after publishing */
	e = READ_ONCE(h->eng);
	if (e)
		xl_engine_bind(e, XL_BIND_HOLD, 0);
	atomic64_inc(&h->invalidations);
	vcpu = kick ? kvm_get_vcpu(h->kvm, h->asg.vcpu_idx) : NULL;
	if (vcpu)
		kvm_vcpu_kick(vcpu);
	schedule_work(&h->remap_work);
}

/*
 * Wait until no vCPU can be in guest mode with the shadow IDT, the bind
 * being held (generation @gen). A vCPU outside guest mode sees the hold
 * at its next entry: KVM sets vcpu->mode with a full barrier before the
 * entry hook reads the bind, and the smp_mb() below orders the hold before
 * our read of vcpu->mode. One in guest mode, or on its way in (inside the
 * entry hook, where it may have read the bind before the hold), is waited
 * for until an entry has read the hold (xl_engine_bind_seen), whatever
 * its state said before: it is kicked meanwhile. Bounded.
 */
static void xl_wait_out_of_direct(struct xl_hvm *h, struct xl_engine *e,
				  u32 gen)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	int tries, mode;
	bool busy;

	/* the hold is visible before we read vcpu->mode (KVM: smp_store_mb) */
	smp_mb();
	for (tries = 0; tries < 200; tries++) {
		busy = false;
		kvm_for_each_vcpu(i, vcpu, h->kvm) {
			mode = READ_ONCE(vcpu->mode);
			if (mode != IN_GUEST_MODE && mode != EXITING_GUEST_MODE)
				continue;
			if (xl_engine_bind_seen(e, i, gen))
				continue;
			busy = true;
			kvm_vcpu_kick(vcpu);
		}
		if (!busy)
			return;
		usleep_range(500, 1000);
	}
	pr_warn("vm %llu: a vCPU stayed in guest mode without entering again for 200 ms after its host vectors were withdrawn\n",
		h->vm_id);
}

/*
 * The registered host IRQs into @e, and the bind: their vCPU and CPU, or
 * the test device's, or none. Under xl_hooks_lock.
 */
int xl_asg_map(struct xl_hvm *h, struct xl_engine *e)
{
	u32 vcpu = U32_MAX, cpu = U32_MAX;
	int ret;

	if (h->tdev) {
		vcpu = h->tdev->vcpu;
		cpu = h->tdev->hv.cpu;
	}
	ret = xl_assigned_map(&h->asg, h->kvm, e, h->irqs, h->nr_irqs, vcpu,
			      cpu, h->asg_why, sizeof(h->asg_why));
	atomic64_inc(&h->remaps);
	if (ret) {
		atomic64_inc(&h->remap_failures);
		return ret;
	}
	if (h->asg.nr) {
		vcpu = h->asg.vcpu_idx;
		cpu = h->asg.cpu;
	}
	xl_engine_bind(e, vcpu == U32_MAX ? XL_BIND_ANY : vcpu, cpu);
	if (h->asg.nr)
		atomic_set_release(&h->asg_live, 1);
	return 0;
}

/*
 * Withdraw the mapping: hold, wait for the vCPUs, unmap. Same lock. The
 * route-change hooks read @asg while @asg_live is set, under RCU (or IRQs
 * off): a grace period after clearing it lets those that saw it set
 * finish before @asg is undone, so none sees it half undone.
 */
void xl_asg_unmap(struct xl_hvm *h, struct xl_engine *e)
{
	atomic_set(&h->asg_live, 0);
	xl_engine_bind(e, XL_BIND_HOLD, 0);
	if (!h->asg.nr)
		return;
	xl_wait_out_of_direct(h, e, xl_engine_bind_gen(e));
	synchronize_rcu();
	xl_assigned_unmap(&h->asg, e);
}

/* Mapping them again failed: they keep working, with exits. */
static void xl_asg_map_failed(struct xl_hvm *h)
{
	pr_info_ratelimited("vm %llu: assigned IRQs reach the guest through KVM until the next mode change: %s\n",
			    h->vm_id, h->asg_why);
}

/* After xl_asg_invalidate: map the IRQs again as they are now. */
void xl_remap_work(struct work_struct *work)
{
	struct xl_hvm *h = container_of(work, struct xl_hvm, remap_work);
	struct xl_engine *e;
	u32 seq;

	mutex_lock(&xl_hooks_lock);
	e = h->eng;
	/*
	 * Read before the routes are: a route changed after this read
	 * queues the work again with a newer count, and that run maps again
	 * even though this one left the mapping live.
	 */
	seq = atomic_read_acquire(&h->remap_seq);
	if (xl_eng_direct_mode(e) &&
	    (!atomic_read(&h->asg_live) || seq != h->remap_seq_mapped)) {
		h->remap_seq_mapped = seq;
		xl_asg_unmap(h, e);
		if (xl_asg_map(h, e))
			xl_asg_map_failed(h);
	}
	mutex_unlock(&xl_hooks_lock);
}

int xl_hooks_set_irqs(struct xl_vm *vm, const u32 *irqs, u32 count,
		      bool refusable)
{
	struct xl_hvm *h = vm->hooks;
	u32 old[XL_MAX_IRQS], nr_old;
	int ret = 0;

	if (!h)
		return 0;
	count = min_t(u32, count, XL_MAX_IRQS);
	mutex_lock(&xl_hooks_lock);
	nr_old = h->nr_irqs;
	memcpy(old, h->irqs, sizeof(old));
	memcpy(h->irqs, irqs, count * sizeof(*irqs));
	h->nr_irqs = count;
	if (xl_eng_direct_mode(h->eng)) {
		xl_asg_unmap(h, h->eng);
		ret = xl_asg_map(h, h->eng);
		if (ret && !refusable) {
			xl_asg_map_failed(h);
			ret = 0;
		} else if (ret) {
			xl_refusal_info(vm, "host IRQs refused in mode '%s': %s",
					xl_ioc_mode_name(vm->mode), h->asg_why);
			memcpy(h->irqs, old, sizeof(old));
			h->nr_irqs = nr_old;
			if (xl_asg_map(h, h->eng))
				xl_asg_map_failed(h);
		}
	}
	mutex_unlock(&xl_hooks_lock);
	return ret;
}

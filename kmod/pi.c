// SPDX-License-Identifier: GPL-2.0
/*
 * `pi` mode: posted-format IRTEs for a VM's registered host IRQs. Its CPU
 * side, virtual interrupts posted into KVM's descriptors, is pi_vcpu.c;
 * a VM without registered IRQs needs only that (XL_MISS_MODE, caps.h).
 *
 * For each registered host IRQ: find the KVM irqfd whose IRQ-bypass
 * producer is that IRQ (VFIO's MSI/MSI-X vector; the same link KVM's
 * kvm_arch_irq_bypass_add_producer uses), decode the guest MSI it is
 * routed to, require a physical, single-destination, fixed or
 * lowest-priority message (VT-d cannot post multicast or broadcast, see
 * the comment in KVM's vmx_pi_update_irte), and hand the IOMMU the target
 * vCPU's descriptor address and the guest vector with
 * irq_set_vcpu_affinity(irq, &struct vcpu_data). Leaving the mode, detach
 * and unregistering call irq_set_vcpu_affinity(irq, NULL): remapped format
 * again, the host handler (vfio) sees the interrupt again.
 *
 * Every check runs before any IRTE is touched, and a failure while posting
 * unposts what was posted: the VM is never half in `pi`. A refusal is an
 * errno plus one line naming every missing piece (dmesg, XL_IOC_WHY,
 * debugfs exitless/pi, tracepoint exitless:pi_refused).
 *
 * Keeping the IRTE in step: the descriptor is the vCPU's own (KVM's, with
 * APICv), so KVM moves NDST on migration, sets SN on preemption and
 * switches NV to the wakeup vector on block (vmx_vcpu_pi_load/put), and
 * the IRTE need not change for any of these. A guest that reprograms the
 * MSI makes KVM call vmx_pi_update_irte itself, which under the conditions
 * `pi` requires (they are vmx_can_use_vtd_pi's) rewrites the IRTE for the
 * new vCPU/vector. Known limit: that also means a VM on such a host has
 * posted IRTEs in `baseline` already, and after `pi` is left KVM re-posts
 * an IRQ at its next routing update (kmod/README.md).
 *
 * Locking: called with the session's lock held (vm.c); xl_pi_lock guards
 * the table below against debugfs readers. Never taken inside xl_vms_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irq.h>
#include <linux/kvm_host.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/irq_remapping.h>

#include "caps.h"
#include "irq_route.h"
#include "vmx/kvm_hooks.h"
#include "pi.h"
#include "xl.h"
#include "xl_trace.h"

#define XL_PI_WHY_LEN	1024

struct xl_pi_irq {
	u32 irq;
	u32 gsi;
	u32 vcpu_id;
	u8 vector;
	u64 pda;
};

/* Per attached VM that has been in, or was refused, `pi`. */
struct xl_pi_vm {
	struct list_head node;
	const struct xl_vm *vm;
	u64 vm_id;
	bool active;
	u32 nr;				/* posted IRTEs */
	struct xl_pi_irq irq[XL_MAX_IRQS];
	u64 refusals;
	char why[XL_PI_WHY_LEN];	/* last refusal */
};

static LIST_HEAD(xl_pi_vms);
static DEFINE_MUTEX(xl_pi_lock);

static struct {
	atomic64_t enters;		/* VM switched into `pi` */
	atomic64_t leaves;
	atomic64_t refusals;		/* `pi` or an IRQ refused */
	atomic64_t irte_posted_now;
	atomic64_t irte_posts;		/* irq_set_vcpu_affinity(irq, data) */
	atomic64_t irte_unposts;	/* irq_set_vcpu_affinity(irq, NULL) */
	atomic64_t fallbacks;		/* IRTE calls that failed */
} xl_pi_stats;

bool xl_pi_host_ok(void)
{
	return xl_pi_vcpu_source(NULL) &&
	       !(xl_caps_missing(xl_caps_get(), NULL) & XL_MISS_MODE);
}

static struct xl_pi_vm *xl_pi_find(const struct xl_vm *vm, bool create)
{
	struct xl_pi_vm *p;

	list_for_each_entry(p, &xl_pi_vms, node)
		if (p->vm == vm)
			return p;
	if (!create)
		return NULL;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	p->vm = vm;
	p->vm_id = vm->id;
	list_add_tail(&p->node, &xl_pi_vms);
	return p;
}

/* Some chip on @irq's domain hierarchy can take a vCPU affinity. */
static bool xl_pi_irq_can_post(u32 irq)
{
	struct irq_data *d;

	for (d = irq_get_irq_data(irq); d; d = d->parent_data)
		if (d->chip && d->chip->irq_set_vcpu_affinity)
			return true;
	return false;
}

/*
 * Is @irq's guest MSI postable, and where to? 0 and @q filled, or
 * -EOPNOTSUPP and *@reason.
 */
static int xl_pi_resolve(struct kvm *kvm, u32 irq, struct xl_pi_irq *q,
			 const char **reason)
{
	struct xl_irq_dest d;

	if (!irq_get_irq_data(irq)) {
		*reason = "no longer exist(s)";
		return -EOPNOTSUPP;
	}
	if (!xl_pi_irq_can_post(irq)) {
		*reason = "not behind an interrupt-remapping IOMMU (no chip takes a vCPU affinity)";
		return -EOPNOTSUPP;
	}
	if (xl_irq_route(kvm, irq, &d, reason))
		return -EOPNOTSUPP;
	q->irq = irq;
	q->gsi = d.gsi;
	q->vcpu_id = d.vcpu_id;
	q->vector = d.vector;
	q->pda = 0;
	return 0;
}

static int xl_pi_post(struct xl_pi_vm *p, struct kvm *kvm,
		      const struct xl_pi_irq *src)
{
	struct xl_pi_irq *q = &p->irq[p->nr];
	struct vcpu_data vd;
	struct kvm_vcpu *vcpu;
	int ret;

	*q = *src;
	vcpu = kvm_get_vcpu_by_id(kvm, q->vcpu_id);
	/* validated when read: KVM's, 64-byte aligned (pi_vcpu.c) */
	ret = vcpu ? xl_pi_vcpu_desc(vcpu, &q->pda) : -ENODEV;
	if (!ret) {
		vd.pi_desc_addr = q->pda;
		vd.vector = q->vector;
		ret = irq_set_vcpu_affinity(q->irq, &vd);
	}
	trace_pi_irte(p->vm_id, q->irq, q->gsi, q->vcpu_id, q->vector, q->pda,
		      true, ret);
	if (ret) {
		atomic64_inc(&xl_pi_stats.fallbacks);
		return ret;
	}
	p->nr++;
	atomic64_inc(&xl_pi_stats.irte_posts);
	atomic64_inc(&xl_pi_stats.irte_posted_now);
	return 0;
}

/* Back to remapped format; the entry is dropped from the table anyway. */
static void xl_pi_unpost(struct xl_pi_vm *p, u32 i)
{
	struct xl_pi_irq *q = &p->irq[i];
	int ret;

	ret = irq_get_irq_data(q->irq) ? irq_set_vcpu_affinity(q->irq, NULL) :
		-ENOENT;
	trace_pi_irte(p->vm_id, q->irq, q->gsi, q->vcpu_id, q->vector, 0,
		      false, ret);
	if (ret) {
		atomic64_inc(&xl_pi_stats.fallbacks);
		pr_warn_ratelimited("vm %llu: host IRQ %u: back to remapped mode failed (%d)\n",
				    p->vm_id, q->irq, ret);
	} else {
		atomic64_inc(&xl_pi_stats.irte_unposts);
	}
	atomic64_dec(&xl_pi_stats.irte_posted_now);
	*q = p->irq[--p->nr];
}

static int xl_pi_refuse(struct xl_pi_vm *p, struct xl_vm *vm,
			const char *what, const char *why, int ret)
{
	atomic64_inc(&xl_pi_stats.refusals);
	trace_pi_refused(vm->id, what, why);
	if (p) {
		p->refusals++;
		strscpy(p->why, why, sizeof(p->why));
	}
	xl_refusal_info(vm, "%s refused (%d), VM stays in '%s': %s", what, ret,
			xl_ioc_mode_name(vm->mode), why);
	return ret;
}

/*
 * Check the host, the VM and every IRQ in @irqs, then post them all.
 * @p->nr IRTEs are already posted (adding IRQs in `pi` mode).
 */
static int xl_pi_post_irqs(struct xl_pi_vm *p, struct xl_vm *vm,
			   const u32 *irqs, u32 count, const char *what)
{
	const struct xl_caps *c = xl_caps_get();
	const char **reason;
	struct xl_pi_irq *q;
	size_t at;
	u32 i, miss, base = p->nr;
	char *why;
	int ret = 0;

	q = kcalloc(XL_MAX_IRQS, sizeof(*q), GFP_KERNEL);
	reason = kcalloc(XL_MAX_IRQS, sizeof(*reason), GFP_KERNEL);
	why = kzalloc(XL_PI_WHY_LEN, GFP_KERNEL);
	if (!q || !reason || !why) {
		ret = -ENOMEM;
		goto out;
	}
	miss = xl_caps_missing(c, vm->kvm);
	if (!xl_pi_vcpu_source(vm))
		miss |= XL_MISS_DESC;
	/* no IRQ to post: the virtual interrupts need only the CPU side */
	if (!count)
		miss &= XL_MISS_MODE;
	xl_caps_explain(c, vm->kvm, miss, why, XL_PI_WHY_LEN);
	at = strlen(why);
	for (i = 0; i < count && i < XL_MAX_IRQS; i++)
		if (xl_pi_resolve(vm->kvm, irqs[i], &q[i], &reason[i]))
			ret = -EOPNOTSUPP;
	xl_irq_reasons(why, at, XL_PI_WHY_LEN, irqs, reason,
		       min_t(u32, count, XL_MAX_IRQS));
	if (miss)
		ret = -EOPNOTSUPP;
	if (ret) {
		xl_pi_refuse(p, vm, what, why, ret);
		goto out;
	}
	for (i = 0; i < count; i++) {
		ret = xl_pi_post(p, vm->kvm, &q[i]);
		if (ret) {
			snprintf(why, XL_PI_WHY_LEN,
				 "host IRQ %u: posting the IRTE failed (%d)",
				 irqs[i], ret);
			while (p->nr > base)
				xl_pi_unpost(p, p->nr - 1);
			xl_pi_refuse(p, vm, what, why, ret);
			goto out;
		}
	}
out:
	kfree(why);
	kfree(reason);
	kfree(q);
	return ret;
}

int xl_pi_enter(struct xl_vm *vm)
{
	struct xl_pi_vm *p;
	int ret;

	mutex_lock(&xl_pi_lock);
	p = xl_pi_find(vm, true);
	if (!p) {
		ret = -ENOMEM;
	} else if (p->active) {
		ret = 0;
	} else {
		ret = xl_pi_post_irqs(p, vm, vm->irqs, vm->nr_irqs,
				      "mode 'pi'");
		p->active = !ret;
	}
	mutex_unlock(&xl_pi_lock);
	if (!ret)
		atomic64_inc(&xl_pi_stats.enters);
	return ret;
}

static void xl_pi_leave_locked(struct xl_pi_vm *p)
{
	if (!p || !p->active)
		return;
	while (p->nr)
		xl_pi_unpost(p, p->nr - 1);
	p->active = false;
	atomic64_inc(&xl_pi_stats.leaves);
}

void xl_pi_leave(struct xl_vm *vm)
{
	mutex_lock(&xl_pi_lock);
	xl_pi_leave_locked(xl_pi_find(vm, false));
	mutex_unlock(&xl_pi_lock);
}

int xl_pi_irqs_add(struct xl_vm *vm, const u32 *irqs, u32 count)
{
	struct xl_pi_vm *p;
	int ret = 0;

	mutex_lock(&xl_pi_lock);
	p = xl_pi_find(vm, false);
	if (p && p->active)
		ret = xl_pi_post_irqs(p, vm, irqs, count,
				      "registering IRQs in mode 'pi'");
	mutex_unlock(&xl_pi_lock);
	return ret;
}

void xl_pi_irq_remove(struct xl_vm *vm, u32 irq)
{
	struct xl_pi_vm *p;
	u32 i;

	mutex_lock(&xl_pi_lock);
	p = xl_pi_find(vm, false);
	for (i = 0; p && i < p->nr; i++) {
		if (p->irq[i].irq == irq) {
			xl_pi_unpost(p, i);
			break;
		}
	}
	mutex_unlock(&xl_pi_lock);
}

void xl_pi_vm_gone(struct xl_vm *vm)
{
	struct xl_pi_vm *p;

	mutex_lock(&xl_pi_lock);
	p = xl_pi_find(vm, false);
	if (p) {
		xl_pi_leave_locked(p);
		list_del(&p->node);
		kfree(p);
	}
	mutex_unlock(&xl_pi_lock);
}

static int pi_show(struct seq_file *m, void *unused)
{
	struct xl_pi_vm *p;
	u32 i;

	seq_printf(m, "enters %lld\n", atomic64_read(&xl_pi_stats.enters));
	seq_printf(m, "leaves %lld\n", atomic64_read(&xl_pi_stats.leaves));
	seq_printf(m, "refusals %lld\n", atomic64_read(&xl_pi_stats.refusals));
	seq_printf(m, "irte_posted_now %lld\n",
		   atomic64_read(&xl_pi_stats.irte_posted_now));
	seq_printf(m, "irte_posts %lld\n",
		   atomic64_read(&xl_pi_stats.irte_posts));
	seq_printf(m, "irte_unposts %lld\n",
		   atomic64_read(&xl_pi_stats.irte_unposts));
	seq_printf(m, "fallbacks %lld\n", atomic64_read(&xl_pi_stats.fallbacks));
	seq_printf(m, "desc_source %s\n", xl_pi_vcpu_source(NULL) ?
		   "vmcs" : "none");
	mutex_lock(&xl_pi_lock);
	list_for_each_entry(p, &xl_pi_vms, node) {
		seq_printf(m, "vm %llu active %d posted %u refusals %llu\n",
			   p->vm_id, p->active, p->nr, p->refusals);
		for (i = 0; i < p->nr; i++)
			seq_printf(m, "vm %llu irq %u gsi %u vcpu %u vector 0x%02x pda 0x%llx\n",
				   p->vm_id, p->irq[i].irq, p->irq[i].gsi,
				   p->irq[i].vcpu_id, p->irq[i].vector,
				   p->irq[i].pda);
		if (p->refusals)
			seq_printf(m, "vm %llu last_refusal %s\n", p->vm_id,
				   p->why);
	}
	mutex_unlock(&xl_pi_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pi);

static int caps_show(struct seq_file *m, void *unused)
{
	xl_caps_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caps);

void xl_pi_debugfs_init(struct dentry *dir)
{
	xl_caps_init();
	debugfs_create_file("caps", 0444, dir, NULL, &caps_fops);
	debugfs_create_file("pi", 0444, dir, NULL, &pi_fops);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the VMX backend's files: kvm_hooks.c (the hooks on kvm_intel
 * and the engine they drive), hooks_assigned.c (an assigned device's IRQs
 * in the shadow IDT) and hooks_debugfs.c (debugfs hooks and selftest).
 */
#ifndef XL_KMOD_HOOKS_PRIV_H
#define XL_KMOD_HOOKS_PRIV_H

#include <linux/kvm_host.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "xl.h"
#include "xl_engine.h"
#include "assigned.h"
#include "test_dev.h"
#include "shadow_wp.h"
#include "shadow_map.h"

struct kvm;
struct seq_file;

#define XL_HOOK_VCPUS	XL_ENGINE_MAX_VCPUS

struct xl_hvcpu {
	bool skip_exit;		/* the engine handled this exit */
	bool exit_seen;		/* exit hook ran since the last entry */
	u32 hc;			/* a CPL-0 XL_HC_* for xl_skip_exit_hc */
	u64 hc_arg;		/* its RBX */
	bool cr3_load;		/* a MOV to CR3 for xl_skip_exit_cr3 */
	u64 cr3_val;		/* its source operand */
	struct xl_map_check map;	/* shadow_map.c */
	/*
	 * KVM's posted-interrupt descriptor of this vCPU and its
	 * notification vector, read from the VMCS at each entry
	 * (pi_vcpu.c); @pi_pda 0 while unknown or not in use.
	 */
	u64 pi_pda;
	u8 pi_nv;
	bool registered;	/* the guest said it uses the shadow page */
};

/* One hooked VM. Freed after an RCU grace period. */
struct xl_hvm {
	struct list_head node;
	struct kvm *kvm;
	u64 vm_id;
	struct xl_engine *eng;	/* set while in eli/did, else NULL */
	struct xl_hw hw;
	struct xl_hvcpu vcpu[XL_HOOK_VCPUS];
	atomic64_t entries, exits, exits_handled, injections, eois;
	atomic64_t vmread_fail, engine_errors;
	u64 last_idtr_base;
	u64 shadow_gva;		/* registered by the guest (XL_HC_SHADOW_IDT) */
	gpa_t shadow_gpa;	/* its frame, for the other vCPUs' checks */
	u64 last_exc[3];	/* last exception exit the engine left to KVM */
	int last_inj, last_eoi;	/* vectors, for debugfs */
	u32 np_vec[256];	/* #NP exits handled, per vector */
	u32 ext_vec[256];	/* external-interrupt exits, per vector */
	u32 last_reason;	/* last exit reason */
	atomic64_t hypercalls, vectoring_reraised, vectoring_assigned;
	atomic64_t hc_errors;		/* hypercalls answered with -errno */
	atomic64_t l2_exits, l2_entries;	/* of a nested guest: left alone */
	struct xl_test_dev *tdev;	/* debugfs selftest "device" */
	struct xl_test_msi *tmsi;	/* debugfs selftest "msidev" */
	/*
	 * The registered host IRQs (a copy of the VM's, under xl_hooks_lock)
	 * and, in eli/did, their mapping (assigned.c, hooks_assigned.c).
	 * @asg_live: mapped and bound; the hooks read @asg only while set.
	 */
	u32 nr_irqs;
	u32 irqs[XL_MAX_IRQS];
	struct xl_assigned asg;
	atomic_t asg_live;
	struct work_struct remap_work;
	atomic64_t remaps, remap_failures, invalidations;
	char asg_why[512];		/* why the last refused mapping was */
	struct xl_shadow_wp wp;		/* the shadow IDT page, read-only */
	/*
	 * Detached while a vCPU still had direct mode in its VMCS: the
	 * hooks, the engine and the IRQ mapping stay (and a reference on
	 * the VM and on this module) until that vCPU's next entry restores
	 * KVM's values or the VM is destroyed (kvm_hooks.c, xl_drain_fn).
	 */
	struct list_head drain_node;
	bool draining;
	atomic64_t idle_restores;	/* restored from outside its thread */
	/* `pi`: virtual interrupts posted into KVM's descriptors */
	bool pi_mode;
	atomic64_t pi_virqs, pi_notified, pi_woken, pi_coalesced;
	atomic64_t pi_injected, pi_bad_desc;
};

extern struct list_head xl_hvms;	/* RCU readers: the hooks */
extern struct mutex xl_hooks_lock;	/* writers, registration, engines */
extern unsigned int xl_nr_hvms;
extern bool xl_hooks_on, xl_experimental;

/* The hooked VM of @kvm, or NULL. Under rcu_read_lock() or the lock. */
struct xl_hvm *xl_hvm_find(struct kvm *kvm);

/*
 * Does @vcpu run a nested guest (L2)? Then the current VMCS is KVM's
 * vmcs02 and the engine must not touch it. KVM's is_guest_mode() is in
 * a private header; HF_GUEST_MASK is public (asm/kvm_host.h).
 */
static inline bool xl_in_l2(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.hflags & HF_GUEST_MASK;
}

static inline bool xl_eng_direct_mode(struct xl_engine *e)
{
	u32 mode = e ? READ_ONCE(e->mode) : XL_MODE_BASELINE;

	return mode == XL_MODE_ELI || mode == XL_MODE_DID;
}

/* The test device's vector is the VM's and reaches the guest as its own. */
static inline int xl_test_dev_assign(struct xl_engine *e, struct xl_test_dev *d)
{
	int ret = xl_engine_own(e, d->hv.vector, true);

	return ret ?: xl_engine_assign(e, d->hv.irq, d->hv.vector,
				       d->guest_vec, d->vcpu);
}

/* pi_vcpu.c */
void xl_pi_vcpu_record(struct xl_hvm *h, struct kvm_vcpu *vcpu, u32 i);
int xl_pi_vcpu_virq(struct xl_hvm *h, u32 idx, u32 vector);
void xl_pi_vcpu_show(struct seq_file *m, struct xl_hvm *h);

/* hooks_assigned.c */
void xl_asg_invalidate(struct xl_hvm *h, bool kick);
int xl_asg_map(struct xl_hvm *h, struct xl_engine *e);
void xl_asg_unmap(struct xl_hvm *h, struct xl_engine *e);
void xl_remap_work(struct work_struct *work);

#endif /* XL_KMOD_HOOKS_PRIV_H */

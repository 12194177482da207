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
#include "xl_err.h"
#include "assigned.h"
#include "test_dev.h"
#include "shadow_wp.h"
#include "shadow_map.h"

struct kvm;
struct seq_file;

#define XL_HOOK_VCPUS	XL_ENGINE_MAX_VCPUS

/*
 * Locking
 *
 * Lock order, outermost first; a lock is taken only with locks above it
 * held, never the other way round:
 *
 *   1. xl_session.lock (xl.h), one per open file: its ioctls and its
 *      release, so an attached VM is changed by one thread at a time.
 *   2. xl_hooks_lock, xl_pi_lock (pi.c), xl_vms_lock (vm.c): each taken
 *      inside a session's lock, or alone (debugfs, remap_work, the drain
 *      work), and never one inside another.
 *   3. Inside xl_hooks_lock or xl_pi_lock: kvm->irqfds.lock, then
 *      desc->lock (irq_route.c; KVM nests them the same way). Inside
 *      xl_vms_lock or xl_pi_lock: xl_caps_lock (caps.c), a leaf.
 *   4. The shadow page's locks (shadow_wp.h, one set per VM): @reg_lock,
 *      @lock and @buf_lock, never one inside another. Above them may be
 *      held a session's lock (detach frees the record), kvm->srcu (a
 *      vCPU's thread) or KVM's track_srcu (the notifier); above @lock
 *      also xl_hooks_lock (debugfs) or KVM's slots_lock (the notifier of
 *      a removed memslot). Inside @reg_lock: kvm->slots_arch_lock (6.12's
 *      first registration), kvm->mmu_lock, and the unregistration's wait
 *      for track_srcu. Inside @lock: kvm->srcu, then kvm->mmu_lock (the
 *      tracking calls), and the raw @path_lock, innermost, IRQs off.
 *
 * Outside the order, as nobody waits on them: the engine's build lock (a
 * try-lock between entries of the VM's vCPUs, core/engine_vcpu.c) and
 * vcpu->mutex (a try-lock at detach, for a vCPU outside KVM_RUN).
 *
 * What each lock protects:
 *   xl_session.lock  xl_session.vm and its struct xl_vm (xl.h says which
 *                    fields need xl_vms_lock or xl_hooks_lock as well).
 *   xl_hooks_lock    xl_hvms and xl_nr_hvms (writers), xl_hooks_on and
 *                    the hooks' registration, the draining list,
 *                    xl_vm.hooks (with the session's lock), the fields of
 *                    struct xl_hvm marked so below, and the engine's
 *                    configuration: the calls include/xl_engine.h wants
 *                    serialised, among them every write of its map (a
 *                    seqcount the entry hook reads). It is held across
 *                    sleeps: ftrace (un)registration, an RCU-tasks grace
 *                    period, the wait for vCPUs to leave direct mode
 *                    before a mapping is undone.
 *   xl_pi_lock       pi.c's list of the VMs in, or refused, `pi`.
 *   xl_vms_lock      xl_vms, xl_nr_vms, xl_next_id and the fields of
 *                    struct xl_vm marked so (xl.h).
 *   xl_caps_lock     the host capabilities' @apicv (caps.c).
 *   RCU              xl_hvms for the hooks, which look their VM's record
 *                    up under rcu_read_lock() and run in the context of
 *                    the function they hook (below).
 *   xl_hc_srcu       a record in the hands of the registration
 *                    hypercall's handler, which may sleep.
 *
 * A record is unlinked under xl_hooks_lock and freed after a grace period
 * of RCU and one of xl_hc_srcu, once remap_work, the shadow page's work
 * and its page-track notifier are done: never under xl_hooks_lock, which
 * remap_work takes. Removing the hooks (with the last record, under
 * xl_hooks_lock) waits for the vCPU threads in the hypercall and CR3
 * handlers, then for an RCU-tasks grace period. So no hook and no such
 * handler takes a session's lock, xl_hooks_lock, xl_pi_lock or
 * xl_vms_lock: they take RCU, xl_hc_srcu, the shadow page's locks and
 * KVM's, and queue remap_work or the shadow page's work for the rest.
 *
 * The contexts named below:
 *   ioctl     process context, the owning session's lock held.
 *   entry     the hook on vmx_vcpu_run: the vCPU's thread, IRQs off, its
 *             VMCS loaded, kvm->srcu not held.
 *   exit      the hook on vmx_handle_exit_irqoff: the same.
 *   take      the hook on vmx_handle_exit and the hypercall and CR3
 *             handlers it diverts to: the vCPU's thread, IRQs on,
 *             kvm->srcu held; the handlers are preemptible and may
 *             sleep. The hook itself may wait, under RCU alone, for
 *             the VM's other vCPUs to leave the guest (a write to a
 *             tracked page, kvm_hooks.c).
 *   inject    the hook on vmx_inject_irq: the vCPU's thread, IRQs on.
 *   eoi       the kvm_eoi tracepoint: the vCPU's thread.
 *   irqchg    the hooks on vmx_pi_update_irte (kvm->irqfds.lock held,
 *             IRQs off), kvm_arch_irq_routing_update (kvm->irq_lock held)
 *             and irq_bypass_(un)register_producer: any thread.
 *   notifier  the page-track notifier (shadow_wp.c): a vCPU's thread
 *             emulating a write, or a memslot's removal.
 *   debugfs   readers hold xl_hooks_lock; so does the selftest's writer.
 *
 * Two calls into the engine do not hold xl_hooks_lock: detach stops it
 * (mode baseline, teardown, KVM's values back on idle vCPUs) with the
 * session's lock alone, as it may sleep for about a second; and the
 * registration hypercall's handler sets or clears its shadow address
 * with no lock. What they race with (remap_work, the selftest, and mode
 * changes for the handler) writes other fields of the engine: the map,
 * the bind, the owned vectors, the mode; its generation is atomic. The
 * handler publishes @shadow_gva before it reads @eng, and a mode change
 * publishes @eng before it reads @shadow_gva again (a full barrier on
 * each side), so a new engine never keeps an address the guest replaced.
 */

/*
 * One vCPU's part of its VM's record: written by that vCPU's own thread
 * only (its hooks and handlers run one at a time), unless said otherwise.
 */
struct xl_hvcpu {
	bool skip_exit;		/* exit sets (handled here), take clears */
	bool exit_seen;		/* exit sets, entry clears */
	u32 hc;			/* exit sets a CPL-0 XL_HC_*, take clears */
	u64 hc_arg;		/* its RBX; exit */
	bool cr3_load;		/* exit (engine) sets, exit and take clear */
	u64 cr3_val;		/* its source operand; exit */
	bool wp_write;		/* exit sets: a write to a tracked page */
	bool wp_holding;	/* take sets (wp.held taken), entry clears */
	struct xl_map_check map;	/* entry only (shadow_map.c) */
	/*
	 * KVM's posted-interrupt descriptor of this vCPU and its
	 * notification vector, read from the VMCS at each entry
	 * (pi_vcpu.c); @pi_pda 0 while unknown or not in use. Written by
	 * entry, @pi_pda last with a release; read in any context, by a
	 * reader of both @pi_pda first with an acquire.
	 */
	u64 pi_pda;
	u8 pi_nv;
	/*
	 * The guest said it uses the shadow page. WRITE_ONCE by exit (this
	 * vCPU leaving) and by take of any vCPU of the VM (a registration
	 * sets or clears every vCPU's), unserialised; READ_ONCE by debugfs
	 * and XL_IOC_COUNTERS.
	 */
	bool registered;
};

/*
 * One hooked VM. The comments on its fields name the contexts listed
 * above. Freed after a grace period of RCU and one of xl_hc_srcu.
 */
struct xl_hvm {
	struct list_head node;	/* in xl_hvms: xl_hooks_lock, RCU readers */
	struct kvm *kvm;	/* set before listed, constant */
	u64 vm_id;		/* set before listed, constant */
	/*
	 * NULL until the VM first enters eli/did, then kept whatever the
	 * mode. Published once, NULL to engine, with WRITE_ONCE under
	 * xl_hooks_lock (ioctl); read with READ_ONCE by the hooks, the
	 * hypercall handler and the notifier, and plainly under
	 * xl_hooks_lock or, at detach, the session's lock; cleared when the
	 * record is freed. The engine lives as long as the record.
	 */
	struct xl_engine *eng;
	/* Filled under xl_hooks_lock before @eng is published; constant. */
	struct xl_hw hw;
	struct xl_hvcpu vcpu[XL_HOOK_VCPUS];
	/* Counters: atomics, from any context, no lock. */
	atomic64_t entries, exits, exits_handled, injections, eois;
	atomic64_t vmread_fail, engine_errors;
	/*
	 * The check that failed at the last engine error whose reason was
	 * known (include/xl_err.h), and the error; WRITE_ONCE, for debugfs.
	 */
	const struct xl_err_site *last_err_site;
	int last_err;
	u64 last_idtr_base;	/* guest's, at entry (WRITE_ONCE); debugfs */
	/*
	 * The page registered by the guest (XL_HC_SHADOW_IDT) and its frame,
	 * for the other vCPUs' checks. WRITE_ONCE by take (no lock, not
	 * serialised between vCPUs); READ_ONCE everywhere else.
	 */
	u64 shadow_gva;
	gpa_t shadow_gpa;
	/*
	 * For debugfs only, written without a lock and read racily: the
	 * last exception exit the engine left to KVM (exit), the last
	 * vectors injected (inject) and EOIed (eoi), #NP and external-
	 * interrupt exits per vector (exit, plain increments, any vCPU),
	 * the last exit reason (exit).
	 */
	u64 last_exc[3];
	int last_inj, last_eoi;
	u32 np_vec[256];
	u32 ext_vec[256];
	u32 last_reason;
	atomic64_t hypercalls, vectoring_reraised, vectoring_assigned;
	atomic64_t hc_errors;		/* hypercalls answered with -errno */
	atomic64_t l2_exits, l2_entries;	/* of a nested guest: left alone */
	/* The debugfs selftest's "device" and "msidev": xl_hooks_lock. */
	struct xl_test_dev *tdev;
	struct xl_test_msi *tmsi;
	/*
	 * The registered host IRQs (a copy of the VM's) and, in eli/did,
	 * their mapping (assigned.c, hooks_assigned.c). All written under
	 * xl_hooks_lock (ioctl, remap_work). irqchg reads @nr_irqs and
	 * @irqs with READ_ONCE, without the lock.
	 * @asg_live: mapped and bound. Set (release) under the lock once
	 * @asg is complete, cleared under it before @asg is undone, or by
	 * any hook that finds the mapping stale (xchg). The hooks read @asg
	 * only while it is set; an unmap under the lock waits for entry
	 * (the bind held) and, by an RCU grace period, for irqchg
	 * (xl_asg_unmap) before it undoes @asg.
	 */
	u32 nr_irqs;
	u32 irqs[XL_MAX_IRQS];
	struct xl_assigned asg;
	atomic_t asg_live;
	/* queued by any hook or a mode change; runs under xl_hooks_lock */
	struct work_struct remap_work;
	/*
	 * Route changes of an unmapped IRQ: irqchg increments @remap_seq
	 * before it queues remap_work, which maps again when it differs
	 * from @remap_seq_mapped (remap_work's, under the lock), so that a
	 * change during a mapping is not taken as done by it.
	 */
	atomic_t remap_seq;
	u32 remap_seq_mapped;
	atomic64_t remaps, remap_failures, invalidations;
	char asg_why[512];		/* last refusal to map; xl_hooks_lock */
	struct xl_shadow_wp wp;		/* the page, read-only: own locks */
	/*
	 * Detached while a vCPU still had direct mode in its VMCS: the
	 * hooks, the engine and the IRQ mapping stay (and a reference on
	 * the VM and on this module) until that vCPU's next entry restores
	 * KVM's values or the VM is destroyed (kvm_hooks.c, xl_drain_fn).
	 * Both under xl_hooks_lock.
	 */
	struct list_head drain_node;
	bool draining;
	atomic64_t idle_restores;	/* restored from outside its thread */
	/* `pi`: virtual interrupts posted into KVM's descriptors */
	bool pi_mode;			/* xl_hooks_lock, WRITE_ONCE; debugfs */
	atomic64_t pi_virqs, pi_notified, pi_woken, pi_coalesced;
	atomic64_t pi_injected, pi_bad_desc;
};

extern struct list_head xl_hvms;	/* xl_hooks_lock; RCU readers */
extern struct mutex xl_hooks_lock;	/* see Locking above */
extern unsigned int xl_nr_hvms;		/* xl_hooks_lock */
/* @xl_hooks_on: xl_hooks_lock; @xl_experimental: module parameter */
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

/* kvm_hooks.c */
void xl_engine_err(struct xl_hvm *h, const char *where, int ret);
/*
 * An engine call whose failure xl_engine_err reports: a note left by an
 * earlier failure that its caller absorbed is dropped first, so it is not
 * taken for this one's reason (include/xl_err.h).
 */
#define XL_ENGINE_CALL(call) ({ xl_err_forget(); (call); })

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

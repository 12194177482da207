// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks around VM entry and exit of an UNMODIFIED kvm_intel (Debian's 6.1
 * and 6.12), and the glue that drives the engine (core/) from them. All of the hook
 * mechanism is in this file; kmod/README.md "VMX backend" says why it is
 * built this way.
 *
 * Why ftrace: KVM calls vendor code through static calls, and kvm_x86_ops
 * is not exported, so swapping function pointers does nothing. The
 * kvm_intel functions below begin with an ftrace call site, so an
 * ftrace_ops filtered on one of them runs our callback first, on the
 * vCPU's thread, with KVM's arguments in the saved registers; with
 * FTRACE_OPS_FL_IPMODIFY the callback may redirect the call (livepatch's
 * mechanism), which is how an exit the engine handled is kept from KVM.
 * kallsyms_lookup_name is not exported: a kprobe on it yields its address.
 *
 *   vmx_vcpu_run(vcpu)           entry: IRQs off, VMCS loaded, after KVM
 *                                chose what to inject and right before
 *                                vmx_vcpu_enter_exit (noinstr): where our
 *                                VMWRITEs go, so nothing of KVM's runs
 *                                between them and VM entry.
 *   vmx_handle_exit_irqoff(vcpu) exit: IRQs still off, on the exit's CPU:
 *                                where the engine handles the exit (a host
 *                                vector is re-raised on this very CPU).
 *   vmx_handle_exit(vcpu, fp)    IPMODIFY: skipped for exits the engine
 *                                handled (xl_skip_exit returns 1, "resume").
 *   vmx_inject_irq(vcpu, ...)    KVM injects a virtual interrupt: the
 *                                engine must leave direct mode first.
 *   vmx_pi_update_irte(kvm, irq, KVM changes the guest route of an
 *                  gsi, set)     assigned host IRQ, or VFIO unbinds it:
 *                                its shadow-IDT mapping is stale.
 *   kvm_arch_irq_routing_update  (kvm.ko) and
 *   irq_bypass_(un)register_producer (irqbypass.ko): the same where KVM
 *                                calls no vmx_pi_update_irte (6.12 with
 *                                APICv off: irqfds have no producer).
 *   tracepoint kvm_eoi           KVM's LAPIC retired a guest EOI.
 *
 * Only vCPUs of attached VMs are touched: each callback looks the vCPU's
 * struct kvm up in an RCU list of hooked VMs and returns at once for any
 * other VM. The hooks are registered while at least one VM is attached
 * (module parameter "hooks") and unregistered with the last one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/irqbypass.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/vmx.h>

#include "hooks_priv.h"
#include "vmx_hw.h"
#include "kvm_hooks.h"
#include "compat.h"
#include "core/engine_priv.h"

static bool xl_hooks_param = true;
module_param_named(hooks, xl_hooks_param, bool, 0444);
MODULE_PARM_DESC(hooks, "hook kvm_intel's VM entry/exit while a VM is attached (default on)");

bool xl_experimental;
module_param_named(experimental, xl_experimental, bool, 0444);
MODULE_PARM_DESC(experimental, "allow modes eli and did (VMX backend, shown in the Bochs rig only, never on real VT-x)");

/*
 * The guard's period in direct mode: how long a guest that keeps IF=0 can
 * hold host interrupts back before each strike, and how long a changed
 * shadow IDT can last. A time, turned into VMX-preemption timer ticks for
 * this CPU's TSC rate when a VM enters eli/did (xl_vmx_timer_ticks).
 */
static unsigned int xl_guard_us = 1000;
module_param_named(guard_us, xl_guard_us, uint, 0444);
MODULE_PARM_DESC(guard_us, "eli/did guard period in microseconds (100-100000, default 1000)");

bool xl_hooks_enabled(void)
{
	return xl_hooks_param;
}

bool xl_hooks_params_ok(void)
{
	if (xl_guard_us >= 100 && xl_guard_us <= 100000)
		return true;
	pr_err("guard_us=%u out of range 100-100000\n", xl_guard_us);
	return false;
}

LIST_HEAD(xl_hvms);
DEFINE_MUTEX(xl_hooks_lock);	/* see hooks_priv.h */
unsigned int xl_nr_hvms;
bool xl_hooks_on;

static unsigned long (*xl_kallsyms)(const char *name);
static unsigned long xl_addr_run, xl_addr_exit_irqoff, xl_addr_exit;
static unsigned long xl_addr_inject, xl_addr_update_irte;
/* in kvm.ko and irqbypass.ko: see xl_on_irq_change */
static unsigned long xl_addr_routing, xl_addr_prod_add, xl_addr_prod_del;
/* kvm_intel's enable_preemption_timer (module parameter preemption_timer) */
static struct tracepoint *xl_tp_eoi;

struct xl_hvm *xl_hvm_find(struct kvm *kvm)
{
	struct xl_hvm *h;

	/* the hooks under rcu_read_lock(), the rest with xl_hooks_lock */
	list_for_each_entry_rcu(h, &xl_hvms, node,
				lockdep_is_held(&xl_hooks_lock))
		if (h->kvm == kvm)
			return h;
	return NULL;
}

/*
 * Readers: the registration hypercall's handler, which may sleep with a
 * VM's struct xl_hvm in hand; a VM's record is freed only after a grace
 * period of this too (xl_hvm_free).
 */
DEFINE_STATIC_SRCU(xl_hc_srcu);

static u32 xl_idx(struct xl_hvm *h, struct kvm_vcpu *vcpu)
{
	return vcpu->vcpu_idx < XL_HOOK_VCPUS ? vcpu->vcpu_idx : U32_MAX;
}

/* An engine call failed: count it, and say which check failed if known. */
void xl_engine_err(struct xl_hvm *h, const char *where, int ret)
{
	const struct xl_err_site *site = xl_err_take();

	atomic64_inc(&h->engine_errors);
	WRITE_ONCE(h->last_err, ret);
	if (site)
		WRITE_ONCE(h->last_err_site, site);
	pr_warn_ratelimited("vm %llu: engine %s: %d: %s%s%s\n", h->vm_id,
			    where, ret, site ? site->func : "",
			    site ? ": " : "", site ? site->why : "reason not recorded");
}

/* Right before VM entry: vmx_vcpu_run(vcpu). IRQs off. */
static void xl_on_entry(struct kvm_vcpu *vcpu)
{
	struct xl_hvm *h;
	struct xl_engine *e;
	u64 base, reason;
	u32 i;
	int ret;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	if (!h)
		goto out;
	i = xl_idx(h, vcpu);
	atomic64_inc(&h->entries);
	if (xl_vmx_read(GUEST_IDTR_BASE, &base))
		atomic64_inc(&h->vmread_fail);
	else
		WRITE_ONCE(h->last_idtr_base, base);
	e = READ_ONCE(h->eng);
	if (i == U32_MAX)
		goto out;
	/* vmcs02 of a nested guest holds L1's choice, not KVM's descriptor */
	if (xl_in_l2(vcpu))
		atomic64_inc(&h->l2_entries);
	else
		xl_pi_vcpu_record(h, vcpu, i);
	if (h->vcpu[i].wp_holding) {
		h->vcpu[i].wp_holding = false;
		/* its tracked write was emulated and undone in that exit */
		smp_mb__before_atomic();
		atomic_dec(&h->wp.held);
	}
	if (!e) {
		h->vcpu[i].exit_seen = false;
		goto out;
	}
	/*
	 * KVM's fastpath re-enters after a preemption-timer exit without
	 * vmx_handle_exit_irqoff (kvm_lapic_expired_hv_timer does nothing
	 * when KVM itself does not use the timer): run the guard here.
	 */
	if (!h->vcpu[i].exit_seen && !h->vcpu[i].skip_exit &&
	    !xl_vmx_read(VM_EXIT_REASON, &reason) &&
	    (reason & 0xffff) == EXIT_REASON_PREEMPTION_TIMER &&
	    atomic64_read(&h->exits)) {
		ret = XL_ENGINE_CALL(xl_engine_handle_exit(e, i, (u32)reason));
		if (ret < 0)
			xl_engine_err(h, "guard", ret);
	}
	h->vcpu[i].exit_seen = false;
	/* the host vectors in the shadow IDT are still the devices' */
	if (atomic_read_acquire(&h->asg_live) && !xl_assigned_intact(&h->asg))
		xl_asg_invalidate(h, false);
	ret = XL_ENGINE_CALL(xl_engine_before_entry(e, i));
	if (ret < 0)
		xl_engine_err(h, "before_entry", ret);
out:
	rcu_read_unlock();
}

/*
 * The guest's shadow-IDT page (ELI's DI_INITIALIZE, notes/anchors.md 1.2):
 * VMCALL with RAX = XL_HC_SHADOW_IDT, RBX = the page's guest-virtual
 * address, or XL_HC_SHADOW_IDT_RELEASE; RAX = 0 on return, or -errno
 * (include/uapi/exitless.h). Here, IRQs off, only what needs no guest
 * memory: the guest's CPL, which must be 0 as for KVM's own hypercalls
 * (kvm_emulate_hypercall), and RIP past the VMCALL. The page itself is
 * validated and taken in xl_skip_exit_hc, where guest memory may fault
 * in. KVM's register cache holds the GPRs after every exit; RIP goes
 * through it (available + dirty), so vmx_vcpu_run writes GUEST_RIP
 * itself before the next entry. Returns true when the exit was ours.
 */
static bool xl_hc_ours(u32 nr)
{
	return nr == XL_HC_VERSION || nr == XL_HC_SHADOW_IDT ||
	       nr == XL_HC_SHADOW_IDT_RELEASE || nr == XL_HC_SHADOW_IDT_LEAVE;
}

static bool xl_hypercall(struct xl_hvm *h, struct kvm_vcpu *vcpu, u32 i)
{
	u32 nr = (u32)vcpu->arch.regs[VCPU_REGS_RAX];
	u64 rip, len, ar;

	if (!xl_hc_ours(nr))
		return false;
	if (xl_vmx_read(GUEST_RIP, &rip) ||
	    xl_vmx_read(VM_EXIT_INSTRUCTION_LEN, &len) ||
	    xl_vmx_read(GUEST_SS_AR_BYTES, &ar))
		return false;
	atomic64_inc(&h->hypercalls);
	h->vcpu[i].hc = 0;
	if (VMX_AR_DPL(ar)) {
		/* guest user space: nothing is looked at, let alone written */
		vcpu->arch.regs[VCPU_REGS_RAX] = -EPERM;
		atomic64_inc(&h->hc_errors);
	} else if (nr == XL_HC_VERSION) {
		vcpu->arch.regs[VCPU_REGS_RAX] = XL_HC_ABI_VERSION;
	} else if (nr == XL_HC_SHADOW_IDT_LEAVE) {
		/* a vCPU going offline: the page stays the VM's */
		WRITE_ONCE(h->vcpu[i].registered, false);
		vcpu->arch.regs[VCPU_REGS_RAX] = 0;
	} else {
		h->vcpu[i].hc = nr;
		h->vcpu[i].hc_arg = vcpu->arch.regs[VCPU_REGS_RBX];
	}
	vcpu->arch.regs[VCPU_REGS_RIP] = rip + len;
	__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_avail);
	__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_dirty);
	return true;
}

/* An external interrupt was being delivered (SDM vol.3 24.9.3). */
static bool xl_vectoring_ext_intr(u64 vinfo)
{
	return (vinfo & INTR_INFO_VALID_MASK) &&
	       (vinfo & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR;
}

/*
 * Any exit while a physical interrupt was being delivered through the
 * shadow IDT (an EPT violation on the shadow page, a fault on the guest's
 * stack...): the IDT-vectoring information names it as an external
 * interrupt (SDM vol.3 28.2.4) and KVM's vmx_complete_interrupts requeued
 * it for injection as if it were one of KVM's own. In direct mode KVM
 * injects nothing (vmx_inject_irq switches to injection mode first), so
 * it is physical: a host vector is run on the host right here (the CPU
 * acknowledged it, its ISR bit waits for the host handler's EOI) and
 * taken back from KVM; an assigned host vector is injected as its guest
 * vector instead, its physical ISR bit EOIed at this exit by the engine
 * (xl_engine_handle_exit).
 * Returns true when it did either.
 */
static bool xl_vectoring_fixup(struct xl_hvm *h, struct xl_engine *e,
			       struct kvm_vcpu *vcpu, u32 i, u64 vinfo)
{
	enum xl_sidt_state st;
	enum xl_eli_off off;
	int gv;
	u8 vec;

	if (xl_engine_vcpu_state(e, i, &st, &off) || st != XL_SIDT_DIRECT ||
	    !xl_vectoring_ext_intr(vinfo))
		return false;
	vec = vinfo & 0xff;
	if (!vcpu->arch.interrupt.injected || vcpu->arch.interrupt.nr != vec)
		return false;
	gv = xl_sidt_map_lookup(&e->eff, vec);
	if (gv >= 0) {
		vcpu->arch.interrupt.nr = gv;
		atomic64_inc(&h->vectoring_assigned);
		return true;
	}
	vcpu->arch.interrupt.injected = false;
	if (h->hw.ops->host_reraise(h->hw.priv, vec))
		return false;
	atomic64_inc(&h->vectoring_reraised);
	return true;
}

/*
 * An exit of a vCPU in eli/did, for the engine. KVM's
 * vmx_complete_interrupts has already requeued what the IDT-vectoring
 * information (@vinfo) said was being delivered.
 */
static void xl_exit_engine(struct xl_hvm *h, struct xl_engine *e,
			   struct kvm_vcpu *vcpu, u32 i, u32 reason)
{
	u64 vinfo;
	int ret;

	ret = XL_ENGINE_CALL(xl_engine_handle_exit(e, i, reason));
	if (ret < 0) {
		xl_engine_err(h, "handle_exit", ret);
		return;
	}
	if (xl_vmx_read(IDT_VECTORING_INFO_FIELD, &vinfo))
		vinfo = 0;
	if (ret != XL_EXIT_HANDLED) {
		if (xl_vectoring_fixup(h, e, vcpu, i, vinfo))
			return;
		/* for debugfs: intr info, error code, IDT-vectoring info */
		if ((u16)reason == EXIT_REASON_EXCEPTION_NMI &&
		    !xl_vmx_read(VM_EXIT_INTR_INFO, &h->last_exc[0]) &&
		    !xl_vmx_read(VM_EXIT_INTR_ERROR_CODE, &h->last_exc[1]))
			h->last_exc[2] = vinfo;
		return;
	}
	atomic64_inc(&h->exits_handled);
	h->vcpu[i].skip_exit = true;
	if ((u16)reason == EXIT_REASON_EXCEPTION_NMI)
		h->np_vec[vinfo & 0xff]++;	/* debugfs only, racy is fine */
	/*
	 * A host vector that hit a not-present gate was recorded by the CPU
	 * as an external interrupt being delivered, and KVM requeued it for
	 * injection into the guest; the engine delivered it (re-raise or
	 * injection of the guest vector), so KVM must not.
	 */
	if (xl_vectoring_ext_intr(vinfo) && vcpu->arch.interrupt.injected &&
	    vcpu->arch.interrupt.nr == (u8)vinfo)
		vcpu->arch.interrupt.injected = false;
}

/*
 * An EPT violation for a write (exit qualification bit 1, SDM vol.3
 * 28.2.1, table 28-7) to a page whose writes are tracked: the shadow
 * IDT's or one on the way to it (shadow_wp.h). The guest-physical address
 * of an exit of L2 is L2's and does not name L1's page: every write there
 * is taken for one.
 */
static bool xl_tracked_write(struct xl_hvm *h, bool l2)
{
	u64 qual, gpa;

	if (xl_vmx_read(EXIT_QUALIFICATION, &qual) ||
	    !(qual & EPT_VIOLATION_ACC_WRITE))
		return false;
	if (l2 || xl_vmx_read(GUEST_PHYSICAL_ADDRESS, &gpa))
		return true;
	return xl_shadow_wp_tracks(&h->wp, gpa_to_gfn(gpa));
}

/*
 * Right after VM exit: vmx_handle_exit_irqoff(vcpu). IRQs off, and KVM's
 * vmx_complete_interrupts already requeued whatever the IDT-vectoring
 * information said was being delivered (SDM vol.3 28.2.4). One switch on
 * the basic exit reason (SDM vol.3 24.9.1): the exits that are
 * exitless' whatever the mode, then the engine's.
 */
static void xl_on_exit(struct kvm_vcpu *vcpu)
{
	struct xl_hvm *h;
	struct xl_engine *e;
	u64 reason, info;
	u32 i;
	int ret;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	if (!h)
		goto out;
	i = xl_idx(h, vcpu);
	atomic64_inc(&h->exits);
	if (i == U32_MAX)
		goto out;
	/*
	 * An exit of a nested guest (L2): the VMCS is KVM's vmcs02, not the
	 * one the engine switched, and a VMCALL there is for L1. Not ours.
	 */
	if (xl_in_l2(vcpu)) {
		atomic64_inc(&h->l2_exits);
		if (READ_ONCE(h->eng) && !xl_vmx_read(VM_EXIT_REASON, &reason) &&
		    (u16)reason == EXIT_REASON_EPT_VIOLATION &&
		    xl_tracked_write(h, true))
			h->vcpu[i].wp_write = true;
		goto out;
	}
	h->vcpu[i].exit_seen = true;
	h->vcpu[i].cr3_load = false;
	if (xl_vmx_read(VM_EXIT_REASON, &reason)) {
		atomic64_inc(&h->vmread_fail);
		goto out;
	}
	WRITE_ONCE(h->last_reason, (u32)reason);
	e = READ_ONCE(h->eng);
	switch ((u16)reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		/* KVM acknowledges on exit: the vector is in the exit info */
		if (!xl_vmx_read(VM_EXIT_INTR_INFO, &info) &&
		    (info & INTR_INFO_VALID_MASK))
			h->ext_vec[info & 0xff]++;	/* debugfs only */
		break;
	case EXIT_REASON_VMCALL:
		if (xl_hypercall(h, vcpu, i)) {
			h->vcpu[i].skip_exit = true;
			goto out;
		}
		break;
	case EXIT_REASON_EPT_VIOLATION:
		if (e && xl_tracked_write(h, false))
			h->vcpu[i].wp_write = true;
		break;
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMRESUME:
		/*
		 * L1's VMLAUNCH/VMRESUME: KVM switches to vmcs02 in its
		 * handler and merges parts of vmcs01 into it (the MSR bitmap:
		 * a passed-through EOI would reach L2). Direct mode is left
		 * now, on vmcs01.
		 */
		if (e) {
			ret = XL_ENGINE_CALL(xl_engine_nested_enter(e, i));
			if (ret < 0)
				xl_engine_err(h, "nested_enter", ret);
		}
		goto out;
	}
	if (e)
		xl_exit_engine(h, e, vcpu, i, (u32)reason);
out:
	rcu_read_unlock();
}

/* Takes the place of vmx_handle_exit() for an exit the engine handled. */
static int xl_skip_exit(struct kvm_vcpu *vcpu, int fastpath)
{
	return 1;	/* resume the guest */
}

/*
 * The page a CPL-0 XL_HC_SHADOW_IDT names, checked before anything is
 * written to it: the guest's own page walk for a supervisor write
 * (kvm_mmu_gva_to_gpa_write at CPL 0 honours P, R/W and CR0.WP, SDM vol.3
 * 4.6) must succeed, and the frame must be ordinary guest RAM: a user
 * memslot, not read-only, not one of KVM's private slots (the APIC-access
 * page). Then it is written once with zeros through that translation,
 * which also maps it for the hooks that later build the shadow IDT with
 * IRQs off. Process context (KVM's exit handler), SRCU held by KVM.
 */
static long xl_hc_take_page(struct kvm_vcpu *vcpu, u64 gva, gpa_t *gpa_out)
{
	struct xl_x86_exception_buf {
		u64 space[8];
	} ex;
	struct kvm_memory_slot *slot;
	gpa_t gpa;

	if (!gva || gva & ~PAGE_MASK)
		return -EINVAL;
	gpa = kvm_mmu_gva_to_gpa_write(vcpu, gva, (void *)&ex);
	if (gpa == INVALID_GPA)
		return -EFAULT;
	slot = gfn_to_memslot(vcpu->kvm, gpa_to_gfn(gpa));
	if (!slot || slot->id >= KVM_USER_MEM_SLOTS ||
	    slot->flags & KVM_MEM_READONLY)
		return -EFAULT;
	if (kvm_vcpu_write_guest(vcpu, gpa, page_address(ZERO_PAGE(0)),
				 PAGE_SIZE))
		return -EFAULT;
	*gpa_out = gpa;
	return 0;
}

/*
 * A vCPU's XL_HC_SHADOW_IDT for the page the VM already has: the same
 * supervisor-write walk as xl_hc_take_page, which must reach the frame
 * the first registration took; nothing is written.
 */
static long xl_hc_same_page(struct kvm_vcpu *vcpu, u64 gva, gpa_t want)
{
	struct xl_x86_exception_buf {
		u64 space[8];
	} ex;
	gpa_t gpa = kvm_mmu_gva_to_gpa_write(vcpu, gva, (void *)&ex);

	if (gpa == INVALID_GPA || gpa != want)
		return -EFAULT;
	return 0;
}

/*
 * After a CPL-0 registration hypercall, in place of vmx_handle_exit()
 * (xl_skip_exit_hc): the page is taken (or given back) here, where guest memory
 * may fault in, and only then published to the hooks and the engine.
 * Releasing holds every vCPU out of direct mode from its next entry on
 * (each is kicked), after which the host writes the page no more.
 */
static void xl_hc_page(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu *other;
	struct xl_engine *e;
	struct xl_hvm *h;
	unsigned long k;
	gpa_t gpa = INVALID_GPA;
	u32 i, j, nr = 0;
	u64 gva = 0;
	long ret;
	int idx;

	/* @h stays while we may sleep in here (xl_hooks_detach waits) */
	idx = srcu_read_lock(&xl_hc_srcu);
	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	rcu_read_unlock();
	i = h ? xl_idx(h, vcpu) : U32_MAX;
	if (i != U32_MAX) {
		nr = h->vcpu[i].hc;
		gva = h->vcpu[i].hc_arg;
		h->vcpu[i].hc = 0;
	}
	if (!nr)
		goto out;
	/*
	 * Another vCPU naming the page the VM has (guest ABI 2): only its
	 * own page walk is checked. Taking the page again would zero it
	 * under the vCPUs already running with the shadow IDT in it.
	 */
	if (nr == XL_HC_SHADOW_IDT && gva && gva == READ_ONCE(h->shadow_gva)) {
		ret = xl_hc_same_page(vcpu, gva, READ_ONCE(h->shadow_gpa));
		vcpu->arch.regs[VCPU_REGS_RAX] = ret;
		if (ret)
			atomic64_inc(&h->hc_errors);
		else
			WRITE_ONCE(h->vcpu[i].registered, true);
		goto out;
	}
	ret = nr == XL_HC_SHADOW_IDT ? xl_hc_take_page(vcpu, gva, &gpa) : 0;
	if (nr == XL_HC_SHADOW_IDT_RELEASE)
		gva = 0;
	vcpu->arch.regs[VCPU_REGS_RAX] = ret;
	if (ret) {
		atomic64_inc(&h->hc_errors);
		goto out;
	}
	/* who uses the page: this vCPU now, nobody after a release */
	for (j = 0; j < XL_HOOK_VCPUS; j++)
		WRITE_ONCE(h->vcpu[j].registered, gva && j == i);
	/* read-only for the guest before the engine builds there */
	xl_shadow_wp_set(&h->wp, gpa);
	WRITE_ONCE(h->shadow_gpa, gpa);
	WRITE_ONCE(h->shadow_gva, gva);
	/*
	 * Pairs with the barrier after a new engine is published
	 * (xl_hooks_engine_mode): either this sees the engine, or the
	 * mode change sees this address.
	 */
	smp_mb();
	e = READ_ONCE(h->eng);
	if (e && gva)
		ret = XL_ENGINE_CALL(xl_engine_set_shadow_gva(e, gva));
	else if (e)
		ret = XL_ENGINE_CALL(xl_engine_release_shadow(e));
	if (ret)
		xl_engine_err(h, "shadow page", ret);
	if (nr == XL_HC_SHADOW_IDT_RELEASE)
		kvm_for_each_vcpu(k, other, vcpu->kvm)
			if (other != vcpu)
				kvm_vcpu_kick(other);
out:
	srcu_read_unlock(&xl_hc_srcu, idx);
}

/*
 * vCPU threads diverted into xl_skip_exit_hc or xl_skip_exit_cr3 and not
 * yet out of them. They may sleep (faulting the guest page in) or be
 * preempted, and such a task is quiescent for the RCU-tasks grace period
 * with which ftrace retires a callback, so unregistering the hooks waits
 * for this to drop to zero, then for that grace period
 * (xl_hooks_unregister): only then is no thread left in this module's
 * text.
 */
static atomic_t xl_divert_inflight = ATOMIC_INIT(0);

static void xl_divert_done(void)
{
	/* nothing sleeps past this point */
	atomic_dec(&xl_divert_inflight);
	wake_up_var(&xl_divert_inflight);
}

static int xl_skip_exit_hc(struct kvm_vcpu *vcpu, int fastpath)
{
	xl_hc_page(vcpu);
	xl_divert_done();
	return 1;
}

/*
 * In place of vmx_handle_exit() after a MOV to CR3 that exited because
 * direct mode made CR3 loads exit (the engine's handle_cr, xl_hw_cr3_load
 * took the operand): KVM loads it as its own handle_cr does, with
 * kvm_set_cr3 (the reserved-bit and PCID rules, the TLB flush a load
 * without CR3[63] makes) and kvm_complete_insn_gp (RIP past it, or #GP),
 * without the warning handle_cr gives for a CR3-load exit under
 * unrestricted guest, where KVM never asks for one itself. The vCPU's
 * next entry walks the new tables (shadow_map.c) before it may run with
 * the shadow IDT again. If the VM's record is gone the VMCS has KVM's
 * controls back: the guest executes the MOV again, without an exit.
 */
static int xl_skip_exit_cr3(struct kvm_vcpu *vcpu, int fastpath)
{
	struct xl_hvm *h;
	bool load = false;
	u64 val = 0;
	int ret = 1;
	u32 i;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	i = h ? xl_idx(h, vcpu) : U32_MAX;
	if (i != U32_MAX && h->vcpu[i].cr3_load) {
		h->vcpu[i].cr3_load = false;
		val = h->vcpu[i].cr3_val;
		load = true;
	}
	rcu_read_unlock();
	if (load)
		ret = kvm_complete_insn_gp(vcpu, kvm_set_cr3(vcpu, val));
	xl_divert_done();
	return ret;
}

/*
 * A guest write to a tracked page, before KVM emulates it. The emulator
 * lets it land and the notifier then undoes it (shadow_wp.c), but another
 * vCPU in direct mode on another CPU would meanwhile deliver host
 * interrupts through what the guest wrote. So the other vCPUs leave the
 * guest first, and none enters direct mode before this one's next entry
 * (xl_shadow_mapped). KVM's request protocol makes the wait sound: a vCPU
 * on its way in either sees the request and turns back, or is seen in
 * guest mode and sent an IPI; the wait ends when every CPU sent one has
 * handled it, out of the guest (in direct mode through a not-present gate
 * of the shadow IDT, which the write has not reached yet). KVM_REQ_EVENT
 * only has KVM look at pending events again. One vCPU alone needs none
 * of this: it is the writer.
 */
static void xl_hold_tracked_write(struct xl_hvm *h, struct kvm_vcpu *vcpu,
				  u32 i)
{
	if (h->vcpu[i].wp_holding || !READ_ONCE(h->eng) ||
	    atomic_read(&vcpu->kvm->online_vcpus) < 2)
		return;
	h->vcpu[i].wp_holding = true;
	atomic_inc(&h->wp.held);
	atomic64_inc(&h->wp.holds);
	/* ordered before the requests, against the entry hook's read */
	smp_mb__after_atomic();
	kvm_make_all_cpus_request(vcpu->kvm, KVM_REQ_EVENT | KVM_REQUEST_WAIT);
}

/*
 * vmx_handle_exit(vcpu, fastpath), IPMODIFY: divert handled exits, hold
 * a write to a tracked page. Returns the replacement, or NULL for KVM's
 * own handler.
 */
static void *xl_on_handle_exit(struct kvm_vcpu *vcpu)
{
	struct xl_hvm *h;
	void *to = NULL;
	u32 i;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	if (h) {
		i = xl_idx(h, vcpu);
		if (i != U32_MAX && h->vcpu[i].wp_write) {
			h->vcpu[i].wp_write = false;
			xl_hold_tracked_write(h, vcpu, i);
		}
		if (i != U32_MAX && h->vcpu[i].skip_exit) {
			h->vcpu[i].skip_exit = false;
			if (h->vcpu[i].hc)
				to = xl_skip_exit_hc;
			else if (h->vcpu[i].cr3_load)
				to = xl_skip_exit_cr3;
			else
				to = xl_skip_exit;
		}
		if (to && to != xl_skip_exit)
			atomic_inc(&xl_divert_inflight);
	}
	rcu_read_unlock();
	return to;
}

/*
 * vmx_inject_irq(vcpu, reinjected): KVM is about to inject
 * vcpu->arch.interrupt.nr. In direct mode that vector would meet the shadow
 * IDT, so the engine switches this vCPU to injection mode (the guest's own
 * IDT) at the entry that follows, until the guest EOIs it (ELI's
 * eli_set_inject_mode, notes/anchors.md 1.2).
 */
static void xl_on_inject(struct kvm_vcpu *vcpu)
{
	struct xl_hvm *h;
	struct xl_engine *e;
	u32 i;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	e = h ? READ_ONCE(h->eng) : NULL;
	i = h ? xl_idx(h, vcpu) : U32_MAX;
	/* an injection into L2 goes into vmcs02: not the engine's */
	if (e && i != U32_MAX && !xl_in_l2(vcpu)) {
		xl_want_inject(e, i, vcpu->arch.interrupt.nr);
		WRITE_ONCE(h->last_inj, vcpu->arch.interrupt.nr);
		atomic64_inc(&h->injections);
	}
	rcu_read_unlock();
}

/*
 * A mapped host IRQ may be stale: @host_irq (U32_MAX: any) of @h was
 * re-routed by the guest or is about to be freed. Under rcu_read_lock().
 */
static void xl_irq_changed(struct xl_hvm *h, u32 host_irq)
{
	u32 i, irq;

	if (atomic_read_acquire(&h->asg_live)) {
		if (host_irq == U32_MAX || xl_assigned_has(&h->asg, host_irq))
			xl_asg_invalidate(h, true);
	} else if (xl_eng_direct_mode(READ_ONCE(h->eng))) {
		/*
		 * Not mapped (VFIO had unbound it, or a route was refused):
		 * a registered IRQ bound again may map now. Racy read of
		 * the list: at worst one remap too many.
		 */
		for (i = 0; i < READ_ONCE(h->nr_irqs) && i < XL_MAX_IRQS; i++) {
			irq = READ_ONCE(h->irqs[i]);
			if (host_irq == U32_MAX || irq == host_irq) {
				atomic_inc(&h->remap_seq);
				schedule_work(&h->remap_work);
				break;
			}
		}
	}
}

/*
 * @host_irq (U32_MAX: any) of @kvm (NULL: any attached VM) was re-routed
 * by the guest, is about to be freed or was bound again. Called by four
 * hooks:
 *
 * vmx_pi_update_irte(kvm, host_irq, guest_irq, set): KVM calls it when
 * the guest route of an irqfd with an IRQ-bypass producer changes (the
 * guest reprogrammed the MSI) and when VFIO's producer goes away (the IRQ
 * is about to be freed), under kvm->irqfds.lock, IRQs off. Only for an
 * irqfd with a producer: on 6.12 with APICv off there is none (see
 * irq_route.c), and the two hooks below stand in for it.
 *
 * kvm_arch_irq_routing_update(kvm): kvm_set_irq_routing calls it after
 * kvm_irq_routing_update has given every irqfd its new route, under
 * kvm->irq_lock (virt/kvm/irqchip.c, 6.1 and 6.12), for every routing
 * change, with or without a producer. Which irqfd changed is not said:
 * every mapped IRQ of the VM is mapped again.
 *
 * irq_bypass_unregister_producer(prod): VFIO calls it for a vector before
 * free_irq, also where no consumer is connected and so KVM calls no
 * vmx_pi_update_irte (vfio_msi_set_vector_signal, 6.1 and 6.12), and
 * irq_bypass_register_producer(prod) right after request_irq, when the
 * guest enables the vector again: a registered IRQ may map again then.
 * The IRQ is global: any attached VM may have it.
 */
static void xl_on_irq_change(struct kvm *kvm, u32 host_irq)
{
	struct xl_hvm *h;

	rcu_read_lock();
	list_for_each_entry_rcu(h, &xl_hvms, node)
		if (!kvm || h->kvm == kvm)
			xl_irq_changed(h, host_irq);
	rcu_read_unlock();
}

/* trace_kvm_eoi(apic, vector) from KVM's apic_set_eoi: vCPU thread. */
static void xl_on_eoi(void *data, void *apic, int vector)
{
	struct kvm_vcpu *vcpu;
	struct xl_hvm *h;
	struct xl_engine *e;
	int ret = 0;
	u32 i;

	preempt_disable();
	vcpu = kvm_get_running_vcpu();
	if (!vcpu)
		goto out_preempt;
	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	if (!h)
		goto out;
	/* every guest EOI KVM emulates (an exit), the engine's or not */
	atomic64_inc(&h->eois);
	WRITE_ONCE(h->last_eoi, vector);
	e = READ_ONCE(h->eng);
	i = xl_idx(h, vcpu);
	/* L2's EOI: the engine's state is L1's, which left direct mode */
	if (!e || i == U32_MAX || xl_in_l2(vcpu))
		goto out;
	/*
	 * vector -1: nothing in service in KVM's virtual LAPIC, the EOI of a
	 * directly delivered interrupt, already EOIed on the physical LAPIC
	 * at this exit (xl_engine_handle_exit).
	 */
	if (vector >= 0)
		ret = XL_ENGINE_CALL(xl_engine_eoi(e, i, vector));
	if (ret < 0)
		xl_engine_err(h, "eoi", ret);
out:
	rcu_read_unlock();
out_preempt:
	preempt_enable();
}

static void notrace xl_ft_entry(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		xl_on_entry((struct kvm_vcpu *)regs->di);
}

static void notrace xl_ft_exit(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		xl_on_exit((struct kvm_vcpu *)regs->di);
}

static void notrace xl_ft_take(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	void *to;

	if (!regs)
		return;
	to = xl_on_handle_exit((struct kvm_vcpu *)regs->di);
	if (to)
		regs->ip = (unsigned long)to;
}

static void notrace xl_ft_inject(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		xl_on_inject((struct kvm_vcpu *)regs->di);
}

static struct ftrace_ops xl_ops_update_irte, xl_ops_routing;

/* The hooks of xl_on_irq_change, told apart by their ftrace_ops. */
static void notrace xl_ft_irq_change(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct irq_bypass_producer *prod;

	if (!regs)
		return;
	if (op == &xl_ops_update_irte) {
		xl_on_irq_change((struct kvm *)regs->di, (u32)regs->si);
	} else if (op == &xl_ops_routing) {
		xl_on_irq_change((struct kvm *)regs->di, U32_MAX);
	} else {
		prod = (struct irq_bypass_producer *)regs->di;
		xl_on_irq_change(NULL, prod->irq);
	}
}

static struct ftrace_ops xl_ops_entry = {
	.func = xl_ft_entry,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_exit = {
	.func = xl_ft_exit,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_take = {
	.func = xl_ft_take,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static struct ftrace_ops xl_ops_inject = {
	.func = xl_ft_inject,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_update_irte = {
	.func = xl_ft_irq_change,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_routing = {
	.func = xl_ft_irq_change,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_prod_add = {
	.func = xl_ft_irq_change,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xl_ops_prod_del = {
	.func = xl_ft_irq_change,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static int xl_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	if (xl_kallsyms)
		return 0;
	ret = register_kprobe(&kp);
	if (ret)
		return ret;
	xl_kallsyms = (void *)kp.addr;
	unregister_kprobe(&kp);
	return xl_kallsyms ? 0 : -ENOENT;
}

static int xl_ft_on(struct ftrace_ops *ops, unsigned long addr)
{
	int ret = ftrace_set_filter_ip(ops, addr, 0, 0);

	if (ret)
		return ret;
	ret = register_ftrace_function(ops);
	if (ret)
		ftrace_set_filter_ip(ops, addr, 1, 0);
	return ret;
}

static void xl_ft_off(struct ftrace_ops *ops, unsigned long addr)
{
	unregister_ftrace_function(ops);
	ftrace_set_filter_ip(ops, addr, 1, 0);
}

bool xl_kvm_intel_loaded(void)
{
	return !xl_find_kallsyms() && xl_kallsyms("vmx_vcpu_run");
}

/*
 * What in kvm_intel, as loaded, keeps eli/did out (xl_hooks_engine_mode
 * says it; XL_IOC_VERSION leaves them out). kvm_intel must be loaded
 * (xl_kvm_intel_loaded).
 *  - With APICv, KVM delivers its virtual interrupts through the
 *    virtual-interrupt delivery of the VMCS (RVI, posted interrupts), not
 *    vmx_inject_irq, so nothing would switch the vCPU to injection mode
 *    and they would meet the shadow IDT. pi is the mode for APICv.
 *  - The guard arms the VMX-preemption timer at our entry hook, at the
 *    start of vmx_vcpu_run. A kvm_intel that uses the timer itself
 *    (preemption_timer=Y, the default where the timer is slow enough,
 *    i.e. most real CPUs; Bochs turns it off) rewrites the value later in
 *    vmx_vcpu_run (vmx_update_hv_timer) and takes its expiry for the
 *    guest's LAPIC timer: the guard would not fire, or fire the guest's
 *    timer early. Refused until the guard shares the timer with KVM.
 */
enum xl_kvm_intel_block {
	XL_KI_OK,
	XL_KI_APICV,
	XL_KI_TIMER_UNKNOWN,
	XL_KI_TIMER_IN_USE,
	XL_KI_EPT_AD_UNKNOWN,
	XL_KI_EPT_AD,
};

static enum xl_kvm_intel_block xl_kvm_intel_block(void)
{
	const bool *timer, *ept_ad;

	if (READ_ONCE(enable_apicv))
		return XL_KI_APICV;
	timer = (const bool *)xl_kallsyms("enable_preemption_timer");
	if (!timer)
		return XL_KI_TIMER_UNKNOWN;
	if (READ_ONCE(*timer))
		return XL_KI_TIMER_IN_USE;
	/*
	 * With EPT accessed/dirty flags the CPU's walks of the guest's page
	 * tables count as writes for EPT (SDM vol.3 28.2.4), so the write-
	 * tracked paging-structure pages that map the shadow IDT
	 * (shadow_map.c) would fault at every TLB miss, for good.
	 */
	ept_ad = (const bool *)xl_kallsyms("enable_ept_ad_bits");
	if (!ept_ad)
		return XL_KI_EPT_AD_UNKNOWN;
	return READ_ONCE(*ept_ad) ? XL_KI_EPT_AD : XL_KI_OK;
}

/* The conditions of xl_hooks_set_mode that do not depend on the VM. */
u32 xl_hooks_modes(void)
{
	if (!xl_hooks_param || !xl_experimental || !xl_kvm_intel_loaded() ||
	    xl_kvm_intel_block() != XL_KI_OK)
		return 0;
	return BIT(XL_IOC_MODE_ELI) | BIT(XL_IOC_MODE_DID);
}

/* Resolve kvm_intel's functions; -ENOENT when kvm_intel is not loaded. */
static int xl_resolve(void)
{
	unsigned long irqoff;
	int ret = xl_find_kallsyms();

	if (ret)
		return ret;
	xl_addr_run = xl_kallsyms("vmx_vcpu_run");
	xl_addr_exit_irqoff = xl_kallsyms("vmx_handle_exit_irqoff");
	xl_addr_exit = xl_kallsyms("vmx_handle_exit");
	xl_addr_inject = xl_kallsyms("vmx_inject_irq");
	xl_addr_update_irte = xl_kallsyms("vmx_pi_update_irte");
	xl_addr_routing = xl_kallsyms("kvm_arch_irq_routing_update");
	xl_addr_prod_add = xl_kallsyms("irq_bypass_register_producer");
	xl_addr_prod_del = xl_kallsyms("irq_bypass_unregister_producer");
	irqoff = xl_kallsyms(XL_KVM_DO_INTERRUPT);
	xl_tp_eoi = (struct tracepoint *)xl_kallsyms("__tracepoint_kvm_eoi");
	if (!xl_addr_run)
		return -ENOENT;		/* kvm_intel not loaded */
	if (xl_host_uses_fred()) {
		pr_warn("the host runs with FRED: no IDT for the shadow IDT to stand in for, no hooks on kvm_intel\n");
		return -EOPNOTSUPP;
	}
	if (!xl_addr_exit_irqoff || !xl_addr_exit || !xl_addr_inject ||
	    !xl_addr_update_irte || !xl_addr_routing || !xl_addr_prod_add ||
	    !xl_addr_prod_del ||
	    !irqoff || !xl_tp_eoi) {
		pr_warn("kvm_intel without the expected symbols (exit_irqoff %d handle_exit %d inject_irq %d pi_update_irte %d kvm_arch_irq_routing_update %d irq_bypass_(un)register_producer %d %d %s %d tracepoint kvm_eoi %d)\n",
			!!xl_addr_exit_irqoff, !!xl_addr_exit,
			!!xl_addr_inject, !!xl_addr_update_irte,
			!!xl_addr_routing, !!xl_addr_prod_add,
			!!xl_addr_prod_del,
			XL_KVM_DO_INTERRUPT, !!irqoff,
			!!xl_tp_eoi);
		return -ENXIO;
	}
	xl_vmx_set_reraise((void (*)(unsigned long))irqoff);
	return 0;
}

static int xl_hooks_register(void)
{
	int ret;

	ret = xl_resolve();
	if (ret)
		return ret;
	ret = xl_ft_on(&xl_ops_entry, xl_addr_run);
	if (ret)
		return ret;
	ret = xl_ft_on(&xl_ops_exit, xl_addr_exit_irqoff);
	if (ret)
		goto out_entry;
	ret = xl_ft_on(&xl_ops_take, xl_addr_exit);
	if (ret)
		goto out_exit;
	ret = xl_ft_on(&xl_ops_inject, xl_addr_inject);
	if (ret)
		goto out_take;
	ret = xl_ft_on(&xl_ops_update_irte, xl_addr_update_irte);
	if (ret)
		goto out_inject;
	ret = xl_ft_on(&xl_ops_routing, xl_addr_routing);
	if (ret)
		goto out_update_irte;
	ret = xl_ft_on(&xl_ops_prod_add, xl_addr_prod_add);
	if (ret)
		goto out_routing;
	ret = xl_ft_on(&xl_ops_prod_del, xl_addr_prod_del);
	if (ret)
		goto out_prod_add;
	ret = tracepoint_probe_register(xl_tp_eoi, (void *)xl_on_eoi, NULL);
	if (ret)
		goto out_prod_del;
	pr_info("hooks on kvm_intel: %pS %pS %pS %pS %pS, on %pS %pS %pS, tracepoint kvm_eoi\n",
		(void *)xl_addr_run, (void *)xl_addr_exit_irqoff,
		(void *)xl_addr_exit, (void *)xl_addr_inject,
		(void *)xl_addr_update_irte, (void *)xl_addr_routing,
		(void *)xl_addr_prod_add, (void *)xl_addr_prod_del);
	return 0;
out_prod_del:
	xl_ft_off(&xl_ops_prod_del, xl_addr_prod_del);
out_prod_add:
	xl_ft_off(&xl_ops_prod_add, xl_addr_prod_add);
out_routing:
	xl_ft_off(&xl_ops_routing, xl_addr_routing);
out_update_irte:
	xl_ft_off(&xl_ops_update_irte, xl_addr_update_irte);
out_inject:
	xl_ft_off(&xl_ops_inject, xl_addr_inject);
out_take:
	xl_ft_off(&xl_ops_take, xl_addr_exit);
out_exit:
	xl_ft_off(&xl_ops_exit, xl_addr_exit_irqoff);
out_entry:
	xl_ft_off(&xl_ops_entry, xl_addr_run);
	return ret;
}

static struct xl_engine *xl_wp_engine(struct xl_shadow_wp *wp)
{
	return READ_ONCE(container_of(wp, struct xl_hvm, wp)->eng);
}

/* After this no callback runs or is about to run (ftrace and RCU sync). */
static void xl_hooks_unregister(void)
{
	tracepoint_probe_unregister(xl_tp_eoi, (void *)xl_on_eoi, NULL);
	xl_ft_off(&xl_ops_prod_del, xl_addr_prod_del);
	xl_ft_off(&xl_ops_prod_add, xl_addr_prod_add);
	xl_ft_off(&xl_ops_routing, xl_addr_routing);
	xl_ft_off(&xl_ops_update_irte, xl_addr_update_irte);
	xl_ft_off(&xl_ops_inject, xl_addr_inject);
	xl_ft_off(&xl_ops_take, xl_addr_exit);
	xl_ft_off(&xl_ops_exit, xl_addr_exit_irqoff);
	xl_ft_off(&xl_ops_entry, xl_addr_run);
	tracepoint_synchronize_unregister();
	wait_var_event(&xl_divert_inflight, !atomic_read(&xl_divert_inflight));
	synchronize_rcu_tasks();
	pr_info("hooks on kvm_intel removed\n");
}

/*
 * Detached VMs whose vCPUs still have direct mode in their VMCS, under
 * xl_hooks_lock; xl_drain_fn looks at them every XL_DRAIN_PERIOD.
 */
#define XL_DRAIN_PERIOD		(HZ / 10)
static LIST_HEAD(xl_draining);
static void xl_drain_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(xl_drain_work, xl_drain_fn);

/*
 * Attach: hook the VM when kvm_intel is there. Never fails the attach:
 * without hooks (kvm_amd, kvm_intel absent, hooks=0) the VM runs in
 * baseline and eli/did are refused.
 */
void xl_hooks_attach(struct xl_vm *vm)
{
	struct xl_hvm *h;
	int ret = 0;

	if (!xl_hooks_param)
		return;
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return;
	h->kvm = vm->kvm;
	h->vm_id = vm->id;
	INIT_WORK(&h->remap_work, xl_remap_work);
	mutex_lock(&xl_hooks_lock);
	if (xl_hvm_find(vm->kvm)) {
		/* the same VM, detached while a vCPU was still direct */
		mutex_unlock(&xl_hooks_lock);
		pr_info("vm %llu: a vCPU of this VM has not yet entered since it left eli/did: no hooks for this attachment, eli/did unavailable\n",
			vm->id);
		kfree(h);
		return;
	}
	if (!xl_hooks_on) {
		ret = xl_hooks_register();
		xl_hooks_on = !ret;
	}
	if (ret) {
		mutex_unlock(&xl_hooks_lock);
		if (ret == -ENOENT)
			pr_info_once("kvm_intel is not loaded: no VM entry/exit hooks, modes eli/did unavailable\n");
		else
			pr_warn("vm %llu: hooks not registered: %d\n",
				vm->id, ret);
		kfree(h);
		return;
	}
	xl_shadow_wp_init(&h->wp, h->kvm, xl_wp_engine);
	list_add_tail_rcu(&h->node, &xl_hvms);
	xl_nr_hvms++;
	vm->hooks = h;
	mutex_unlock(&xl_hooks_lock);
}

/*
 * KVM's VMCS values back on @vcpu from here, with its VMCS made current on
 * this CPU the way KVM's own vCPU ioctls do it (vcpu_load), when its
 * thread is not in KVM_RUN: a paused VM, a VMM busy in user space. A
 * thread in KVM_RUN, running or halted in KVM, holds vcpu->mutex; that
 * vCPU restores at its next entry instead (xl_on_entry, mode baseline).
 */
static void xl_restore_idle_vcpu(struct xl_hvm *h, struct kvm_vcpu *vcpu)
{
	u32 i = xl_idx(h, vcpu);
	int ret;

	if (i == U32_MAX || !mutex_trylock(&vcpu->mutex))
		return;
	vcpu_load(vcpu);
	preempt_disable();
	ret = XL_ENGINE_CALL(xl_engine_vcpu_release(h->eng, i));
	preempt_enable();
	vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	if (ret)
		xl_engine_err(h, "restore", ret);
	else
		atomic64_inc(&h->idle_restores);
}

/*
 * Leave eli/did: baseline in the engine, then every vCPU's VMCS back to
 * KVM's values, from here where its thread is out of KVM_RUN, else at its
 * next entry (it is kicked). 0 once all are; -EBUSY when one has not
 * entered within about a second (halted with nothing to wake it).
 */
static int xl_engine_stop(struct xl_hvm *h)
{
	struct xl_engine *e = h->eng;
	struct kvm_vcpu *vcpu;
	enum xl_why why;
	unsigned long i;
	int tries;

	if (!e)
		return 0;
	xl_engine_set_mode(e, XL_MODE_BASELINE, &why);
	for (tries = 0; tries < 100; tries++) {
		if (!xl_engine_teardown(e))
			return 0;
		kvm_for_each_vcpu(i, vcpu, h->kvm) {
			xl_restore_idle_vcpu(h, vcpu);
			kvm_vcpu_kick(vcpu);
		}
		usleep_range(10000, 20000);
	}
	return xl_engine_teardown(e) ? -EBUSY : 0;
}

/* Out of the hooks' list, the hooks off after the last VM. The lock held. */
static void xl_hooks_unlink(struct xl_hvm *h)
{
	list_del_rcu(&h->node);
	if (!--xl_nr_hvms && xl_hooks_on) {
		xl_hooks_unregister();
		xl_hooks_on = false;
	}
}

/* After xl_hooks_unlink and an RCU grace period. */
static void xl_hvm_free(struct xl_hvm *h)
{
	struct xl_engine *e = h->eng;

	synchronize_srcu(&xl_hc_srcu);

	/* no hook runs any more: nothing schedules the work again */
	cancel_work_sync(&h->remap_work);
	xl_shadow_wp_exit(&h->wp);
	h->eng = NULL;
	if (e)
		xl_assigned_unmap(&h->asg, e);
	if (h->tdev) {
		xl_test_dev_exit(h->tdev);
		kfree(h->tdev);
	}
	if (h->tmsi) {
		xl_test_msi_exit(h->tmsi);
		kfree(h->tmsi);
	}
	kfree(e);
	kfree(h);
}

/*
 * The detached VMs still draining: each is let go once every vCPU has
 * restored KVM's values (at its entry), or once the reference taken here
 * is the VM's last (no vCPU can run again; its VMCSs go with it).
 */
static void xl_drain_fn(struct work_struct *work)
{
	struct xl_hvm *h, *n;
	LIST_HEAD(done);

	mutex_lock(&xl_hooks_lock);
	list_for_each_entry_safe(h, n, &xl_draining, drain_node) {
		if (xl_engine_teardown(h->eng) &&
		    refcount_read(&h->kvm->users_count) > 1)
			continue;
		list_move(&h->drain_node, &done);
		xl_hooks_unlink(h);
	}
	if (!list_empty(&xl_draining))
		schedule_delayed_work(&xl_drain_work, XL_DRAIN_PERIOD);
	mutex_unlock(&xl_hooks_lock);
	if (list_empty(&done))
		return;
	synchronize_rcu();
	list_for_each_entry_safe(h, n, &done, drain_node) {
		struct kvm *kvm = h->kvm;

		pr_info("vm %llu: every vCPU has left eli/did: hooks released\n",
			h->vm_id);
		xl_hvm_free(h);
		kvm_put_kvm(kvm);
		/* module_exit waits for this work (xl_hooks_exit) */
		module_put(THIS_MODULE);
	}
}

/*
 * Detach: nothing of exitless may stay in a VMCS once the hooks are gone.
 * A vCPU that did not restore in time keeps the hooks, the engine and the
 * IRQ mapping of its VM (which stays listed in debugfs, "draining"), and
 * exitless.ko stays loaded, until that vCPU enters again: detach returns
 * meanwhile and does not hold the caller.
 */
void xl_hooks_detach(struct xl_vm *vm)
{
	struct xl_hvm *h = vm->hooks;

	if (!h)
		return;
	mutex_lock(&xl_hooks_lock);
	vm->hooks = NULL;
	mutex_unlock(&xl_hooks_lock);
	if (xl_engine_stop(h)) {
		/*
		 * No vCPU runs the guest with the shadow IDT again (each
		 * restores KVM's values at its next entry), so its page and
		 * paging structures need no tracking. And on 6.7+ the
		 * page-track notifier holds a reference on the VM of its own
		 * (kvm_page_track_register_notifier), with which the drain
		 * would never see a destroyed VM as gone.
		 */
		xl_shadow_wp_exit(&h->wp);
		kvm_get_kvm(h->kvm);
		__module_get(THIS_MODULE);
		mutex_lock(&xl_hooks_lock);
		h->draining = true;
		list_add_tail(&h->drain_node, &xl_draining);
		mutex_unlock(&xl_hooks_lock);
		schedule_delayed_work(&xl_drain_work, XL_DRAIN_PERIOD);
		pr_info("vm %llu: detached; a vCPU has not entered since it left eli/did: its VMCS is restored at its next entry, exitless stays loaded until then\n",
			h->vm_id);
		return;
	}
	mutex_lock(&xl_hooks_lock);
	xl_hooks_unlink(h);
	mutex_unlock(&xl_hooks_lock);
	synchronize_rcu();
	xl_hvm_free(h);
}

/* Module unload: no VM is draining (each holds a module reference). */
void xl_hooks_exit(void)
{
	cancel_delayed_work_sync(&xl_drain_work);
}

/* kzalloc: physically contiguous (the engine's PI descriptors). */
static struct xl_engine *xl_engine_new(struct xl_hvm *h)
{
	u32 n = atomic_read(&h->kvm->online_vcpus);
	struct xl_engine_cfg cfg = { 0 };
	struct xl_engine *e;
	int ret;

	if (!n || n > XL_HOOK_VCPUS)
		return ERR_PTR(-E2BIG);
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	xl_vmx_fill_hw(&h->hw, h->kvm, n);
	/*
	 * An xAPIC host cannot pass the guest's x2APIC EOI through (a WRMSR
	 * of 0x80b would #GP on the physical LAPIC): ELI then runs with the
	 * EOI intercepted, one exit per interrupt. Only with experimental=1,
	 * which is the only way to get here.
	 */
	cfg.eoi_exits_ok = !h->hw.x2apic;
	/* unknown TSC rate: the engine's default count (core/engine_priv.h) */
	cfg.timer_value = xl_vmx_timer_ticks(xl_guard_us);
	ret = xl_engine_init(e, &h->hw, &cfg);
	if (!ret && READ_ONCE(h->shadow_gva))
		ret = xl_engine_set_shadow_gva(e, READ_ONCE(h->shadow_gva));
	if (!ret && h->tdev)
		ret = xl_test_dev_assign(e, h->tdev);
	if (ret) {
		kfree(e);
		return ERR_PTR(ret);
	}
	return e;
}

/*
 * XL_IOC_SET_MODE for eli and did (and leaving them). 0, or -EOPNOTSUPP
 * with the reason recorded for XL_IOC_WHY and logged (xl_refusal_info).
 */
static int xl_hooks_engine_mode(struct xl_hvm *h, struct xl_vm *vm,
				u32 mode);

int xl_hooks_set_mode(struct xl_vm *vm, u32 mode)
{
	struct xl_hvm *h = vm->hooks;
	enum xl_why why = XL_WHY_OK;
	int ret;

	if (mode != XL_IOC_MODE_ELI && mode != XL_IOC_MODE_DID) {
		mutex_lock(&xl_hooks_lock);
		if (h)
			WRITE_ONCE(h->pi_mode, mode == XL_IOC_MODE_PI);
		if (h && h->eng) {
			xl_engine_set_mode(h->eng, XL_MODE_BASELINE, &why);
			/* the devices' affinities back to what they were */
			xl_asg_unmap(h, h->eng);
		}
		mutex_unlock(&xl_hooks_lock);
		return 0;
	}
	if (!h) {
		xl_refusal_info(vm, "mode '%s' is not available: it needs the VMX entry/exit hooks, which are not active (kvm_intel not loaded, or hooks=0)",
				xl_ioc_mode_name(mode));
		return -EOPNOTSUPP;
	}
	if (!xl_experimental) {
		xl_refusal_info(vm, "mode '%s' is not available: the VMX backend is not validated end to end yet (load exitless.ko with experimental=1 to try it)",
				xl_ioc_mode_name(mode));
		return -EOPNOTSUPP;
	}
	mutex_lock(&xl_hooks_lock);
	ret = xl_hooks_engine_mode(h, vm, mode);
	if (!ret)
		WRITE_ONCE(h->pi_mode, false);
	mutex_unlock(&xl_hooks_lock);
	return ret;
}

/* -EOPNOTSUPP, with @why for XL_IOC_WHY and the kernel log. */
static int xl_mode_refused(struct xl_vm *vm, u32 mode, const char *why)
{
	xl_refusal_info(vm, "mode '%s' is not available here: %s",
			xl_ioc_mode_name(mode), why);
	return -EOPNOTSUPP;
}

static int xl_hooks_engine_mode(struct xl_hvm *h, struct xl_vm *vm, u32 mode)
{
	struct xl_engine *e = h->eng;
	enum xl_why why = XL_WHY_OK;
	bool mapped;
	u64 gva;
	int ret;

	switch (xl_kvm_intel_block()) {
	case XL_KI_OK:
		break;
	case XL_KI_APICV:
		return xl_mode_refused(vm, mode,
				       "kvm_intel runs with APICv (enable_apicv=Y), whose virtual-interrupt delivery bypasses eli's injection mode: use mode pi, or reload kvm_intel with enable_apicv=N");
	case XL_KI_TIMER_UNKNOWN:
		return xl_mode_refused(vm, mode,
				       "cannot tell whether kvm_intel uses the VMX-preemption timer (no symbol enable_preemption_timer)");
	case XL_KI_TIMER_IN_USE:
		return xl_mode_refused(vm, mode,
				       "kvm_intel uses the VMX-preemption timer itself (preemption_timer=Y), which the guard needs: reload kvm_intel with preemption_timer=N");
	case XL_KI_EPT_AD_UNKNOWN:
		return xl_mode_refused(vm, mode,
				       "cannot tell whether kvm_intel uses EPT accessed/dirty flags (no symbol enable_ept_ad_bits)");
	case XL_KI_EPT_AD:
		return xl_mode_refused(vm, mode,
				       "kvm_intel uses EPT accessed/dirty flags (eptad=Y), under which the write protection of the page tables that map the shadow IDT would stall the guest: reload kvm_intel with eptad=N");
	}
	/*
	 * Without the guest's page a mode change would be accepted and
	 * change nothing: every vCPU would keep KVM's delivery.
	 */
	if (!READ_ONCE(h->shadow_gva))
		return xl_mode_refused(vm, mode,
				       "the guest has not registered a shadow-IDT page (no XL_HC_SHADOW_IDT from any vCPU since attach, or it released it): load exitless_guest.ko in the guest (kmod/guest/), then set the mode again");
	if (!e) {
		e = xl_engine_new(h);
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/* from baseline: the assigned IRQs into the shadow IDT first */
	mapped = !xl_eng_direct_mode(e);
	if (mapped) {
		ret = xl_asg_map(h, e);
		if (ret) {
			if (!h->eng)
				kfree(e);
			xl_mode_refused(vm, mode, h->asg_why);
			return ret;
		}
	}
	/* XL_IOC_MODE_* and enum xl_mode share their values. */
	ret = xl_engine_set_mode(e, (enum xl_mode)mode, &why);
	if (ret) {
		if (mapped)
			xl_asg_unmap(h, e);
		if (!h->eng)
			kfree(e);
		return xl_mode_refused(vm, mode, xl_why_str(why));
	}
	WRITE_ONCE(h->eng, e);
	/*
	 * A registration hypercall between xl_engine_new's read of the
	 * address and the publication did not see the engine (xl_hc_page):
	 * the engine takes the address it published.
	 */
	smp_mb();
	gva = READ_ONCE(h->shadow_gva);
	if (gva != READ_ONCE(e->shadow_gva)) {
		ret = XL_ENGINE_CALL(gva ? xl_engine_set_shadow_gva(e, gva) :
					   xl_engine_release_shadow(e));
		if (ret)
			xl_engine_err(h, "shadow page", ret);
	}
	/* invalidated between mapping and publishing: hold, map again */
	if (h->asg.nr && !atomic_read(&h->asg_live)) {
		xl_engine_bind(e, XL_BIND_HOLD, 0);
		schedule_work(&h->remap_work);
	}
	return 0;
}

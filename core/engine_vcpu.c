// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM engine, vCPU-context part: what runs before each VM entry and
 * on each VM exit of one vCPU. Here the VMCS of @vcpu is current, so this
 * is where the shadow IDT is (re)built and switched, ELI's defences run
 * (#NP re-raise, LIDT, preemption-timer guard) and the posted-interrupt
 * VMCS fields are set up.
 */
#include "engine_priv.h"
#include "xl_pi.h"
#include "hw/vmx.h"
#include "xl_err.h"

static int vmcs_rd(struct xl_engine *e, u32 vcpu, u32 f, u64 *val)
{
	return e->hw->ops->vmcs_read(e->hw->priv, vcpu, f, val);
}

static int vmcs_wr(struct xl_engine *e, u32 vcpu, u32 f, u64 val)
{
	return e->hw->ops->vmcs_write(e->hw->priv, vcpu, f, val);
}

/*
 * The map the shadow IDT is built from: the assigned vectors, plus, for
 * DID over ELI, each owned vector the guest has a handler for mapped to
 * itself, so a guest-vector IPI lands on that handler with no exit.
 */
static int build_eff_map(struct xl_engine *e, u32 mode, u32 guest_gates,
			 struct xl_sidt_map *eff)
{
	unsigned int v, tries;
	u32 seq;

	/* a consistent copy of @map (seqcount), or none this entry */
	for (tries = 0; tries < 4; tries++) {
		seq = __atomic_load_n(&e->map_seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		*eff = e->map;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->map_seq, __ATOMIC_RELAXED) == seq)
			break;
	}
	if (tries == 4)
		return -EAGAIN;
	if (mode != XL_MODE_DID || e->did_posted)
		return 0;
	for (v = XL_FIRST_EXTERNAL_VECTOR; v < XL_NR_VECTORS; v++) {
		if (!xl_vec_test(e->owned, v) || xl_vec_test(eff->direct, v))
			continue;
		if (v >= guest_gates || !e->guest_idt[v].f.present)
			continue;
		xl_sidt_map_add(eff, v, v);
	}
	return 0;
}

/* Read the guest IDT at @base/@limit, build the shadow and publish it. */
static int build_shadow(struct xl_engine *e, u32 vcpu, u32 mode, u64 base,
			u32 limit)
{
	struct xl_sidt_map eff;
	u32 gen = __atomic_load_n(&e->shadow_gen, __ATOMIC_ACQUIRE);
	int ret;

	ret = xl_sidt_read_guest(e->hw, vcpu, base, limit, e->guest_idt);
	if (ret)
		return ret;
	ret = build_eff_map(e, mode, (limit + 1) / sizeof(union xl_idt_gate),
			    &eff);
	if (ret)
		return ret;
	ret = xl_sidt_build(e->guest_idt, limit, &eff, e->shadow);
	if (ret)
		return ret;
	ret = xl_sidt_write(e->hw, vcpu, e->shadow_gva, e->shadow);
	if (ret)
		return ret;
	if (e->built)
		xl_ctr_inc(&e->ctr.idt_rebuilds);
	e->eff = eff;
	e->built = true;
	e->built_base = base;
	e->built_limit = limit;
	e->built_gen = gen;
	return 0;
}

static bool shadow_stale(struct xl_engine *e)
{
	return !e->built ||
	       e->built_gen != __atomic_load_n(&e->shadow_gen,
					       __ATOMIC_ACQUIRE);
}

/*
 * The shared buffers are this vCPU's until build_unlock, or another
 * vCPU's now: then this one does without them for this entry.
 */
static bool build_trylock(struct xl_engine *e)
{
	if (!__atomic_exchange_n(&e->build_lock, 1, __ATOMIC_ACQUIRE))
		return true;
	xl_ctr_inc(&e->ctr.build_busy);
	return false;
}

static void build_unlock(struct xl_engine *e)
{
	__atomic_store_n(&e->build_lock, 0, __ATOMIC_RELEASE);
}

/*
 * Rebuild under the lock. -EBUSY: another vCPU is at it; -EAGAIN: the map
 * kept changing; neither means the guest's IDT is unusable.
 */
static int build_shadow_locked(struct xl_engine *e, u32 vcpu, u32 mode,
			       u64 base, u32 limit)
{
	int ret;

	if (!build_trylock(e))
		return -EBUSY;
	ret = shadow_stale(e) ? build_shadow(e, vcpu, mode, base, limit) : 0;
	build_unlock(e);
	return ret;
}

static int eli_disable(struct xl_engine *e, u32 vcpu, enum xl_eli_off why)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];

	v->eli_off = why;
	v->strikes = 0;
	return xl_sidt_restore(e->hw, vcpu, &v->sidt);
}

/* Direct mode left for this entry: the hypervisor's own VMCS values. */
static int enter_inject(struct xl_engine *e, u32 vcpu)
{
	int ret = xl_sidt_enter_inject(e->hw, vcpu, &e->vcpu[vcpu].sidt);

	if (!ret)
		xl_ctr_inc(&e->ctr.inject_switches);
	return ret;
}

static int sidt_enter_direct(struct xl_engine *e, u32 vcpu)
{
	struct xl_sidt_params p = {
		.shadow_gva = e->shadow_gva,
		.timer_value = e->cfg.timer_value,
		.exitless_eoi = true,
		.cr3_load_exiting = e->hw->ops->cr3_load != NULL,
	};
	int ret;

	ret = xl_sidt_enter_direct(e->hw, vcpu, &e->vcpu[vcpu].sidt, &p);
	if (!ret) {
		e->vcpu[vcpu].strikes = 0;
		xl_ctr_inc(&e->ctr.direct_switches);
	}
	return ret;
}

/*
 * May @vcpu run with the shadow IDT on this entry (xl_engine_bind)? Its
 * gates are host vectors of one CPU, meant for one vCPU.
 */
static bool bound_here(struct xl_engine *e, u32 vcpu)
{
	u64 bind = __atomic_load_n(&e->bind, __ATOMIC_ACQUIRE);
	struct xl_vcpu_loc loc;

	if ((u32)(bind >> 32) == XL_BIND_ANY)
		return true;
	if ((u32)(bind >> 32) != vcpu ||
	    e->hw->ops->vcpu_locate(e->hw->priv, vcpu, &loc))
		return false;
	return loc.state == XL_VCPU_RUNNING && loc.pcpu == (u32)bind;
}

static int sidt_before_entry(struct xl_engine *e, u32 vcpu, u32 mode)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	u32 retry = __atomic_load_n(&e->retry_gen, __ATOMIC_ACQUIRE);
	bool want, req, busy;
	u64 base, limit, info, entry;
	int ret;

	if (v->retry_seen != retry) {
		v->retry_seen = retry;
		v->eli_off = XL_ELI_OFF_NONE;
	}
	want = xl_uses_sidt(e, mode) && e->shadow_gva &&
	       v->eli_off == XL_ELI_OFF_NONE;
	if (want && !bound_here(e, vcpu)) {
		want = false;
		xl_ctr_inc(&e->ctr.bind_misses);
	}
	if (want && e->hw->ops->shadow_mapped &&
	    !e->hw->ops->shadow_mapped(e->hw->priv, vcpu, e->shadow_gva)) {
		want = false;
		xl_ctr_inc(&e->ctr.shadow_unmapped);
	}
	if (!want) {
		/*
		 * Without the shadow IDT an injection needs no switch; its
		 * EOI is still awaited through @inflight before direct mode.
		 */
		__atomic_store_n(&v->inject_req, 0, __ATOMIC_RELEASE);
		return v->sidt.state == XL_SIDT_OFF ? 0 :
		       xl_sidt_restore(e->hw, vcpu, &v->sidt);
	}

	req = __atomic_exchange_n(&v->inject_req, 0, __ATOMIC_ACQ_REL);
	/*
	 * The hypervisor injects an interrupt of its own on this entry (KVM's
	 * vmx_inject_irq ran before this hook; ELI hooked that function). It
	 * must be delivered through the guest's IDT with the EOI intercepted,
	 * so this entry is in injection mode until the guest EOIs it.
	 */
	if (!vmcs_rd(e, vcpu, VMCS_ENTRY_INTR_INFO, &info) &&
	    (info & INTR_INFO_VALID) &&
	    (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_EXT_INTR) {
		unsigned int vec = info & INTR_INFO_VECTOR_MASK;

		xl_vec_set_atomic(v->inflight, vec);
		req = true;
	}
	busy = req || !xl_vec_empty_atomic(v->inflight);

	ret = xl_sidt_revalidate(e->hw, vcpu, &v->sidt, e->shadow_gva);
	if (ret < 0)
		return ret;
	if (ret)
		xl_ctr_inc(&e->ctr.vmcs_rewrites);

	switch (v->sidt.state) {
	case XL_SIDT_DIRECT:
		if (busy)
			return enter_inject(e, vcpu);
		if (!shadow_stale(e))
			return 0;
		ret = build_shadow_locked(e, vcpu, mode,
					  v->sidt.saved.idtr_base,
					  v->sidt.saved.idtr_limit);
		/* a stale shadow is not entered: injection mode */
		if (ret == -EBUSY || ret == -EAGAIN)
			return enter_inject(e, vcpu);
		return ret ? eli_disable(e, vcpu, XL_ELI_OFF_IDT) : 0;
	case XL_SIDT_INJECT:
	case XL_SIDT_OFF:
		/* Back to direct mode only once every injection was EOIed. */
		if (busy)
			return 0;
		ret = vmcs_rd(e, vcpu, VMCS_GUEST_IDTR_BASE, &base);
		ret = ret ?: vmcs_rd(e, vcpu, VMCS_GUEST_IDTR_LIMIT, &limit);
		ret = ret ?: vmcs_rd(e, vcpu, VMCS_ENTRY_CTLS, &entry);
		if (ret)
			return ret;
		/*
		 * The shadow IDT holds 64-bit gates (SDM 6.14.1): outside
		 * IA-32e mode (after INIT, in real mode) the CPU would read
		 * it as another format, so the vCPU waits in injection mode.
		 */
		if (!(entry & ENTRY_IA32E_MODE_GUEST))
			return 0;
		if (limit > 0xffff)
			return eli_disable(e, vcpu, XL_ELI_OFF_IDT);
		if (shadow_stale(e)) {
			ret = build_shadow_locked(e, vcpu, mode, base, limit);
			if (ret == -EBUSY || ret == -EAGAIN)
				return 0;
			if (ret)
				return eli_disable(e, vcpu, XL_ELI_OFF_IDT);
		}
		if (shadow_stale(e))
			return 0;
		if (base != e->built_base || limit != e->built_limit) {
			/*
			 * One shadow IDT for all vCPUs, as in ELI: this vCPU
			 * waits in injection mode until it loads that IDT
			 * again (a CPU coming back online after INIT/SIPI).
			 */
			xl_ctr_inc(&e->ctr.foreign_idt_entries);
			return 0;
		}
		return sidt_enter_direct(e, vcpu);
	}
	return XL_FAIL(-EINVAL, "vCPU shadow IDT state unknown");
}

static int pi_activate(struct xl_engine *e, u32 vcpu)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	struct xl_vcpu_loc loc;
	u64 pa;
	int ret;

	ret = e->hw->ops->virt_to_phys(e->hw->priv, v->pi, &pa);
	ret = ret ?: e->hw->ops->vcpu_locate(e->hw->priv, vcpu, &loc);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_PIN_BASED_CTLS, &v->pi_saved_pin);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_POSTED_INTR_NV, &v->pi_saved_nv);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_POSTED_INTR_DESC_ADDR,
			     &v->pi_saved_desc);
	if (ret)
		return ret;
	ret = xl_pi_notify_to(v->pi, loc.pcpu_apic_id, e->hw->x2apic,
			      e->cfg.notify_vector);
	if (ret)
		return ret;
	/* SDM 29.6: NV and the descriptor address, then the control. */
	ret = vmcs_wr(e, vcpu, VMCS_POSTED_INTR_NV, e->cfg.notify_vector);
	ret = ret ?: vmcs_wr(e, vcpu, VMCS_POSTED_INTR_DESC_ADDR, pa);
	ret = ret ?: vmcs_wr(e, vcpu, VMCS_PIN_BASED_CTLS,
			     v->pi_saved_pin | PIN_POSTED_INTR);
	if (ret) {
		vmcs_wr(e, vcpu, VMCS_POSTED_INTR_NV, v->pi_saved_nv);
		vmcs_wr(e, vcpu, VMCS_POSTED_INTR_DESC_ADDR, v->pi_saved_desc);
		vmcs_wr(e, vcpu, VMCS_PIN_BASED_CTLS, v->pi_saved_pin);
		return ret;
	}
	v->pi_active = true;
	return 0;
}

static int pi_deactivate(struct xl_engine *e, u32 vcpu)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	u64 pin;
	int ret, r;

	ret = vmcs_rd(e, vcpu, VMCS_PIN_BASED_CTLS, &pin);
	if (!ret)
		ret = vmcs_wr(e, vcpu, VMCS_PIN_BASED_CTLS,
			      (pin & ~PIN_POSTED_INTR) |
			      (v->pi_saved_pin & PIN_POSTED_INTR));
	r = vmcs_wr(e, vcpu, VMCS_POSTED_INTR_NV, v->pi_saved_nv);
	ret = ret ?: r;
	r = vmcs_wr(e, vcpu, VMCS_POSTED_INTR_DESC_ADDR, v->pi_saved_desc);
	ret = ret ?: r;
	v->pi_active = false;
	return ret;
}

static int pi_before_entry(struct xl_engine *e, u32 vcpu, u32 mode)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	struct xl_vcpu_loc loc;
	int ret;

	if (!xl_uses_post(e, mode))
		return v->pi_active ? pi_deactivate(e, vcpu) : 0;
	if (!v->pi_active) {
		ret = pi_activate(e, vcpu);
		if (ret)
			return ret;
	}
	if (xl_pi_pir_empty(v->pi))
		return 0;
	/*
	 * Requests posted while the vCPU was out (SN set, or a notification
	 * that hit root mode): a self-IPI of the notification vector stays
	 * pending with interrupts off and is processed as a posted-interrupt
	 * notification right after VM entry (SDM 29.6), so the guest gets
	 * them with no exit and without software touching the virtual APIC.
	 */
	xl_pi_test_and_set_on(v->pi);
	ret = e->hw->ops->vcpu_locate(e->hw->priv, vcpu, &loc);
	ret = ret ?: e->hw->ops->send_ipi(e->hw->priv, loc.pcpu,
					  e->cfg.notify_vector);
	if (!ret)
		xl_ctr_inc(&e->ctr.notifications);
	return ret;
}

/* Does @vcpu run its nested guest (xl_engine_nested_enter)? */
static bool in_l2(struct xl_engine *e, u32 vcpu)
{
	return e->hw->ops->vcpu_nested &&
	       e->hw->ops->vcpu_nested(e->hw->priv, vcpu);
}

int xl_engine_nested_enter(struct xl_engine *e, u32 vcpu)
{
	struct xl_engine_vcpu *v;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	v = &e->vcpu[vcpu];
	if (v->sidt.state == XL_SIDT_OFF && !v->pi_active)
		return 0;
	xl_ctr_inc(&e->ctr.nested_leaves);
	return xl_engine_vcpu_release(e, vcpu);
}

int xl_engine_before_entry(struct xl_engine *e, u32 vcpu)
{
	u32 mode, gen;
	int ret, r;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	/* before the bind is read (bound_here): xl_engine_bind_seen */
	gen = __atomic_load_n(&e->bind_gen, __ATOMIC_ACQUIRE);
	/*
	 * No direct mode in a nested guest: the current VMCS is L2's, and
	 * the engine's values were taken out of L1's before the switch.
	 */
	if (in_l2(e, vcpu)) {
		xl_ctr_inc(&e->ctr.nested_entries);
		ret = e->vcpu[vcpu].sidt.state == XL_SIDT_OFF &&
		      !e->vcpu[vcpu].pi_active ? 0 : -EBUSY;
	} else {
		mode = xl_engine_mode(e);
		ret = sidt_before_entry(e, vcpu, mode);
		r = pi_before_entry(e, vcpu, mode);
		ret = ret ?: r;
	}
	__atomic_store_n(&e->vcpu[vcpu].bind_seen, gen, __ATOMIC_RELEASE);
	return ret;
}

/*
 * The shadow IDT is guest memory: a guest kernel can write a host vector's
 * gate present (through any mapping of the page) or map another page at
 * its address. Where the hypervisor write-protects the page such a write
 * is undone at once; this check, at every guard expiry, bounds how long
 * any change the CPU may use lasts: it reads the page through the same
 * translation the CPU uses for IDTR and writes the shadow back when it
 * differs.
 */
static int repair_shadow(struct xl_engine *e, u32 vcpu)
{
	int ret;

	ret = xl_sidt_read_guest(e->hw, vcpu, e->shadow_gva, XL_SIDT_LIMIT,
				 e->scratch);
	if (ret)
		return ret;
	if (!memcmp(e->scratch, e->shadow, XL_IDT_BYTES))
		return 0;
	xl_ctr_inc(&e->ctr.shadow_repairs);
	return xl_sidt_write(e->hw, vcpu, e->shadow_gva, e->shadow);
}

/*
 * Preemption-timer exit in direct mode: ELI's defence against a guest that
 * keeps interrupts masked (a directly delivered interrupt it never EOIs is
 * EOIed at this exit like at any other, settle_isr). A strike is an expiry
 * with RFLAGS.IF clear; guard_limit consecutive strikes: fall back to the
 * hypervisor's own delivery for this vCPU. Otherwise check the guest IDT
 * and the shadow IDT for changes and re-arm.
 */
static int guard(struct xl_engine *e, u32 vcpu)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	u64 rflags;
	u32 lim;
	int ret;

	ret = vmcs_rd(e, vcpu, VMCS_GUEST_RFLAGS, &rflags);
	if (ret)
		return ret;
	if (!(rflags & X86_RFLAGS_IF)) {
		v->strikes++;
		xl_ctr_inc(&e->ctr.guard_strikes);
	} else {
		v->strikes = 0;
	}
	if (v->strikes >= e->cfg.guard_limit) {
		xl_ctr_inc(&e->ctr.guard_fallbacks);
		return eli_disable(e, vcpu, XL_ELI_OFF_GUARD);
	}

	/* another vCPU is rebuilding: this expiry only re-arms */
	if (!build_trylock(e))
		goto rearm;
	/* A guest that rewrote a gate in place needs a new shadow IDT. */
	lim = v->sidt.saved.idtr_limit;
	ret = xl_sidt_read_guest(e->hw, vcpu, v->sidt.saved.idtr_base, lim,
				 e->scratch);
	if (!ret && memcmp(e->scratch, e->guest_idt, XL_IDT_BYTES))
		ret = build_shadow(e, vcpu, xl_engine_mode(e),
				   v->sidt.saved.idtr_base, lim);
	else if (!ret)
		ret = repair_shadow(e, vcpu);
	build_unlock(e);
	/* the map kept changing: not the guest's IDT's fault */
	if (ret == -EAGAIN)
		return enter_inject(e, vcpu);
	if (ret)
		return eli_disable(e, vcpu, XL_ELI_OFF_IDT);
rearm:
	return xl_sidt_rearm_timer(e->hw, vcpu, &v->sidt, e->cfg.timer_value);
}

static int handle_np(struct xl_engine *e, u32 vcpu)
{
	u64 info, err, vec_info;
	int gv, ret;
	u8 vec;

	ret = vmcs_rd(e, vcpu, VMCS_EXIT_INTR_INFO, &info);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_EXIT_INTR_ERRCODE, &err);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_IDT_VECTORING_INFO, &vec_info);
	if (ret)
		return ret;
	if (xl_sidt_np_decode(info, err, vec_info, &vec))
		return XL_EXIT_NOT_HANDLED;

	if (xl_vec_test(e->owned, vec)) {
		/*
		 * A vector of this VM with no direct gate (e.g. a DID IPI
		 * that raced with a shadow rebuild): hand it to the guest
		 * through injection rather than to a host handler.
		 */
		gv = xl_sidt_map_lookup(&e->eff, vec);
		if (gv < 0)
			gv = vec;
		xl_want_inject(e, vcpu, gv);
		ret = e->hw->ops->inject(e->hw->priv, vcpu, gv);
		if (ret)
			return ret;
		xl_ctr_inc(&e->ctr.np_injected);
		xl_ctr_inc(&e->ctr.fallbacks);
		return XL_EXIT_HANDLED;
	}
	/* ELI recreate_intr: the host's own interrupt, exactly once. */
	ret = e->hw->ops->host_reraise(e->hw->priv, vec);
	if (ret)
		return ret;
	xl_ctr_inc(&e->ctr.np_reraised);
	return XL_EXIT_HANDLED;
}


static bool desc_ops(const struct xl_hw_ops *o)
{
	/* all four or none (xl_engine_init) */
	return o->guest_reg;
}

/*
 * Let the guest run the instruction itself: the hypervisor's VMCS values
 * back for good on this vCPU (ELI's handle_gdtr_idtr), and the exit
 * counted as handled without moving RIP, so the guest executes it again
 * with the hypervisor's descriptor-table exiting (normally off). For the
 * loads (LGDT, LIDT, LLDT, LTR, CPL 0 only: the guest changes its tables)
 * and what the emulation below does not take.
 */
static int desc_native(struct xl_engine *e, u32 vcpu)
{
	int ret = eli_disable(e, vcpu, XL_ELI_OFF_LIDT);

	xl_ctr_inc(&e->ctr.lidt_disables);
	return ret ?: XL_EXIT_HANDLED;
}

/* The linear address of @op's memory operand (SDM vol.1 3.7.5, 64-bit). */
static int desc_addr(struct xl_engine *e, u32 vcpu,
		     const struct xl_desc_op *op, u64 *gva)
{
	const struct xl_hw_ops *o = e->hw->ops;
	u64 rip, len, r, base = 0;
	u64 off = (u64)op->disp;
	int ret;

	if (op->rip_relative) {
		ret = vmcs_rd(e, vcpu, VMCS_GUEST_RIP, &rip);
		ret = ret ?: vmcs_rd(e, vcpu, VMCS_EXIT_INSN_LEN, &len);
		if (ret)
			return ret;
		off += rip + len;
	}
	if (op->has_base) {
		ret = o->guest_reg(e->hw->priv, vcpu, op->base, &r);
		if (ret)
			return ret;
		off += r;
	}
	if (op->has_index) {
		ret = o->guest_reg(e->hw->priv, vcpu, op->index, &r);
		if (ret)
			return ret;
		off += r << op->scale;
	}
	if (op->addr32)
		off &= 0xffffffffu;
	/* 64-bit mode: only FS and GS have a base (SDM vol.1 3.4.2.1) */
	if (op->seg == 4 || op->seg == 5) {
		ret = vmcs_rd(e, vcpu, op->seg == 4 ? VMCS_GUEST_FS_BASE :
			      VMCS_GUEST_GS_BASE, &base);
		if (ret)
			return ret;
	}
	*gva = base + off;
	return 0;
}

/*
 * A descriptor-table exit in direct mode. The engine turned on
 * descriptor-table exiting, so it answers these itself; KVM's handle_desc
 * is for its own UMIP emulation and warns when CR4.UMIP is clear, which a
 * guest could then do from user space at will. The stores (SGDT, SIDT,
 * SLDT, STR, at any CPL) are emulated in 64-bit mode, with the guest's
 * own values: its IDTR is the one saved at the switch, not the shadow
 * IDT's, and the store is made with the guest's CPL (a fault goes to the
 * guest as the instruction would raise it). The vCPU stays in direct mode.
 */
static int handle_desc(struct xl_engine *e, u32 vcpu, u32 reason)
{
	const struct xl_hw_ops *o = e->hw->ops;
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	u64 info, qual, ss_ar, cs_ar, cr4, rip, len, val, lim = 0, gva;
	struct xl_desc_op op;
	u8 insn[15], buf[10];
	unsigned int n = 2;
	int ret;

	ret = vmcs_rd(e, vcpu, VMCS_EXIT_INSN_INFO, &info);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_EXIT_QUALIFICATION, &qual);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_GUEST_SS_AR, &ss_ar);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_GUEST_CS_AR, &cs_ar);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_CR4_READ_SHADOW, &cr4);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_GUEST_RIP, &rip);
	ret = ret ?: vmcs_rd(e, vcpu, VMCS_EXIT_INSN_LEN, &len);
	if (ret)
		return ret;
	/*
	 * The guest set CR4.UMIP (which KVM emulates with this same
	 * exiting where the host lacks UMIP): a CPL > 0 store must raise
	 * #GP, which is the hypervisor's emulation to give (SDM vol.3 2.5).
	 */
	if ((cr4 & X86_CR4_UMIP) && SEG_AR_DPL(ss_ar))
		return XL_EXIT_NOT_HANDLED;
	if (!desc_ops(o) || !(cs_ar & SEG_AR_L) || !len || len > sizeof(insn))
		return desc_native(e, vcpu);
	if (o->guest_read(e->hw->priv, vcpu, rip, insn, len) ||
	    xl_desc_decode(reason, info, qual, insn, len, &op))
		return desc_native(e, vcpu);

	switch (op.insn) {
	case XL_DESC_SGDT:
		ret = vmcs_rd(e, vcpu, VMCS_GUEST_GDTR_BASE, &val);
		ret = ret ?: vmcs_rd(e, vcpu, VMCS_GUEST_GDTR_LIMIT, &lim);
		n = 10;
		break;
	case XL_DESC_SIDT:
		val = v->sidt.saved.idtr_base;
		lim = v->sidt.saved.idtr_limit;
		n = 10;
		break;
	case XL_DESC_SLDT:
		ret = vmcs_rd(e, vcpu, VMCS_GUEST_LDTR_SELECTOR, &val);
		break;
	case XL_DESC_STR:
		ret = vmcs_rd(e, vcpu, VMCS_GUEST_TR_SELECTOR, &val);
		break;
	default:
		return desc_native(e, vcpu);
	}
	if (ret)
		return ret;
	if (op.reg_operand) {
		u64 old = 0;

		/* SDM vol.2 SLDT/STR: 16 bits, or zero-extended */
		val &= 0xffff;
		if (op.reg16) {
			ret = o->guest_reg(e->hw->priv, vcpu, op.reg, &old);
			val |= old & ~0xffffULL;
		}
		ret = ret ?: o->guest_reg_set(e->hw->priv, vcpu, op.reg, val);
	} else {
		/* SGDT/SIDT in 64-bit mode: limit, then the 8-byte base */
		if (n == 10) {
			buf[0] = lim;
			buf[1] = lim >> 8;
			memcpy(buf + 2, &val, 8);
		} else {
			buf[0] = val;
			buf[1] = val >> 8;
		}
		ret = desc_addr(e, vcpu, &op, &gva);
		ret = ret ?: o->guest_store(e->hw->priv, vcpu, gva, buf, n);
		if (ret == -EFAULT) {
			/* the guest's fault, queued: RIP stays */
			xl_ctr_inc(&e->ctr.desc_faults);
			return XL_EXIT_HANDLED;
		}
	}
	if (ret)
		return desc_native(e, vcpu);
	ret = o->skip_insn(e->hw->priv, vcpu);
	if (ret)
		return ret;
	xl_ctr_inc(&e->ctr.desc_emulated);
	return XL_EXIT_HANDLED;
}

/* The external interrupt the CPU was delivering at this exit, or -1. */
static int vectoring_vector(struct xl_engine *e, u32 vcpu)
{
	u64 info;

	if (vmcs_rd(e, vcpu, VMCS_IDT_VECTORING_INFO, &info) ||
	    !(info & INTR_INFO_VALID) ||
	    (info & INTR_INFO_TYPE_MASK) != INTR_TYPE_EXT_INTR)
		return -1;
	return info & INTR_INFO_VECTOR_MASK;
}

/*
 * What is in service on the physical LAPIC at an exit in direct mode, the
 * highest first, is settled here, on the CPU it was delivered on, before
 * the vCPU can move (it only moves once out of guest mode):
 *  - a vector of the VM (a direct gate's host vector whose handler the
 *    guest has not yet EOIed, or one handle_np gave the guest by
 *    injection) is EOIed: its class must not stay blocked on this CPU
 *    while the vCPU runs elsewhere or not at all. The guest's own EOI
 *    later finds nothing of it in service (ignored, SDM 11.8.5), or is
 *    intercepted in injection mode and retired by the hypervisor. ELI
 *    acknowledges at every exit for the same reason.
 *  - a host vector went through a gate the guest made present (a changed
 *    shadow IDT, a remapped page): the host entered the guest from task
 *    context, and a host vector that hits the shadow IDT exits (#NP) and
 *    is re-raised at once, so none is in service otherwise. The host's
 *    handler runs it now (it EOIs); acknowledging alone would lose it.
 *    Not the one the CPU was delivering at this exit (@skip): its exit
 *    handler runs that one.
 */
static void settle_isr(struct xl_engine *e, u32 vcpu, int skip)
{
	const struct xl_hw_ops *o = e->hw->ops;
	u64 isr[4];
	int top, last = -1, n;

	/* both or none (xl_engine_init) */
	if (!o->apic_isr_read)
		return;
	for (n = 0; n < XL_NR_VECTORS; n++) {
		memset(isr, 0, sizeof(isr));
		if (o->apic_isr_read(e->hw->priv, vcpu, isr))
			return;
		top = xl_vec_highest(isr);
		if (top < XL_FIRST_EXTERNAL_VECTOR || top == last)
			return;
		last = top;
		if (xl_vec_test(e->eff.direct, top) ||
		    xl_vec_test(e->owned, top)) {
			if (o->apic_eoi(e->hw->priv, vcpu))
				return;
			xl_ctr_inc(&e->ctr.exit_eois);
			continue;
		}
		if (top == skip || o->host_reraise(e->hw->priv, top))
			return;
		xl_ctr_inc(&e->ctr.host_reclaimed);
	}
}

/*
 * A control-register access in direct mode. CR3-load exiting is the
 * engine's (sidt_mode.c) unless the hypervisor had it on too: then the
 * exit is its own. A MOV to CR3 is loaded by the hypervisor (ops->cr3_load)
 * and the vCPU's next entry walks the new tables before it may run with
 * the shadow IDT again (ops->shadow_mapped): a guest that loads page
 * tables of its own never runs them with host interrupts going through
 * whatever they map at the shadow IDT's address.
 */
static int handle_cr(struct xl_engine *e, u32 vcpu)
{
	const struct xl_sidt_vcpu *s = &e->vcpu[vcpu].sidt;
	u64 qual;
	int ret;

	if (!(s->proc_bits & PROC_CR3_LOAD_EXITING) ||
	    (s->saved.proc & PROC_CR3_LOAD_EXITING))
		return XL_EXIT_NOT_HANDLED;
	ret = vmcs_rd(e, vcpu, VMCS_EXIT_QUALIFICATION, &qual);
	if (ret)
		return ret;
	if (CR_QUAL_CR(qual) != 3 ||
	    CR_QUAL_TYPE(qual) != CR_QUAL_TYPE_MOV_TO_CR)
		return XL_EXIT_NOT_HANDLED;
	ret = e->hw->ops->cr3_load(e->hw->priv, vcpu, CR_QUAL_GPR(qual));
	if (ret)
		return ret;
	xl_ctr_inc(&e->ctr.cr3_loads);
	return XL_EXIT_HANDLED;
}

static int direct_exit(struct xl_engine *e, u32 vcpu, u32 reason)
{
	struct xl_engine_vcpu *v = &e->vcpu[vcpu];
	bool theirs;
	int ret;

	switch (reason & 0xffff) {	/* SDM 24.9.1: basic exit reason */
	case EXIT_REASON_EXCEPTION_NMI:
		return handle_np(e, vcpu);
	case EXIT_REASON_GDTR_IDTR:
	case EXIT_REASON_LDTR_TR:
		return handle_desc(e, vcpu, reason & 0xffff);
	case EXIT_REASON_CR_ACCESS:
		return handle_cr(e, vcpu);
	case EXIT_REASON_PREEMPTION_TIMER:
		/* If the hypervisor runs the timer too, it sees the exit. */
		theirs = v->sidt.saved.pin & PIN_PREEMPTION_TIMER;
		ret = guard(e, vcpu);
		if (ret)
			return ret;
		return theirs ? XL_EXIT_NOT_HANDLED : XL_EXIT_HANDLED;
	}
	return XL_EXIT_NOT_HANDLED;
}

int xl_engine_handle_exit(struct xl_engine *e, u32 vcpu, u32 reason)
{
	int ret;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	/*
	 * In injection mode the exits are the hypervisor's own (its own
	 * descriptor-table exiting, its exception bitmap).
	 */
	if (e->vcpu[vcpu].sidt.state != XL_SIDT_DIRECT || in_l2(e, vcpu))
		return XL_EXIT_NOT_HANDLED;
	ret = direct_exit(e, vcpu, reason);
	settle_isr(e, vcpu, vectoring_vector(e, vcpu));
	return ret;
}

int xl_engine_eoi(struct xl_engine *e, u32 vcpu, unsigned int vector)
{
	struct xl_engine_vcpu *v;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (vector < XL_FIRST_EXTERNAL_VECTOR || vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "vector not in 32-255");
	v = &e->vcpu[vcpu];
	/*
	 * An injection retired. A directly delivered vector's EOI needs
	 * nothing here: its host vector was EOIed on the physical LAPIC at
	 * the exit that preceded this one (settle_isr).
	 */
	xl_vec_clear_atomic(v->inflight, vector);
	return 0;
}

int xl_engine_vcpu_release(struct xl_engine *e, u32 vcpu)
{
	struct xl_engine_vcpu *v;
	int ret = 0, r;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	v = &e->vcpu[vcpu];
	if (v->sidt.state != XL_SIDT_OFF)
		ret = xl_sidt_restore(e->hw, vcpu, &v->sidt);
	if (v->pi_active) {
		r = pi_deactivate(e, vcpu);
		ret = ret ?: r;
	}
	return ret;
}

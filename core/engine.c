// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM engine, VM-wide part: configuration, mode changes with their
 * capability checks and IRTE (un)posting, and the routing of virtual
 * interrupts (DID, did-ipi/). The vCPU-context part is engine_vcpu.c.
 */
#include "engine_priv.h"
#include "xl_pi.h"
#include "xl_did.h"
#include "xl_err.h"

const char *xl_mode_name(enum xl_mode mode)
{
	return xl_mode_str(mode);
}

int xl_mode_parse(const char *name)
{
	return xl_mode_from_str(name);
}

const char *xl_why_str(enum xl_why why)
{
	switch (why) {
	case XL_WHY_OK:
		return "ok";
	case XL_WHY_NO_POSTED_INTR:
		return "CPU has no posted-interrupt processing (or APICv is off)";
	case XL_WHY_NO_VTD_POSTING:
		return "IOMMU has no posted-interrupt support";
	case XL_WHY_NO_PREEMPTION_TIMER:
		return "CPU has no VMX-preemption timer";
	case XL_WHY_NO_X2APIC:
		return "host APIC is not in x2APIC mode (exitless EOI needs it)";
	case XL_WHY_IRTE:
		return "an IRTE could not be switched to posted format";
	case XL_WHY_BAD_MODE:
		return "no such mode";
	}
	return "?";
}

/*
 * The ops table is checked here, once: what every mode needs is there,
 * and each optional group is whole or absent (include/xl_hw_ops.h). The
 * engine then calls the required hooks without looking.
 */
static bool ops_valid(const struct xl_hw_ops *o)
{
	unsigned int desc = !!o->guest_reg + !!o->guest_reg_set +
			    !!o->guest_store + !!o->skip_insn;

	if (!o->vmcs_read || !o->vmcs_write || !o->guest_read ||
	    !o->guest_write || !o->vcpu_locate || !o->send_ipi ||
	    !o->wake_vcpu || !o->inject || !o->host_reraise ||
	    !o->virt_to_phys)
		return false;
	if (!o->irq_post != !o->irq_unpost)
		return false;
	if (!o->apic_isr_read != !o->apic_eoi)
		return false;
	return desc == 0 || desc == 4;
}

int xl_engine_init(struct xl_engine *e, struct xl_hw *hw,
		   const struct xl_engine_cfg *cfg)
{
	u32 i;

	if (!e || !hw || !hw->ops)
		return XL_FAIL(-EINVAL, "no engine, hw or hw ops");
	if (!ops_valid(hw->ops))
		return XL_FAIL(-EINVAL, "hw ops lack a required hook or part of a group (xl_hw_ops.h)");
	if (!hw->nr_vcpus)
		return XL_FAIL(-EINVAL, "hw has no vCPUs");
	if (hw->nr_vcpus > XL_ENGINE_MAX_VCPUS)
		return XL_FAIL(-EINVAL, "more vCPUs than XL_ENGINE_MAX_VCPUS");
	/* The PI descriptors inside must be 64-byte aligned (SDM 29.6). */
	if ((uintptr_t)e & (XL_PI_DESC_ALIGN - 1))
		return XL_FAIL(-EINVAL, "engine not 64-byte aligned for its PI descriptors (SDM 29.6)");
	if (cfg) {
		if (cfg->notify_vector &&
		    cfg->notify_vector < XL_FIRST_EXTERNAL_VECTOR)
			return XL_FAIL(-EINVAL, "notification vector below 32");
		if (cfg->wakeup_vector &&
		    cfg->wakeup_vector < XL_FIRST_EXTERNAL_VECTOR)
			return XL_FAIL(-EINVAL, "wakeup vector below 32");
		if (cfg->notify_vector &&
		    cfg->notify_vector == cfg->wakeup_vector)
			return XL_FAIL(-EINVAL, "notification vector same as wakeup vector");
	}
	memset(e, 0, sizeof(*e));
	e->hw = hw;
	if (cfg)
		e->cfg = *cfg;
	if (!e->cfg.notify_vector)
		e->cfg.notify_vector = XL_DEFAULT_NOTIFY_VECTOR;
	if (!e->cfg.wakeup_vector)
		e->cfg.wakeup_vector = XL_DEFAULT_WAKEUP_VECTOR;
	if (e->cfg.notify_vector == e->cfg.wakeup_vector)
		return XL_FAIL(-EINVAL, "notification vector same as wakeup vector once defaults applied");
	if (!e->cfg.timer_value)
		e->cfg.timer_value = XL_DEFAULT_TIMER_VALUE;
	if (!e->cfg.guard_limit)
		e->cfg.guard_limit = XL_DEFAULT_GUARD_LIMIT;
	xl_sidt_map_init(&e->map);
	xl_sidt_map_init(&e->eff);
	e->mode = XL_MODE_BASELINE;
	e->bind = (u64)XL_BIND_ANY << 32;
	for (i = 0; i < hw->nr_vcpus; i++) {
		e->vcpu[i].pi = &e->pi_store[i];
		xl_pi_init(&e->pi_store[i], e->cfg.notify_vector, 0,
			   hw->x2apic);
	}
	return 0;
}

static int irq_post(struct xl_engine *e, struct xl_engine_irq *q)
{
	const struct xl_hw_ops *ops = e->hw->ops;
	struct xl_irte_post_cfg c = { 0 };
	union xl_irte img;
	u64 pa;
	int ret;

	if (!ops->irq_post)
		return XL_FAIL(-EOPNOTSUPP, "hw has no irq_post op to post an IRTE");
	ret = ops->virt_to_phys(e->hw->priv, e->vcpu[q->vcpu].pi, &pa);
	if (ret)
		return ret;
	/* Validate the image the IOMMU will get (alignment, vector). */
	c.pda = pa;
	c.vector = q->guest_vec;
	ret = xl_irte_post_encode(&c, &img);
	if (ret)
		return ret;
	ret = ops->irq_post(e->hw->priv, q->host_irq, pa, q->guest_vec, false);
	if (ret)
		return ret;
	q->posted = true;
	xl_ctr_inc(&e->ctr.irte_posted);
	return 0;
}

static int irq_unpost(struct xl_engine *e, struct xl_engine_irq *q)
{
	int ret;

	if (!q->posted)
		return 0;
	if (!e->hw->ops->irq_unpost)
		return XL_FAIL(-EOPNOTSUPP, "hw has no irq_unpost op to unpost an IRTE");
	ret = e->hw->ops->irq_unpost(e->hw->priv, q->host_irq);
	if (ret)
		return ret;
	q->posted = false;
	xl_ctr_inc(&e->ctr.irte_unposted);
	return 0;
}

static int unpost_all(struct xl_engine *e)
{
	int i, r, ret = 0;

	for (i = 0; i < XL_ENGINE_MAX_IRQS; i++) {
		if (!e->irq[i].used)
			continue;
		r = irq_unpost(e, &e->irq[i]);
		ret = ret ?: r;
	}
	return ret;
}

static int post_all(struct xl_engine *e)
{
	int i, ret;

	for (i = 0; i < XL_ENGINE_MAX_IRQS; i++) {
		if (!e->irq[i].used || e->irq[i].posted)
			continue;
		ret = irq_post(e, &e->irq[i]);
		if (ret) {
			unpost_all(e);
			return ret;
		}
	}
	return 0;
}

int xl_engine_teardown(struct xl_engine *e)
{
	u32 i;

	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	/* not yet: each vCPU restores KVM's values at its next entry */
	for (i = 0; i < e->hw->nr_vcpus; i++)
		if (e->vcpu[i].sidt.state != XL_SIDT_OFF ||
		    e->vcpu[i].pi_active)
			return -EBUSY;
	__atomic_store_n(&e->mode, XL_MODE_BASELINE, __ATOMIC_RELEASE);
	return unpost_all(e);
}

int xl_engine_own(struct xl_engine *e, unsigned int vector, bool own)
{
	int i;

	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	if (vector < XL_FIRST_EXTERNAL_VECTOR || vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "vector not in 32-255");
	/* the host's own PI vectors */
	if (vector == e->cfg.notify_vector)
		return XL_FAIL(-EBUSY, "vector is the host's PI notification vector");
	if (vector == e->cfg.wakeup_vector)
		return XL_FAIL(-EBUSY, "vector is the host's PI wakeup vector");
	if (own) {
		xl_vec_set_atomic(e->owned, vector);
	} else {
		for (i = 0; i < XL_ENGINE_MAX_IRQS; i++)
			if (e->irq[i].used && e->irq[i].host_vec == vector)
				return XL_FAIL(-EBUSY, "vector still assigned to a host IRQ");
		xl_vec_clear_atomic(e->owned, vector);
	}
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

int xl_engine_set_shadow_gva(struct xl_engine *e, u64 gva)
{
	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	/* ELI's guest hands over a page; the IDT base should be aligned. */
	if (!gva)
		return XL_FAIL(-EINVAL, "shadow IDT address is 0");
	if (gva & 0xfff)
		return XL_FAIL(-EINVAL, "shadow IDT address not page-aligned");
	e->shadow_gva = gva;
	e->built = false;
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

int xl_engine_release_shadow(struct xl_engine *e)
{
	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	e->shadow_gva = 0;
	e->built = false;
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

int xl_engine_shadow_copy(const struct xl_engine *e, u32 off, void *buf,
			  u32 len)
{
	if (!e || !buf)
		return XL_FAIL(-EINVAL, "no engine or buffer");
	if (off > XL_IDT_BYTES)
		return XL_FAIL(-EINVAL, "offset beyond the shadow IDT");
	if (len > XL_IDT_BYTES - off)
		return XL_FAIL(-EINVAL, "range runs past the end of the shadow IDT");
	if (!__atomic_load_n(&e->built, __ATOMIC_ACQUIRE))
		return -ENOENT;
	memcpy(buf, (const u8 *)e->shadow + off, len);
	return 0;
}

int xl_engine_assign(struct xl_engine *e, u32 host_irq,
		     unsigned int host_vec, unsigned int guest_vec, u32 vcpu)
{
	struct xl_engine_irq *q = NULL;
	int i, ret;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (host_vec < XL_FIRST_EXTERNAL_VECTOR || host_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "host vector not in 32-255");
	if (guest_vec < XL_FIRST_EXTERNAL_VECTOR || guest_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "guest vector not in 32-255");
	if (!xl_vec_test(e->owned, host_vec)) {
		xl_ctr_inc(&e->ctr.refused);
		return XL_FAIL(-EPERM, "host vector not owned by this VM");
	}
	for (i = 0; i < XL_ENGINE_MAX_IRQS; i++) {
		if (e->irq[i].used && e->irq[i].host_irq == host_irq)
			return XL_FAIL(-EBUSY, "host IRQ already assigned");
		if (!e->irq[i].used && !q)
			q = &e->irq[i];
	}
	if (!q)
		return -ENOSPC;
	xl_map_write_begin(e);
	ret = xl_sidt_map_add(&e->map, host_vec, guest_vec);
	xl_map_write_end(e);
	if (ret)
		return ret;
	q->host_irq = host_irq;
	q->host_vec = host_vec;
	q->guest_vec = guest_vec;
	q->vcpu = vcpu;
	q->posted = false;
	q->used = true;
	if (xl_uses_post(e, xl_engine_mode(e))) {
		ret = irq_post(e, q);
		if (ret) {
			q->used = false;
			xl_map_write_begin(e);
			xl_sidt_map_del(&e->map, host_vec);
			xl_map_write_end(e);
			return ret;
		}
	}
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

int xl_engine_unassign(struct xl_engine *e, u32 host_irq)
{
	struct xl_engine_irq *q;
	int i, ret = 0;

	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	for (i = 0; i < XL_ENGINE_MAX_IRQS; i++) {
		q = &e->irq[i];
		if (!q->used || q->host_irq != host_irq)
			continue;
		if (q->posted)
			ret = irq_unpost(e, q);
		xl_map_write_begin(e);
		xl_sidt_map_del(&e->map, q->host_vec);
		xl_map_write_end(e);
		q->used = false;
		__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
		return ret;
	}
	return -ENOENT;
}

int xl_engine_bind(struct xl_engine *e, u32 vcpu, u32 pcpu)
{
	if (!e || !e->hw)
		return XL_FAIL(-EINVAL, "engine not set up");
	if (vcpu != XL_BIND_ANY && vcpu != XL_BIND_HOLD &&
	    !xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "bind target neither a vCPU nor XL_BIND_ANY/HOLD");
	__atomic_store_n(&e->bind, (u64)vcpu << 32 | pcpu, __ATOMIC_RELEASE);
	__atomic_fetch_add(&e->bind_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

u32 xl_engine_bind_gen(const struct xl_engine *e)
{
	return e ? __atomic_load_n(&e->bind_gen, __ATOMIC_ACQUIRE) : 0;
}

bool xl_engine_bind_seen(const struct xl_engine *e, u32 vcpu, u32 gen)
{
	u32 seen;

	if (!xl_vcpu_ok(e, vcpu))
		return false;
	seen = __atomic_load_n(&e->vcpu[vcpu].bind_seen, __ATOMIC_ACQUIRE);
	return (s32)(seen - gen) >= 0;
}

int xl_engine_set_pi_desc(struct xl_engine *e, u32 vcpu,
			  struct xl_pi_desc *pi)
{
	int ret;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (!pi)
		pi = &e->pi_store[vcpu];
	ret = xl_pi_desc_check(pi);
	if (ret)
		return ret;
	if (e->vcpu[vcpu].pi_active)
		return XL_FAIL(-EBUSY, "vCPU has posted interrupts active");
	if (xl_uses_post(e, xl_engine_mode(e)))
		return XL_FAIL(-EBUSY, "current mode uses posted interrupts");
	e->vcpu[vcpu].pi = pi;
	return 0;
}

struct xl_pi_desc *xl_engine_pi_desc(struct xl_engine *e, u32 vcpu)
{
	if (!xl_vcpu_ok(e, vcpu))
		return NULL;
	return e->vcpu[vcpu].pi;
}

static int check_caps(const struct xl_engine *e, enum xl_mode mode,
		      enum xl_why *why, bool *did_posted)
{
	const struct xl_hw *hw = e->hw;

	*why = XL_WHY_OK;
	*did_posted = false;
	switch (mode) {
	case XL_MODE_BASELINE:
		return 0;
	case XL_MODE_ELI:
		if (!hw->has_preemption_timer)
			*why = XL_WHY_NO_PREEMPTION_TIMER;
		else if (!hw->x2apic && !e->cfg.eoi_exits_ok)
			*why = XL_WHY_NO_X2APIC;
		break;
	case XL_MODE_PI:
		if (!hw->has_posted_intr)
			*why = XL_WHY_NO_POSTED_INTR;
		else if (!hw->has_vtd_posting)
			*why = XL_WHY_NO_VTD_POSTING;
		break;
	case XL_MODE_DID:
		/*
		 * DID over posted interrupts where the CPU and IOMMU have
		 * them; otherwise DID over ELI (guest-vector IPIs through the
		 * shadow IDT), which needs what ELI needs.
		 */
		if (hw->has_posted_intr && hw->has_vtd_posting)
			*did_posted = true;
		else if (!hw->has_preemption_timer)
			*why = XL_WHY_NO_PREEMPTION_TIMER;
		else if (!hw->x2apic && !e->cfg.eoi_exits_ok)
			*why = XL_WHY_NO_X2APIC;
		break;
	default:
		*why = XL_WHY_BAD_MODE;
		return XL_FAIL(-EINVAL, "no such mode");
	}
	if (*why != XL_WHY_OK)
		return XL_FAIL(-EOPNOTSUPP, "hardware lacks a capability the mode needs");
	return 0;
}

int xl_engine_set_mode(struct xl_engine *e, enum xl_mode mode,
		       enum xl_why *why)
{
	enum xl_why w;
	bool old_post, new_post, did_posted, old_did_posted;
	u32 old;
	int ret;

	if (!why)
		why = &w;
	*why = XL_WHY_OK;
	if (!e || !e->hw || !e->hw->ops)
		return XL_FAIL(-EINVAL, "engine not set up");
	ret = check_caps(e, mode, why, &did_posted);
	if (ret)
		return ret;

	old = xl_engine_mode(e);
	old_post = xl_uses_post(e, old);
	old_did_posted = e->did_posted;
	e->did_posted = did_posted;
	new_post = xl_uses_post(e, mode);
	if (new_post && !old_post) {
		ret = post_all(e);
		if (ret) {
			e->did_posted = old_did_posted;
			*why = XL_WHY_IRTE;
			return ret;
		}
	} else if (!new_post && old_post) {
		ret = unpost_all(e);
		if (ret) {
			e->did_posted = old_did_posted;
			*why = XL_WHY_IRTE;
			return ret;
		}
	}
	/*
	 * Choosing a shadow-IDT mode again retries vCPUs that fell back,
	 * each at its next entry (sidt_before_entry).
	 */
	if (mode != old && xl_uses_sidt(e, mode))
		__atomic_fetch_add(&e->retry_gen, 1, __ATOMIC_RELEASE);
	/* vCPUs pick the new mode up at their next VM entry. */
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&e->mode, mode, __ATOMIC_RELEASE);
	return 0;
}

int xl_engine_virtual_irq(struct xl_engine *e, u32 vcpu, unsigned int vector)
{
	struct xl_engine_vcpu *v;
	struct xl_did_target t = { 0 };
	struct xl_did_result res;
	struct xl_vcpu_loc loc = { 0 };
	u32 mode;
	int action, ret, dlv, phys;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (vector < XL_FIRST_EXTERNAL_VECTOR || vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "vector not in 32-255");
	mode = xl_engine_mode(e);
	if (mode == XL_MODE_BASELINE)
		return XL_DLV_NONE;
	/*
	 * The physical vector DID sends: one the shadow IDT delivers as
	 * @vector, either @vector itself (identity gate of an owned vector)
	 * or a host vector of the VM's mapped to it, which lands in the
	 * host's handler for it when the vCPU is not in guest mode.
	 */
	phys = xl_sidt_map_rlookup(&e->eff, vector);
	if (!xl_vec_test(e->owned, vector) &&
	    (phys < 0 || !xl_vec_test(e->owned, phys))) {
		xl_ctr_inc(&e->ctr.refused);
		return XL_FAIL(-EPERM, "vector not owned nor mapped to an owned host vector");
	}
	v = &e->vcpu[vcpu];

	if (mode == XL_MODE_ELI) {
		/* ELI: virtual interrupts go through injection mode. */
		xl_want_inject(e, vcpu, vector);
		ret = e->hw->ops->inject(e->hw->priv, vcpu, vector);
		if (ret)
			return ret;
		xl_ctr_inc(&e->ctr.injected);
		return XL_DLV_INJECTED;
	}

	ret = e->hw->ops->vcpu_locate(e->hw->priv, vcpu, &loc);
	if (ret)
		return ret;
	t.state = loc.state;
	t.owned = true;
	t.posting = xl_uses_post(e, mode);
	/* through u32: sparse rejects __atomic builtins on an enum */
	t.sidt_direct = __atomic_load_n((const u32 *)&v->sidt.state,
					__ATOMIC_ACQUIRE) == XL_SIDT_DIRECT;
	t.vector_direct = phys >= 0;
	action = xl_did_route(&t, vector);
	if (action < 0)
		return action;
	if (action == XL_DID_INJECT || action == XL_DID_INJECT_WAKE) {
		/* The shadow IDT must be off when the hypervisor injects. */
		if (xl_uses_sidt(e, mode))
			xl_want_inject(e, vcpu, vector);
	}
	ret = xl_did_execute(e->hw, vcpu, &loc, v->pi, e->cfg.notify_vector,
			     action == XL_DID_IPI_VECTOR ? (unsigned int)phys :
			     vector, action, &res);
	if (res.posted)
		xl_ctr_inc(&e->ctr.posts);
	if (res.notified)
		xl_ctr_inc(&e->ctr.notifications);
	if (res.woken)
		xl_ctr_inc(&e->ctr.wakeups);
	if (res.ipi)
		xl_ctr_inc(&e->ctr.direct_ipis);
	if (res.injected)
		xl_ctr_inc(&e->ctr.fallbacks);
	if (ret)
		return ret;

	switch (action) {
	case XL_DID_POST_WAKE:
		dlv = XL_DLV_POSTED_WAKE;
		break;
	case XL_DID_POST_NOTIFY:
	case XL_DID_POST_ONLY:
		dlv = XL_DLV_POSTED;
		break;
	case XL_DID_IPI_VECTOR:
		dlv = XL_DLV_DIRECT_IPI;
		break;
	default:
		dlv = XL_DLV_INJECTED;
		break;
	}
	return dlv;
}

int xl_engine_vcpu_sched(struct xl_engine *e, u32 vcpu,
			 enum xl_sched_event ev)
{
	struct xl_engine_vcpu *v;
	struct xl_vcpu_loc loc;
	int ret;

	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (ev != XL_SCHED_IN && ev != XL_SCHED_PREEMPT && ev != XL_SCHED_BLOCK)
		return XL_FAIL(-EINVAL, "no such scheduling event");
	if (!xl_uses_post(e, xl_engine_mode(e)))
		return 0;
	v = &e->vcpu[vcpu];

	switch (ev) {
	case XL_SCHED_IN:
		/*
		 * As KVM's vmx_vcpu_pi_load: new NDST if the vCPU migrated,
		 * the running notification vector, then clear SN; requests
		 * posted while SN was set get ON now and the entry path
		 * sends the notification (engine_vcpu.c).
		 */
		ret = e->hw->ops->vcpu_locate(e->hw->priv, vcpu, &loc);
		if (ret)
			return ret;
		ret = xl_pi_notify_to(v->pi, loc.pcpu_apic_id, e->hw->x2apic,
				      e->cfg.notify_vector);
		if (ret)
			return ret;
		v->pi_blocked = false;
		if (!xl_pi_pir_empty(v->pi))
			xl_pi_test_and_set_on(v->pi);
		return 0;
	case XL_SCHED_PREEMPT:
		/* Runnable elsewhere: no notifications, it syncs on entry. */
		xl_pi_set_sn(v->pi);
		return 0;
	case XL_SCHED_BLOCK:
		/*
		 * As pi_enable_wakeup_handler: a posted device interrupt
		 * must wake a halted vCPU, so notifications stay on, to the
		 * wakeup vector whose handler calls xl_engine_pi_wakeup().
		 */
		ret = xl_pi_set_nv(v->pi, e->cfg.wakeup_vector);
		if (ret)
			return ret;
		v->pi_blocked = true;
		xl_pi_clear_sn(v->pi);
		if (xl_pi_test_on(v->pi) || !xl_pi_pir_empty(v->pi)) {
			ret = e->hw->ops->wake_vcpu(e->hw->priv, vcpu);
			if (ret)
				return ret;
			xl_ctr_inc(&e->ctr.wakeups);
		}
		return 0;
	}
	return XL_FAIL(-EINVAL, "no such scheduling event");
}

int xl_engine_pi_wakeup(struct xl_engine *e)
{
	u32 i;
	int ret, n = 0;

	if (!e || !e->hw || !e->hw->ops)
		return XL_FAIL(-EINVAL, "engine not set up");
	for (i = 0; i < e->hw->nr_vcpus; i++) {
		struct xl_engine_vcpu *v = &e->vcpu[i];

		if (!v->pi_blocked || !xl_pi_test_on(v->pi))
			continue;
		ret = e->hw->ops->wake_vcpu(e->hw->priv, i);
		if (ret)
			return ret;
		xl_ctr_inc(&e->ctr.wakeups);
		n++;
	}
	return n;
}

int xl_engine_pi_sync(struct xl_engine *e, u32 vcpu, u64 irr[4])
{
	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (!irr)
		return XL_FAIL(-EINVAL, "no virtual IRR to sync PIR into");
	return xl_pi_sync_irr(e->vcpu[vcpu].pi, irr);
}

int xl_engine_counters(const struct xl_engine *e,
		       struct xl_engine_counters *out)
{
	const u64 *src;
	u64 *dst;
	size_t i;

	if (!e || !out)
		return XL_FAIL(-EINVAL, "no engine or counters buffer");
	src = (const u64 *)&e->ctr;
	dst = (u64 *)out;
	for (i = 0; i < sizeof(*out) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}

int xl_engine_vcpu_state(const struct xl_engine *e, u32 vcpu,
			 enum xl_sidt_state *state, enum xl_eli_off *off)
{
	if (!xl_vcpu_ok(e, vcpu))
		return XL_FAIL(-EINVAL, "engine not set up or no such vCPU");
	if (!state || !off)
		return XL_FAIL(-EINVAL, "no state or off output");
	*state = e->vcpu[vcpu].sidt.state;
	*off = e->vcpu[vcpu].eli_off;
	return 0;
}

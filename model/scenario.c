// SPDX-License-Identifier: GPL-2.0
/*
 * The engine on the model: each model hook calls the engine entry point
 * kmod/ calls from its KVM hooks (include/xl_engine.h), then scenarios
 * that send interrupts and read both sides' counters.
 */
#include <stdlib.h>

#include "scenario.h"

_Static_assert(XL_MODEL_SCHED_IN == XL_SCHED_IN &&
	       XL_MODEL_SCHED_PREEMPT == XL_SCHED_PREEMPT &&
	       XL_MODEL_SCHED_BLOCK == XL_SCHED_BLOCK,
	       "model and engine scheduler events must agree");

static int h_before_entry(void *ctx, u32 vcpu)
{
	return xl_engine_before_entry(ctx, vcpu);
}

static int h_handle_exit(void *ctx, u32 vcpu, u32 reason)
{
	return xl_engine_handle_exit(ctx, vcpu, reason) == XL_EXIT_HANDLED;
}

static int h_eoi(void *ctx, u32 vcpu, u8 vector)
{
	return xl_engine_eoi(ctx, vcpu, vector);
}

static int h_virtual_irq(void *ctx, u32 vcpu, u8 vector)
{
	return xl_engine_virtual_irq(ctx, vcpu, vector);
}

static int h_vcpu_sched(void *ctx, u32 vcpu, int event)
{
	return xl_engine_vcpu_sched(ctx, vcpu, (enum xl_sched_event)event);
}

static int h_pi_wakeup(void *ctx)
{
	return xl_engine_pi_wakeup(ctx);
}

static const struct xl_model_hooks engine_hooks = {
	.before_entry = h_before_entry,
	.handle_exit = h_handle_exit,
	.eoi = h_eoi,
	.virtual_irq = h_virtual_irq,
	.vcpu_sched = h_vcpu_sched,
	.pi_wakeup = h_pi_wakeup,
};

void xl_scn_defaults(struct xl_scn_cfg *cfg, enum xl_mode mode,
		     enum xl_scn_kind kind, u32 count)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = mode;
	cfg->kind = kind;
	cfg->guest = XL_GUEST_COMPUTE;
	cfg->count = count;
	cfg->gap = 8;
	cfg->x2apic = true;
	cfg->preemption_timer = true;
	/* pi and did need the hardware they run on; eli needs none of it */
	cfg->apicv = cfg->posted_intr = cfg->vtd_posting =
		mode == XL_MODE_PI || mode == XL_MODE_DID;
}

int xl_scn_create(const struct xl_scn_cfg *cfg, struct xl_scn *s)
{
	struct xl_model_config mc = {
		.nr_pcpus = 2, .nr_vcpus = 1, .x2apic = cfg->x2apic,
		.apicv = cfg->apicv, .posted_intr = cfg->posted_intr,
		.vtd_posting = cfg->vtd_posting,
		.preemption_timer = cfg->preemption_timer, .hlt_exiting = true,
	};
	struct xl_engine_cfg ecfg = { 0 };
	int ret;

	memset(s, 0, sizeof(*s));
	ret = xl_model_create(&mc, &s->m);
	if (ret)
		return ret;
	s->hw = xl_model_hw(s->m);
	s->e = aligned_alloc(64, (sizeof(*s->e) + 63) & ~(size_t)63);
	if (!s->e) {
		xl_model_destroy(s->m);
		return -ENOMEM;
	}
	memset(s->e, 0, sizeof(*s->e));
	/*
	 * The model's clock is in steps, not TSC ticks. By default the guard
	 * period is longer than any run, so exits per interrupt are not
	 * diluted by timer exits; the defence scenarios set a short one.
	 */
	ecfg.timer_value = cfg->timer_value ? cfg->timer_value : 100000;
	ret = xl_engine_init(s->e, s->hw, &ecfg);
	ret = ret ?: xl_model_guest_set(s->m, 0, cfg->guest, cfg->guest_flags);
	ret = ret ?: xl_model_assign(s->m, XL_SCN_HOST_IRQ, XL_SCN_DEV_HOST_VEC,
				     0, XL_SCN_DEV_GUEST_VEC);
	ret = ret ?: xl_engine_own(s->e, XL_SCN_DEV_HOST_VEC, true);
	ret = ret ?: xl_engine_own(s->e, XL_SCN_VIRT_VEC, true);
	/* the guest's vector for its own device is the VM's too */
	ret = ret ?: xl_engine_own(s->e, XL_SCN_DEV_GUEST_VEC, true);
	ret = ret ?: xl_engine_assign(s->e, XL_SCN_HOST_IRQ,
				      XL_SCN_DEV_HOST_VEC,
				      XL_SCN_DEV_GUEST_VEC, 0);
	ret = ret ?: xl_engine_set_shadow_gva(s->e, XL_MODEL_GUEST_SHADOW);
	/*
	 * Every vector the engine may send to the guest as a physical IPI
	 * (DID) can land while the vCPU is out of guest mode; the host side
	 * must hand those to the vCPU, not treat them as its own.
	 */
	ret = ret ?: xl_model_guest_vector(s->m, XL_SCN_VIRT_VEC, true);
	ret = ret ?: xl_model_guest_vector(s->m, XL_SCN_DEV_GUEST_VEC, true);
	ret = ret ?: xl_model_set_hooks(s->m, &engine_hooks, s->e);
	/* let the vCPU enter once, then switch modes as on a live VM */
	ret = ret ?: xl_model_run(s->m, 2);
	if (ret) {
		xl_scn_destroy(s);
		return ret;
	}
	s->mode_ret = xl_engine_set_mode(s->e, cfg->mode, &s->why);
	/*
	 * A mode takes effect at the vCPU's next VM entry; kmod kicks the
	 * vCPUs after a mode change, and so does this: a reschedule IPI.
	 */
	xl_scn_kick(s);
	return 0;
}

void xl_scn_kick(struct xl_scn *s)
{
	u32 vi;

	for (vi = 0; vi < xl_model_hw(s->m)->nr_vcpus; vi++)
		xl_model_kick(s->m, vi);
	xl_model_run(s->m, 4);
}

void xl_scn_destroy(struct xl_scn *s)
{
	if (s->m)
		xl_model_set_hooks(s->m, NULL, NULL);
	free(s->e);
	xl_model_destroy(s->m);
	memset(s, 0, sizeof(*s));
}

int xl_scn_drive(struct xl_scn *s, const struct xl_scn_cfg *cfg,
		 struct xl_scn_result *r)
{
	bool dev = cfg->kind == XL_SCN_DEVICE || cfg->kind == XL_SCN_MIXED;
	bool virt = cfg->kind == XL_SCN_VIRTUAL || cfg->kind == XL_SCN_MIXED;
	bool host = cfg->kind == XL_SCN_HOST || cfg->kind == XL_SCN_MIXED;
	u32 pcpu, i;
	int ret;

	if (!s || !s->m || !cfg || !r || !cfg->count || !cfg->gap)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	xl_model_vcpu_state(s->m, 0, &pcpu);
	for (i = 0; i < cfg->count; i++) {
		if (dev) {
			ret = xl_model_device_irq(s->m, XL_SCN_HOST_IRQ);
			if (ret)
				return ret;
			r->sent_device++;
		}
		if (host) {
			xl_model_host_irq(s->m, pcpu, XL_SCN_HOST_VEC);
			r->sent_host++;
		}
		if (virt) {
			if (xl_model_virtual_irq(s->m, 0, XL_SCN_VIRT_VEC) == 0)
				r->sent_virtual++;
		}
		xl_model_run(s->m, cfg->gap);
	}
	xl_model_run(s->m, 64);		/* drain */
	xl_model_stats(s->m, &r->model);
	r->vcpu = r->model.vcpu[0];
	r->handled_device = r->vcpu.handled[XL_SCN_DEV_GUEST_VEC];
	r->handled_virtual = r->vcpu.handled[XL_SCN_VIRT_VEC];
	r->host_handled = r->model.pcpu[pcpu].host_handled[XL_SCN_HOST_VEC];
	xl_engine_counters(s->e, &r->eng);
	r->mode_ret = s->mode_ret;
	r->why = s->why;
	return 0;
}

int xl_scn_run(const struct xl_scn_cfg *cfg, struct xl_scn_result *r)
{
	struct xl_scn s;
	struct xl_model_stats before;
	int ret;

	if (!cfg || !r)
		return -EINVAL;
	ret = xl_scn_create(cfg, &s);
	if (ret)
		return ret;
	/* count from the mode switch on: setup exits are not the mode's */
	xl_model_stats(s.m, &before);
	ret = xl_scn_drive(&s, cfg, r);
	if (!ret) {
		unsigned int k;

		r->vcpu.exits -= before.vcpu[0].exits;
		for (k = 0; k < XL_NR_EXIT_REASONS; k++)
			r->vcpu.exit_reason[k] -= before.vcpu[0].exit_reason[k];
	}
	xl_scn_destroy(&s);
	return ret;
}

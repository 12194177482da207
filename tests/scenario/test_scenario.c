// SPDX-License-Identifier: GPL-2.0
/*
 * The exitless engine driving the reference model: each delivery mode's
 * claim checked on the model's own counters (exits by reason, handler runs
 * per vector, host handler runs), as DESIGN.md states them:
 *   baseline  a passthrough MSI costs an external-interrupt exit and an
 *             EOI exit;
 *   eli       assigned vectors: 0 exits; host vectors: one #NP exit each,
 *             never lost; virtual interrupts: injection mode;
 *   pi        device and virtual interrupts posted: 0 exits;
 *   did       virtual interrupts: 0 exits to a running vCPU (posted, or a
 *             physical IPI of the guest vector over ELI), a wakeup for a
 *             blocked one; nothing lost.
 * And ELI's defences: the preemption-timer guard, LIDT, ownership.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../model/scenario.h"

#define N	1000

static struct xl_scn_result r;

static void run(enum xl_mode mode, enum xl_scn_kind kind,
		void (*tweak)(struct xl_scn_cfg *))
{
	struct xl_scn_cfg c;

	xl_scn_defaults(&c, mode, kind, N);
	if (tweak)
		tweak(&c);
	assert_int_equal(xl_scn_run(&c, &r), 0);
	assert_int_equal(r.mode_ret, 0);
}

static u64 exits(u32 reason)
{
	return r.vcpu.exit_reason[reason];
}

static void test_baseline_device(void **state)
{
	run(XL_MODE_BASELINE, XL_SCN_DEVICE, NULL);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(exits(EXIT_REASON_EXTERNAL_INTERRUPT), N);
	assert_int_equal(exits(EXIT_REASON_MSR_WRITE), N);	/* EOI */
	assert_true(r.vcpu.exits >= 2 * N);
}

static void test_eli_device_zero_exits(void **state)
{
	run(XL_MODE_ELI, XL_SCN_DEVICE, NULL);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.vcpu.exits, 0);
	/* the EOIs went straight to the pCPU's LAPIC */
	assert_int_equal(r.vcpu.eoi_physical, N);
	assert_int_equal(r.eng.fallbacks, 0);
}

static void test_eli_host_vectors_one_np_each(void **state)
{
	run(XL_MODE_ELI, XL_SCN_HOST, NULL);
	assert_int_equal(r.host_handled, N);		/* never lost */
	assert_int_equal(exits(EXIT_REASON_EXCEPTION_NMI), N);
	assert_int_equal(r.vcpu.exits, N);
	assert_int_equal(r.eng.np_reraised, N);
	assert_int_equal(r.vcpu.handled[11], 0);	/* no #NP reached it */
}

/* Virtual interrupts under plain ELI go through injection mode. */
static void test_eli_virtual_injection_mode(void **state)
{
	run(XL_MODE_ELI, XL_SCN_VIRTUAL, NULL);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.eng.injected, N);
	/* the guest's EOI of an injected interrupt is intercepted */
	assert_int_equal(exits(EXIT_REASON_MSR_WRITE), N);
	assert_true(r.eng.inject_switches >= 1);
}

static void test_eli_mixed_nothing_lost(void **state)
{
	run(XL_MODE_ELI, XL_SCN_MIXED, NULL);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.host_handled, N);
}

static void test_pi_zero_exits(void **state)
{
	run(XL_MODE_PI, XL_SCN_MIXED, NULL);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.host_handled, N);
	/* the host's own interrupts still exit, the guest's never do */
	assert_int_equal(r.vcpu.exits, exits(EXIT_REASON_EXTERNAL_INTERRUPT));
	assert_int_equal(r.vcpu.exits, N);
	assert_int_equal(r.model.vtd_posted, N);
	assert_int_equal(r.eng.posts, N);
}

static void no_posting(struct xl_scn_cfg *c)
{
	c->apicv = c->posted_intr = c->vtd_posting = false;
}

static void halting(struct xl_scn_cfg *c)
{
	c->guest = XL_GUEST_HALT;
}

static void halting_no_posting(struct xl_scn_cfg *c)
{
	halting(c);
	no_posting(c);
}

static void test_did_posted_running(void **state)
{
	run(XL_MODE_DID, XL_SCN_VIRTUAL, NULL);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.vcpu.exits, 0);
	assert_int_equal(r.eng.posts, N);
	assert_int_equal(r.vcpu.pi_processed, r.eng.notifications);
}

/* DID without posted interrupts (Bochs' case): IPI of the guest vector. */
static void test_did_ipi_running(void **state)
{
	run(XL_MODE_DID, XL_SCN_VIRTUAL, no_posting);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.vcpu.exits, 0);
	assert_int_equal(r.eng.direct_ipis, N);
}

static void test_did_blocked_wakes(void **state)
{
	run(XL_MODE_DID, XL_SCN_VIRTUAL, halting);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.eng.wakeups, N);
	/* the only exits are the guest's own HLTs */
	assert_int_equal(r.vcpu.exits, exits(EXIT_REASON_HLT));
	run(XL_MODE_DID, XL_SCN_VIRTUAL, halting_no_posting);
	assert_int_equal(r.handled_virtual, N);
	assert_true(r.vcpu.wakeups >= N);
}

static void test_did_mixed_nothing_lost(void **state)
{
	run(XL_MODE_DID, XL_SCN_MIXED, no_posting);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.host_handled, N);
	run(XL_MODE_DID, XL_SCN_MIXED, NULL);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.handled_virtual, N);
	assert_int_equal(r.host_handled, N);
}

/*
 * pi with a halting guest: the device's posts find the vCPU blocked; the
 * engine put the wakeup vector in NV, so the IOMMU's notification wakes
 * it (VT-d 9.12) and every interrupt is delivered; the only exits are
 * the guest's own HLTs.
 */
static void test_pi_blocked_wakeup(void **state)
{
	run(XL_MODE_PI, XL_SCN_DEVICE, halting);
	assert_int_equal(r.handled_device, N);
	assert_int_equal(r.model.vtd_posted, N);
	assert_int_equal(r.eng.wakeups, N);
	assert_int_equal(r.vcpu.exits, exits(EXIT_REASON_HLT));
	assert_int_equal(exits(EXIT_REASON_EXTERNAL_INTERRUPT), 0);
}

/*
 * pi across scheduling: while the vCPU is preempted, SN suppresses the
 * notification and the posts wait in PIR (delivered at the next entry,
 * none lost); after a migration NDST follows the vCPU to its new pCPU
 * (VT-d 9.12), and the device's posted IRTE still reaches it with 0
 * exits.
 */
static void test_pi_preempt_and_migrate(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	struct xl_model_stats ms;
	u64 exits0, notif0;
	u32 pcpu;
	int i;

	xl_scn_defaults(&c, XL_MODE_PI, XL_SCN_DEVICE, 10);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(s.mode_ret, 0);
	assert_int_equal(xl_model_vcpu_preempt(s.m, 0), 0);
	xl_model_stats(s.m, &ms);
	notif0 = ms.vtd_notifications;
	for (i = 0; i < 5; i++)
		assert_int_equal(xl_model_device_irq(s.m, XL_SCN_HOST_IRQ), 0);
	xl_model_run(s.m, 10);
	xl_model_stats(s.m, &ms);
	assert_int_equal(ms.vtd_posted, 5);
	assert_int_equal(ms.vtd_notifications, notif0);	/* SN */
	assert_int_equal(ms.vcpu[0].handled[XL_SCN_DEV_GUEST_VEC], 0);
	/* move it to pCPU 0 and let it run */
	assert_int_equal(xl_model_vcpu_migrate(s.m, 0, 0), 0);
	assert_int_equal(xl_model_vcpu_resume(s.m, 0), 0);
	xl_model_run(s.m, 10);
	xl_model_stats(s.m, &ms);
	/* one vector, coalesced in PIR like in any IRR: delivered once */
	assert_int_equal(ms.vcpu[0].handled[XL_SCN_DEV_GUEST_VEC], 1);
	exits0 = ms.vcpu[0].exits;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	xl_model_vcpu_state(s.m, 0, &pcpu);
	assert_int_equal(pcpu, 0);
	assert_int_equal(r.handled_device, 1 + 10);
	assert_int_equal(r.vcpu.exits - exits0, 0);
	assert_int_equal(r.model.pcpu[0].host_handled_total, 0);
	xl_scn_destroy(&s);
}

/* Preempt vCPU 0, put it on @pcpu, let it run again. */
static void move_vcpu(struct xl_scn *s, u32 pcpu)
{
	assert_int_equal(xl_model_vcpu_preempt(s->m, 0), 0);
	assert_int_equal(xl_model_vcpu_migrate(s->m, 0, pcpu), 0);
	assert_int_equal(xl_model_vcpu_resume(s->m, 0), 0);
	xl_model_run(s->m, 10);
}

/* What one interrupt of the device's host vector on @pcpu did. */
struct dev_vec_on {
	u64 host_handled, guest_handled, exits;
};

static struct dev_vec_on dev_vec_on(struct xl_scn *s, u32 pcpu)
{
	struct xl_model_stats a, b;

	xl_model_stats(s->m, &a);
	assert_int_equal(xl_model_host_irq(s->m, pcpu, XL_SCN_DEV_HOST_VEC), 0);
	xl_model_run(s->m, 100);
	xl_model_stats(s->m, &b);
	return (struct dev_vec_on){
		.host_handled = b.pcpu[pcpu].host_handled[XL_SCN_DEV_HOST_VEC] -
				a.pcpu[pcpu].host_handled[XL_SCN_DEV_HOST_VEC],
		.guest_handled = b.vcpu[0].handled[XL_SCN_DEV_GUEST_VEC] -
				 a.vcpu[0].handled[XL_SCN_DEV_GUEST_VEC],
		.exits = b.vcpu[0].exits - a.vcpu[0].exits,
	};
}

/*
 * Host vectors are per CPU: on real hardware the device's host vector on
 * its own pCPU is some host device's vector on the other. Bound to
 * (vCPU 0, its pCPU), the engine keeps the vCPU out of direct mode on the
 * other pCPU, so that vector arriving there runs the host's handler (an
 * exit; the model's vectors are the same on every pCPU, so its handler
 * there is the device's, which injects it); back home, the device's
 * interrupts are direct again. Unbound, the guest takes it directly and
 * no host handler runs: a host device's interrupt would be lost.
 */
static void test_eli_bind_follows_pcpu(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	struct xl_model_stats ms;
	struct dev_vec_on d;
	u64 exits0;
	u32 home, other;

	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 10);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(s.mode_ret, 0);
	xl_model_vcpu_state(s.m, 0, &home);
	other = !home;
	assert_int_equal(xl_engine_bind(s.e, 0, home), 0);
	xl_scn_kick(&s);
	xl_model_run(s.m, 10);
	xl_model_stats(s.m, &ms);
	exits0 = ms.vcpu[0].exits;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.handled_device, 10);
	assert_int_equal(r.vcpu.exits - exits0, 0);

	/* on the other pCPU, the same vector is a host device's */
	move_vcpu(&s, other);
	d = dev_vec_on(&s, other);
	assert_int_equal(d.host_handled, 1);
	assert_true(d.exits > 0);
	assert_int_equal(d.guest_handled, 1);
	assert_true(s.e->ctr.bind_misses > 0);

	/* home again: direct, no exit for the device */
	move_vcpu(&s, home);
	xl_model_stats(s.m, &ms);
	exits0 = ms.vcpu[0].exits;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.handled_device, 21);	/* 10 + 1 + 10 */
	assert_int_equal(r.vcpu.exits - exits0, 0);

	/* what the bind prevents: unbound, the guest takes the host's */
	assert_int_equal(xl_engine_bind(s.e, XL_BIND_ANY, 0), 0);
	move_vcpu(&s, other);
	d = dev_vec_on(&s, other);
	assert_int_equal(d.host_handled, 0);
	assert_int_equal(d.exits, 0);
	assert_int_equal(d.guest_handled, 1);
	xl_scn_destroy(&s);
}

/* Modes are refused, with the reason, where a capability is missing. */
static void test_refusals(void **state)
{
	struct xl_scn_cfg c;

	xl_scn_defaults(&c, XL_MODE_PI, XL_SCN_DEVICE, 10);
	c.vtd_posting = false;
	assert_int_equal(xl_scn_run(&c, &r), 0);
	assert_int_equal(r.mode_ret, -EOPNOTSUPP);
	assert_int_equal(r.why, XL_WHY_NO_VTD_POSTING);
	/* refused means untouched: baseline costs */
	assert_int_equal(exits(EXIT_REASON_EXTERNAL_INTERRUPT), 10);
	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 10);
	c.preemption_timer = false;
	assert_int_equal(xl_scn_run(&c, &r), 0);
	assert_int_equal(r.why, XL_WHY_NO_PREEMPTION_TIMER);
	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 10);
	c.x2apic = false;
	assert_int_equal(xl_scn_run(&c, &r), 0);
	assert_int_equal(r.why, XL_WHY_NO_X2APIC);
}

/* Defences. A short guard period (64 model steps). */
static void masked_guest(struct xl_scn_cfg *c)
{
	c->guest = XL_GUEST_MASKED;
	c->timer_value = 64;
}

/*
 * A guest that keeps interrupts masked cannot starve the host: the
 * preemption timer exits, the guard falls back after its strikes, and
 * from then on every host interrupt exits and is handled. While it was
 * masked, repeats of the same host vector coalesced in the LAPIC's IRR
 * (one bit per vector, SDM 11.8.4), as they would on hardware.
 */
static void test_guard_masked_guest(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	u64 first;

	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_HOST, N);
	masked_guest(&c);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_true(r.vcpu.exit_reason[EXIT_REASON_PREEMPTION_TIMER] >= 1);
	assert_int_equal(r.eng.guard_fallbacks, 1);
	/* bounded: at most what arrives during guard_limit (4) periods */
	assert_true(r.host_handled >= N - (4 * 64) / c.gap - 1);
	first = r.host_handled;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.host_handled - first, N);
	xl_scn_destroy(&s);
}

static void never_eoi(struct xl_scn_cfg *c)
{
	c->guest_flags = XL_GUEST_NO_EOI;
	c->timer_value = 64;
}

/*
 * A guest that never EOIs a directly delivered vector would keep it in
 * service on the physical LAPIC, blocking that priority class for the
 * host: every exit in direct mode (the guard's expiry at least) EOIs it
 * on its CPU, so the guard need not fall back and the host's interrupts
 * all get through.
 */
static void test_guard_never_eoi(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	u64 isr[4];
	u32 pcpu;

	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 100);
	never_eoi(&c);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.eng.guard_fallbacks, 0);
	assert_true(r.eng.exit_eois >= 1);
	xl_model_vcpu_state(s.m, 0, &pcpu);
	assert_int_equal(xl_model_pcpu_isr(s.m, pcpu, isr), 0);
	assert_false(isr[XL_SCN_DEV_HOST_VEC / 64] &
		     XL_BIT(XL_SCN_DEV_HOST_VEC % 64));
	c.kind = XL_SCN_HOST;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.host_handled, 100);
	xl_scn_destroy(&s);
	/* with virtual interrupts too: injection mode keeps the host safe */
	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_MIXED, 100);
	never_eoi(&c);
	assert_int_equal(xl_scn_run(&c, &r), 0);
	assert_int_equal(r.host_handled, 100);
}

/* Guest LIDT: exits (descriptor-table exiting), direct mode off. */
static void test_lidt_disables_eli(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	enum xl_sidt_state st;
	enum xl_eli_off off;

	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 50);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(xl_engine_vcpu_state(s.e, 0, &st, &off), 0);
	assert_int_equal(st, XL_SIDT_DIRECT);
	assert_int_equal(xl_model_guest_lidt(s.m, 0, XL_MODEL_GUEST_IDT,
					     XL_IDT_BYTES - 1), 0);
	xl_model_run(s.m, 4);
	assert_int_equal(xl_engine_vcpu_state(s.e, 0, &st, &off), 0);
	assert_int_equal(off, XL_ELI_OFF_LIDT);
	assert_int_equal(st, XL_SIDT_OFF);
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	assert_int_equal(r.handled_device, 50);
	assert_int_equal(r.vcpu.exit_reason[EXIT_REASON_GDTR_IDTR], 1);
	/* baseline costs again: every interrupt exits */
	assert_true(r.vcpu.exit_reason[EXIT_REASON_EXTERNAL_INTERRUPT] >= 50);
	xl_scn_destroy(&s);
}

/* A vector the VM does not own is never routed to it. */
static void test_unowned_vector_refused(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	struct xl_model_stats ms;

	xl_scn_defaults(&c, XL_MODE_DID, XL_SCN_VIRTUAL, 1);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	assert_int_equal(xl_model_virtual_irq(s.m, 0, 0x77), -EPERM);
	xl_model_run(s.m, 20);
	xl_model_stats(s.m, &ms);
	assert_int_equal(ms.vcpu[0].handled[0x77], 0);
	assert_int_equal(ms.dropped, 1);
	xl_scn_destroy(&s);
}

/* Detach restores the hypervisor's VMCS values: baseline costs again. */
static void test_release_restores_baseline(void **state)
{
	struct xl_scn_cfg c;
	struct xl_scn s;
	u64 before, after;
	const struct xl_hw *hw;

	xl_scn_defaults(&c, XL_MODE_ELI, XL_SCN_DEVICE, 20);
	assert_int_equal(xl_scn_create(&c, &s), 0);
	hw = s.hw;
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	before = r.vcpu.exits;
	assert_int_equal(xl_engine_set_mode(s.e, XL_MODE_BASELINE, NULL), 0);
	xl_scn_kick(&s);
	assert_int_equal(xl_scn_drive(&s, &c, &r), 0);
	after = r.vcpu.exits;
	assert_int_equal(r.handled_device, 40);
	assert_true(after - before >= 2 * 20);
	{
		u64 pin;

		hw->ops->vmcs_read(hw->priv, 0, VMCS_PIN_BASED_CTLS, &pin);
		assert_true(pin & PIN_EXT_INTR_EXITING);
	}
	xl_scn_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_device),
		cmocka_unit_test(test_eli_device_zero_exits),
		cmocka_unit_test(test_eli_host_vectors_one_np_each),
		cmocka_unit_test(test_eli_virtual_injection_mode),
		cmocka_unit_test(test_eli_mixed_nothing_lost),
		cmocka_unit_test(test_pi_zero_exits),
		cmocka_unit_test(test_pi_preempt_and_migrate),
		cmocka_unit_test(test_eli_bind_follows_pcpu),
		cmocka_unit_test(test_pi_blocked_wakeup),
		cmocka_unit_test(test_did_posted_running),
		cmocka_unit_test(test_did_ipi_running),
		cmocka_unit_test(test_did_blocked_wakes),
		cmocka_unit_test(test_did_mixed_nothing_lost),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_guard_masked_guest),
		cmocka_unit_test(test_guard_never_eoi),
		cmocka_unit_test(test_lidt_disables_eli),
		cmocka_unit_test(test_unowned_vector_refused),
		cmocka_unit_test(test_release_restores_baseline),
	};

	return cmocka_run_group_tests_name("scenario: engine on the model",
					   tests, NULL, NULL);
}

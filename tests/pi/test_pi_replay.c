// SPDX-License-Identifier: GPL-2.0
/*
 * `pi` mode, replayed: the sequence exitless.ko performs for a VM in `pi`
 * (kmod/pi.c: check every guest MSI is postable, post the IRTEs, leave
 * them to the descriptor's owner across block / migrate / resume, unpost
 * on mode change) run through the engine (core/) and posted/ code, with
 * the machine being tests/mech/fake_hw.c plus the two pieces of hardware
 * behaviour that make the result mean something, taken from the
 * reference model (model/vtd.c, model/cpu.c) so that they are written
 * once and not by the code under test:
 *   - VT-d posting of an interrupt through a posted-format IRTE
 *     (VT-d 9.12, xl_vtd_post_desc): set PIR[vector]; if ON and SN were
 *     clear, set ON and send the notification vector NV to NDST;
 *   - the CPU receiving a notification (SDM 29.6, xl_cpu_pi_process_desc):
 *     in VMX non-root mode with NV equal to the VMCS posted-interrupt
 *     notification vector it clears ON and moves PIR into the virtual IRR,
 *     with no VM exit; in root mode the host's handler for that vector
 *     runs instead (here).
 * Exits are those this replay would take (a remapped host IRQ reaching a
 * running vCPU).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xl_engine.h"
#include "xl_pi.h"
#include "hw/msi.h"
#include "hw/vmx.h"
#include "../mech/fake_hw.h"
#include "../../model/model.h"

#define NV	0xf2
#define WV	0xf1
#define NIRQ	4

enum where { IN_GUEST, IN_ROOT, PREEMPTED, BLOCKED };

struct sim {
	struct fake_hw f;
	struct xl_engine *e;
	enum where at[FAKE_VCPUS];
	u64 virr[FAKE_VCPUS][4];		/* guest's virtual IRR */
	int delivered[FAKE_VCPUS][256];
	int exits;				/* interrupt-caused VM exits */
	int host_handled;			/* remapped IRQs in the host */
	int ipi_seen;				/* fake ipi log consumed */
	/* guest MSI per host IRQ, as the guest programmed it */
	u64 addr[NIRQ];
	u32 data[NIRQ];
	u8 gvec[NIRQ];
	u32 vcpu[NIRQ];
};

static struct sim *S;

static u64 msi_addr(u32 dest, bool logical)
{
	return MSI_ADDR_BASE | ((u64)dest << MSI_ADDR_DEST_SHIFT) |
	       (logical ? MSI_ADDR_DM : 0);
}

static int setup(void **state)
{
	int i;

	S = calloc(1, sizeof(*S));
	S->e = aligned_alloc(64, sizeof(*S->e));
	assert_non_null(S);
	assert_non_null(S->e);
	fake_hw_init(&S->f, FAKE_VCPUS);
	S->f.hw.has_posted_intr = true;
	S->f.hw.has_vtd_posting = true;
	S->f.hw.x2apic = true;
	for (i = 0; i < FAKE_VCPUS; i++) {
		fake_vmcs_kvm_defaults(&S->f, i, FAKE_MEM_BASE);
		S->at[i] = IN_GUEST;
	}
	assert_int_equal(xl_engine_init(S->e, &S->f.hw, NULL), 0);
	/* host IRQ i: guest vector 0x40+i on vCPU i % 4, physical, fixed */
	for (i = 0; i < NIRQ; i++) {
		S->vcpu[i] = i % FAKE_VCPUS;
		S->gvec[i] = 0x40 + i;
		S->addr[i] = msi_addr(S->vcpu[i], false);
		S->data[i] = S->gvec[i];
	}
	*state = S;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(S->e);
	free(S);
	return 0;
}

/* kmod/pi.c's order: every check first, then post all; else nothing. */
static int replay_enter_pi(enum xl_why *why)
{
	u32 dest;
	u8 vec;
	int i, ret;

	for (i = 0; i < NIRQ; i++) {
		ret = xl_msi_postable(S->addr[i], S->data[i], false, &dest,
				      &vec);
		if (ret)
			return ret;
		S->vcpu[i] = dest;
		S->gvec[i] = vec;
	}
	for (i = 0; i < NIRQ; i++) {
		assert_int_equal(xl_engine_own(S->e, 0x60 + i, true), 0);
		assert_int_equal(xl_engine_assign(S->e, 40 + i, 0x60 + i,
						  S->gvec[i], S->vcpu[i]), 0);
	}
	return xl_engine_set_mode(S->e, XL_MODE_PI, why);
}

static void vm_entry(u32 v);

/* SDM 29.6 at the pCPU that receives @vector (physical APIC @apic). */
static void cpu_gets(u32 pcpu, u8 vector)
{
	u32 v;

	for (v = 0; v < FAKE_VCPUS; v++) {
		struct xl_vcpu_loc *l = &S->f.v[v].loc;

		if (l->state != XL_VCPU_RUNNING || l->pcpu != pcpu)
			continue;
		if (S->at[v] == IN_GUEST && vector ==
		    fake_vmcs_get(&S->f, v, VMCS_POSTED_INTR_NV) &&
		    (fake_vmcs_get(&S->f, v, VMCS_PIN_BASED_CTLS) &
		     PIN_POSTED_INTR)) {
			int b, w;

			xl_cpu_pi_process_desc(xl_engine_pi_desc(S->e, v),
					       S->virr[v]);
			/* the guest takes every requested vector */
			for (w = 0; w < 4; w++)
				for (b = 0; b < 64; b++)
					if (S->virr[v][w] & (1ULL << b))
						S->delivered[v][w * 64 + b]++;
			memset(S->virr[v], 0, sizeof(S->virr[v]));
			return;
		}
	}
	/* root mode: the host's handler for that vector */
	if (vector == WV)
		assert_true(xl_engine_pi_wakeup(S->e) >= 0);
	/* NV in root mode: KVM's handler does nothing; entry syncs PIR */
}

/* Deliver the IPIs the engine sent since last time. */
static void drain_ipis(void)
{
	while (S->ipi_seen < S->f.nr_ipi) {
		struct fake_ev ev = S->f.ipi[S->ipi_seen++];

		cpu_gets(ev.a, ev.b);
	}
}

static u32 pcpu_of_apic(u32 apic)
{
	u32 v;

	for (v = 0; v < FAKE_VCPUS; v++)
		if (S->f.v[v].loc.pcpu_apic_id == apic)
			return S->f.v[v].loc.pcpu;
	return 0xffff;		/* nobody there: notification lost */
}

/* The device raises host IRQ 40+@i. VT-d 9.10 / 9.12. */
static void device_irq(int i)
{
	u32 irq = 40 + i, k;
	struct xl_pi_desc *pi = NULL;
	u64 ctl;
	u8 vec = 0;

	if (!S->f.posted[irq]) {
		/* remapped: host handler; a running vCPU exits for it */
		S->host_handled++;
		if (S->at[S->vcpu[i]] == IN_GUEST)
			S->exits++;
		return;
	}
	for (k = 0; k < (u32)S->f.nr_post && k < 64; k++)
		if (S->f.post[k].a == irq) {
			pi = (struct xl_pi_desc *)(uintptr_t)S->f.post[k].c;
			vec = S->f.post[k].b;
		}
	assert_non_null(pi);
	if (xl_vtd_post_desc(pi, vec, false, &ctl))
		cpu_gets(pcpu_of_apic(xl_pi_ndst(pi)), xl_pi_nv(pi));
	drain_ipis();
}

static void vm_entry(u32 v)
{
	S->at[v] = IN_GUEST;
	assert_int_equal(xl_engine_before_entry(S->e, v), 0);
	drain_ipis();
}

static void preempt(u32 v)
{
	S->at[v] = PREEMPTED;
	S->f.v[v].loc.state = XL_VCPU_PREEMPTED;
	assert_int_equal(xl_engine_vcpu_sched(S->e, v, XL_SCHED_PREEMPT), 0);
}

static void block(u32 v)
{
	S->at[v] = BLOCKED;
	S->f.v[v].loc.state = XL_VCPU_BLOCKED;
	assert_int_equal(xl_engine_vcpu_sched(S->e, v, XL_SCHED_BLOCK), 0);
}

static void resume_on(u32 v, u32 pcpu, u32 apic)
{
	S->f.v[v].loc = (struct xl_vcpu_loc){ XL_VCPU_RUNNING, pcpu, apic };
	S->at[v] = IN_ROOT;
	assert_int_equal(xl_engine_vcpu_sched(S->e, v, XL_SCHED_IN), 0);
	vm_entry(v);
}

static int total(int i)
{
	return S->delivered[S->vcpu[i]][S->gvec[i]];
}

static void enter_and_run(void)
{
	enum xl_why why;
	u32 v;

	assert_int_equal(replay_enter_pi(&why), 0);
	assert_int_equal(why, XL_WHY_OK);
	assert_int_equal(S->f.nr_post, NIRQ);
	for (v = 0; v < FAKE_VCPUS; v++)
		vm_entry(v);
}

/* Running vCPUs: each device interrupt reaches the guest at once. */
static void running_exactly_once(void **state)
{
	int i, round;

	(void)state;
	enter_and_run();
	for (round = 1; round <= 5; round++) {
		for (i = 0; i < NIRQ; i++) {
			device_irq(i);
			assert_int_equal(total(i), round);
		}
	}
	assert_int_equal(S->exits, 0);
	assert_int_equal(S->host_handled, 0);
}

/* Preempted (SN=1): no notification, delivered once at resume. */
static void preempted_then_resumed(void **state)
{
	(void)state;
	enter_and_run();
	preempt(1);
	device_irq(1);
	assert_int_equal(total(1), 0);
	assert_true(xl_pi_test_sn(xl_engine_pi_desc(S->e, 1)));
	assert_int_equal(fake_ipis_to(&S->f, S->f.v[1].loc.pcpu, NV), 0);
	resume_on(1, S->f.v[1].loc.pcpu, S->f.v[1].loc.pcpu_apic_id);
	assert_int_equal(total(1), 1);
	device_irq(1);
	assert_int_equal(total(1), 2);
	assert_int_equal(S->exits, 0);
}

/* Blocked: notification to the wakeup vector -> wake -> delivered once. */
static void blocked_wakeup(void **state)
{
	(void)state;
	enter_and_run();
	block(2);
	assert_int_equal(xl_pi_nv(xl_engine_pi_desc(S->e, 2)), WV);
	device_irq(2);
	assert_int_equal(S->f.wakes[2], 1);
	assert_int_equal(total(2), 0);
	resume_on(2, S->f.v[2].loc.pcpu, S->f.v[2].loc.pcpu_apic_id);
	assert_int_equal(xl_pi_nv(xl_engine_pi_desc(S->e, 2)), NV);
	assert_int_equal(total(2), 1);
	assert_int_equal(S->exits, 0);
}

/*
 * SN set while blocked: posted while preempted (SN=1, no notification),
 * then the vCPU halts. Blocking must clear SN and, PIR being non-empty,
 * wake it: the interrupt is not lost.
 */
static void sn_set_then_block_wakes(void **state)
{
	(void)state;
	enter_and_run();
	preempt(3);
	device_irq(3);
	assert_int_equal(S->f.wakes[3], 0);
	block(3);
	assert_false(xl_pi_test_sn(xl_engine_pi_desc(S->e, 3)));
	assert_int_equal(S->f.wakes[3], 1);
	resume_on(3, S->f.v[3].loc.pcpu, S->f.v[3].loc.pcpu_apic_id);
	assert_int_equal(total(3), 1);
	assert_int_equal(S->exits, 0);
}

/* Migration: NDST follows, notifications go to the new pCPU. */
static void migrate(void **state)
{
	(void)state;
	enter_and_run();
	preempt(0);
	resume_on(0, 7, 0x77);
	assert_int_equal(xl_pi_ndst(xl_engine_pi_desc(S->e, 0)), 0x77);
	device_irq(0);
	assert_int_equal(total(0), 1);
	device_irq(0);
	assert_int_equal(total(0), 2);
	assert_int_equal(S->exits, 0);
}

/* Two posts before processing are one request, like a real IRR bit. */
static void coalesced_while_preempted(void **state)
{
	(void)state;
	enter_and_run();
	preempt(1);
	device_irq(1);
	device_irq(1);
	resume_on(1, 2, 0x11);
	assert_int_equal(total(1), 1);
}

/* Multicast / broadcast guest MSI: refused before any IRTE changes. */
static void multicast_refused(void **state)
{
	enum xl_why why = XL_WHY_OK;

	(void)state;
	S->addr[2] = msi_addr(0x3, true);		/* logical: vCPUs 0,1 */
	assert_int_equal(replay_enter_pi(&why), -EOPNOTSUPP);
	assert_int_equal(S->f.nr_post, 0);
	assert_int_equal(__atomic_load_n(&S->e->mode, __ATOMIC_RELAXED),
			 XL_MODE_BASELINE);
	S->addr[2] = msi_addr(0xff, false);		/* broadcast */
	{
		u32 d;
		u8 v;

		assert_int_equal(xl_msi_postable(S->addr[2], S->data[2], false,
						 &d, &v), -EOPNOTSUPP);
	}
}

/* Capabilities missing: refused with the reason, mode and IRTEs as before. */
static void caps_refused(void **state)
{
	enum xl_why why;
	int i;

	(void)state;
	for (i = 0; i < NIRQ; i++) {
		assert_int_equal(xl_engine_own(S->e, 0x60 + i, true), 0);
		assert_int_equal(xl_engine_assign(S->e, 40 + i, 0x60 + i,
						  S->gvec[i], S->vcpu[i]), 0);
	}
	S->f.hw.has_vtd_posting = false;
	assert_int_equal(xl_engine_set_mode(S->e, XL_MODE_PI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_VTD_POSTING);
	S->f.hw.has_vtd_posting = true;
	S->f.hw.has_posted_intr = false;
	assert_int_equal(xl_engine_set_mode(S->e, XL_MODE_PI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_POSTED_INTR);
	assert_int_equal(S->f.nr_post, 0);
	/* and the device still works through the host (remapped) */
	device_irq(0);
	assert_int_equal(S->host_handled, 1);
}

/* Leaving pi: every IRTE remapped again, the VMCS as KVM had it. */
static void leave_restores(void **state)
{
	enum xl_why why;
	u64 pin0;
	u32 v;
	int i;

	(void)state;
	pin0 = fake_vmcs_get(&S->f, 0, VMCS_PIN_BASED_CTLS);
	enter_and_run();
	assert_true(fake_vmcs_get(&S->f, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_POSTED_INTR);
	assert_int_equal(xl_engine_set_mode(S->e, XL_MODE_BASELINE, &why), 0);
	for (i = 0; i < NIRQ; i++)
		assert_false(S->f.posted[40 + i]);
	assert_int_equal(S->f.nr_unpost, NIRQ);
	for (v = 0; v < FAKE_VCPUS; v++)
		vm_entry(v);
	assert_int_equal(fake_vmcs_get(&S->f, 0, VMCS_PIN_BASED_CTLS), pin0);
	for (v = 0; v < FAKE_VCPUS; v++)
		assert_int_equal(xl_engine_vcpu_release(S->e, v), 0);
	assert_int_equal(xl_engine_teardown(S->e), 0);
	device_irq(0);
	assert_int_equal(S->host_handled, 1);
	assert_int_equal(total(0), 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(running_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(preempted_then_resumed, setup, teardown),
		cmocka_unit_test_setup_teardown(blocked_wakeup, setup, teardown),
		cmocka_unit_test_setup_teardown(sn_set_then_block_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(coalesced_while_preempted, setup, teardown),
		cmocka_unit_test_setup_teardown(multicast_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(caps_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(leave_restores, setup, teardown),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}

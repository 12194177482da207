// SPDX-License-Identifier: GPL-2.0
/*
 * The whole model with no exitless engine attached: what a KVM guest on
 * VT-x pays per interrupt in the baseline, GSI routing, level-triggered
 * EOI, posted-interrupt processing (SDM 29.6) and VT-d remapping/posting
 * (VT-d 9.10-9.12), and argument checking of the public API. Assertions
 * are on the model's counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../model/model.h"
#include "hw/apic.h"
#include "hw/irte.h"
#include "hw/msi.h"
#include "hw/pi_desc.h"

#define N	500
#define HOST_IRQ	5
#define HOST_VEC	0x40
#define GUEST_VEC	0x51

static struct xl_model *mk(bool apicv, bool pi, bool vtd_pi)
{
	struct xl_model_config cfg = {
		.nr_pcpus = 2, .nr_vcpus = 1, .x2apic = true,
		.apicv = apicv, .posted_intr = pi, .vtd_posting = vtd_pi,
		.preemption_timer = true, .hlt_exiting = true,
	};
	struct xl_model *m = NULL;

	assert_int_equal(xl_model_create(&cfg, &m), 0);
	assert_non_null(m);
	return m;
}

static struct xl_model_stats st;

static struct xl_model_vcpu_stats *vst(struct xl_model *m)
{
	xl_model_stats(m, &st);
	return &st.vcpu[0];
}

/*
 * Baseline, computing guest: a passthrough MSI exits (external interrupt,
 * host handler, KVM injects) and the guest's EOI exits (MSR write): >= 2
 * exits per interrupt, none lost.
 */
static void test_baseline_compute(void **state)
{
	struct xl_model *m = mk(false, false, false);
	int i;

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	assert_int_equal(xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC),
			 0);
	xl_model_run(m, 3);
	for (i = 0; i < N; i++) {
		assert_int_equal(xl_model_device_irq(m, HOST_IRQ), 0);
		xl_model_run(m, 6);
	}
	vst(m);
	assert_int_equal(st.vcpu[0].handled[GUEST_VEC], N);
	assert_int_equal(st.vcpu[0].exit_reason[EXIT_REASON_EXTERNAL_INTERRUPT],
			 N);
	assert_int_equal(st.vcpu[0].exit_reason[EXIT_REASON_MSR_WRITE], N);
	assert_true(st.vcpu[0].exits >= 2 * N);
	assert_int_equal(st.vcpu[0].injections, N);
	assert_int_equal(st.pcpu[1].host_handled[HOST_VEC], N);
	assert_int_equal(st.vtd_remapped, N);
	xl_model_destroy(m);
}

/* Baseline, halting guest: the interrupt wakes it; HLT + EOI exits. */
static void test_baseline_halt(void **state)
{
	struct xl_model *m = mk(false, false, false);
	int i;

	xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC);
	xl_model_run(m, 3);
	assert_int_equal(xl_model_vcpu_state(m, 0, NULL), XL_VCPU_BLOCKED);
	for (i = 0; i < N; i++) {
		xl_model_device_irq(m, HOST_IRQ);
		xl_model_run(m, 6);
	}
	vst(m);
	assert_int_equal(st.vcpu[0].handled[GUEST_VEC], N);
	assert_int_equal(st.vcpu[0].wakeups, N);
	assert_int_equal(st.vcpu[0].exit_reason[EXIT_REASON_HLT], N + 1);
	assert_int_equal(st.vcpu[0].exit_reason[EXIT_REASON_MSR_WRITE], N);
	xl_model_destroy(m);
}

/* IF=0 holds an injection back: interrupt-window exit when IF returns. */
static void test_interrupt_window(void **state)
{
	struct xl_model *m = mk(false, false, false);

	xl_model_guest_set(m, 0, XL_GUEST_MASKED, 0);
	xl_model_run(m, 2);
	xl_model_virtual_irq(m, 0, 0x61);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x61], 0);
	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	xl_model_run(m, 10);
	vst(m);
	assert_int_equal(st.vcpu[0].handled[0x61], 1);
	assert_int_equal(st.vcpu[0].exit_reason[EXIT_REASON_INTERRUPT_WINDOW],
			 1);
	xl_model_destroy(m);
}

/* Two pending virtual interrupts: the higher vector runs first. */
static void test_virtual_priority_and_tpr(void **state)
{
	struct xl_model *m = mk(false, false, false);

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, XL_GUEST_NO_EOI);
	xl_model_run(m, 2);
	xl_model_guest_set_tpr(m, 0, 0x80);
	xl_model_virtual_irq(m, 0, 0x72);	/* below TPR: held */
	xl_model_virtual_irq(m, 0, 0xa3);
	xl_model_run(m, 10);
	vst(m);
	assert_int_equal(st.vcpu[0].handled[0xa3], 1);
	assert_int_equal(st.vcpu[0].handled[0x72], 0);
	/* no EOI yet: 0xa3 in service still blocks lower classes */
	xl_model_guest_set_tpr(m, 0, 0);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x72], 0);
	xl_model_guest_apic_write(m, 0, APIC_EOI, 0);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x72], 1);
	xl_model_destroy(m);
}

static void ioapic_rte(struct xl_model *m, u32 pin, u64 val)
{
	xl_model_ioapic_write(m, 0, 0x10 + 2 * pin);
	xl_model_ioapic_write(m, 0x10, (u32)val);
	xl_model_ioapic_write(m, 0, 0x11 + 2 * pin);
	xl_model_ioapic_write(m, 0x10, (u32)(val >> 32));
}

static void pic_init(struct xl_model *m)
{
	static const u8 seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0x00 }, { 0xa1, 0x00 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		assert_int_equal(xl_model_pic_out(m, seq[i][0], seq[i][1]), 0);
	/* LINT0 in ExtINT mode, unmasked: the PIC reaches vCPU 0 */
	xl_model_guest_apic_write(m, 0, APIC_LVT_LINT0, 0x700);
}

/*
 * KVM's default GSI routing: GSI 0-15 drive both the PIC (IRQ = GSI) and
 * the IOAPIC (pin = GSI); GSI 16-23 only the IOAPIC.
 */
static void test_gsi_routing(void **state)
{
	struct xl_model *m = mk(false, false, false);
	u8 irr;

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	pic_init(m);
	xl_model_run(m, 2);
	/* GSI 4: IOAPIC pin masked, the PIC delivers 0x20 + 4 */
	xl_model_irq_line(m, 4, 1);
	xl_model_irq_line(m, 4, 0);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x24], 1);
	/* GSI 4 with the IOAPIC pin programmed: both see it */
	ioapic_rte(m, 4, 0x64);
	xl_model_irq_line(m, 4, 1);
	xl_model_irq_line(m, 4, 0);
	xl_model_run(m, 10);
	vst(m);
	assert_int_equal(st.vcpu[0].handled[0x64], 1);
	assert_int_equal(st.vcpu[0].handled[0x24], 2);
	/* GSI 20: IOAPIC only; the PIC's IRR does not move */
	ioapic_rte(m, 20, 0x74);
	xl_model_pic_out(m, 0x21, 0xff);	/* mask the PIC to look */
	xl_model_pic_out(m, 0xa1, 0xff);
	xl_model_irq_line(m, 20, 1);
	xl_model_irq_line(m, 20, 0);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x74], 1);
	xl_model_pic_in(m, 0x20, &irr);
	assert_int_equal(irr, 0);
	xl_model_pic_in(m, 0xa0, &irr);
	assert_int_equal(irr, 0);
	/* slave IRQ 10 through the cascade */
	xl_model_pic_out(m, 0x21, 0x00);
	xl_model_pic_out(m, 0xa1, 0x00);
	xl_model_irq_line(m, 10, 1);
	xl_model_irq_line(m, 10, 0);
	xl_model_run(m, 10);
	assert_int_equal(vst(m)->handled[0x2a], 1);
	assert_int_equal(xl_model_irq_line(m, 24, 1), -EINVAL);
	xl_model_destroy(m);
}

/* A level-triggered pin re-fires after EOI while asserted (remote IRR). */
static void test_level_eoi_remote_irr(void **state)
{
	struct xl_model *m = mk(false, false, false);

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	ioapic_rte(m, 11, 0x5b | XL_BIT(15));
	xl_model_run(m, 2);
	xl_model_irq_line(m, 11, 1);
	xl_model_run(m, 8);
	/* the guest EOIed, the line is still high: it came again (and
	 * again): a level interrupt is never lost while asserted
	 */
	assert_true(vst(m)->handled[0x5b] >= 2);
	xl_model_irq_line(m, 11, 0);
	xl_model_run(m, 8);
	{
		u64 before = vst(m)->handled[0x5b];

		xl_model_run(m, 20);
		assert_int_equal(vst(m)->handled[0x5b], before);
	}
	xl_model_destroy(m);
}

static struct xl_pi_desc pid __attribute__((aligned(64)));

static u64 setup_pi(struct xl_model *m)
{
	const struct xl_hw *hw = xl_model_hw(m);
	u64 pa;

	memset(&pid, 0, sizeof(pid));
	pid.control = ((u64)0xf2 << PI_CONTROL_NV_SHIFT) |
		      ((u64)xl_pi_ndst_encode(1, true) << PI_CONTROL_NDST_SHIFT);
	assert_int_equal(hw->ops->virt_to_phys(hw->priv, &pid, &pa), 0);
	assert_int_equal(hw->ops->vmcs_write(hw->priv, 0,
					     VMCS_POSTED_INTR_DESC_ADDR, pa), 0);
	return pa;
}

/*
 * APICv + VT-d posting: the IOMMU posts, the CPU processes the
 * notification in non-root mode (SDM 29.6), the virtual interrupt is
 * delivered and its EOI virtualized: 0 exits, nothing lost.
 */
static void test_posted_zero_exits(void **state)
{
	struct xl_model *m = mk(true, true, true);
	const struct xl_hw *hw = xl_model_hw(m);
	u64 pa, exits0;
	int i;

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC);
	pa = setup_pi(m);
	assert_int_equal(hw->ops->irq_post(hw->priv, HOST_IRQ, pa, GUEST_VEC,
					   false), 0);
	xl_model_run(m, 3);
	exits0 = vst(m)->exits;
	for (i = 0; i < N; i++) {
		xl_model_device_irq(m, HOST_IRQ);
		xl_model_run(m, 4);
	}
	vst(m);
	assert_int_equal(st.vcpu[0].handled[GUEST_VEC], N);
	assert_int_equal(st.vcpu[0].exits - exits0, 0);
	assert_int_equal(st.vcpu[0].pi_processed, N);
	assert_int_equal(st.vtd_posted, N);
	assert_int_equal(st.vtd_notifications, N);
	assert_int_equal(st.pcpu[1].host_handled_total, 0);
	xl_model_destroy(m);
}

/* SN set: PIR gets the bit, no notification; nothing is lost. */
static void test_posted_sn_suppresses(void **state)
{
	struct xl_model *m = mk(true, true, true);
	const struct xl_hw *hw = xl_model_hw(m);
	u64 pa;

	xl_model_guest_set(m, 0, XL_GUEST_COMPUTE, 0);
	xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC);
	pa = setup_pi(m);
	hw->ops->irq_post(hw->priv, HOST_IRQ, pa, GUEST_VEC, false);
	xl_model_run(m, 3);
	pid.control |= XL_BIT(PI_CONTROL_SN);
	xl_model_device_irq(m, HOST_IRQ);
	xl_model_run(m, 5);
	vst(m);
	assert_int_equal(st.vtd_posted, 1);
	assert_int_equal(st.vtd_notifications, 0);
	assert_int_equal(st.vcpu[0].handled[GUEST_VEC], 0);
	assert_true(pid.pir[GUEST_VEC / 64] & XL_BIT(GUEST_VEC % 64));
	/* urgent overrides SN (VT-d 9.11 URG) */
	hw->ops->irq_post(hw->priv, HOST_IRQ, pa, GUEST_VEC, true);
	xl_model_device_irq(m, HOST_IRQ);
	xl_model_run(m, 5);
	vst(m);
	assert_int_equal(st.vtd_notifications, 1);
	assert_int_equal(st.vcpu[0].handled[GUEST_VEC], 1);
	xl_model_destroy(m);
}

/* The notification vector at a pCPU in root mode is a host interrupt. */
static void test_notification_in_root_mode(void **state)
{
	struct xl_model *m = mk(true, true, true);

	xl_model_run(m, 3);
	assert_int_equal(xl_model_host_irq(m, 0, 0xf2), 0);
	xl_model_run(m, 2);
	xl_model_stats(m, &st);
	assert_int_equal(st.pcpu[0].host_handled[0xf2], 1);
	assert_int_equal(st.vcpu[0].pi_processed, 0);
	xl_model_destroy(m);
}

/* VT-d faults: not present, reserved bits, unregistered PDA, range. */
static void test_vtd_faults(void **state)
{
	struct xl_model *m = mk(true, true, true);
	union xl_irte e = { .low = 0 };
	u64 lo, hi;

	xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC);
	assert_int_equal(xl_model_irte_get(m, HOST_IRQ, &lo, &hi), 0);
	e.low = lo;
	e.high = hi;
	assert_int_equal(e.remap.present, 1);
	assert_int_equal(e.remap.vector, HOST_VEC);
	assert_int_equal(e.remap.dest, 1);		/* pCPU 1, x2APIC */

	xl_model_irte_set(m, 7, 0, 0);			/* not present */
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE | MSI_ADDR_IF_REMAP |
				      (7 << 5), 0), -EFAULT);
	xl_model_irte_set(m, 7, lo | XL_BIT(13), hi);	/* reserved bit */
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE | MSI_ADDR_IF_REMAP |
				      (7 << 5), 0), -EFAULT);
	memset(&e, 0, sizeof(e));
	e.post.present = 1;
	e.post.im = 1;
	e.post.vector = 0x55;
	e.post.pda_low = 0x1234;			/* nobody's descriptor */
	xl_model_irte_set(m, 8, e.low, e.high);
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE | MSI_ADDR_IF_REMAP |
				      (8 << 5), 0), -EFAULT);
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE | MSI_ADDR_IF_REMAP |
				      (300 << 5), 0), -EFAULT);
	assert_int_equal(xl_model_msi(m, 0xdead0000, 0x41), -EINVAL);
	xl_model_stats(m, &st);
	assert_int_equal(st.vtd_faults, 4);
	assert_int_equal(st.vtd_posted, 0);
	xl_model_destroy(m);
}

/* Posted IRTEs only where the IOMMU has them. */
static void test_vtd_posting_capability(void **state)
{
	struct xl_model *m = mk(false, false, false);
	const struct xl_hw *hw = xl_model_hw(m);
	u64 pa;

	xl_model_assign(m, HOST_IRQ, HOST_VEC, 0, GUEST_VEC);
	hw->ops->virt_to_phys(hw->priv, &pid, &pa);
	assert_int_equal(hw->ops->irq_post(hw->priv, HOST_IRQ, pa, 0x50,
					   false), -EOPNOTSUPP);
	xl_model_destroy(m);
}

/* Compatibility-format MSI decode (SDM 11.11.1-2). */
static void test_msi_compat(void **state)
{
	struct xl_model *m = mk(false, false, false);

	xl_model_run(m, 2);
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE | (0 << 12), 0x4e), 0);
	xl_model_run(m, 2);
	xl_model_stats(m, &st);
	assert_int_equal(st.pcpu[0].host_handled[0x4e], 1);
	/* SMI delivery is not modelled: refused, not misdelivered */
	assert_int_equal(xl_model_msi(m, MSI_ADDR_BASE, 0x200 | 0x4e),
			 -EOPNOTSUPP);
	xl_model_destroy(m);
}

/* Every public entry point refuses bad input with an errno. */
static void test_bad_input(void **state)
{
	struct xl_model_config cfg = { .nr_pcpus = 2, .nr_vcpus = 3 };
	struct xl_model *m = NULL;
	const struct xl_hw *hw;
	u64 v64;

	assert_int_equal(xl_model_create(NULL, &m), -EINVAL);
	assert_int_equal(xl_model_create(&cfg, &m), -EINVAL);
	cfg.nr_vcpus = 1;
	cfg.posted_intr = true;		/* without APICv: SDM 26.2.1.1 */
	assert_int_equal(xl_model_create(&cfg, &m), -EINVAL);
	cfg.nr_pcpus = 99;
	cfg.posted_intr = false;
	assert_int_equal(xl_model_create(&cfg, &m), -EINVAL);
	assert_null(m);
	assert_null(xl_model_hw(NULL));
	assert_int_equal(xl_model_run(NULL, 1), -EINVAL);
	assert_int_equal(xl_model_stats(NULL, &st), -EINVAL);

	m = mk(false, false, false);
	hw = xl_model_hw(m);
	assert_int_equal(xl_model_virtual_irq(m, 1, 0x40), -EINVAL);
	assert_int_equal(xl_model_virtual_irq(m, 0, 3), -EINVAL);
	assert_int_equal(xl_model_assign(m, 999, 0x40, 0, 0x40), -EINVAL);
	assert_int_equal(xl_model_assign(m, 1, 0x10, 0, 0x40), -EINVAL);
	assert_int_equal(xl_model_assign(m, 1, 0x40, 0, 0x40), 0);
	assert_int_equal(xl_model_assign(m, 1, 0x40, 0, 0x40), -EBUSY);
	assert_int_equal(xl_model_device_irq(m, 2), -EINVAL);
	assert_int_equal(xl_model_host_irq(m, 5, 0x40), -EINVAL);
	assert_int_equal(xl_model_guest_set(m, 0, 17, 0), -EINVAL);
	assert_int_equal(xl_model_guest_lidt(m, 0, 0, 0x10000), -EINVAL);
	assert_int_equal(xl_model_guest_read(m, XL_MODEL_GUEST_MEM - 4, &v64,
					     8), -EFAULT);
	assert_int_equal(xl_model_guest_write(m, ~0ull, &v64, 8), -EFAULT);
	assert_int_equal(xl_model_vcpu_migrate(m, 0, 1), -EBUSY);
	assert_int_equal(xl_model_vcpu_resume(m, 0), -EBUSY);
	assert_int_equal(xl_model_pic_out(m, 0x99, 0), -EINVAL);
	assert_int_equal(xl_model_ioapic_write(m, 4, 0), -EINVAL);
	/* xl_hw_ops: read-only VMCS field, unknown vCPU, NULLs */
	assert_int_equal(hw->ops->vmcs_write(hw->priv, 0, VMCS_EXIT_REASON,
					     1), -EINVAL);
	assert_int_equal(hw->ops->vmcs_read(hw->priv, 4, VMCS_PIN_BASED_CTLS,
					    &v64), -EINVAL);
	assert_int_equal(hw->ops->vmcs_read(hw->priv, 0, VMCS_PIN_BASED_CTLS,
					    NULL), -EINVAL);
	assert_int_equal(hw->ops->send_ipi(hw->priv, 9, 0x40), -EINVAL);
	assert_int_equal(hw->ops->inject(hw->priv, 0, 2), -EINVAL);
	assert_int_equal(hw->ops->host_reraise(hw->priv, 0x40), -EINVAL);
	assert_int_equal(hw->ops->virt_to_phys(hw->priv, NULL, &v64), -EINVAL);
	assert_int_equal(hw->ops->irq_unpost(hw->priv, 77), -EINVAL);
	assert_int_equal(hw->ops->guest_read(hw->priv, 0, 1ull << 40, &v64, 8),
			 -EFAULT);
	/* a misaligned descriptor is never followed */
	assert_int_equal(hw->ops->irq_post(hw->priv, 1, 0x1008, 0x40, false),
			 -EOPNOTSUPP);
	xl_model_destroy(m);
	xl_model_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_compute),
		cmocka_unit_test(test_baseline_halt),
		cmocka_unit_test(test_interrupt_window),
		cmocka_unit_test(test_virtual_priority_and_tpr),
		cmocka_unit_test(test_gsi_routing),
		cmocka_unit_test(test_level_eoi_remote_irr),
		cmocka_unit_test(test_posted_zero_exits),
		cmocka_unit_test(test_posted_sn_suppresses),
		cmocka_unit_test(test_notification_in_root_mode),
		cmocka_unit_test(test_vtd_faults),
		cmocka_unit_test(test_vtd_posting_capability),
		cmocka_unit_test(test_msi_compat),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("model: delivery", tests, NULL,
					   NULL);
}

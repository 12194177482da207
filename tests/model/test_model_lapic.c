// SPDX-License-Identifier: GPL-2.0
/*
 * The model's local APIC, 8259 pair and IOAPIC on their own, against the
 * rules in Intel SDM vol. 3A chapter 11 and the 8259A/82093AA datasheets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../model/model_priv.h"

static struct xl_lapic l;

static int setup(void **state)
{
	xl_lapic_reset(&l, 3, false);
	return 0;
}

/* SDM 11.8.3: the highest-priority (highest) vector is delivered first. */
static void test_highest_vector_first(void **state)
{
	xl_lapic_set_irr(&l, 0x41, false);
	xl_lapic_set_irr(&l, 0x90, false);
	xl_lapic_set_irr(&l, 0x62, false);
	assert_int_equal(xl_lapic_pending(&l), 0x90);
	xl_lapic_accept(&l, 0x90);
	/* 0x62 is a lower class than the in-service 0x90: held back */
	assert_int_equal(xl_lapic_pending(&l), -1);
	assert_int_equal(xl_lapic_eoi(&l, NULL), 0x90);
	assert_int_equal(xl_lapic_pending(&l), 0x62);
}

/* SDM 11.8.3.1: delivered only if the class exceeds PPR's class. */
static void test_tpr_masks_by_class(void **state)
{
	xl_lapic_set_irr(&l, 0x5f, false);
	l.tpr = 0x50;
	assert_int_equal(xl_lapic_ppr(&l), 0x50);
	assert_int_equal(xl_lapic_pending(&l), -1);	/* same class */
	l.tpr = 0x4f;
	assert_int_equal(xl_lapic_pending(&l), 0x5f);
}

/* PPR = ISRV class when it is above TPR's (SDM 11.8.3.1). */
static void test_ppr_from_isr(void **state)
{
	l.tpr = 0x20;
	xl_lapic_set_irr(&l, 0x71, false);
	xl_lapic_accept(&l, 0x71);
	assert_int_equal(xl_lapic_ppr(&l), 0x70);
	xl_lapic_set_irr(&l, 0x85, false);
	assert_int_equal(xl_lapic_pending(&l), 0x85);	/* nests */
	xl_lapic_set_irr(&l, 0x7e, false);
	xl_lapic_accept(&l, 0x85);
	assert_int_equal(xl_lapic_eoi(&l, NULL), 0x85);
	assert_int_equal(xl_lapic_pending(&l), -1);	/* 0x7e <= 0x71 class */
	assert_int_equal(xl_lapic_eoi(&l, NULL), 0x71);
	assert_int_equal(xl_lapic_pending(&l), 0x7e);
}

/* EOI reports a level-triggered vector (TMR) for the IOAPIC broadcast. */
static void test_eoi_level_reports_tmr(void **state)
{
	bool level;

	xl_lapic_set_irr(&l, 0x33, true);
	xl_lapic_accept(&l, 0x33);
	assert_int_equal(xl_lapic_eoi(&l, &level), 0x33);
	assert_true(level);
	xl_lapic_set_irr(&l, 0x34, false);
	xl_lapic_accept(&l, 0x34);
	xl_lapic_eoi(&l, &level);
	assert_false(level);
	assert_int_equal(xl_lapic_eoi(&l, &level), -1);	/* nothing left */
}

/* Vectors 0-15 are illegal (SDM 11.8.4): ESR, never IRR. */
static void test_illegal_vector(void **state)
{
	xl_lapic_set_irr(&l, 7, false);
	assert_int_equal(xl_vec_highest(l.irr), -1);
	assert_true(l.esr & XL_BIT(6));
}

/* The xAPIC MMIO and x2APIC MSR views of the same registers. */
static void test_register_views(void **state)
{
	struct xl_lapic_effect fx;
	u32 v;
	u64 q;

	assert_int_equal(xl_lapic_mmio_read(&l, APIC_ID, &v), 0);
	assert_int_equal(v, 3u << 24);			/* xAPIC: ID in 31:24 */
	assert_int_equal(xl_lapic_mmio_read(&l, 0x101, &v), -EINVAL);
	assert_int_equal(xl_lapic_msr_read(&l, MSR_X2APIC_EOI, &q), -EINVAL);

	xl_lapic_reset(&l, 0x123, true);
	assert_int_equal(xl_lapic_msr_read(&l, X2APIC_MSR(APIC_ID), &q), 0);
	assert_int_equal(q, 0x123);
	xl_lapic_set_irr(&l, 0x44, false);
	xl_lapic_accept(&l, 0x44);
	assert_int_equal(xl_lapic_msr_read(&l, X2APIC_MSR(APIC_ISR) + 2, &q), 0);
	assert_int_equal(q, 1u << (0x44 - 64));
	/* a non-zero EOI write is a #GP in x2APIC mode */
	assert_int_equal(xl_lapic_msr_write(&l, MSR_X2APIC_EOI, 1, &fx),
			 -EINVAL);
	assert_int_equal(xl_lapic_msr_write(&l, MSR_X2APIC_EOI, 0, &fx), 0);
	assert_int_equal(fx.eoi_vector, 0x44);
	assert_int_equal(xl_lapic_msr_write(&l, MSR_X2APIC_ICR,
					    (5ull << 32) | 0x4061, &fx), 0);
	assert_true(fx.icr_sent);
	assert_int_equal(fx.icr_dest, 5);
	assert_int_equal(fx.icr_low & 0xff, 0x61);
}

/* One-shot and periodic timer, masked LVT never fires. */
static void test_timer(void **state)
{
	struct xl_lapic_effect fx;
	int fired = 0, i;

	xl_lapic_mmio_write(&l, APIC_LVT_TIMER, 0xec, &fx);
	xl_lapic_mmio_write(&l, APIC_TMICT, 3, &fx);
	for (i = 0; i < 10; i++)
		fired += xl_lapic_timer_tick(&l) == 0xec;
	assert_int_equal(fired, 1);
	xl_lapic_mmio_write(&l, APIC_LVT_TIMER, 0xec | APIC_LVT_TIMER_PERIODIC,
			    &fx);
	xl_lapic_mmio_write(&l, APIC_TMICT, 3, &fx);
	for (fired = 0, i = 0; i < 9; i++)
		fired += xl_lapic_timer_tick(&l) == 0xec;
	assert_int_equal(fired, 3);
	xl_lapic_mmio_write(&l, APIC_LVT_TIMER, 0xec | APIC_LVT_MASKED, &fx);
	xl_lapic_mmio_write(&l, APIC_TMICT, 1, &fx);
	assert_int_equal(xl_lapic_timer_tick(&l), -1);
}

/* ---- 8259A pair ---- */
static void pic_init(struct xl_pic *p)
{
	xl_pic_reset(p);
	xl_pic_out(p, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	xl_pic_out(p, 0x21, 0x20);	/* ICW2: master base 0x20 */
	xl_pic_out(p, 0x21, 0x04);	/* ICW3: slave on IR2 */
	xl_pic_out(p, 0x21, 0x01);	/* ICW4: 8086 mode */
	xl_pic_out(p, 0xa0, 0x11);
	xl_pic_out(p, 0xa1, 0x28);
	xl_pic_out(p, 0xa1, 0x02);
	xl_pic_out(p, 0xa1, 0x01);
	xl_pic_out(p, 0x21, 0x00);	/* OCW1: all unmasked */
	xl_pic_out(p, 0xa1, 0x00);
}

static void test_pic_vectors_and_priority(void **state)
{
	struct xl_pic p;

	pic_init(&p);
	xl_pic_set_irq(&p, 4, 1);
	xl_pic_set_irq(&p, 1, 1);
	assert_true(xl_pic_output(&p));
	assert_int_equal(xl_pic_intack(&p), 0x21);	/* IR1 before IR4 */
	/* IR4 is lower priority than in-service IR1 */
	assert_false(xl_pic_output(&p));
	xl_pic_out(&p, 0x20, 0x20);			/* non-specific EOI */
	assert_int_equal(xl_pic_intack(&p), 0x24);
	xl_pic_out(&p, 0x20, 0x60 | 4);			/* specific EOI IR4 */
	assert_false(xl_pic_output(&p));
}

/* Slave IRQ 8-15 arrive through master IR2 with the slave's vector. */
static void test_pic_cascade(void **state)
{
	struct xl_pic p;
	u8 isr;

	pic_init(&p);
	xl_pic_set_irq(&p, 12, 1);
	assert_true(xl_pic_output(&p));
	assert_int_equal(xl_pic_intack(&p), 0x28 + 4);
	xl_pic_out(&p, 0x20, 0x0b);	/* OCW3: read ISR */
	xl_pic_in(&p, 0x20, &isr);
	assert_int_equal(isr, 1 << 2);	/* master sees IR2 in service */
	xl_pic_out(&p, 0xa0, 0x20);
	xl_pic_out(&p, 0x20, 0x20);
	xl_pic_in(&p, 0x20, &isr);
	assert_int_equal(isr, 0);
	/* masked on the slave: nothing reaches the master */
	xl_pic_out(&p, 0xa1, 0x10);
	xl_pic_set_irq(&p, 12, 0);
	xl_pic_set_irq(&p, 12, 1);
	assert_false(xl_pic_output(&p));
}

/* Edge latches one request; level (ELCR) requests while asserted. */
static void test_pic_edge_level(void **state)
{
	struct xl_pic p;

	pic_init(&p);
	xl_pic_set_irq(&p, 5, 1);
	xl_pic_set_irq(&p, 5, 1);	/* no new edge */
	assert_int_equal(xl_pic_intack(&p), 0x25);
	xl_pic_out(&p, 0x20, 0x20);
	assert_false(xl_pic_output(&p));
	xl_pic_out(&p, 0x4d0, 1 << 5);	/* IRQ5 level */
	xl_pic_set_irq(&p, 5, 0);
	xl_pic_set_irq(&p, 5, 1);
	assert_int_equal(xl_pic_intack(&p), 0x25);
	xl_pic_out(&p, 0x20, 0x20);
	assert_true(xl_pic_output(&p));	/* still asserted: again */
	xl_pic_set_irq(&p, 5, 0);
	assert_false(xl_pic_output(&p));
}

/* ---- IOAPIC ---- */
static void rte(struct xl_ioapic *io, u32 pin, u64 val)
{
	xl_ioapic_write(io, 0, 0x10 + 2 * pin);
	xl_ioapic_write(io, 0x10, (u32)val);
	xl_ioapic_write(io, 0, 0x11 + 2 * pin);
	xl_ioapic_write(io, 0x10, (u32)(val >> 32));
}

static void test_ioapic_level_remote_irr(void **state)
{
	struct xl_ioapic io;
	struct xl_ioapic_msg msg;
	u32 v;

	xl_ioapic_reset(&io);
	assert_int_equal(xl_ioapic_set_irq(&io, 9, 1, &msg), 0); /* masked */
	rte(&io, 9, 0x59 | XL_BIT(15) | (2ull << 56));	/* level, dest 2 */
	xl_ioapic_set_irq(&io, 9, 0, &msg);
	assert_int_equal(xl_ioapic_set_irq(&io, 9, 1, &msg), 1);
	assert_int_equal(msg.vector, 0x59);
	assert_true(msg.level);
	assert_int_equal(msg.dest, 2);
	xl_ioapic_write(&io, 0, 0x10 + 18);
	xl_ioapic_read(&io, 0x10, &v);
	assert_true(v & XL_BIT(14));			/* remote IRR */
	/* a second assertion waits for the EOI */
	assert_int_equal(xl_ioapic_set_irq(&io, 9, 1, &msg), 0);
	/* EOI with the line still high: re-delivered */
	assert_int_equal(xl_ioapic_eoi(&io, 0x59), XL_BIT(9));
	assert_int_equal(xl_ioapic_set_irq(&io, 9, 1, &msg), 1);
	/* writes cannot set the read-only remote IRR bit */
	xl_ioapic_eoi(&io, 0x59);
	rte(&io, 10, 0x60 | XL_BIT(14));
	xl_ioapic_write(&io, 0, 0x10 + 20);
	xl_ioapic_read(&io, 0x10, &v);
	assert_false(v & XL_BIT(14));
	/* version register: 24 entries */
	xl_ioapic_write(&io, 0, 1);
	xl_ioapic_read(&io, 0x10, &v);
	assert_int_equal((v >> 16) & 0xff, 23);
	assert_int_equal(xl_ioapic_set_irq(&io, 24, 1, &msg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_highest_vector_first, setup),
		cmocka_unit_test_setup(test_tpr_masks_by_class, setup),
		cmocka_unit_test_setup(test_ppr_from_isr, setup),
		cmocka_unit_test_setup(test_eoi_level_reports_tmr, setup),
		cmocka_unit_test_setup(test_illegal_vector, setup),
		cmocka_unit_test_setup(test_register_views, setup),
		cmocka_unit_test_setup(test_timer, setup),
		cmocka_unit_test(test_pic_vectors_and_priority),
		cmocka_unit_test(test_pic_cascade),
		cmocka_unit_test(test_pic_edge_level),
		cmocka_unit_test(test_ioapic_level_remote_irr),
	};

	return cmocka_run_group_tests_name("model: lapic, pic, ioapic", tests,
					   NULL, NULL);
}

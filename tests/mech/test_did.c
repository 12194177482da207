// SPDX-License-Identifier: GPL-2.0
/*
 * did-ipi/: the routing decision for every vCPU state, and what executing
 * each action asks of the machine (IPIs, posts, wakeups, injections).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "xl_did.h"
#include "xl_pi.h"
#include "fake_hw.h"

struct route_case {
	enum xl_vcpu_run_state state;
	bool owned, posting, sidt_direct, vector_direct;
	int want;
};

static const struct route_case cases[] = {
	/* not owned: refused whatever else holds */
	{ XL_VCPU_RUNNING, false, true, true, true, XL_DID_REFUSE },
	{ XL_VCPU_BLOCKED, false, false, false, false, XL_DID_REFUSE },
	/* (a)/(b) posted interrupts */
	{ XL_VCPU_RUNNING, true, true, false, false, XL_DID_POST_NOTIFY },
	{ XL_VCPU_BLOCKED, true, true, false, false, XL_DID_POST_WAKE },
	{ XL_VCPU_PREEMPTED, true, true, false, false, XL_DID_POST_ONLY },
	/* posting wins over the shadow IDT when both exist */
	{ XL_VCPU_RUNNING, true, true, true, true, XL_DID_POST_NOTIFY },
	/* (c) ELI direct mode, vector mapped to itself */
	{ XL_VCPU_RUNNING, true, false, true, true, XL_DID_IPI_VECTOR },
	/* (d) fallbacks */
	{ XL_VCPU_RUNNING, true, false, true, false, XL_DID_INJECT },
	{ XL_VCPU_RUNNING, true, false, false, true, XL_DID_INJECT },
	{ XL_VCPU_PREEMPTED, true, false, true, true, XL_DID_INJECT },
	{ XL_VCPU_BLOCKED, true, false, true, true, XL_DID_INJECT_WAKE },
};

static void test_route_table(void **state)
{
	struct xl_did_target t;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.state = cases[i].state;
		t.owned = cases[i].owned;
		t.posting = cases[i].posting;
		t.sidt_direct = cases[i].sidt_direct;
		t.vector_direct = cases[i].vector_direct;
		if (xl_did_route(&t, 0x45) != cases[i].want)
			fail_msg("case %u: got %d want %d", i,
				 xl_did_route(&t, 0x45), cases[i].want);
	}
}

static void test_route_bad_input(void **state)
{
	struct xl_did_target t = { .state = XL_VCPU_RUNNING, .owned = true };

	assert_int_equal(xl_did_route(NULL, 0x45), -EINVAL);
	assert_int_equal(xl_did_route(&t, 31), -EINVAL);
	assert_int_equal(xl_did_route(&t, 256), -EINVAL);
	t.state = (enum xl_vcpu_run_state)7;
	assert_int_equal(xl_did_route(&t, 0x45), -EINVAL);
}

static struct fake_hw *fk;
static struct xl_pi_desc pi;

static int setup(void **state)
{
	fk = calloc(1, sizeof(*fk));
	fake_hw_init(fk, 2);
	return xl_pi_init(&pi, 0xf2, 0x11, true);
}

static int teardown(void **state)
{
	free(fk);
	return 0;
}

static void test_execute_post_notify(void **state)
{
	struct xl_vcpu_loc loc = { XL_VCPU_RUNNING, 5, 0x15 };
	struct xl_did_result r;

	assert_int_equal(xl_did_execute(&fk->hw, 1, &loc, &pi, 0xf2, 0x45,
					XL_DID_POST_NOTIFY, &r), 0);
	assert_true(r.posted && r.notified && !r.woken && !r.injected);
	assert_int_equal(fake_ipis_to(fk, 5, 0xf2), 1);
	/* ON still set (no consumer yet): the second post sends no IPI. */
	assert_int_equal(xl_did_execute(&fk->hw, 1, &loc, &pi, 0xf2, 0x46,
					XL_DID_POST_NOTIFY, &r), 0);
	assert_true(r.posted && !r.notified);
	assert_int_equal(fk->nr_ipi, 1);
	assert_int_equal(fk->nr_inj, 0);
}

static void test_execute_post_wake_and_only(void **state)
{
	struct xl_vcpu_loc loc = { XL_VCPU_BLOCKED, 5, 0x15 };
	struct xl_did_result r;

	assert_int_equal(xl_did_execute(&fk->hw, 1, &loc, &pi, 0xf2, 0x45,
					XL_DID_POST_WAKE, &r), 0);
	assert_true(r.posted && r.woken && !r.notified);
	assert_int_equal(fk->wakes[1], 1);
	assert_int_equal(fk->nr_ipi, 0);
	loc.state = XL_VCPU_PREEMPTED;
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, &pi, 0xf2, 0x47,
					XL_DID_POST_ONLY, &r), 0);
	assert_true(r.posted && !r.woken && !r.notified);
	assert_int_equal(fk->wakes[0], 0);
	assert_true(pi.pir[1] & XL_BIT(0x47 - 64));
}

static void test_execute_ipi_and_inject(void **state)
{
	struct xl_vcpu_loc loc = { XL_VCPU_RUNNING, 3, 0x13 };
	struct xl_did_result r;

	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, NULL, 0xf2, 0x61,
					XL_DID_IPI_VECTOR, &r), 0);
	assert_true(r.ipi);
	/* The guest vector itself, to the pCPU running the vCPU. */
	assert_int_equal(fake_ipis_to(fk, 3, 0x61), 1);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, NULL, 0xf2, 0x62,
					XL_DID_INJECT, &r), 0);
	assert_true(r.injected && !r.woken);
	assert_int_equal(fake_injections(fk, 0, 0x62), 1);
	assert_int_equal(xl_did_execute(&fk->hw, 1, &loc, NULL, 0xf2, 0x63,
					XL_DID_INJECT_WAKE, &r), 0);
	assert_true(r.injected && r.woken);
	assert_int_equal(fk->wakes[1], 1);
	assert_true(xl_pi_pir_empty(&pi));
}

static void test_execute_bad_input(void **state)
{
	struct xl_vcpu_loc loc = { XL_VCPU_RUNNING, 3, 0x13 };
	struct xl_did_result r;
	char buf[128] __attribute__((aligned(64)));

	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, &pi, 0xf2, 0x45,
					XL_DID_REFUSE, &r), -EPERM);
	assert_int_equal(xl_did_execute(NULL, 0, &loc, &pi, 0xf2, 0x45,
					XL_DID_INJECT, &r), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 2, &loc, &pi, 0xf2, 0x45,
					XL_DID_INJECT, &r), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, NULL, &pi, 0xf2, 0x45,
					XL_DID_INJECT, &r), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, &pi, 0xf2, 0x45,
					XL_DID_INJECT, NULL), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, &pi, 0xf2, 3,
					XL_DID_INJECT, &r), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, NULL, 0xf2, 0x45,
					XL_DID_POST_NOTIFY, &r), -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc,
					(struct xl_pi_desc *)(buf + 32), 0xf2,
					0x45, XL_DID_POST_NOTIFY, &r),
			 -EINVAL);
	assert_int_equal(xl_did_execute(&fk->hw, 0, &loc, &pi, 0xf2, 0x45,
					(enum xl_did_action)99, &r), -EINVAL);
	assert_int_equal(fk->nr_ipi + fk->nr_inj, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_table),
		cmocka_unit_test(test_route_bad_input),
		cmocka_unit_test_setup_teardown(test_execute_post_notify,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_execute_post_wake_and_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_execute_ipi_and_inject,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_execute_bad_input,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("mech_did", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A VM over several nodes (model/nodes.h): the claims, on exact counts.
 *   - GiantVM's forward-to-master costs two link messages for a device's
 *     interrupt whose node is not the master's, even when the target vCPU
 *     runs on the device's own node; direct routing costs one, or none.
 *   - An IPI costs its sender one exit (the ICR write) in both.
 *   - A vCPU's timer never crosses the link.
 *   - A level-triggered interrupt's EOI must reach the device's node:
 *     four messages through the master, two directly; it exits once on
 *     the vCPU's node even when the delivery is exit-less.
 *   - With did/pi on the target node, a forwarded interrupt costs no exit.
 *   - Nothing lost, each source's order kept, every class handled by the
 *     vCPU it was sent to, while vCPUs move between nodes.
 *   - The local costs are the single-node model's.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../model/nodes.h"

#define LINK	10.0	/* µs per message: round numbers for exact sums */
#define EXIT	1.0	/* µs per exit */
#define VEC	0x51
#define VEC2	0x52

/* baseline injection (KVM): 1 exit to deliver, 1 for the EOI */
static const struct xl_nodes_cost kvm = { .deliver_exits = 1, .eoi_exits = 1 };
/* did / pi: exit-less */
static const struct xl_nodes_cost exitless;

static struct xl_nodes_stats st;

static struct xl_nodes *mk(u32 nodes, u32 vpn, enum xl_nodes_strategy s,
			   const struct xl_nodes_cost *local)
{
	struct xl_nodes_config cfg = {
		.nr_nodes = nodes, .vcpus_per_node = vpn, .master = 0,
		.strategy = s, .local = *local, .link_us = LINK,
		.exit_us = EXIT,
	};
	struct xl_nodes *n = NULL;

	assert_int_equal(xl_nodes_create(&cfg, &n), 0);
	assert_non_null(n);
	return n;
}

static struct xl_nodes_class_stats *cls(struct xl_nodes *n,
					enum xl_nodes_class c)
{
	assert_int_equal(xl_nodes_stats(n, &st), 0);
	return &st.cls[c];
}

static void settle(struct xl_nodes *n)
{
	assert_int_equal(xl_nodes_run(n, 16), 0);
}

/*
 * One interrupt of vCPU 2 (node 2) from node 1 (device, or vCPU 1's IPI),
 * or from node 2 itself; the master is node 0. Through the master: 1 -> 0
 * -> 2, and 2 -> 0 -> 2 even when source and target share a node.
 * Directly: 1 -> 2, or no message at all.
 */
static const struct one_case {
	const char *name;
	enum xl_nodes_strategy s;
	const struct xl_nodes_cost *local;
	enum xl_nodes_class cls;
	u32 from;		/* device's node, or sending vCPU */
	u64 messages, src_exits, dst_exits;
	double latency;
} one_cases[] = {
	{ "device, master", XL_NODES_MASTER, &kvm, XL_NODES_DEVICE, 1,
	  2, 0, 2, 2 * LINK + EXIT },
	{ "device, direct + exit-less", XL_NODES_DIRECT, &exitless,
	  XL_NODES_DEVICE, 1, 1, 0, 0, LINK },
	{ "device on the vCPU's node, master", XL_NODES_MASTER, &kvm,
	  XL_NODES_DEVICE, 2, 2, 2, 2, 2 * LINK + EXIT },
	{ "device on the vCPU's node, direct", XL_NODES_DIRECT, &kvm,
	  XL_NODES_DEVICE, 2, 0, 2, 2, EXIT },
	/* the sender's ICR write exits: 1 on node 1 */
	{ "ipi, master", XL_NODES_MASTER, &kvm, XL_NODES_IPI, 1,
	  2, 1, 2, 2 * LINK + 2 * EXIT },
	{ "ipi, direct + exit-less", XL_NODES_DIRECT, &exitless,
	  XL_NODES_IPI, 1, 1, 1, 0, LINK + EXIT },
};

static void test_one_interrupt(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(one_cases) / sizeof(one_cases[0]); i++) {
		const struct one_case *k = &one_cases[i];
		struct xl_nodes *n = mk(3, 1, k->s, k->local);
		struct xl_nodes_class_stats *c;

		print_message("%s\n", k->name);
		assert_int_equal(k->cls == XL_NODES_DEVICE ?
				 xl_nodes_device_msi(n, k->from, 2, VEC) :
				 xl_nodes_ipi(n, k->from, 2, VEC), 0);
		settle(n);
		c = cls(n, k->cls);
		assert_int_equal(c->sent, 1);
		assert_int_equal(c->completed, 1);
		assert_int_equal(st.handled[2][k->cls], 1);
		assert_int_equal(xl_nodes_last_vector(n, 2), VEC);
		assert_int_equal(c->messages, k->messages);
		assert_int_equal(c->hops, k->messages);
		assert_int_equal(c->node_exits[k->from], k->src_exits);
		assert_int_equal(c->node_exits[2], k->dst_exits);
		assert_int_equal(c->exits, k->from == 2 ? k->dst_exits :
				 k->src_exits + k->dst_exits);
		assert_true(c->latency_us == k->latency);
		xl_nodes_destroy(n);
	}
}

static void test_timer_stays_local(void **state)
{
	struct xl_nodes *n = mk(3, 1, XL_NODES_MASTER, &kvm);
	struct xl_nodes_class_stats *c;

	assert_int_equal(xl_nodes_timer(n, 2, VEC), 0);
	c = cls(n, XL_NODES_TIMER);
	assert_int_equal(st.handled[2][XL_NODES_TIMER], 1);
	assert_int_equal(c->messages, 0);
	assert_int_equal(c->node_exits[2], 2);
	xl_nodes_destroy(n);
	n = mk(3, 1, XL_NODES_DIRECT, &exitless);
	assert_int_equal(xl_nodes_timer(n, 2, VEC), 0);
	c = cls(n, XL_NODES_TIMER);
	assert_int_equal(c->handled, 1);
	assert_int_equal(c->exits, 0);
	assert_true(c->latency_us == 0);
	xl_nodes_destroy(n);
}

/*
 * Level pin of node 1's device aimed at vCPU 2. Master: 1 -> 0 -> 2, EOI
 * 2 -> 0 (remote IRR cleared there) -> 1. Direct: 1 -> 2, EOI 2 -> 1.
 * A second assertion before the EOI is back is the same interrupt.
 */
static void test_level_eoi_reaches_device_node(void **state)
{
	struct xl_nodes *n = mk(3, 1, XL_NODES_MASTER, &kvm);
	struct xl_nodes_class_stats *c;

	assert_int_equal(xl_nodes_route(n, 1, 2, VEC, true), 0);
	assert_int_equal(xl_nodes_device_level(n, 1, 1), 0);
	/* the master set remote IRR; the delivery is on its way to node 2 */
	assert_int_equal(xl_nodes_run(n, 1), 0);
	assert_int_equal(xl_nodes_device_level(n, 1, 1), 0);
	assert_int_equal(xl_nodes_run(n, 1), 0);
	/* handled; the second signal found remote IRR set: merged */
	assert_int_equal(cls(n, XL_NODES_LEVEL)->handled, 1);
	assert_int_equal(st.cls[XL_NODES_LEVEL].completed, 0);
	settle(n);
	c = cls(n, XL_NODES_LEVEL);
	assert_int_equal(c->sent, 2);
	assert_int_equal(c->handled, 1);
	assert_int_equal(c->completed, 1);
	assert_int_equal(c->messages, 4 + 1);	/* + the merged signal */
	assert_int_equal(c->hops, 2 + 1);
	assert_int_equal(c->node_exits[2], 2);	/* injection + EOI */
	assert_true(c->latency_us == 4 * LINK + 2 * EXIT);
	/* after the EOI the pin delivers again */
	assert_int_equal(xl_nodes_device_level(n, 1, 1), 0);
	settle(n);
	assert_int_equal(cls(n, XL_NODES_LEVEL)->completed, 2);
	xl_nodes_destroy(n);

	n = mk(3, 1, XL_NODES_DIRECT, &exitless);
	assert_int_equal(xl_nodes_route(n, 1, 2, VEC, true), 0);
	assert_int_equal(xl_nodes_device_level(n, 1, 1), 0);
	settle(n);
	c = cls(n, XL_NODES_LEVEL);
	assert_int_equal(st.handled[2][XL_NODES_LEVEL], 1);
	assert_int_equal(c->completed, 1);
	assert_int_equal(c->messages, 2);
	assert_int_equal(c->hops, 1);
	assert_int_equal(c->exits, 1);		/* the EOI-induced exit */
	assert_int_equal(c->node_exits[2], 1);
	assert_true(c->latency_us == 2 * LINK + EXIT);
	xl_nodes_destroy(n);
}

/*
 * Every (device node, vCPU) pair once per round, 4 nodes x 2 vCPUs:
 * through the master a pair costs [device node != 0] + [vCPU's node != 0]
 * messages, (4-1)*8 + 4*6 = 48 per round of 32; directly [device node !=
 * vCPU's node], 8*3 = 24.
 */
static void test_drive_all_pairs(void **state)
{
	static const struct {
		enum xl_nodes_strategy s;
		u64 msgs;
	} want[] = { { XL_NODES_MASTER, 48 }, { XL_NODES_DIRECT, 24 } };
	unsigned int i, v;

	for (i = 0; i < 2; i++) {
		struct xl_nodes *n = mk(4, 2, want[i].s, &kvm);
		struct xl_nodes_class_stats *c;

		assert_int_equal(xl_nodes_drive(n, XL_NODES_DEVICE, 320), 0);
		c = cls(n, XL_NODES_DEVICE);
		assert_int_equal(c->sent, 320);
		assert_int_equal(c->handled, 320);
		assert_int_equal(c->completed, 320);
		assert_int_equal(c->messages, 10 * want[i].msgs);
		assert_int_equal(c->exits, 2 * 320);
		for (v = 0; v < 8; v++)
			assert_int_equal(st.handled[v][XL_NODES_DEVICE], 40);
		assert_int_equal(st.in_flight, 0);
		assert_int_equal(xl_nodes_drive(n, XL_NODES_LEVEL, 64), 0);
		c = cls(n, XL_NODES_LEVEL);
		assert_int_equal(c->completed, 64);
		for (v = 0; v < 8; v++)
			assert_int_equal(st.handled[v][XL_NODES_LEVEL], 8);
		assert_int_equal(xl_nodes_drive(n, XL_NODES_IPI, 56), 0);
		assert_int_equal(xl_nodes_drive(n, XL_NODES_TIMER, 16), 0);
		c = cls(n, XL_NODES_IPI);
		assert_int_equal(c->handled, 56);
		assert_int_equal(c->exits, 56 * 3);	/* ICR + 2 */
		for (v = 0; v < 8; v++) {
			assert_int_equal(st.handled[v][XL_NODES_IPI], 7);
			assert_int_equal(st.handled[v][XL_NODES_TIMER], 2);
		}
		assert_int_equal(st.cls[XL_NODES_TIMER].messages, 0);
		assert_int_equal(st.order_errors, 0);
		xl_nodes_destroy(n);
	}
}

/*
 * The one that left first arrives last: m0 is on its way from node 0 to
 * vCPU 2 on node 2 when vCPU 2 moves to node 0; m1, sent then, is local
 * and would overtake it. It waits, m0 is forwarded (2 hops) and handled
 * first.
 */
static void test_order_kept_across_migration(void **state)
{
	struct xl_nodes *n = mk(3, 1, XL_NODES_DIRECT, &kvm);

	assert_int_equal(xl_nodes_device_msi(n, 0, 2, VEC), 0);
	assert_int_equal(xl_nodes_vcpu_migrate(n, 2, 0), 0);
	assert_int_equal(xl_nodes_device_msi(n, 0, 2, VEC2), 0);
	assert_int_equal(cls(n, XL_NODES_DEVICE)->handled, 0);
	assert_int_equal(st.held, 1);
	settle(n);
	assert_int_equal(cls(n, XL_NODES_DEVICE)->handled, 2);
	assert_int_equal(st.forwarded, 1);
	assert_int_equal(st.cls[XL_NODES_DEVICE].hops, 2);
	assert_int_equal(st.order_errors, 0);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(xl_nodes_last_vector(n, 2), VEC2);
	/* both handled where vCPU 2 now runs: 2 exits each, all on node 0 */
	assert_int_equal(st.cls[XL_NODES_DEVICE].node_exits[0], 4);
	assert_int_equal(st.cls[XL_NODES_DEVICE].exits, 4);
	/* node 1 was told where vCPU 2 went: one message */
	assert_int_equal(st.ctl_messages, 1);
	xl_nodes_destroy(n);
}

/*
 * Interrupts of every edge class from everywhere to everyone while the
 * vCPUs keep moving: all handled by their vCPU, none out of order.
 */
static void migrate_while_flowing(enum xl_nodes_strategy s)
{
	struct xl_nodes *n = mk(4, 1, s, &kvm);
	u64 sent[4] = { 0 };
	u32 step, d, v;

	for (step = 0; step < 200; step++) {
		for (d = 0; d < 4; d++)
			for (v = 0; v < 4; v++) {
				assert_int_equal(xl_nodes_device_msi(n, d, v,
								     VEC), 0);
				assert_int_equal(xl_nodes_ipi(n, d, v, VEC2),
						 0);
				sent[v]++;
			}
		assert_int_equal(xl_nodes_timer(n, step % 4, VEC), 0);
		if (step % 3 == 0)
			assert_true(xl_nodes_vcpu_migrate(n, step % 4,
							  (step / 3) % 4) >= 0);
		assert_int_equal(xl_nodes_run(n, 1), 0);
	}
	settle(n);
	assert_int_equal(xl_nodes_stats(n, &st), 0);
	for (v = 0; v < 4; v++) {
		assert_int_equal(st.handled[v][XL_NODES_DEVICE], sent[v]);
		assert_int_equal(st.handled[v][XL_NODES_IPI], sent[v]);
		assert_int_equal(st.handled[v][XL_NODES_TIMER], 50);
	}
	assert_int_equal(st.order_errors, 0);
	assert_int_equal(st.in_flight, 0);
	assert_true(st.forwarded > 0);
	xl_nodes_destroy(n);
}

static void test_migrate_while_flowing_master(void **state)
{
	migrate_while_flowing(XL_NODES_MASTER);
}

static void test_migrate_while_flowing_direct(void **state)
{
	migrate_while_flowing(XL_NODES_DIRECT);
}

/* A level interrupt whose vCPU moves before it arrives still completes. */
static void test_level_with_migration(void **state)
{
	struct xl_nodes *n = mk(3, 1, XL_NODES_MASTER, &kvm);

	assert_int_equal(xl_nodes_route(n, 1, 2, VEC, true), 0);
	assert_int_equal(xl_nodes_device_level(n, 1, 1), 0);
	assert_int_equal(xl_nodes_vcpu_migrate(n, 2, 1), 1);
	settle(n);
	assert_int_equal(cls(n, XL_NODES_LEVEL)->completed, 1);
	assert_int_equal(st.handled[2][XL_NODES_LEVEL], 1);
	assert_int_equal(xl_nodes_vcpu_node(n, 2), 1);
	/*
	 * The master decided before it heard of the move: node 2 forwards
	 * to node 1 (one more message), the EOI goes 1 -> 0 -> 1.
	 */
	assert_int_equal(st.forwarded, 1);
	assert_int_equal(st.ctl_messages, 1);
	assert_int_equal(st.cls[XL_NODES_LEVEL].messages, 5);
	assert_int_equal(st.cls[XL_NODES_LEVEL].hops, 3);
	xl_nodes_destroy(n);
}

static void test_cost_from_single_node_model(void **state)
{
	struct xl_nodes_cost c;

	assert_int_equal(xl_nodes_cost_from_model(XL_MODE_BASELINE, false, &c),
			 0);
	assert_int_equal(c.deliver_exits, 1);
	assert_int_equal(c.eoi_exits, 1);
	assert_int_equal(xl_nodes_cost_from_model(XL_MODE_DID, true, &c), 0);
	assert_int_equal(c.deliver_exits, 0);
	assert_int_equal(c.eoi_exits, 0);
	assert_int_equal(xl_nodes_cost_from_model(XL_MODE_PI, true, &c), 0);
	assert_int_equal(c.deliver_exits + c.eoi_exits, 0);
	assert_int_equal(xl_nodes_cost_from_model(XL_MODE_BASELINE, false,
						  NULL), -EINVAL);
}

static void test_bad_input(void **state)
{
	struct xl_nodes_config cfg = {
		.nr_nodes = 2, .vcpus_per_node = 1, .link_us = 1,
		.exit_us = 1,
	};
	struct xl_nodes *n = NULL;

	cfg.nr_nodes = 0;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.nr_nodes = XL_NODES_MAX + 1;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.nr_nodes = 2;
	cfg.master = 2;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.master = 0;
	cfg.link_us = NAN;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.link_us = -1;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.link_us = INFINITY;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	cfg.link_us = 1;
	cfg.vcpus_per_node = XL_NODES_MAX_VPN + 1;
	assert_int_equal(xl_nodes_create(&cfg, &n), -EINVAL);
	assert_null(n);
	cfg.vcpus_per_node = 1;
	assert_int_equal(xl_nodes_create(&cfg, &n), 0);
	assert_int_equal(xl_nodes_device_msi(n, 2, 0, VEC), -EINVAL);
	assert_int_equal(xl_nodes_device_msi(n, 0, 2, VEC), -EINVAL);
	assert_int_equal(xl_nodes_device_msi(n, 0, 0, 2), -EINVAL);
	assert_int_equal(xl_nodes_ipi(n, 0, 5, VEC), -EINVAL);
	assert_int_equal(xl_nodes_timer(n, 2, VEC), -EINVAL);
	assert_int_equal(xl_nodes_route(n, 24, 0, VEC, true), -EINVAL);
	assert_int_equal(xl_nodes_route(n, 0, 2, VEC, true), -EINVAL);
	assert_int_equal(xl_nodes_device_level(n, 0, 24), -EINVAL);
	assert_int_equal(xl_nodes_vcpu_migrate(n, 0, 2), -EINVAL);
	assert_int_equal(xl_nodes_drive(n, XL_NODES_NR_CLASSES, 1), -EINVAL);
	assert_int_equal(xl_nodes_stats(n, NULL), -EINVAL);
	assert_int_equal(xl_nodes_run(NULL, 1), -EINVAL);
	xl_nodes_destroy(n);
	xl_nodes_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_interrupt),
		cmocka_unit_test(test_timer_stays_local),
		cmocka_unit_test(test_level_eoi_reaches_device_node),
		cmocka_unit_test(test_drive_all_pairs),
		cmocka_unit_test(test_order_kept_across_migration),
		cmocka_unit_test(test_migrate_while_flowing_master),
		cmocka_unit_test(test_migrate_while_flowing_direct),
		cmocka_unit_test(test_level_with_migration),
		cmocka_unit_test(test_cost_from_single_node_model),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("model: nodes", tests, NULL, NULL);
}

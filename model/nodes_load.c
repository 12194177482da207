// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of the multi-node table: interrupts of one class spread
 * evenly over every (source, target vCPU) pair, so that a row is the
 * average over all placements of source and target.
 */
#include "nodes.h"

/* Vectors as Linux uses them (arch/x86/include/asm/irq_vectors.h). */
#define LOAD_DEV_VEC	0x51	/* a device's MSI, as the scenarios use */
#define LOAD_LEVEL_VEC	0x5b	/* a level-triggered IOAPIC pin */
#define LOAD_IPI_VEC	0xfb	/* CALL_FUNCTION_VECTOR */
#define LOAD_TIMER_VEC	0xec	/* LOCAL_TIMER_VECTOR */

/* Steps a level interrupt may take for its round trip before it is lost. */
#define LOAD_LEVEL_STEPS	64
/* Steps to let the link go quiet at the end. */
#define LOAD_DRAIN_STEPS	256

static int level_one(struct xl_nodes *n, u32 node, u32 vcpu)
{
	struct xl_nodes_stats st;
	u64 done;
	u32 s;
	int ret;

	/* pin @node: the device of that node; the guest aims it at @vcpu */
	ret = xl_nodes_route(n, node, vcpu, LOAD_LEVEL_VEC, true);
	ret = ret ?: xl_nodes_stats(n, &st);
	if (ret)
		return ret;
	done = st.cls[XL_NODES_LEVEL].completed;
	ret = xl_nodes_device_level(n, node, node);
	for (s = 0; !ret && s < LOAD_LEVEL_STEPS; s++) {
		ret = xl_nodes_stats(n, &st);
		if (ret || st.cls[XL_NODES_LEVEL].completed > done)
			return ret;
		ret = xl_nodes_run(n, 1);
	}
	return ret ?: -ETIMEDOUT;
}

int xl_nodes_drive(struct xl_nodes *n, enum xl_nodes_class cls, u32 count)
{
	struct xl_nodes_config cfg;
	u32 nodes, vcpus, i;
	int ret = 0;

	if (!n || cls >= XL_NODES_NR_CLASSES || xl_nodes_config_get(n, &cfg))
		return -EINVAL;
	nodes = cfg.nr_nodes;
	vcpus = cfg.nr_nodes * cfg.vcpus_per_node;
	for (i = 0; i < count && !ret; i++) {
		u32 pair, s, t;

		switch (cls) {
		case XL_NODES_DEVICE:
			pair = i % (nodes * vcpus);
			ret = xl_nodes_device_msi(n, pair / vcpus,
						  pair % vcpus, LOAD_DEV_VEC);
			break;
		case XL_NODES_IPI:
			if (vcpus == 1) {
				ret = xl_nodes_ipi(n, 0, 0, LOAD_IPI_VEC);
				break;
			}
			pair = i % (vcpus * (vcpus - 1));
			s = pair / (vcpus - 1);
			t = pair % (vcpus - 1);
			ret = xl_nodes_ipi(n, s, t < s ? t : t + 1,
					   LOAD_IPI_VEC);
			break;
		case XL_NODES_TIMER:
			ret = xl_nodes_timer(n, i % vcpus, LOAD_TIMER_VEC);
			break;
		case XL_NODES_LEVEL:
			pair = i % (nodes * vcpus);
			ret = level_one(n, pair / vcpus, pair % vcpus);
			break;
		default:
			ret = -EINVAL;
		}
		ret = ret ?: xl_nodes_run(n, 1);
	}
	return ret ?: xl_nodes_run(n, LOAD_DRAIN_STEPS);
}

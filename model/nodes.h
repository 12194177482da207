/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM spread over several nodes (machines), as GiantVM runs one
 * (papers/giantvm.md): each node has its pCPUs, the vCPUs running there,
 * and its own view of the VM's IOAPIC (an 82093AA redirection table,
 * model/ioapic.c) and of where each vCPU's LAPIC lives. Nodes talk over
 * a link; every message on it is counted and costs link_us.
 *
 * Two ways to route an interrupt between nodes:
 *   XL_NODES_MASTER  GiantVM's: a node forwards every interrupt signal to
 *                    the master, whose controller sets its registers and
 *                    picks the vCPU; the master sends it to the vCPU's
 *                    node, where KVM delivers it.
 *   XL_NODES_DIRECT  the node where the signal starts decides from its own
 *                    view and sends it straight to the vCPU's node, which
 *                    delivers it locally (exit-less there with did or pi).
 * What a local delivery costs in VM exits is not decided here: it comes
 * in struct xl_nodes_cost, measured on the single-node model
 * (xl_nodes_cost_from_model(), nodes_cost.c).
 *
 * Time: one step per link message; a message sent in step s is handled
 * in step s + 1, each link first in, first out. Latencies in µs are
 * computed from the counts: hops * link_us + exits * exit_us.
 */
#ifndef XL_MODEL_NODES_H
#define XL_MODEL_NODES_H

#include "xl_types.h"
#include "xl_engine.h"

#define XL_NODES_MAX		8	/* nodes in one VM */
#define XL_NODES_MAX_VPN	4	/* vCPUs per node at the start */
#define XL_NODES_MAX_VCPUS	(XL_NODES_MAX * XL_NODES_MAX_VPN)
#define XL_NODES_MAX_LINK_US	1e6	/* a link slower than 1 s is a typo */

/*
 * Exit cost, for latencies only: one direct world switch ~2,000 cycles on
 * a 2.93 GHz Xeon X5570 (SplitX, WIOV'11, the ELI group; papers/eli.md),
 * the same figure bench/projection uses: 2000 / 2.93 GHz = 0.683 µs.
 */
#define XL_NODES_EXIT_US	(2000.0 / 2930.0)

/*
 * Link cost per message. papers/giantvm.md cites no link latency from
 * GiantVM's papers, so this default is an assumption: a one-way message
 * over a datacenter network, between an RDMA message (a few µs) and a
 * TCP one (tens of µs). --link-us sets it.
 */
#define XL_NODES_LINK_US	10.0

enum xl_nodes_strategy {
	XL_NODES_MASTER,
	XL_NODES_DIRECT,
};

enum xl_nodes_class {
	XL_NODES_DEVICE,	/* device on node A -> vCPU (MSI, edge) */
	XL_NODES_IPI,		/* vCPU -> vCPU */
	XL_NODES_TIMER,		/* a vCPU's own LAPIC timer */
	XL_NODES_LEVEL,		/* level-triggered IOAPIC pin: delivery and
				 * its EOI back to the device's node */
	XL_NODES_NR_CLASSES,
};

/* VM exits of one local delivery of a forwarded interrupt. */
struct xl_nodes_cost {
	u32 deliver_exits;	/* until the guest handler runs */
	u32 eoi_exits;		/* the guest's EOI of an edge interrupt */
};

struct xl_nodes_config {
	u32 nr_nodes;		/* 1..XL_NODES_MAX */
	u32 vcpus_per_node;	/* 1..XL_NODES_MAX_VPN; vCPU v starts on
				 * node v / vcpus_per_node */
	u32 master;		/* node of the master controller */
	enum xl_nodes_strategy strategy;
	struct xl_nodes_cost local;
	double link_us;		/* per message; 0..XL_NODES_MAX_LINK_US */
	double exit_us;		/* per VM exit */
};

struct xl_nodes_class_stats {
	u64 sent;		/* interrupts raised */
	u64 handled;		/* guest handler runs */
	u64 completed;		/* handled, and for XL_NODES_LEVEL the EOI
				 * reached the device's node */
	u64 messages;		/* link messages they caused */
	u64 hops;		/* link traversals before the handler ran */
	u64 exits;		/* VM exits they caused, all nodes */
	u64 node_exits[XL_NODES_MAX];
	double latency_us;	/* sum over completed interrupts */
};

struct xl_nodes_stats {
	struct xl_nodes_class_stats cls[XL_NODES_NR_CLASSES];
	u64 handled[XL_NODES_MAX_VCPUS][XL_NODES_NR_CLASSES];
	u64 forwarded;		/* arrived where the vCPU had left */
	u64 held;		/* arrived ahead of an earlier one of the
				 * same source, held back */
	u64 order_errors;	/* a source's interrupt handled out of order */
	u64 ctl_messages;	/* vCPU location updates */
	u64 in_flight;		/* messages still on the link */
};

struct xl_nodes;

int xl_nodes_create(const struct xl_nodes_config *cfg, struct xl_nodes **out);
void xl_nodes_destroy(struct xl_nodes *n);
int xl_nodes_stats(const struct xl_nodes *n, struct xl_nodes_stats *out);
int xl_nodes_config_get(const struct xl_nodes *n, struct xl_nodes_config *out);
/* Handle the messages of @steps steps. */
int xl_nodes_run(struct xl_nodes *n, u32 steps);

/* The guest programs IOAPIC pin @pin (every node's view at once). */
int xl_nodes_route(struct xl_nodes *n, u32 pin, u32 vcpu, u8 vector,
		   bool level);
/* Sources. */
int xl_nodes_device_msi(struct xl_nodes *n, u32 node, u32 vcpu, u8 vector);
int xl_nodes_device_level(struct xl_nodes *n, u32 node, u32 pin);
int xl_nodes_ipi(struct xl_nodes *n, u32 from, u32 to, u8 vector);
int xl_nodes_timer(struct xl_nodes *n, u32 vcpu, u8 vector);
/* Scheduling: @vcpu moves to @node; returns its node or -errno. */
int xl_nodes_vcpu_migrate(struct xl_nodes *n, u32 vcpu, u32 node);
int xl_nodes_vcpu_node(const struct xl_nodes *n, u32 vcpu);
/* The last vector @vcpu's guest handled (tests). */
int xl_nodes_last_vector(const struct xl_nodes *n, u32 vcpu);

/*
 * Send @count interrupts of @cls, spread evenly over every (source,
 * target vCPU) pair, one per step, then run until the link is quiet.
 */
int xl_nodes_drive(struct xl_nodes *n, enum xl_nodes_class cls, u32 count);

/*
 * The single-node model's exits for a virtual interrupt delivered in
 * @mode (exitless engine attached; @posting: APICv + posted interrupts),
 * as the cost of one forwarded interrupt's local delivery.
 */
int xl_nodes_cost_from_model(enum xl_mode mode, bool posting,
			     struct xl_nodes_cost *out);

const char *xl_nodes_class_name(enum xl_nodes_class cls);

#endif /* XL_MODEL_NODES_H */

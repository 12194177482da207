// SPDX-License-Identifier: GPL-2.0
/*
 * exitless model --nodes N: a VM over N nodes (model/nodes.h), each class
 * of interrupt under GiantVM's forward-to-master routing and under direct
 * routing to the vCPU's node, with KVM's injection or exit-less delivery
 * (did, pi) there. Every number is MODELLED: link messages and exits are
 * counted by the model; latencies price them with the link cost given and
 * the exit cost of nodes.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "command.h"
#include "model_nodes.h"
#include "../model/nodes.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	enum xl_nodes_strategy strategy;
	enum xl_mode local;	/* how the vCPU's node delivers */
	bool posting;		/* APICv + posted interrupts there */
} strategies[] = {
	{ "master", XL_NODES_MASTER, XL_MODE_BASELINE, false },
	{ "direct", XL_NODES_DIRECT, XL_MODE_BASELINE, false },
	{ "direct-did", XL_NODES_DIRECT, XL_MODE_DID, true },
	{ "direct-pi", XL_NODES_DIRECT, XL_MODE_PI, true },
};

struct nodes_row {
	u64 sent, handled, completed, lost;
	double msgs, hops, exits, latency;
	double node_exits[XL_NODES_MAX];
};

static int run_row(const struct xl_nodes_config *cfg, enum xl_nodes_class k,
		   u32 count, struct nodes_row *row)
{
	struct xl_nodes_class_stats *c;
	struct xl_nodes_stats st;
	struct xl_nodes *n;
	u32 i;
	int ret;

	ret = xl_nodes_create(cfg, &n);
	if (ret)
		return ret;
	ret = xl_nodes_drive(n, k, count);
	ret = ret ?: xl_nodes_stats(n, &st);
	xl_nodes_destroy(n);
	if (ret)
		return ret;
	c = &st.cls[k];
	memset(row, 0, sizeof(*row));
	row->sent = c->sent;
	row->handled = c->handled;
	row->completed = c->completed;
	row->lost = c->sent > c->completed ? c->sent - c->completed : 0;
	if (!c->sent)
		return -EIO;
	row->msgs = (double)c->messages / c->sent;
	row->hops = (double)c->hops / c->sent;
	row->exits = (double)c->exits / c->sent;
	row->latency = c->completed ? c->latency_us / c->completed : 0;
	for (i = 0; i < cfg->nr_nodes; i++)
		row->node_exits[i] = (double)c->node_exits[i] / c->sent;
	return 0;
}

static json_object *row_json(const char *strategy, enum xl_mode local,
			     enum xl_nodes_class k, u32 nodes,
			     const struct nodes_row *r)
{
	json_object *o = json_object_new_object();
	json_object *ne = json_object_new_array();
	u32 i;

	json_object_object_add(o, "strategy", json_object_new_string(strategy));
	json_object_object_add(o, "local_mode",
			       json_object_new_string(xl_mode_name(local)));
	json_object_object_add(o, "class",
			       json_object_new_string(xl_nodes_class_name(k)));
	json_object_object_add(o, "sent", json_object_new_int64(r->sent));
	json_object_object_add(o, "handled", json_object_new_int64(r->handled));
	json_object_object_add(o, "completed",
			       json_object_new_int64(r->completed));
	json_object_object_add(o, "lost", json_object_new_int64(r->lost));
	json_object_object_add(o, "messages_per_irq",
			       json_object_new_double(r->msgs));
	json_object_object_add(o, "hops_per_irq",
			       json_object_new_double(r->hops));
	json_object_object_add(o, "exits_per_irq",
			       json_object_new_double(r->exits));
	for (i = 0; i < nodes; i++)
		json_object_array_add(ne,
			json_object_new_double(r->node_exits[i]));
	json_object_object_add(o, "node_exits_per_irq", ne);
	json_object_object_add(o, "latency_us",
			       json_object_new_double(r->latency));
	return o;
}

int xl_model_nodes_table(u32 nodes, double link_us, u32 count, bool json)
{
	struct xl_nodes_config cfg = {
		.nr_nodes = nodes, .vcpus_per_node = 1, .master = 0,
		.link_us = link_us, .exit_us = XL_NODES_EXIT_US,
	};
	json_object *rows = json ? json_object_new_array() : NULL;
	bool lost_any = false;
	unsigned int si, k, i;

	if (!json) {
		printf("MODELLED: a VM over %u node%s (one vCPU each, master on node 0), link %.3g us per message, exit %.3f us\n",
		       nodes, nodes == 1 ? "" : "s", link_us, XL_NODES_EXIT_US);
		printf("N=%u per row, spread over every (source, target vCPU) pair; per interrupt:\n\n",
		       count);
		printf("%-10s %-9s %-9s %7s %7s %5s %6s %6s %6s %8s  exits by node\n",
		       "strategy", "local", "class", "sent", "done", "lost",
		       "msgs", "hops", "exits", "lat_us");
	}
	for (si = 0; si < ARRAY_SIZE(strategies); si++) {
		int ret;

		cfg.strategy = strategies[si].strategy;
		ret = xl_nodes_cost_from_model(strategies[si].local,
					       strategies[si].posting,
					       &cfg.local);
		for (k = 0; !ret && k < XL_NODES_NR_CLASSES; k++) {
			struct nodes_row r;

			ret = run_row(&cfg, k, count, &r);
			if (ret)
				break;
			lost_any |= r.lost != 0;
			if (json) {
				json_object_array_add(rows,
					row_json(strategies[si].name,
						 strategies[si].local, k,
						 nodes, &r));
				continue;
			}
			printf("%-10s %-9s %-9s %7llu %7llu %5llu %6.3f %6.3f %6.3f %8.3f ",
			       strategies[si].name,
			       xl_mode_name(strategies[si].local),
			       xl_nodes_class_name(k),
			       (unsigned long long)r.sent,
			       (unsigned long long)r.completed,
			       (unsigned long long)r.lost, r.msgs, r.hops,
			       r.exits, r.latency);
			for (i = 0; i < nodes; i++)
				printf(" %5.3f", r.node_exits[i]);
			printf("\n");
		}
		if (ret) {
			fprintf(stderr, "exitless model: --nodes: %s: %s\n",
				strategies[si].name, strerror(-ret));
			json_object_put(rows);
			return XL_EXIT_FAIL;
		}
	}
	if (json) {
		json_object *top = xl_model_json_top("exitless model --nodes (model/nodes.c)");

		json_object_object_add(top, "nodes", json_object_new_int(nodes));
		json_object_object_add(top, "vcpus_per_node",
				       json_object_new_int(1));
		json_object_object_add(top, "master", json_object_new_int(0));
		json_object_object_add(top, "link_us",
				       json_object_new_double(link_us));
		json_object_object_add(top, "exit_us",
				       json_object_new_double(XL_NODES_EXIT_US));
		json_object_object_add(top, "count", json_object_new_int64(count));
		xl_model_json_put(top, rows);
	} else {
		printf("\nmaster = GiantVM's routing: every signal to the master's controller, which picks the\n"
		       "vCPU and sends it to the vCPU's node; direct = straight to the vCPU's node.\n"
		       "local = how that node delivers: baseline (KVM injects), did or pi (exit-less).\n"
		       "level-eoi = a level-triggered pin: delivery plus its EOI back to the device's node\n"
		       "(msgs count both ways, hops only the way in, lat_us the round trip).\n"
		       "lat_us = link messages x link cost + exits on the way x exit cost; an IPI's\n"
		       "exits include the sender's ICR write. The link cost is an assumption unless\n"
		       "given (no GiantVM figure in papers/giantvm.md); the exit cost is SplitX's\n"
		       "2,000 cycles at 2.93 GHz.\n");
	}
	return lost_any ? XL_EXIT_FAIL : XL_EXIT_OK;
}

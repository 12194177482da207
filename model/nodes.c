// SPDX-License-Identifier: GPL-2.0
/*
 * A VM over several nodes (nodes.h): the messages between the nodes'
 * interrupt controllers, under GiantVM's forward-to-master routing or
 * direct routing to the target vCPU's node. Each node keeps its own view
 * of the IOAPIC (model/ioapic.c: redirection entries, remote IRR) and of
 * which node runs each vCPU; the local delivery at the vCPU's node is
 * charged the exits of struct xl_nodes_cost.
 *
 * Per-source order: every interrupt carries a sequence number per
 * (source, target vCPU); one that overtakes an earlier one (a vCPU moved
 * while both were on the way) is held at the vCPU until the earlier one
 * is handled, as a real receiver must do with a reordering transport.
 */
#include <stdlib.h>

#include "model_priv.h"
#include "nodes.h"

/*
 * Sources, for the order of each one's interrupts: a node's device
 * (MSI), an IOAPIC pin, a vCPU sending IPIs, a vCPU's timer.
 */
#define SRC_MSI(node)		(node)
#define SRC_PIN(pin)		(XL_NODES_MAX + (pin))
#define SRC_IPI(vcpu)		(XL_NODES_MAX + XL_IOAPIC_PINS + (vcpu))
#define SRC_TIMER(vcpu)		(SRC_IPI(XL_NODES_MAX_VCPUS) + (vcpu))
#define NR_SRC			SRC_TIMER(XL_NODES_MAX_VCPUS)

/*
 * A guest IPI is a write of the x2APIC ICR (MSR 0x830), which KVM
 * intercepts: one MSR-write exit on the sender's node (without IPI
 * virtualization, SDM vol.3 31.1.2 on newer CPUs, which the model does not
 * have). The same in every strategy.
 */
#define ICR_EXITS		1
/*
 * The EOI of a level-triggered vector always exits on the vCPU's node:
 * in baseline the EOI write is intercepted (as for an edge vector); with
 * APICv, KVM sets the vector in the EOI-exit bitmap so the IOAPIC hears
 * of it (SDM vol.3 29.1.3, EOI virtualization; KVM
 * vcpu_load_eoi_exitmap()). Either way one exit.
 */
#define LEVEL_EOI_EXITS		1

enum nmsg_type {
	MSG_SIGNAL,	/* to the controller that decides (master) */
	MSG_DELIVER,	/* to the node running the target vCPU */
	MSG_EOI,	/* a level EOI on its way to the IOAPIC / device */
	MSG_WHERE,	/* a vCPU now runs on node @node */
};

struct nmsg {
	u8 type, cls, vector;
	bool cleared;		/* MSG_EOI: remote IRR already cleared */
	u32 to;
	u32 vcpu, node, pin, src, seq, dev_node, gen;
	u32 links;		/* link traversals so far (latency) */
	u32 exits;		/* exits on the way so far (latency) */
};

struct xl_node {
	struct xl_ioapic ioapic;		/* this node's view */
	u8 where[XL_NODES_MAX_VCPUS];		/* ... of each vCPU's node */
	u32 where_gen[XL_NODES_MAX_VCPUS];	/* ... and how recent */
};

struct nqueue {
	struct nmsg *m;
	u32 len, cap;
};

struct xl_nodes {
	struct xl_nodes_config cfg;
	u32 nr_vcpus;
	struct xl_node node[XL_NODES_MAX];
	u8 at[XL_NODES_MAX_VCPUS];	/* where each vCPU really runs */
	u32 gen[XL_NODES_MAX_VCPUS];	/* migrations of each vCPU */
	int last_vector[XL_NODES_MAX_VCPUS];
	u32 pin_node[XL_IOAPIC_PINS];	/* node of the device on a pin */
	u32 seq_out[NR_SRC][XL_NODES_MAX_VCPUS];
	u32 seq_in[NR_SRC][XL_NODES_MAX_VCPUS];
	struct nqueue link;	/* sent this step, handled the next */
	struct nqueue held;	/* ahead of their source's order */
	struct xl_nodes_stats st;
};

static const char *const class_names[XL_NODES_NR_CLASSES] = {
	[XL_NODES_DEVICE] = "device",
	[XL_NODES_IPI] = "ipi",
	[XL_NODES_TIMER] = "timer",
	[XL_NODES_LEVEL] = "level-eoi",
};

const char *xl_nodes_class_name(enum xl_nodes_class cls)
{
	return cls < XL_NODES_NR_CLASSES ? class_names[cls] : "?";
}

static int nq_push(struct nqueue *q, const struct nmsg *m)
{
	if (q->len == q->cap) {
		u32 cap = q->cap ? 2 * q->cap : 64;
		struct nmsg *p = realloc(q->m, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->m = p;
		q->cap = cap;
	}
	q->m[q->len++] = *m;
	return 0;
}

static void nq_del(struct nqueue *q, u32 i)
{
	memmove(&q->m[i], &q->m[i + 1], (q->len - i - 1) * sizeof(*q->m));
	q->len--;
}

static u32 owner(const struct xl_nodes *n, const struct nmsg *m)
{
	return n->cfg.strategy == XL_NODES_MASTER ? n->cfg.master :
						    m->dev_node;
}

static void charge(struct xl_nodes *n, struct nmsg *m, u32 node, u32 exits,
		   bool on_path)
{
	struct xl_nodes_class_stats *c = &n->st.cls[m->cls];

	c->exits += exits;
	c->node_exits[node] += exits;
	if (on_path)
		m->exits += exits;
}

static void complete(struct xl_nodes *n, const struct nmsg *m)
{
	struct xl_nodes_class_stats *c = &n->st.cls[m->cls];

	c->completed++;
	c->latency_us += m->links * n->cfg.link_us + m->exits * n->cfg.exit_us;
}

static int arrive(struct xl_nodes *n, struct nmsg *m, u32 at);

/* @m leaves @from for @to; on the same node it is handled at once. */
static int send(struct xl_nodes *n, struct nmsg *m, u32 from, u32 to)
{
	if (from == to)
		return arrive(n, m, to);
	if (m->type == MSG_WHERE) {
		n->st.ctl_messages++;
	} else {
		n->st.cls[m->cls].messages++;
		if (m->type != MSG_EOI)
			n->st.cls[m->cls].hops++;
		m->links++;
	}
	m->to = to;
	return nq_push(&n->link, m);
}

/* The node that decides (@at) picks the vCPU and sends it there. */
static int resolve(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	struct xl_node *nd = &n->node[at];

	if (m->cls == XL_NODES_LEVEL) {
		struct xl_ioapic_msg im;

		/* a pulse: remote IRR holds it until the EOI comes back */
		if (xl_ioapic_set_irq(&nd->ioapic, m->pin, 1, &im) != 1)
			return 0;	/* merged with the one not yet EOIed */
		xl_ioapic_set_irq(&nd->ioapic, m->pin, 0, &im);
		if (im.dest >= n->nr_vcpus)
			return -EINVAL;
		m->vcpu = im.dest;
		m->vector = im.vector;
		m->seq = n->seq_out[m->src][m->vcpu]++;
		n->pin_node[m->pin] = m->dev_node;
	}
	m->type = MSG_DELIVER;
	return send(n, m, at, nd->where[m->vcpu]);
}

/* Where a signal starts: GiantVM's nodes hand it to the master. */
static int origin(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	n->st.cls[m->cls].sent++;
	if (n->cfg.strategy == XL_NODES_MASTER && at != n->cfg.master) {
		m->type = MSG_SIGNAL;
		return send(n, m, at, n->cfg.master);
	}
	return resolve(n, m, at);
}

/* The guest's handler of @m runs on @at, then its EOI. */
static int handle(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	struct xl_nodes_class_stats *c = &n->st.cls[m->cls];

	charge(n, m, at, n->cfg.local.deliver_exits, true);
	c->handled++;
	n->st.handled[m->vcpu][m->cls]++;
	n->last_vector[m->vcpu] = m->vector;
	n->seq_in[m->src][m->vcpu]++;
	if (m->cls != XL_NODES_LEVEL) {
		charge(n, m, at, n->cfg.local.eoi_exits, false);
		complete(n, m);
		return 0;
	}
	charge(n, m, at, LEVEL_EOI_EXITS, true);
	m->type = MSG_EOI;
	m->cleared = false;
	return send(n, m, at, owner(n, m));
}

/* Handle every held interrupt of @vcpu whose turn has come. */
static int drain_held(struct xl_nodes *n, u32 vcpu, u32 at)
{
	bool again = true;
	u32 i;
	int ret;

	while (again) {
		again = false;
		for (i = 0; i < n->held.len; i++) {
			struct nmsg m = n->held.m[i];

			if (m.vcpu != vcpu ||
			    m.seq != n->seq_in[m.src][vcpu])
				continue;
			nq_del(&n->held, i);
			ret = handle(n, &m, at);
			if (ret)
				return ret;
			again = true;
			break;
		}
	}
	return 0;
}

static int deliver(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	u32 v = m->vcpu;
	int ret;

	if (n->at[v] != at) {
		/* it moved on; this node knows where (it sent it there) */
		n->st.forwarded++;
		return send(n, m, at, n->node[at].where[v]);
	}
	if (m->seq != n->seq_in[m->src][v]) {
		if (m->seq < n->seq_in[m->src][v])
			n->st.order_errors++;
		n->st.held++;
		return nq_push(&n->held, m);
	}
	ret = handle(n, m, at);
	return ret ?: drain_held(n, v, at);
}

static int eoi(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	if (at == owner(n, m) && !m->cleared) {
		xl_ioapic_eoi(&n->node[at].ioapic, m->vector);
		m->cleared = true;
	}
	if (at != m->dev_node)
		return send(n, m, at, m->dev_node);
	complete(n, m);
	return 0;
}

static int arrive(struct xl_nodes *n, struct nmsg *m, u32 at)
{
	struct xl_node *nd = &n->node[at];

	switch (m->type) {
	case MSG_SIGNAL:
		return resolve(n, m, at);
	case MSG_DELIVER:
		return deliver(n, m, at);
	case MSG_EOI:
		return eoi(n, m, at);
	case MSG_WHERE:
		if (m->gen > nd->where_gen[m->vcpu]) {
			nd->where[m->vcpu] = m->node;
			nd->where_gen[m->vcpu] = m->gen;
		}
		return 0;
	}
	return -EINVAL;
}

int xl_nodes_run(struct xl_nodes *n, u32 steps)
{
	if (!n)
		return -EINVAL;
	while (steps--) {
		struct nqueue now = n->link;
		u32 i;
		int ret = 0;

		memset(&n->link, 0, sizeof(n->link));
		for (i = 0; i < now.len && !ret; i++)
			ret = arrive(n, &now.m[i], now.m[i].to);
		free(now.m);
		if (ret)
			return ret;
	}
	return 0;
}

int xl_nodes_create(const struct xl_nodes_config *cfg, struct xl_nodes **out)
{
	struct xl_nodes *n;
	u32 k, v;

	if (!cfg || !out || !cfg->nr_nodes || cfg->nr_nodes > XL_NODES_MAX ||
	    !cfg->vcpus_per_node || cfg->vcpus_per_node > XL_NODES_MAX_VPN ||
	    cfg->master >= cfg->nr_nodes ||
	    cfg->strategy > XL_NODES_DIRECT ||
	    !(cfg->link_us >= 0 && cfg->link_us <= XL_NODES_MAX_LINK_US) ||
	    !(cfg->exit_us >= 0 && cfg->exit_us <= XL_NODES_MAX_LINK_US))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->nr_vcpus = cfg->nr_nodes * cfg->vcpus_per_node;
	for (v = 0; v < n->nr_vcpus; v++) {
		n->at[v] = v / cfg->vcpus_per_node;
		n->last_vector[v] = -1;
	}
	for (k = 0; k < cfg->nr_nodes; k++) {
		xl_ioapic_reset(&n->node[k].ioapic);
		memcpy(n->node[k].where, n->at, sizeof(n->at));
	}
	*out = n;
	return 0;
}

void xl_nodes_destroy(struct xl_nodes *n)
{
	if (!n)
		return;
	free(n->link.m);
	free(n->held.m);
	free(n);
}

int xl_nodes_stats(const struct xl_nodes *n, struct xl_nodes_stats *out)
{
	if (!n || !out)
		return -EINVAL;
	*out = n->st;
	out->in_flight = n->link.len + n->held.len;
	return 0;
}

int xl_nodes_config_get(const struct xl_nodes *n, struct xl_nodes_config *out)
{
	if (!n || !out)
		return -EINVAL;
	*out = n->cfg;
	return 0;
}

int xl_nodes_route(struct xl_nodes *n, u32 pin, u32 vcpu, u8 vector,
		   bool level)
{
	/* 82093AA 3.2.4: vector 7:0, trigger mode 15, destination 63:56 */
	u32 lo = vector | (level ? XL_BIT(15) : 0), hi = vcpu << 24;
	u32 k;

	if (!n || pin >= XL_IOAPIC_PINS || vcpu >= n->nr_vcpus ||
	    vector < 16)
		return -EINVAL;
	for (k = 0; k < n->cfg.nr_nodes; k++) {
		struct xl_ioapic *io = &n->node[k].ioapic;

		xl_ioapic_write(io, 0, 0x10 + 2 * pin);
		xl_ioapic_write(io, 0x10, lo);
		xl_ioapic_write(io, 0, 0x11 + 2 * pin);
		xl_ioapic_write(io, 0x10, hi);
	}
	return 0;
}

int xl_nodes_device_msi(struct xl_nodes *n, u32 node, u32 vcpu, u8 vector)
{
	struct nmsg m = { .cls = XL_NODES_DEVICE, .vector = vector };

	if (!n || node >= n->cfg.nr_nodes || vcpu >= n->nr_vcpus ||
	    vector < 16)
		return -EINVAL;
	m.vcpu = vcpu;
	m.dev_node = node;
	m.src = SRC_MSI(node);
	m.seq = n->seq_out[m.src][vcpu]++;
	return origin(n, &m, node);
}

int xl_nodes_device_level(struct xl_nodes *n, u32 node, u32 pin)
{
	struct nmsg m = { .cls = XL_NODES_LEVEL };

	if (!n || node >= n->cfg.nr_nodes || pin >= XL_IOAPIC_PINS)
		return -EINVAL;
	m.pin = pin;
	m.dev_node = node;
	m.src = SRC_PIN(pin);
	return origin(n, &m, node);
}

int xl_nodes_ipi(struct xl_nodes *n, u32 from, u32 to, u8 vector)
{
	struct nmsg m = { .cls = XL_NODES_IPI, .vector = vector };
	u32 at;

	if (!n || from >= n->nr_vcpus || to >= n->nr_vcpus || vector < 16)
		return -EINVAL;
	at = n->at[from];
	m.vcpu = to;
	m.dev_node = at;
	m.src = SRC_IPI(from);
	m.seq = n->seq_out[m.src][to]++;
	charge(n, &m, at, ICR_EXITS, true);
	return origin(n, &m, at);
}

/* The LAPIC timer is the vCPU's own: it fires where the vCPU runs. */
int xl_nodes_timer(struct xl_nodes *n, u32 vcpu, u8 vector)
{
	struct nmsg m = { .cls = XL_NODES_TIMER, .vector = vector };

	if (!n || vcpu >= n->nr_vcpus || vector < 16)
		return -EINVAL;
	m.vcpu = vcpu;
	m.dev_node = n->at[vcpu];
	m.src = SRC_TIMER(vcpu);
	m.seq = n->seq_out[m.src][vcpu]++;
	n->st.cls[m.cls].sent++;
	m.type = MSG_DELIVER;
	return deliver(n, &m, n->at[vcpu]);
}

/*
 * @vcpu now runs on @node. The node it left and the one it joined know at
 * once; the others learn it by a message (the master only, under
 * XL_NODES_MASTER: nobody else decides). Until then they send to where
 * it was, and that node forwards.
 */
int xl_nodes_vcpu_migrate(struct xl_nodes *n, u32 vcpu, u32 node)
{
	struct nmsg m = { .type = MSG_WHERE };
	u32 old, k;
	int ret = 0;

	if (!n || vcpu >= n->nr_vcpus || node >= n->cfg.nr_nodes)
		return -EINVAL;
	old = n->at[vcpu];
	if (old == node)
		return node;
	n->at[vcpu] = node;
	m.vcpu = vcpu;
	m.node = node;
	m.gen = ++n->gen[vcpu];
	for (k = 0; k < n->cfg.nr_nodes; k++) {
		if (k == old || k == node) {
			n->node[k].where[vcpu] = node;
			n->node[k].where_gen[vcpu] = m.gen;
		} else if (n->cfg.strategy == XL_NODES_DIRECT ||
			   k == n->cfg.master) {
			ret = ret ?: send(n, &m, old, k);
		}
	}
	return ret ?: (int)node;
}

int xl_nodes_vcpu_node(const struct xl_nodes *n, u32 vcpu)
{
	if (!n || vcpu >= n->nr_vcpus)
		return -EINVAL;
	return n->at[vcpu];
}

int xl_nodes_last_vector(const struct xl_nodes *n, u32 vcpu)
{
	if (!n || vcpu >= n->nr_vcpus)
		return -EINVAL;
	return n->last_vector[vcpu];
}

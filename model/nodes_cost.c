// SPDX-License-Identifier: GPL-2.0
/*
 * What a forwarded interrupt costs on the vCPU's node: the single-node
 * model (the exitless engine on model/, scenario.c), sending virtual
 * interrupts in the given mode -- the same runs as the "virtual" rows of
 * `exitless model`. A forwarded interrupt arrives at the target node from
 * the network, not from a device of that node, so for the local
 * hypervisor it is a virtual interrupt (DID's case).
 */
#include "nodes.h"
#include "scenario.h"

/* enough to average out the mode switch; the costs are per interrupt */
#define COST_RUNS	64

int xl_nodes_cost_from_model(enum xl_mode mode, bool posting,
			     struct xl_nodes_cost *out)
{
	struct xl_scn_cfg cfg;
	struct xl_scn_result r;
	u64 eoi;
	int ret;

	if (!out)
		return -EINVAL;
	xl_scn_defaults(&cfg, mode, XL_SCN_VIRTUAL, COST_RUNS);
	cfg.apicv = cfg.posted_intr = cfg.vtd_posting = posting;
	ret = xl_scn_run(&cfg, &r);
	if (ret)
		return ret;
	if (r.mode_ret)
		return r.mode_ret;
	if (r.handled_virtual != r.sent_virtual || !r.sent_virtual)
		return -EIO;
	/* the guest's EOI: an intercepted x2APIC EOI write, or EOI-induced */
	eoi = r.vcpu.exit_reason[EXIT_REASON_MSR_WRITE] +
	      r.vcpu.exit_reason[EXIT_REASON_EOI_INDUCED];
	/* the model is exact: a mode costs a whole number of exits each */
	if (r.vcpu.exits % r.sent_virtual || eoi % r.sent_virtual)
		return -ERANGE;
	out->deliver_exits = (r.vcpu.exits - eoi) / r.sent_virtual;
	out->eoi_exits = eoi / r.sent_virtual;
	return 0;
}

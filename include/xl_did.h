/* SPDX-License-Identifier: GPL-2.0 */
/*
 * did-ipi/: route one virtual interrupt (VM, vCPU, vector) to an action,
 * as DID does (notes/anchors.md 2): a virtual interrupt becomes a physical
 * IPI to the pCPU running the target vCPU instead of an exit-and-inject.
 *
 *   posted-interrupt capable vCPU (SDM 29.6):
 *     running    -> post into its PI descriptor, notification IPI (NV) to
 *                   its pCPU when the post set ON
 *     blocked    -> post, then wake it
 *     preempted  -> post only (SN is set; the schedule-in path sets ON)
 *   no posted interrupts, vCPU in ELI direct mode and the vector mapped
 *   one-to-one in the shadow IDT (e.g. Bochs):
 *     running    -> physical IPI of the guest vector itself to its pCPU;
 *                   it arrives through the shadow IDT with no exit
 *   anything else (mode off, injection mode, not mapped, preempted or
 *   blocked without posting) -> the hypervisor's injection (ops->inject),
 *   plus a wakeup when blocked
 *   a vector the VM does not own -> refused, never delivered
 */
#ifndef XL_DID_H
#define XL_DID_H

#include "xl_types.h"
#include "xl_hw_ops.h"
#include "hw/pi_desc.h"

enum xl_did_action {
	XL_DID_REFUSE = 1,	/* not owned: -EPERM */
	XL_DID_POST_NOTIFY,	/* running + posting */
	XL_DID_POST_WAKE,	/* blocked + posting */
	XL_DID_POST_ONLY,	/* preempted + posting */
	XL_DID_IPI_VECTOR,	/* running in ELI direct mode */
	XL_DID_INJECT,		/* fallback */
	XL_DID_INJECT_WAKE,	/* fallback, vCPU blocked */
};

struct xl_did_target {
	enum xl_vcpu_run_state state;
	bool owned;		/* the VM owns this vector */
	bool posting;		/* the vCPU has a live PI descriptor */
	bool sidt_direct;	/* vCPU runs with the shadow IDT */
	bool vector_direct;	/* a shadow IDT gate delivers the vector */
};

/* Decide; > 0 an enum xl_did_action, -EINVAL on bad input. Pure. */
int xl_did_route(const struct xl_did_target *t, unsigned int vector);

/* What xl_did_execute() did, for the engine's counters. */
struct xl_did_result {
	bool posted, notified, woken, ipi, injected;
};

/*
 * Carry out @action for @vector on @vcpu. @loc is where the vCPU was when
 * the route was chosen; @pi and @nv are used by the POST actions. For
 * XL_DID_IPI_VECTOR @vector is the physical vector to send, the one whose
 * shadow IDT gate delivers the guest's vector (xl_sidt_map_rlookup). Returns
 * 0 or a negative errno from the ops (the post itself cannot fail once
 * @pi passed xl_pi_desc_check).
 */
int xl_did_execute(const struct xl_hw *hw, u32 vcpu,
		   const struct xl_vcpu_loc *loc, struct xl_pi_desc *pi,
		   u8 nv, unsigned int vector, enum xl_did_action action,
		   struct xl_did_result *res);

#endif /* XL_DID_H */

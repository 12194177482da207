// SPDX-License-Identifier: GPL-2.0
/*
 * DID routing of virtual interrupts (VEE 2015; notes/anchors.md 2) and its
 * posted-interrupt form (KVM __vmx_deliver_posted_interrupt, anchors 4.1).
 * The decision is a pure function so that every case is unit-tested; the
 * execution only calls xl_hw_ops and the posted/ descriptor operations.
 */
#include "xl_did.h"
#include "xl_pi.h"
#include "xl_err.h"

int xl_did_route(const struct xl_did_target *t, unsigned int vector)
{
	if (!t)
		return XL_FAIL(-EINVAL, "no target");
	if (vector < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "vector below 32");
	if (vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "vector above 255");
	if (t->state != XL_VCPU_RUNNING && t->state != XL_VCPU_PREEMPTED &&
	    t->state != XL_VCPU_BLOCKED)
		return XL_FAIL(-EINVAL,
			       "vCPU not running, preempted or blocked");
	if (!t->owned)
		return XL_DID_REFUSE;

	if (t->posting) {
		switch (t->state) {
		case XL_VCPU_RUNNING:
			return XL_DID_POST_NOTIFY;
		case XL_VCPU_BLOCKED:
			return XL_DID_POST_WAKE;
		default:
			return XL_DID_POST_ONLY;
		}
	}
	if (t->state == XL_VCPU_RUNNING && t->sidt_direct && t->vector_direct)
		return XL_DID_IPI_VECTOR;
	if (t->state == XL_VCPU_BLOCKED)
		return XL_DID_INJECT_WAKE;
	return XL_DID_INJECT;
}

/* Make a blocked vCPU runnable: it re-checks PIR / its vLAPIC then. */
static int did_wake(const struct xl_hw *hw, u32 vcpu,
		    struct xl_did_result *res)
{
	int ret;

	if (!hw->ops->wake_vcpu)
		return XL_FAIL(-EOPNOTSUPP, "no vCPU wake op");
	ret = hw->ops->wake_vcpu(hw->priv, vcpu);
	if (!ret)
		res->woken = true;
	return ret;
}

int xl_did_execute(const struct xl_hw *hw, u32 vcpu,
		   const struct xl_vcpu_loc *loc, struct xl_pi_desc *pi,
		   u8 nv, unsigned int vector, enum xl_did_action action,
		   struct xl_did_result *res)
{
	const struct xl_hw_ops *ops;
	int ret;

	if (!hw || !hw->ops)
		return XL_FAIL(-EINVAL, "no hw ops");
	if (!loc)
		return XL_FAIL(-EINVAL, "no vCPU location");
	if (!res)
		return XL_FAIL(-EINVAL, "no result");
	if (vcpu >= hw->nr_vcpus)
		return XL_FAIL(-EINVAL, "vCPU index out of range");
	if (vector < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "vector below 32");
	if (vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "vector above 255");
	ops = hw->ops;
	memset(res, 0, sizeof(*res));

	switch (action) {
	case XL_DID_POST_NOTIFY:
	case XL_DID_POST_WAKE:
	case XL_DID_POST_ONLY:
		ret = xl_pi_post(pi, vector);
		if (ret < 0)
			return ret;
		res->posted = true;
		if (action == XL_DID_POST_NOTIFY && (ret & XL_PI_NOTIFY)) {
			/*
			 * ON went 0->1: we own the one notification. If the
			 * vCPU left non-root mode meanwhile the IPI lands in
			 * root mode and the PIR is synced at the next entry,
			 * the benign race KVM documents in
			 * kvm_vcpu_trigger_posted_interrupt.
			 */
			if (!ops->send_ipi)
				return XL_FAIL(-EOPNOTSUPP, "no IPI send op");
			ret = ops->send_ipi(hw->priv, loc->pcpu, nv);
			if (ret)
				return ret;
			res->notified = true;
		}
		return action == XL_DID_POST_WAKE ? did_wake(hw, vcpu, res) : 0;
	case XL_DID_IPI_VECTOR:
		if (!ops->send_ipi)
			return XL_FAIL(-EOPNOTSUPP, "no IPI send op");
		ret = ops->send_ipi(hw->priv, loc->pcpu, vector);
		if (ret)
			return ret;
		res->ipi = true;
		return 0;
	case XL_DID_INJECT:
	case XL_DID_INJECT_WAKE:
		if (!ops->inject)
			return XL_FAIL(-EOPNOTSUPP, "no inject op");
		ret = ops->inject(hw->priv, vcpu, vector);
		if (ret)
			return ret;
		res->injected = true;
		return action == XL_DID_INJECT_WAKE ?
		       did_wake(hw, vcpu, res) : 0;
	case XL_DID_REFUSE:
		return -EPERM;
	}
	return XL_FAIL(-EINVAL, "unknown DID action");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Posted-interrupt descriptor operations, Intel SDM vol. 3C 29.6 and VT-d
 * spec 9.12. Software posting follows the same protocol the IOMMU uses
 * (VT-d 9.12, "Posted Interrupt Processing by remapping hardware"): set the
 * PIR bit, then, if ON and SN are both clear, set ON and send one
 * notification event. The consumer (the CPU on the notification vector, or
 * software syncing PIR into a virtual IRR) clears ON *before* it harvests
 * PIR, so a post that lands after the harvest always finds ON clear and
 * notifies again: no request is ever left in PIR without a notification.
 */
#include "xl_pi.h"
#include "xl_err.h"

#define PI_ON	XL_BIT(PI_CONTROL_ON)
#define PI_SN	XL_BIT(PI_CONTROL_SN)

int xl_pi_desc_check(const struct xl_pi_desc *pi)
{
	if (!pi)
		return XL_FAIL(-EINVAL, "no PI descriptor");
	/* SDM 29.6: the descriptor must be 64-byte aligned. */
	if ((uintptr_t)pi & (XL_PI_DESC_ALIGN - 1))
		return XL_FAIL(-EINVAL, "PI descriptor not 64-byte aligned (SDM 29.6)");
	return 0;
}

int xl_pi_init(struct xl_pi_desc *pi, u8 nv, u32 apic_id, bool x2apic)
{
	int ret = xl_pi_desc_check(pi);

	if (ret)
		return ret;
	if (!x2apic && apic_id > 0xff)
		return XL_FAIL(-EINVAL, "xAPIC ID above 0xff for NDST");
	memset(pi, 0, sizeof(*pi));
	pi->control = ((u64)nv << PI_CONTROL_NV_SHIFT) |
		      ((u64)xl_pi_ndst_encode(apic_id, x2apic) <<
		       PI_CONTROL_NDST_SHIFT);
	return 0;
}

/* A usable descriptor and an interrupt vector: 0 or -EINVAL. */
static int pi_check_vector(const struct xl_pi_desc *pi, unsigned int vector)
{
	int ret = xl_pi_desc_check(pi);

	if (ret)
		return ret;
	/* SDM 6.2 / 11.5.2: vectors 0-31 are not interrupt vectors. */
	if (vector < XL_FIRST_EXTERNAL_VECTOR || vector >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "interrupt vector not in 32-255 (SDM 6.2, 11.5.2)");
	return 0;
}

int xl_pi_post(struct xl_pi_desc *pi, unsigned int vector)
{
	u64 old, new;
	int ret = pi_check_vector(pi, vector);

	if (ret)
		return ret;

	/*
	 * A bit already set belongs to a post whose notification is sent or
	 * about to be sent by its poster (it set the bit before testing ON).
	 */
	if (xl_test_and_set_bit64(vector & 63, &pi->pir[vector >> 6]))
		return XL_PI_COALESCED;

	old = xl_load64(&pi->control);
	do {
		if (old & (PI_ON | PI_SN))
			return 0;
		new = old | PI_ON;
	} while (!xl_cmpxchg64(&pi->control, &old, new));
	return XL_PI_NOTIFY;
}

/*
 * The software poster's half, as KVM posts to its own vCPUs
 * (vmx_deliver_posted_interrupt: pi_test_and_set_pir, then
 * pi_test_and_set_on): set the PIR bit; the caller then sets ON whatever
 * SN says and notifies when ON went 0->1. SN only tells the IOMMU not to
 * notify a vCPU that is not running (VT-d 9.12); KVM itself sets ON on
 * every software post and wakes such a vCPU, and SDM 29.6 processing
 * harvests PIR only behind ON. 1 when the bit was already set (the
 * request coalesces with a pending one), 0 when this call set it.
 */
int xl_pi_test_and_set_pir(struct xl_pi_desc *pi, unsigned int vector)
{
	int ret = pi_check_vector(pi, vector);

	if (ret)
		return ret;
	return xl_test_and_set_bit64(vector & 63, &pi->pir[vector >> 6]);
}

/* No __builtin_popcountll: without -mpopcnt it calls libgcc, absent in-kernel. */
static int popcount64(u64 w)
{
	int n = 0;

	for (; w; w &= w - 1)
		n++;
	return n;
}

int xl_pi_sync_irr(struct xl_pi_desc *pi, u64 irr[4])
{
	int i, n = 0, ret = xl_pi_desc_check(pi);
	u64 w;

	if (ret)
		return ret;
	if (!irr)
		return XL_FAIL(-EINVAL, "no virtual IRR to sync PIR into");
	/* Clear ON first: see the protocol at the top of this file. */
	xl_test_and_clear_bit64(PI_CONTROL_ON, &pi->control);
	for (i = 0; i < 4; i++) {
		if (!xl_load64(&pi->pir[i]))
			continue;
		w = xl_xchg64(&pi->pir[i], 0);
		irr[i] |= w;
		n += popcount64(w);
	}
	return n;
}

/*
 * NV and NDST share the 64-bit word with ON, which the IOMMU and other CPUs
 * set at any time, so they are replaced with cmpxchg (as KVM's
 * pi_try_set_control does), never with a plain store.
 */
static void pi_update_control(struct xl_pi_desc *pi, u64 mask, u64 val)
{
	u64 old = xl_load64(&pi->control), new;

	do {
		new = (old & ~mask) | (val & mask);
	} while (!xl_cmpxchg64(&pi->control, &old, new));
}

int xl_pi_set_nv(struct xl_pi_desc *pi, unsigned int nv)
{
	int ret = pi_check_vector(pi, nv);

	if (ret)
		return ret;
	pi_update_control(pi, PI_CONTROL_NV_MASK,
			  (u64)nv << PI_CONTROL_NV_SHIFT);
	return 0;
}

int xl_pi_set_ndst(struct xl_pi_desc *pi, u32 apic_id, bool x2apic)
{
	int ret = xl_pi_desc_check(pi);

	if (ret)
		return ret;
	/* xAPIC IDs are 8 bits (SDM 11.4.6). */
	if (!x2apic && apic_id > 0xff)
		return XL_FAIL(-EINVAL, "xAPIC ID above 0xff for NDST (SDM 11.4.6)");
	pi_update_control(pi, PI_CONTROL_NDST_MASK,
			  (u64)xl_pi_ndst_encode(apic_id, x2apic) <<
			  PI_CONTROL_NDST_SHIFT);
	return 0;
}

/*
 * Notifications to the CPU with @apic_id on vector @nv, then SN cleared:
 * in that order, as KVM's vmx_vcpu_pi_load, so that no notification goes
 * out with the old destination once SN is clear (SDM 29.6).
 */
int xl_pi_notify_to(struct xl_pi_desc *pi, u32 apic_id, bool x2apic,
		    unsigned int nv)
{
	int ret = pi_check_vector(pi, nv);

	if (ret)
		return ret;
	if (!x2apic && apic_id > 0xff)
		return XL_FAIL(-EINVAL, "xAPIC ID above 0xff for NDST");
	xl_pi_set_ndst(pi, apic_id, x2apic);
	xl_pi_set_nv(pi, nv);
	xl_pi_clear_sn(pi);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * IRTE images: posted format (VT-d spec 9.11, Figure 9-37) and remapped
 * format (9.10, Figure 9-36), plus the check whether a guest MSI can be
 * posted at all. Decoding rejects every reserved bit that is set, since
 * the IOMMU treats such an entry as malformed (VT-d 9.10: "reserved
 * fields must be 0", fault reason 0x24/0x25 otherwise).
 */
#include "xl_pi.h"
#include "hw/msi.h"
#include "xl_err.h"

/* VT-d 9.10 SVT: 11b is reserved. */
#define IRTE_SVT_RESERVED	3

static int irte_check_common(u16 sid, u8 sq, u8 svt)
{
	(void)sid;
	if (sq > 3)
		return XL_FAIL(-EINVAL, "IRTE source-id qualifier wider than 2 bits (VT-d 9.10)");
	if (svt >= IRTE_SVT_RESERVED)
		return XL_FAIL(-EINVAL, "IRTE source validation type reserved (VT-d 9.10)");
	return 0;
}

int xl_irte_post_encode(const struct xl_irte_post_cfg *c, union xl_irte *e)
{
	int ret;

	if (!c || !e)
		return XL_FAIL(-EINVAL, "no posted-IRTE config or IRTE");
	/* VT-d 9.11: PDA holds address bits 63:6; the descriptor is 64-aligned. */
	if (c->pda & (XL_PI_DESC_ALIGN - 1))
		return XL_FAIL(-EINVAL, "PI descriptor address not 64-byte aligned (VT-d 9.11)");
	if (!c->pda)
		return XL_FAIL(-EINVAL, "PI descriptor address is 0");
	if (c->vector < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "posted vector below 32");
	ret = irte_check_common(c->sid, c->sq, c->svt);
	if (ret)
		return ret;

	e->low = 0;
	e->high = 0;
	e->post.present = 1;
	e->post.fpd = c->fpd;
	e->post.urgent = c->urgent;
	e->post.im = 1;
	e->post.vector = c->vector;
	e->post.pda_low = (c->pda >> 6) & XL_GENMASK(25, 0);
	e->post.sid = c->sid;
	e->post.sq = c->sq;
	e->post.svt = c->svt;
	e->post.pda_high = c->pda >> 32;
	return 0;
}

int xl_irte_post_decode(const union xl_irte *e, struct xl_irte_post_cfg *c)
{
	if (!e || !c)
		return XL_FAIL(-EINVAL, "no IRTE or posted-IRTE config");
	if (!(e->low & XL_BIT(0)))
		return -ENOENT;			/* not present */
	if (!(e->low & IRTE_IM))
		return XL_FAIL(-EINVAL, "IRTE is in remapped format, not posted (IM clear)");
	if (e->low & IRTE_POST_RSVD_LOW)
		return XL_FAIL(-EINVAL, "posted IRTE reserved bits set in low qword (VT-d 9.11)");
	if (e->high & IRTE_POST_RSVD_HIGH)
		return XL_FAIL(-EINVAL, "posted IRTE reserved bits set in high qword (VT-d 9.11)");
	if (e->post.svt == IRTE_SVT_RESERVED)
		return XL_FAIL(-EINVAL, "IRTE source validation type reserved (VT-d 9.10)");

	c->pda = ((u64)e->post.pda_high << 32) | ((u64)e->post.pda_low << 6);
	if (!c->pda)
		return XL_FAIL(-EINVAL, "posted IRTE descriptor address is 0");
	c->vector = e->post.vector;
	if (c->vector < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "posted IRTE vector below 32");
	c->urgent = e->post.urgent;
	c->fpd = e->post.fpd;
	c->sid = e->post.sid;
	c->sq = e->post.sq;
	c->svt = e->post.svt;
	return 0;
}

static bool dlm_valid(u8 dlm)
{
	/* VT-d 9.10 DLM: 011b and 110b are reserved. */
	switch (dlm) {
	case IRTE_DLM_FIXED:
	case IRTE_DLM_LOWPRI:
	case IRTE_DLM_SMI:
	case IRTE_DLM_NMI:
	case IRTE_DLM_INIT:
	case IRTE_DLM_EXTINT:
		return true;
	}
	return false;
}

int xl_irte_remap_encode(const struct xl_irte_remap_cfg *c, union xl_irte *e)
{
	int ret;

	if (!c || !e)
		return XL_FAIL(-EINVAL, "no remapped-IRTE config or IRTE");
	if (!dlm_valid(c->dlm))
		return XL_FAIL(-EINVAL, "IRTE delivery mode reserved (VT-d 9.10)");
	/* xAPIC destination is 8 bits, in IRTE bits 47:40 (VT-d 9.10). */
	if (!c->x2apic && c->dest > 0xff)
		return XL_FAIL(-EINVAL, "xAPIC IRTE destination wider than 8 bits (VT-d 9.10)");
	if (c->dlm <= IRTE_DLM_LOWPRI && c->vector < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "fixed or lowest-priority vector below 32");
	ret = irte_check_common(c->sid, c->sq, c->svt);
	if (ret)
		return ret;

	e->low = 0;
	e->high = 0;
	e->remap.present = 1;
	e->remap.fpd = c->fpd;
	e->remap.dest_mode = c->dest_logical;
	e->remap.redir_hint = c->redir_hint;
	e->remap.trigger_mode = c->level;
	e->remap.dlm = c->dlm;
	e->remap.vector = c->vector;
	e->remap.dest = c->x2apic ? c->dest : c->dest << 8;
	e->remap.sid = c->sid;
	e->remap.sq = c->sq;
	e->remap.svt = c->svt;
	return 0;
}

int xl_irte_remap_decode(const union xl_irte *e, bool x2apic,
			 struct xl_irte_remap_cfg *c)
{
	if (!e || !c)
		return XL_FAIL(-EINVAL, "no IRTE or remapped-IRTE config");
	if (!(e->low & XL_BIT(0)))
		return -ENOENT;
	if (e->low & IRTE_IM)
		return XL_FAIL(-EINVAL, "IRTE is in posted format, not remapped (IM set)");
	if (e->low & IRTE_REMAP_RSVD_LOW)
		return XL_FAIL(-EINVAL, "remapped IRTE reserved bits set in low qword (VT-d 9.10)");
	if (e->high & IRTE_REMAP_RSVD_HIGH)
		return XL_FAIL(-EINVAL, "remapped IRTE reserved bits set in high qword (VT-d 9.10)");
	/* xAPIC mode: destination bits 39:32 and 63:48 are reserved. */
	if (!x2apic && e->remap.dest & ~0xff00u)
		return XL_FAIL(-EINVAL, "xAPIC IRTE destination bits 39:32 or 63:48 set (VT-d 9.10)");
	if (!dlm_valid(e->remap.dlm))
		return XL_FAIL(-EINVAL, "IRTE delivery mode reserved (VT-d 9.10)");
	if (e->remap.svt == IRTE_SVT_RESERVED)
		return XL_FAIL(-EINVAL, "IRTE source validation type reserved (VT-d 9.10)");

	c->x2apic = x2apic;
	c->dest = x2apic ? e->remap.dest : (e->remap.dest >> 8) & 0xff;
	c->vector = e->remap.vector;
	c->dlm = e->remap.dlm;
	c->dest_logical = e->remap.dest_mode;
	c->redir_hint = e->remap.redir_hint;
	c->level = e->remap.trigger_mode;
	c->fpd = e->remap.fpd;
	c->sid = e->remap.sid;
	c->sq = e->remap.sq;
	c->svt = e->remap.svt;
	return 0;
}

int xl_msi_postable(u64 addr, u32 data, bool x2apic, u32 *dest, u8 *vector)
{
	u32 d, dlm;

	if (!dest || !vector)
		return XL_FAIL(-EINVAL, "no destination or vector output");
	/* SDM 11.11.1: address bits 31:20 are 0xFEE. */
	if ((addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return XL_FAIL(-EINVAL, "MSI address bits 31:20 not 0xFEE (SDM 11.11.1)");
	/* A remappable-format MSI is an IRTE handle, not a destination. */
	if (addr & MSI_ADDR_IF_REMAP)
		return XL_FAIL(-EINVAL, "MSI in remappable format, not a destination");
	if (data & ~(u32)(MSI_DATA_VECTOR_MASK | MSI_DATA_DLM_MASK |
			  MSI_DATA_LEVEL_ASSERT | MSI_DATA_TRIGGER_LEVEL))
		return XL_FAIL(-EINVAL, "MSI data reserved bits set");

	/*
	 * VT-d cannot post multicast or broadcast interrupts to a vCPU
	 * (KVM pi_update_irte), so logical destination mode and the
	 * broadcast ID are refused. Lowest priority with one physical
	 * destination has a single target and is postable, as in KVM.
	 */
	if (addr & MSI_ADDR_DM)
		return XL_FAIL(-EOPNOTSUPP, "logical-destination MSI cannot be posted");
	d = (addr & MSI_ADDR_DEST_MASK) >> MSI_ADDR_DEST_SHIFT;
	if (x2apic)
		d |= (u32)(addr >> 32) & 0xffffff00u;	/* extended dest ID */
	else if (addr >> 32)
		return XL_FAIL(-EINVAL, "MSI address bits 63:32 set in xAPIC mode");
	if ((!x2apic && d == 0xff) || (x2apic && d == 0xffffffffu))
		return XL_FAIL(-EOPNOTSUPP, "broadcast MSI cannot be posted");
	dlm = (data & MSI_DATA_DLM_MASK) >> MSI_DATA_DLM_SHIFT;
	if (dlm != IRTE_DLM_FIXED && dlm != IRTE_DLM_LOWPRI)
		return XL_FAIL(-EOPNOTSUPP, "MSI delivery mode neither fixed nor lowest priority");
	if ((data & MSI_DATA_VECTOR_MASK) < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "MSI vector below 32");
	*dest = d;
	*vector = data & MSI_DATA_VECTOR_MASK;
	return 0;
}

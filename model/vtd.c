// SPDX-License-Identifier: GPL-2.0
/*
 * MSI decode (SDM 11.11) and VT-d interrupt remapping (VT-d spec 5.1):
 * a remappable-format MSI selects an IRTE; a remapped IRTE (9.10) turns
 * into an interrupt message to a local APIC, a posted IRTE (9.11) into a
 * post into a posted-interrupt descriptor plus, when needed, a
 * notification event (VT-d 5.2.3 and 9.12). Malformed or not-present
 * entries are faults (VT-d 5.1.4.1); they are counted and never followed.
 */
#include "model_priv.h"

int xl_msi_decode(u64 addr, u32 data, bool x2apic, struct xl_msi *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if ((addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return -EINVAL;	/* not an interrupt request (SDM 11.11.1) */
	if (addr & MSI_ADDR_IF_REMAP) {
		/* VT-d 5.1.2.2: handle[14:0] in 19:5, handle[15] in bit 2 */
		out->remappable = true;
		out->handle = (u32)((addr & MSI_ADDR_HANDLE_LOW_MASK) >>
				    MSI_ADDR_HANDLE_LOW_SHIFT);
		if (addr & MSI_ADDR_HANDLE15)
			out->handle |= XL_BIT(15);
		if (addr & MSI_ADDR_SHV)
			out->handle += data & 0xffff;
		return 0;
	}
	out->dest = (u32)((addr & MSI_ADDR_DEST_MASK) >> MSI_ADDR_DEST_SHIFT);
	/* x2APIC systems put destination bits 31:8 in address 63:40. */
	if (x2apic)
		out->dest |= (u32)(addr >> 32) & 0xffffff00;
	out->logical = addr & MSI_ADDR_DM;
	out->redir_hint = addr & MSI_ADDR_RH;
	out->vector = data & MSI_DATA_VECTOR_MASK;
	out->dlm = (data & MSI_DATA_DLM_MASK) >> MSI_DATA_DLM_SHIFT;
	out->level = data & MSI_DATA_TRIGGER_LEVEL;
	return 0;
}

static int vtd_fault(struct xl_model *m)
{
	m->st.vtd_faults++;
	return -EFAULT;
}

/* Physical or logical (flat, one CPU) destination -> pCPU APIC ID. */
static void vtd_deliver(struct xl_model *m, u32 dest, bool logical, u8 vec,
			bool level)
{
	u32 p;

	if (!logical) {
		xl_cpu_phys_irq(m, dest, vec, level);
		return;
	}
	/* Logical: every pCPU whose LDR matches (x2APIC cluster or flat). */
	for (p = 0; p < m->cfg.nr_pcpus; p++) {
		const struct xl_lapic *l = &m->pcpu[p].lapic;
		bool hit = m->cfg.x2apic ?
			((l->ldr >> 16) == (dest >> 16) &&
			 (l->ldr & dest & 0xffff)) :
			((l->ldr >> 24) & dest & 0xff);

		if (hit)
			xl_cpu_phys_irq(m, l->id, vec, level);
	}
}

bool xl_vtd_post_desc(struct xl_pi_desc *pi, u8 vec, bool urgent, u64 *ctl)
{
	xl_vec_set_atomic(pi->pir, vec);
	*ctl = xl_load64(&pi->control);
	for (;;) {
		u64 new = *ctl | XL_BIT(PI_CONTROL_ON);

		if (*ctl & XL_BIT(PI_CONTROL_ON))
			return false;
		if ((*ctl & XL_BIT(PI_CONTROL_SN)) && !urgent)
			return false;
		if (xl_cmpxchg64(&pi->control, ctl, new))
			return true;
	}
}

/* VT-d 9.12 / 5.2.3: post @vec; notify unless ON already or suppressed. */
static int vtd_post(struct xl_model *m, const union xl_irte *e)
{
	u64 pda = ((u64)e->post.pda_high << 32) | ((u64)e->post.pda_low << 6);
	struct xl_pi_desc *pi = xl_model_pi_lookup(m, pda);
	u64 ctl;

	if (!pi)
		return vtd_fault(m);
	m->st.vtd_posted++;
	if (!xl_vtd_post_desc(pi, e->post.vector, e->post.urgent, &ctl))
		return 0;
	m->st.vtd_notifications++;
	xl_cpu_phys_irq(m, xl_pi_ndst_decode((u32)(ctl >> PI_CONTROL_NDST_SHIFT),
					     m->cfg.x2apic),
			(ctl & PI_CONTROL_NV_MASK) >> PI_CONTROL_NV_SHIFT,
			false);
	return 0;
}

static int vtd_remap(struct xl_model *m, u32 index)
{
	const union xl_irte *e;
	u32 dest;

	if (index >= XL_MODEL_MAX_IRTE)
		return vtd_fault(m);
	e = &m->irt[index];
	if (!e->remap.present)
		return vtd_fault(m);
	if (e->low & IRTE_IM) {
		if (!m->cfg.vtd_posting || (e->low & IRTE_POST_RSVD_LOW) ||
		    (e->high & IRTE_POST_RSVD_HIGH))
			return vtd_fault(m);
		return vtd_post(m, e);
	}
	if ((e->low & IRTE_REMAP_RSVD_LOW) || (e->high & IRTE_REMAP_RSVD_HIGH))
		return vtd_fault(m);
	if (e->remap.dlm != IRTE_DLM_FIXED && e->remap.dlm != IRTE_DLM_LOWPRI)
		return vtd_fault(m);	/* NMI/SMI/INIT not modelled */
	/* VT-d 9.10: xAPIC mode uses destination bits 47:40 only. */
	dest = m->cfg.x2apic ? e->remap.dest : (e->remap.dest >> 8) & 0xff;
	m->st.vtd_remapped++;
	vtd_deliver(m, dest, e->remap.dest_mode, e->remap.vector,
		    e->remap.trigger_mode);
	return 0;
}

int xl_vtd_msi(struct xl_model *m, u64 addr, u32 data)
{
	struct xl_msi msi;
	int ret = xl_msi_decode(addr, data, m->cfg.x2apic, &msi);

	if (ret)
		return ret;
	if (msi.remappable)
		return vtd_remap(m, msi.handle);
	/* Compatibility format with remapping on: VT-d 5.1.2.1 passes it. */
	if (msi.dlm != IRTE_DLM_FIXED && msi.dlm != IRTE_DLM_LOWPRI)
		return -EOPNOTSUPP;
	vtd_deliver(m, msi.dest, msi.logical, msi.vector, msi.level);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * struct xl_hw_ops over the model: the second implementation of the seam
 * (kmod/ has the first). Every hook checks its arguments like the real
 * one would fail: unknown vCPU, read-only VMCS field, unmapped guest
 * memory, an unregistered descriptor.
 */
#include "model_priv.h"

static struct xl_model *M(void *hw)
{
	return hw;
}

static bool vcpu_ok(struct xl_model *m, u32 vcpu)
{
	return m && vcpu < m->cfg.nr_vcpus;
}

static int m_vmcs_read(void *hw, u32 vcpu, u32 field, u64 *val)
{
	struct xl_model *m = M(hw);

	if (!vcpu_ok(m, vcpu) || !val || field > 0x7fff)
		return -EINVAL;
	*val = xl_vmcs_get(&m->vcpu[vcpu], field);
	return 0;
}

static int m_vmcs_write(void *hw, u32 vcpu, u32 field, u64 val)
{
	struct xl_model *m = M(hw);

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	return xl_model_vmcs_write_checked(&m->vcpu[vcpu], field, val);
}

static int m_msr_write_intercept(void *hw, u32 vcpu, u32 msr, bool on)
{
	struct xl_model *m = M(hw);

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	if (msr != MSR_X2APIC_EOI)
		return -EOPNOTSUPP;	/* the model tracks only this one */
	m->vcpu[vcpu].eoi_intercept = on;
	return 0;
}

static int m_guest_read(void *hw, u32 vcpu, u64 gva, void *buf, size_t len)
{
	if (!vcpu_ok(M(hw), vcpu))
		return -EINVAL;
	return xl_model_guest_read(M(hw), gva, buf, len);
}

static int m_guest_write(void *hw, u32 vcpu, u64 gva, const void *buf,
			 size_t len)
{
	if (!vcpu_ok(M(hw), vcpu))
		return -EINVAL;
	return xl_model_guest_write(M(hw), gva, buf, len);
}

static int m_vcpu_locate(void *hw, u32 vcpu, struct xl_vcpu_loc *loc)
{
	struct xl_model *m = M(hw);
	const struct xl_model_vcpu *v;

	if (!vcpu_ok(m, vcpu) || !loc)
		return -EINVAL;
	v = &m->vcpu[vcpu];
	loc->state = v->state;
	loc->pcpu = v->pcpu;
	loc->pcpu_apic_id = m->pcpu[v->pcpu].lapic.id;
	return 0;
}

static int m_send_ipi(void *hw, u32 pcpu, u8 vector)
{
	struct xl_model *m = M(hw);

	if (!m || pcpu >= m->cfg.nr_pcpus || vector < 16)
		return -EINVAL;
	xl_cpu_phys_irq(m, m->pcpu[pcpu].lapic.id, vector, false);
	return 0;
}

static int m_wake_vcpu(void *hw, u32 vcpu)
{
	if (!vcpu_ok(M(hw), vcpu))
		return -EINVAL;
	xl_hyp_wake(M(hw), vcpu);
	return 0;
}

static int m_inject(void *hw, u32 vcpu, u8 vector)
{
	if (!vcpu_ok(M(hw), vcpu))
		return -EINVAL;
	return xl_hyp_inject(M(hw), vcpu, vector, false);
}

/* Linux's handler for @vector runs once on the pCPU of the exit. */
static int m_host_reraise(void *hw, u8 vector)
{
	struct xl_model *m = M(hw);
	struct xl_lapic *pl;

	if (!m || m->cur_pcpu < 0 || vector < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	pl = &m->pcpu[m->cur_pcpu].lapic;
	/* Delivered through the guest IDT, so it is in service already. */
	if (!xl_vec_test(pl->isr, vector))
		xl_vec_set(pl->isr, vector);
	xl_hyp_host_handle(m, m->cur_pcpu, vector);
	return 0;
}

static int m_irq_post(void *hw, u32 host_irq, u64 pi_desc_pa, u8 vector,
		      bool urgent)
{
	struct xl_model *m = M(hw);
	union xl_irte e = { .low = 0 };

	if (!m || host_irq >= XL_MODEL_MAX_IRTE ||
	    !m->assigned[host_irq].used || vector < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	if (!m->cfg.vtd_posting)
		return -EOPNOTSUPP;
	if (!xl_model_pi_lookup(m, pi_desc_pa))
		return -EINVAL;	/* unregistered or misaligned */
	e.post.present = 1;
	e.post.im = 1;
	e.post.urgent = urgent;
	e.post.vector = vector;
	e.post.pda_low = (pi_desc_pa >> 6) & XL_GENMASK(25, 0);
	e.post.pda_high = pi_desc_pa >> 32;
	m->irt[host_irq] = e;
	return 0;
}

static int m_irq_unpost(void *hw, u32 host_irq)
{
	return xl_model_irq_unpost(M(hw), host_irq);
}

static int m_virt_to_phys(void *hw, const void *ptr, u64 *pa)
{
	if (!hw || !ptr || !pa)
		return -EINVAL;
	return xl_model_pi_register(M(hw), ptr, pa);
}

static int m_apic_isr_read(void *hw, u32 vcpu, u64 isr[4])
{
	struct xl_model *m = M(hw);

	if (!vcpu_ok(m, vcpu) || !isr)
		return -EINVAL;
	return xl_model_pcpu_isr(m, m->vcpu[vcpu].pcpu, isr);
}

static int m_apic_eoi(void *hw, u32 vcpu)
{
	struct xl_model *m = M(hw);

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	xl_lapic_eoi(&m->pcpu[m->vcpu[vcpu].pcpu].lapic, NULL);
	return 0;
}

const struct xl_hw_ops xl_model_hw_ops = {
	.vmcs_read = m_vmcs_read,
	.vmcs_write = m_vmcs_write,
	.msr_write_intercept = m_msr_write_intercept,
	.guest_read = m_guest_read,
	.guest_write = m_guest_write,
	.vcpu_locate = m_vcpu_locate,
	.send_ipi = m_send_ipi,
	.wake_vcpu = m_wake_vcpu,
	.inject = m_inject,
	.host_reraise = m_host_reraise,
	.irq_post = m_irq_post,
	.irq_unpost = m_irq_unpost,
	.virt_to_phys = m_virt_to_phys,
	.apic_isr_read = m_apic_isr_read,
	.apic_eoi = m_apic_eoi,
};

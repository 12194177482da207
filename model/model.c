// SPDX-License-Identifier: GPL-2.0
/*
 * The model's public API (model.h): construction, the VMCS store, the
 * registry of posted-interrupt descriptors, and the argument checks in
 * front of every entry point.
 */
#include <stdlib.h>

#include "model_priv.h"

/*
 * VMCS field encodings, SDM 24.11.2 (Figure 24-2): bits 11:10 are the
 * type; type 1 is "VM-exit information", read-only to VMWRITE (SDM 30.3,
 * VMWRITE fails with "VMWRITE to read-only field").
 */
#define VMCS_ENC_TYPE(enc)	(((enc) >> 10) & 3)
#define VMCS_ENC_TYPE_RO	1

u64 xl_vmcs_get(const struct xl_model_vcpu *v, u32 enc)
{
	u32 i;

	for (i = 0; i < v->vmcs.n; i++)
		if (v->vmcs.enc[i] == enc)
			return v->vmcs.val[i];
	return 0;
}

int xl_vmcs_set(struct xl_model_vcpu *v, u32 enc, u64 val)
{
	u32 i;

	for (i = 0; i < v->vmcs.n; i++) {
		if (v->vmcs.enc[i] == enc) {
			v->vmcs.val[i] = val;
			return 0;
		}
	}
	if (v->vmcs.n >= XL_ARRAY_SIZE(v->vmcs.enc))
		return -ENOSPC;
	v->vmcs.enc[v->vmcs.n] = enc;
	v->vmcs.val[v->vmcs.n++] = val;
	return 0;
}

int xl_model_vmcs_write_checked(struct xl_model_vcpu *v, u32 enc, u64 val)
{
	if (enc > 0x7fff || (enc & 1 && (enc >> 13) != 1) ||
	    VMCS_ENC_TYPE(enc) == VMCS_ENC_TYPE_RO)
		return -EINVAL;
	return xl_vmcs_set(v, enc, val);
}

struct xl_pi_desc *xl_model_pi_lookup(const struct xl_model *m, u64 pa)
{
	unsigned int i;

	if (!pa || (pa & (XL_PI_DESC_ALIGN - 1)))
		return NULL;
	for (i = 0; i < XL_MODEL_MAX_PI; i++)
		if (m->pi_registry[i] &&
		    (u64)(uintptr_t)m->pi_registry[i] == pa)
			return (struct xl_pi_desc *)m->pi_registry[i];
	return NULL;
}

int xl_model_pi_register(struct xl_model *m, const void *ptr, u64 *pa)
{
	unsigned int i, slot = XL_MODEL_MAX_PI;

	for (i = 0; i < XL_MODEL_MAX_PI; i++) {
		if (m->pi_registry[i] == ptr)
			goto found;
		if (!m->pi_registry[i] && slot == XL_MODEL_MAX_PI)
			slot = i;
	}
	if (slot == XL_MODEL_MAX_PI)
		return -ENOSPC;
	m->pi_registry[slot] = ptr;
found:
	*pa = (u64)(uintptr_t)ptr;
	return 0;
}

/* KVM's VMCS for a vCPU on VT-x (vmx.c setup_vmcs_config, reduced). */
static void vmcs_init(struct xl_model *m, struct xl_model_vcpu *v)
{
	u64 pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	u64 proc2 = PROC2_EPT;
	u64 pa;

	if (m->cfg.apicv) {
		proc2 |= PROC2_APIC_REGISTER_VIRT | PROC2_VIRT_INTR_DELIVERY |
			 (m->cfg.x2apic ? PROC2_VIRT_X2APIC_MODE :
					  PROC2_VIRT_APIC_ACCESSES);
		if (m->cfg.posted_intr &&
		    !xl_model_pi_register(m, &v->kvm_pi, &pa)) {
			pin |= PIN_POSTED_INTR;
			xl_vmcs_set(v, VMCS_POSTED_INTR_NV, XL_MODEL_PI_NV);
			xl_vmcs_set(v, VMCS_POSTED_INTR_DESC_ADDR, pa);
		}
	}
	xl_vmcs_set(v, VMCS_PIN_BASED_CTLS, pin);
	xl_vmcs_set(v, VMCS_PROC_BASED_CTLS,
		    (m->cfg.hlt_exiting ? PROC_HLT_EXITING : 0) |
		    PROC_USE_TPR_SHADOW | PROC_USE_MSR_BITMAPS |
		    PROC_ACTIVATE_SECONDARY);
	xl_vmcs_set(v, VMCS_PROC_BASED_CTLS2, proc2);
	xl_vmcs_set(v, VMCS_EXIT_CTLS, EXIT_ACK_INTR_ON_EXIT);
	/* #DB, #UD, #AC, #MC as KVM with EPT; never #NP */
	xl_vmcs_set(v, VMCS_EXCEPTION_BITMAP,
		    XL_BIT(1) | XL_BIT(6) | XL_BIT(17) | XL_BIT(18));
	xl_vmcs_set(v, VMCS_GUEST_IDTR_BASE, XL_MODEL_GUEST_IDT);
	xl_vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, XL_IDT_BYTES - 1);
	/* a 64-bit guest (SDM 24.8.1) */
	xl_vmcs_set(v, VMCS_ENTRY_CTLS, ENTRY_IA32E_MODE_GUEST);
	xl_vmcs_set(v, VMCS_GUEST_RFLAGS, X86_RFLAGS_IF | 2);
	v->eoi_intercept = !m->cfg.apicv;
}

int xl_model_guest_set_gate(struct xl_model *m, u8 vector, bool present)
{
	union xl_idt_gate g = { .raw = { 0, 0 } };

	if (!m)
		return -EINVAL;
	xl_idt_gate_set_offset(&g, XL_MODEL_HANDLER(vector));
	g.f.selector = 0x10;
	g.f.type = IDT_GATE_TYPE_INTERRUPT;
	g.f.present = present;
	return xl_model_guest_write(m, XL_MODEL_GUEST_IDT +
				    (u64)vector * sizeof(g), &g, sizeof(g));
}

int xl_model_create(const struct xl_model_config *cfg, struct xl_model **out)
{
	struct xl_model *m;
	u32 i;

	if (!cfg || !out || !cfg->nr_pcpus || !cfg->nr_vcpus ||
	    cfg->nr_pcpus > XL_MODEL_MAX_CPUS ||
	    cfg->nr_vcpus > XL_MODEL_MAX_CPUS ||
	    cfg->nr_vcpus > cfg->nr_pcpus)
		return -EINVAL;
	if (cfg->posted_intr && !cfg->apicv)
		return -EINVAL;	/* SDM 26.2.1.1: PI requires VID */
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->hw.ops = &xl_model_hw_ops;
	m->hw.priv = m;
	m->hw.nr_vcpus = cfg->nr_vcpus;
	m->hw.x2apic = cfg->x2apic;
	m->hw.has_posted_intr = cfg->posted_intr;
	m->hw.has_vtd_posting = cfg->vtd_posting;
	m->hw.has_preemption_timer = cfg->preemption_timer;
	m->cur_pcpu = -1;
	xl_pic_reset(&m->pic);
	xl_ioapic_reset(&m->ioapic);
	for (i = 0; i < XL_NR_VECTORS; i++)
		xl_model_guest_set_gate(m, i, true);
	for (i = 0; i < cfg->nr_pcpus; i++) {
		xl_lapic_reset(&m->pcpu[i].lapic, i, cfg->x2apic);
		m->pcpu[i].vcpu = -1;
	}
	/* With a spare pCPU, pCPU 0 stays the host's: vCPU i on pCPU i+1. */
	for (i = 0; i < cfg->nr_vcpus; i++) {
		struct xl_model_vcpu *v = &m->vcpu[i];

		xl_lapic_reset(&v->vlapic, i, cfg->x2apic);
		v->pcpu = cfg->nr_pcpus > cfg->nr_vcpus ? i + 1 : i;
		v->state = XL_VCPU_RUNNING;
		v->behaviour = XL_GUEST_HALT;
		v->cur_vector = -1;
		m->pcpu[v->pcpu].vcpu = i;
		vmcs_init(m, v);
	}
	*out = m;
	return 0;
}

void xl_model_destroy(struct xl_model *m)
{
	free(m);
}

struct xl_hw *xl_model_hw(struct xl_model *m)
{
	return m ? &m->hw : NULL;
}

int xl_model_set_hooks(struct xl_model *m, const struct xl_model_hooks *h,
		       void *ctx)
{
	if (!m)
		return -EINVAL;
	if (h)
		m->hooks = *h;
	else
		memset(&m->hooks, 0, sizeof(m->hooks));
	m->hooks_ctx = ctx;
	return 0;
}

int xl_model_stats(const struct xl_model *m, struct xl_model_stats *out)
{
	u32 i;

	if (!m || !out)
		return -EINVAL;
	*out = m->st;
	for (i = 0; i < m->cfg.nr_vcpus; i++)
		out->vcpu[i] = m->vcpu[i].st;
	for (i = 0; i < m->cfg.nr_pcpus; i++)
		out->pcpu[i] = m->pcpu[i].st;
	return 0;
}

int xl_model_run(struct xl_model *m, u32 steps)
{
	if (!m)
		return -EINVAL;
	while (steps--)
		xl_cpu_step(m);
	return 0;
}

static bool vcpu_ok(const struct xl_model *m, u32 vcpu)
{
	return m && vcpu < m->cfg.nr_vcpus;
}

int xl_model_guest_set(struct xl_model *m, u32 vcpu,
		       enum xl_guest_behaviour b, u32 flags)
{
	if (!vcpu_ok(m, vcpu) || (u32)b > XL_GUEST_MASKED ||
	    (flags & ~XL_GUEST_NO_EOI))
		return -EINVAL;
	m->vcpu[vcpu].behaviour = b;
	m->vcpu[vcpu].flags = flags;
	xl_vmcs_set(&m->vcpu[vcpu], VMCS_GUEST_RFLAGS,
		    2 | (b == XL_GUEST_MASKED ? 0 : X86_RFLAGS_IF));
	return 0;
}

int xl_model_guest_lidt(struct xl_model *m, u32 vcpu, u64 base, u32 limit)
{
	if (!vcpu_ok(m, vcpu) || limit > 0xffff)
		return -EINVAL;
	return xl_cpu_guest_lidt(m, vcpu, base, limit);
}

int xl_model_guest_read(const struct xl_model *m, u64 gpa, void *buf,
			size_t len)
{
	if (!m || !buf || gpa >= XL_MODEL_GUEST_MEM ||
	    len > XL_MODEL_GUEST_MEM - gpa)
		return -EFAULT;
	memcpy(buf, m->mem + gpa, len);
	return 0;
}

int xl_model_guest_write(struct xl_model *m, u64 gpa, const void *buf,
			 size_t len)
{
	if (!m || !buf || gpa >= XL_MODEL_GUEST_MEM ||
	    len > XL_MODEL_GUEST_MEM - gpa)
		return -EFAULT;
	memcpy(m->mem + gpa, buf, len);
	return 0;
}

int xl_model_vcpu_migrate(struct xl_model *m, u32 vcpu, u32 pcpu)
{
	if (!vcpu_ok(m, vcpu) || pcpu >= m->cfg.nr_pcpus)
		return -EINVAL;
	if (m->vcpu[vcpu].state != XL_VCPU_PREEMPTED)
		return -EBUSY;	/* move it between runs only */
	m->vcpu[vcpu].pcpu = pcpu;
	return 0;
}

int xl_model_vcpu_preempt(struct xl_model *m, u32 vcpu)
{
	struct xl_model_vcpu *v;

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	v = &m->vcpu[vcpu];
	if (v->state != XL_VCPU_RUNNING)
		return -EBUSY;
	v->in_guest = false;
	v->state = XL_VCPU_PREEMPTED;
	m->pcpu[v->pcpu].vcpu = -1;
	if (m->hooks.vcpu_sched)
		m->hooks.vcpu_sched(m->hooks_ctx, vcpu, XL_MODEL_SCHED_PREEMPT);
	return 0;
}

int xl_model_vcpu_resume(struct xl_model *m, u32 vcpu)
{
	struct xl_model_vcpu *v;

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	v = &m->vcpu[vcpu];
	if (v->state != XL_VCPU_PREEMPTED)
		return -EBUSY;
	if (m->pcpu[v->pcpu].vcpu >= 0)
		return -EBUSY;	/* one vCPU per pCPU */
	v->state = XL_VCPU_RUNNING;
	m->pcpu[v->pcpu].vcpu = vcpu;
	if (m->hooks.vcpu_sched)
		m->hooks.vcpu_sched(m->hooks_ctx, vcpu, XL_MODEL_SCHED_IN);
	return 0;
}

int xl_model_kick(struct xl_model *m, u32 vcpu)
{
	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	xl_hyp_kick(m, vcpu);
	return 0;
}

int xl_model_vcpu_state(const struct xl_model *m, u32 vcpu, u32 *pcpu)
{
	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	if (pcpu)
		*pcpu = m->vcpu[vcpu].pcpu;
	return (int)m->vcpu[vcpu].state;
}

int xl_model_host_irq(struct xl_model *m, u32 pcpu, u8 vector)
{
	if (!m || pcpu >= m->cfg.nr_pcpus || vector < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	xl_cpu_phys_irq(m, m->pcpu[pcpu].lapic.id, vector, false);
	return 0;
}

/* The host's IRTE for a device IRQ: remapped, to the vCPU's pCPU. */
static void irte_remapped(struct xl_model *m, u32 index)
{
	const struct xl_model_assignment *a = &m->assigned[index];
	union xl_irte *e = &m->irt[index];
	u32 apic = m->pcpu[m->vcpu[a->vcpu].pcpu].lapic.id;

	e->low = 0;
	e->high = 0;
	e->remap.vector = a->host_vec;
	e->remap.dest = m->cfg.x2apic ? apic : (apic & 0xff) << 8;
	e->remap.present = 1;
}

int xl_model_assign(struct xl_model *m, u32 host_irq, u8 host_vec,
		    u32 vcpu, u8 guest_vec)
{
	if (!vcpu_ok(m, vcpu) || host_irq >= XL_MODEL_MAX_IRTE ||
	    host_vec < XL_FIRST_EXTERNAL_VECTOR ||
	    guest_vec < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	if (m->assigned[host_irq].used)
		return -EBUSY;
	m->assigned[host_irq] = (struct xl_model_assignment){
		.used = true, .host_vec = host_vec, .guest_vec = guest_vec,
		.vcpu = vcpu,
	};
	irte_remapped(m, host_irq);
	return 0;
}

int xl_model_irq_unpost(struct xl_model *m, u32 host_irq)
{
	if (!m || host_irq >= XL_MODEL_MAX_IRTE || !m->assigned[host_irq].used)
		return -EINVAL;
	irte_remapped(m, host_irq);
	return 0;
}

int xl_model_device_irq(struct xl_model *m, u32 host_irq)
{
	if (!m || host_irq >= XL_MODEL_MAX_IRTE || !m->assigned[host_irq].used)
		return -EINVAL;
	/* Remappable format, handle = IRTE index, SHV = 0 (VT-d 5.1.2.2). */
	return xl_vtd_msi(m, MSI_ADDR_BASE | MSI_ADDR_IF_REMAP |
			  ((u64)(host_irq & 0x7fff) << MSI_ADDR_HANDLE_LOW_SHIFT) |
			  ((host_irq & 0x8000) ? MSI_ADDR_HANDLE15 : 0), 0);
}

int xl_model_msi(struct xl_model *m, u64 addr, u32 data)
{
	if (!m)
		return -EINVAL;
	return xl_vtd_msi(m, addr, data);
}

int xl_model_irte_set(struct xl_model *m, u32 index, u64 low, u64 high)
{
	if (!m || index >= XL_MODEL_MAX_IRTE)
		return -EINVAL;
	m->irt[index].low = low;
	m->irt[index].high = high;
	return 0;
}

int xl_model_irte_get(const struct xl_model *m, u32 index, u64 *low,
		      u64 *high)
{
	if (!m || !low || !high || index >= XL_MODEL_MAX_IRTE)
		return -EINVAL;
	*low = m->irt[index].low;
	*high = m->irt[index].high;
	return 0;
}

int xl_model_virtual_irq(struct xl_model *m, u32 vcpu, u8 vector)
{
	if (!vcpu_ok(m, vcpu) || vector < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	return xl_hyp_deliver_virtual(m, vcpu, vector);
}

int xl_model_guest_vector(struct xl_model *m, u8 vector, bool on)
{
	if (!m || vector < XL_FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	if (on)
		xl_vec_set(m->guest_vectors, vector);
	else
		xl_vec_clear(m->guest_vectors, vector);
	return 0;
}

/*
 * GSI routing as KVM's default table (irq_comm.c): GSI 0-15 go to both
 * the PIC (IRQ = GSI) and the IOAPIC (pin = GSI); 16-23 to the IOAPIC.
 */
int xl_model_irq_line(struct xl_model *m, u32 gsi, int level)
{
	struct xl_ioapic_msg msg;
	int r;

	if (!m || gsi >= XL_IOAPIC_PINS)
		return -EINVAL;
	if (gsi < 16)
		xl_pic_set_irq(&m->pic, gsi, level);
	r = xl_ioapic_set_irq(&m->ioapic, gsi, level, &msg);
	if (r == 1)
		xl_hyp_pic_ioapic_deliver(m, &msg);
	/* kvm_pic_set_irq(): the PIC's INT line kicks or wakes the BSP. */
	if (gsi < 16 && xl_pic_output(&m->pic))
		xl_hyp_kick(m, 0);
	return r < 0 ? r : 0;
}

int xl_model_ioapic_write(struct xl_model *m, u32 reg, u32 val)
{
	return m ? xl_ioapic_write(&m->ioapic, reg, val) : -EINVAL;
}

int xl_model_ioapic_read(struct xl_model *m, u32 reg, u32 *val)
{
	return m ? xl_ioapic_read(&m->ioapic, reg, val) : -EINVAL;
}

int xl_model_pic_out(struct xl_model *m, u16 port, u8 val)
{
	return m ? xl_pic_out(&m->pic, port, val) : -EINVAL;
}

int xl_model_pic_in(struct xl_model *m, u16 port, u8 *val)
{
	return m ? xl_pic_in(&m->pic, port, val) : -EINVAL;
}

int xl_model_guest_apic_write(struct xl_model *m, u32 vcpu, u32 off, u32 val)
{
	struct xl_lapic_effect fx;
	int r;

	if (!vcpu_ok(m, vcpu))
		return -EINVAL;
	if (off == APIC_EOI) {
		/* As the CPU would route it: virtualized, exiting, physical. */
		m->vcpu[vcpu].cur_vector = -1;
		xl_cpu_guest_eoi(m, vcpu);
		return 0;
	}
	r = xl_lapic_mmio_write(&m->vcpu[vcpu].vlapic, off, val, &fx);
	if (r)
		return r;
	if (fx.icr_sent) {
		u32 dest = fx.icr_dest, vi;
		u8 vec = fx.icr_low & APIC_ICR_VECTOR_MASK;

		/* virtual IPI: physical destination = vCPU index */
		for (vi = 0; vi < m->cfg.nr_vcpus; vi++)
			if (vi == dest || (fx.icr_low &
					   APIC_ICR_SHORTHAND_MASK) ==
					  APIC_ICR_DEST_ALL)
				xl_hyp_deliver_virtual(m, vi, vec);
	}
	return 0;
}

int xl_model_guest_set_tpr(struct xl_model *m, u32 vcpu, u8 tpr)
{
	return xl_model_guest_apic_write(m, vcpu, APIC_TPR, tpr);
}

int xl_model_pcpu_isr(const struct xl_model *m, u32 pcpu, u64 isr[4])
{
	if (!m || !isr || pcpu >= m->cfg.nr_pcpus)
		return -EINVAL;
	memcpy(isr, m->pcpu[pcpu].lapic.isr, sizeof(m->pcpu[pcpu].lapic.isr));
	return 0;
}

int xl_model_pcpu_irr(const struct xl_model *m, u32 pcpu, u64 irr[4])
{
	if (!m || !irr || pcpu >= m->cfg.nr_pcpus)
		return -EINVAL;
	memcpy(irr, m->pcpu[pcpu].lapic.irr, sizeof(m->pcpu[pcpu].lapic.irr));
	return 0;
}

int xl_model_vmcs_read(const struct xl_model *m, u32 vcpu, u32 field,
		       u64 *val)
{
	if (!vcpu_ok(m, vcpu) || !val)
		return -EINVAL;
	*val = xl_vmcs_get(&m->vcpu[vcpu], field);
	return 0;
}

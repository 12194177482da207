// SPDX-License-Identifier: GPL-2.0
/*
 * The pCPUs: physical interrupt arrival, and for the pCPU running a vCPU,
 * what VMX non-root operation does with interrupts (Intel SDM vol. 3C):
 *   - 25.2: an external interrupt exits when "external-interrupt exiting"
 *     is 1 (regardless of RFLAGS.IF), acknowledged on exit when the exit
 *     control says so (27.2.2); otherwise it is delivered through the
 *     guest's IDT when RFLAGS.IF = 1;
 *   - 29.6: with "process posted interrupts", an interrupt whose vector is
 *     the notification vector is dismissed (EOI to the LAPIC) and the PIR
 *     is merged into the virtual IRR instead of exiting;
 *   - 29.2: virtual-interrupt evaluation and delivery (RVI/SVI/VPPR);
 *   - 29.1.2 / 29.5: EOI virtualization, x2APIC MSR virtualization;
 *   - 25.5.1: the VMX-preemption timer;
 *   - 6.12, 6.13, 6.14.1: delivery through an IDT gate, #NP for a
 *     not-present gate with error code (vector << 3) | IDT | EXT, and
 *     27.2.3: the IDT-vectoring information of the event being delivered.
 * The guest itself is a script (enum xl_guest_behaviour): handlers that
 * count and EOI, a halt or busy loop, IF masked forever.
 */
#include "model_priv.h"

static bool vmcs_has(const struct xl_model_vcpu *v, u32 enc, u64 bit)
{
	return xl_vmcs_get(v, enc) & bit;
}

static bool vid_on(const struct xl_model_vcpu *v)
{
	return vmcs_has(v, VMCS_PROC_BASED_CTLS, PROC_ACTIVATE_SECONDARY) &&
	       vmcs_has(v, VMCS_PROC_BASED_CTLS2, PROC2_VIRT_INTR_DELIVERY);
}

static bool guest_if(const struct xl_model_vcpu *v)
{
	return v->behaviour != XL_GUEST_MASKED;
}

void xl_cpu_phys_irq(struct xl_model *m, u32 apic_id, u8 vec, bool level)
{
	u32 p;

	for (p = 0; p < m->cfg.nr_pcpus; p++) {
		if (m->pcpu[p].lapic.id != apic_id)
			continue;
		m->pcpu[p].st.ipis_received++;
		xl_lapic_set_irr(&m->pcpu[p].lapic, vec, level);
		return;
	}
}

/* Handler "address" -> the vector whose handler it is, or -1. */
static int handler_vector(u64 off)
{
	if (off < XL_MODEL_HANDLER_BASE || (off - XL_MODEL_HANDLER_BASE) % 16)
		return -1;
	off = (off - XL_MODEL_HANDLER_BASE) / 16;
	return off < XL_NR_VECTORS ? (int)off : -1;
}

/*
 * Read the gate for @vec from the IDT the VMCS says the guest uses.
 * 1 = present (handler in *off), 0 = not present, -1 = beyond the limit
 * outside guest memory or not an interrupt/trap gate (#GP, SDM 6.12.1).
 */
static int guest_gate(struct xl_model *m, struct xl_model_vcpu *v, u8 vec,
		      u64 *off)
{
	u64 base = xl_vmcs_get(v, VMCS_GUEST_IDTR_BASE);
	u64 limit = xl_vmcs_get(v, VMCS_GUEST_IDTR_LIMIT);
	union xl_idt_gate g;

	if ((u64)vec * 16 + 15 > limit)
		return -1;
	if (xl_model_guest_read(m, base + (u64)vec * 16, &g, sizeof(g)))
		return -1;
	/* SDM 6.12.1.1: a gate of the wrong type is #GP even when not present */
	if (g.f.type != IDT_GATE_TYPE_INTERRUPT &&
	    g.f.type != IDT_GATE_TYPE_TRAP)
		return -1;
	if (!g.f.present)
		return 0;
	*off = xl_idt_gate_offset(&g);
	return 1;
}

/* SDM 29.1.2: EOI virtualization on the virtual-APIC page. */
static void eoi_virtualize(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	int vec = xl_lapic_eoi(&v->vlapic, NULL);
	u64 bitmap;

	v->st.eoi_virtual++;
	if (vec < 0)
		return;
	bitmap = xl_vmcs_get(v, VMCS_EOI_EXIT_BITMAP0 + 2 * (vec >> 6));
	if (bitmap & XL_BIT(vec & 63)) {
		xl_vmcs_set(v, VMCS_EXIT_QUALIFICATION, vec);
		/* The vLAPIC already dropped it: tell the IOAPIC via hyp. */
		xl_hyp_vm_exit(m, vi, EXIT_REASON_EOI_INDUCED);
	}
}

/* The guest handler writes EOI: where that write goes (SDM 29.5, 24.6.9). */
void xl_cpu_guest_eoi(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (!v->in_guest) {
		/* not executing: the write reaches KVM's vLAPIC directly */
		xl_hyp_vlapic_eoi(m, vi);
		return;
	}
	if (v->cur_from_pic) {
		/* OUT 0x20 (and 0xa0): port I/O always exits under KVM. */
		xl_hyp_vm_exit(m, vi, EXIT_REASON_IO_INSTRUCTION);
		return;
	}
	if (m->cfg.x2apic) {
		if (vid_on(v) && vmcs_has(v, VMCS_PROC_BASED_CTLS2,
					  PROC2_VIRT_X2APIC_MODE)) {
			eoi_virtualize(m, vi);
			return;
		}
		if (v->eoi_intercept ||
		    !vmcs_has(v, VMCS_PROC_BASED_CTLS, PROC_USE_MSR_BITMAPS)) {
			xl_hyp_vm_exit(m, vi, EXIT_REASON_MSR_WRITE);
			return;
		}
		/* Passed through: the EOI reaches the pCPU's own LAPIC. */
		xl_lapic_eoi(&m->pcpu[v->pcpu].lapic, NULL);
		v->st.eoi_physical++;
		return;
	}
	if (vid_on(v) && vmcs_has(v, VMCS_PROC_BASED_CTLS2,
				  PROC2_VIRT_APIC_ACCESSES)) {
		eoi_virtualize(m, vi);
		return;
	}
	xl_hyp_vm_exit(m, vi, EXIT_REASON_APIC_ACCESS);
}

static void guest_handler(struct xl_model *m, u32 vi, int vec, bool pic)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (vec < 0)
		return;
	v->st.handled[vec]++;
	v->st.handled_total++;
	/* Exception handlers do not EOI; interrupt handlers do (unless told). */
	if (vec < XL_FIRST_EXTERNAL_VECTOR || (v->flags & XL_GUEST_NO_EOI))
		return;
	v->cur_vector = vec;
	v->cur_from_pic = pic;
	xl_cpu_guest_eoi(m, vi);
	v->cur_from_pic = false;
}

/*
 * An exception during event delivery: exits when the exception bitmap
 * says so (SDM 25.2), with the exit interruption information and the
 * IDT-vectoring information of the event that was being delivered.
 */
static void guest_exception(struct xl_model *m, u32 vi, u8 exc, u32 errcode,
			    u32 vectoring)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	u64 off;

	if (xl_vmcs_get(v, VMCS_EXCEPTION_BITMAP) & XL_BIT(exc)) {
		xl_vmcs_set(v, VMCS_EXIT_INTR_INFO,
			    INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
			    INTR_INFO_ERRCODE_VALID | exc);
		xl_vmcs_set(v, VMCS_EXIT_INTR_ERRCODE, errcode);
		xl_vmcs_set(v, VMCS_IDT_VECTORING_INFO, vectoring);
		xl_hyp_vm_exit(m, vi, EXIT_REASON_EXCEPTION_NMI);
		return;
	}
	/* The guest takes it itself; a missing handler is a double fault. */
	if (guest_gate(m, v, exc, &off) == 1)
		guest_handler(m, vi, handler_vector(off), false);
	else
		guest_handler(m, vi, 8, false);
}

/* Deliver external/virtual interrupt @vec through the current guest IDT. */
static void deliver_idt(struct xl_model *m, u32 vi, u8 vec, bool pic)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	u32 err = ((u32)vec << XL_ERRCODE_INDEX_SHIFT) | XL_ERRCODE_IDT |
		  XL_ERRCODE_EXT;
	u32 vectoring = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vec;
	u64 off = 0;
	int r = guest_gate(m, v, vec, &off);

	if (r < 0)
		guest_exception(m, vi, XL_VEC_GP, err, vectoring);
	else if (r == 0)
		guest_exception(m, vi, XL_VEC_NP, err, vectoring);
	else
		guest_handler(m, vi, handler_vector(off), pic);
}

void xl_cpu_deliver_injected(struct xl_model *m, u32 vi, u8 vec, bool pic)
{
	deliver_idt(m, vi, vec, pic);
}

void xl_cpu_pi_process_desc(struct xl_pi_desc *pi, u64 virr[4])
{
	unsigned int i;

	xl_test_and_clear_bit64(PI_CONTROL_ON, &pi->control);
	for (i = 0; i < 4; i++)
		virr[i] |= xl_xchg64(&pi->pir[i], 0);
}

/* SDM 29.6 steps after the notification vector was recognized. */
static void pi_process(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	struct xl_pi_desc *pi = xl_model_pi_lookup(m,
			xl_vmcs_get(v, VMCS_POSTED_INTR_DESC_ADDR));

	v->st.pi_processed++;
	if (!pi)
		return;	/* a bad address: hardware would fail the entry */
	xl_cpu_pi_process_desc(pi, v->vlapic.irr);
}

/* SDM 29.2.1/29.2.2: evaluate and deliver a pending virtual interrupt. */
static void virt_eval(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	int vec = xl_lapic_pending(&v->vlapic);

	if (vec < 0 || !guest_if(v))
		return;
	xl_lapic_accept(&v->vlapic, vec);
	v->st.virt_deliveries++;
	deliver_idt(m, vi, vec, false);
}

static void nonroot_step(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	struct xl_lapic *pl = &m->pcpu[v->pcpu].lapic;
	u64 pin = xl_vmcs_get(v, VMCS_PIN_BASED_CTLS);
	int vec = xl_lapic_pending(pl);

	if (vec >= 0) {
		if ((pin & PIN_POSTED_INTR) &&
		    vec == (int)xl_vmcs_get(v, VMCS_POSTED_INTR_NV)) {
			xl_lapic_accept(pl, vec);
			xl_lapic_eoi(pl, NULL);
			pi_process(m, vi);
		} else if (pin & PIN_EXT_INTR_EXITING) {
			if (xl_vmcs_get(v, VMCS_EXIT_CTLS) &
			    EXIT_ACK_INTR_ON_EXIT) {
				xl_lapic_accept(pl, vec);
				xl_vmcs_set(v, VMCS_EXIT_INTR_INFO,
					    INTR_INFO_VALID | vec);
			} else {
				xl_vmcs_set(v, VMCS_EXIT_INTR_INFO, 0);
			}
			xl_hyp_vm_exit(m, vi, EXIT_REASON_EXTERNAL_INTERRUPT);
			return;
		} else if (guest_if(v)) {
			xl_lapic_accept(pl, vec);
			deliver_idt(m, vi, vec, false);
			if (!v->in_guest)
				return;
		}
	}
	if (vmcs_has(v, VMCS_PROC_BASED_CTLS, PROC_INTR_WINDOW_EXITING) &&
	    guest_if(v)) {
		xl_hyp_vm_exit(m, vi, EXIT_REASON_INTERRUPT_WINDOW);
		return;
	}
	if (vid_on(v)) {
		virt_eval(m, vi);
		if (!v->in_guest)
			return;
	}
	if (v->behaviour == XL_GUEST_HALT &&
	    !(vid_on(v) && xl_lapic_pending(&v->vlapic) >= 0) &&
	    vmcs_has(v, VMCS_PROC_BASED_CTLS, PROC_HLT_EXITING)) {
		xl_hyp_vm_exit(m, vi, EXIT_REASON_HLT);
		return;
	}
	if (m->cfg.preemption_timer && (pin & PIN_PREEMPTION_TIMER)) {
		if (v->preempt_left)
			v->preempt_left--;
		if (!v->preempt_left) {
			xl_hyp_vm_exit(m, vi, EXIT_REASON_PREEMPTION_TIMER);
			return;
		}
	}
}

/* The host runs on @p: it takes every interrupt its LAPIC presents. */
static void host_process(struct xl_model *m, u32 p)
{
	struct xl_lapic *pl = &m->pcpu[p].lapic;
	int vec, guard = 0;

	while ((vec = xl_lapic_pending(pl)) >= 0 && guard++ < 512) {
		xl_lapic_accept(pl, vec);
		xl_hyp_host_handle(m, p, vec);
	}
}

void xl_cpu_step(struct xl_model *m)
{
	u32 p;

	m->now++;
	for (p = 0; p < m->cfg.nr_pcpus; p++) {
		struct xl_model_pcpu *pc = &m->pcpu[p];
		int tv = xl_lapic_timer_tick(&pc->lapic);
		struct xl_model_vcpu *v;

		if (tv >= 0)
			xl_lapic_set_irr(&pc->lapic, tv, false);
		if (pc->vcpu < 0) {
			host_process(m, p);
			continue;
		}
		v = &m->vcpu[pc->vcpu];
		tv = xl_lapic_timer_tick(&v->vlapic);
		if (tv >= 0)
			xl_hyp_deliver_virtual(m, pc->vcpu, tv);
		if (v->state != XL_VCPU_RUNNING) {
			host_process(m, p);
			continue;
		}
		if (!v->in_guest) {
			host_process(m, p);
			xl_hyp_vm_entry(m, pc->vcpu);
			continue;
		}
		nonroot_step(m, pc->vcpu);
	}
}

/* The guest executes LIDT (SDM 24.6.2: exits with descriptor-table exiting). */
int xl_cpu_guest_lidt(struct xl_model *m, u32 vi, u64 base, u32 limit)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (v->state != XL_VCPU_RUNNING)
		return -EAGAIN;
	if (!v->in_guest)
		xl_hyp_vm_entry(m, vi);
	if (!v->in_guest)
		return -EAGAIN;
	v->lidt_base = base;
	v->lidt_limit = limit & 0xffff;
	if (vmcs_has(v, VMCS_PROC_BASED_CTLS, PROC_ACTIVATE_SECONDARY) &&
	    vmcs_has(v, VMCS_PROC_BASED_CTLS2, PROC2_DESC_TABLE_EXITING)) {
		xl_hyp_vm_exit(m, vi, EXIT_REASON_GDTR_IDTR);
		return 0;
	}
	xl_vmcs_set(v, VMCS_GUEST_IDTR_BASE, base);
	xl_vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, v->lidt_limit);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The mini-hypervisor: what KVM (arch/x86/kvm/vmx) does around the model's
 * vCPUs in its baseline configuration, reduced to interrupt handling.
 *   - VM entry: sync PIR -> vIRR when posted interrupts are on, inject the
 *     highest deliverable vLAPIC vector through the VM-entry interruption-
 *     information field (SDM 26.6) when RFLAGS.IF allows it, else ask for
 *     an interrupt-window exit (SDM 25.2); with virtual-interrupt delivery
 *     only RVI/SVI are set and the CPU delivers (SDM 29.2).
 *   - VM exits: external interrupt -> the host handler (an assigned
 *     device's vector becomes a virtual interrupt for its vCPU, as VFIO +
 *     irqfd do); intercepted EOI -> vLAPIC EOI and the IOAPIC broadcast;
 *     HLT -> block; LIDT -> emulate; other exits are absorbed.
 *   - virtual interrupts: the hook (exitless) first; otherwise KVM's own
 *     injection: vIRR + kick (reschedule IPI) of a running vCPU, wakeup of
 *     a blocked one, or a post + notification with APICv.
 * The exitless engine plugs in through struct xl_model_hooks.
 */
#include "model_priv.h"

#define HOOK(m, name, ...) \
	((m)->hooks.name ? (m)->hooks.name((m)->hooks_ctx, __VA_ARGS__) : 0)

void xl_hyp_wake(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (v->state != XL_VCPU_BLOCKED)
		return;
	v->state = XL_VCPU_RUNNING;
	v->st.wakeups++;
	HOOK(m, vcpu_sched, vi, XL_MODEL_SCHED_IN);
}

/* kvm_vcpu_kick(): make @vi look at its interrupts soon. */
void xl_hyp_kick(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (v->state == XL_VCPU_BLOCKED)
		xl_hyp_wake(m, vi);
	else if (v->state == XL_VCPU_RUNNING && v->in_guest)
		xl_cpu_phys_irq(m, m->pcpu[v->pcpu].lapic.id,
				XL_MODEL_KICK_VECTOR, false);
}

static struct xl_pi_desc *vcpu_pi(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (!(xl_vmcs_get(v, VMCS_PIN_BASED_CTLS) & PIN_POSTED_INTR))
		return NULL;
	return xl_model_pi_lookup(m, xl_vmcs_get(v,
					VMCS_POSTED_INTR_DESC_ADDR));
}

/* kvm_vcpu_has_events(), as far as interrupts go. */
static bool vcpu_has_interrupt(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	struct xl_pi_desc *pi = vcpu_pi(m, vi);
	unsigned int i;

	if (xl_lapic_pending(&v->vlapic) >= 0)
		return true;
	if (vi == 0 && xl_pic_output(&m->pic))
		return true;
	if (pi)
		for (i = 0; i < 4; i++)
			if (xl_load64(&pi->pir[i]))
				return true;
	return false;
}

/* KVM's own delivery of @vec to @vi (kvm_apic_set_irq and friends). */
int xl_hyp_inject(struct xl_model *m, u32 vi, u8 vec, bool level)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	struct xl_pi_desc *pi = vcpu_pi(m, vi);

	if (vec < 16)
		return -EINVAL;
	/* vmx_deliver_interrupt(): post, then notify or wake. */
	if (pi && m->cfg.apicv && !level) {
		xl_vec_set_atomic(pi->pir, vec);
		if (xl_test_and_set_bit64(PI_CONTROL_ON, &pi->control))
			return 0;
		if (v->state == XL_VCPU_RUNNING && v->in_guest)
			xl_cpu_phys_irq(m, m->pcpu[v->pcpu].lapic.id,
					xl_vmcs_get(v, VMCS_POSTED_INTR_NV),
					false);
		else
			xl_hyp_wake(m, vi);
		return 0;
	}
	xl_lapic_set_irr(&v->vlapic, vec, level);
	xl_hyp_kick(m, vi);
	return 0;
}

int xl_hyp_deliver_virtual(struct xl_model *m, u32 vi, u8 vec)
{
	int r;

	if (vi >= m->cfg.nr_vcpus || vec < 16)
		return -EINVAL;
	m->st.virtual_irqs++;
	r = HOOK(m, virtual_irq, vi, vec);
	if (r > 0)
		return 0;
	if (r < 0) {
		m->st.dropped++;
		return r;
	}
	return xl_hyp_inject(m, vi, vec, false);
}

void xl_hyp_pic_ioapic_deliver(struct xl_model *m,
			       const struct xl_ioapic_msg *msg)
{
	u32 vi;

	/* Physical destination = vCPU index; logical: flat bitmap. */
	for (vi = 0; vi < m->cfg.nr_vcpus; vi++) {
		bool hit = msg->logical ? (msg->dest >> vi) & 1 :
					  msg->dest == vi;

		if (!hit)
			continue;
		if (msg->level)
			xl_hyp_inject(m, vi, msg->vector, true);
		else
			xl_hyp_deliver_virtual(m, vi, msg->vector);
		if (!msg->logical)
			break;
	}
}

/* The host's interrupt handler for @vec on @p (already in its ISR). */
void xl_hyp_host_handle(struct xl_model *m, u32 p, u8 vec)
{
	struct xl_model_pcpu *pc = &m->pcpu[p];
	u32 i, vi;

	pc->st.host_handled[vec]++;
	pc->st.host_handled_total++;
	if (vec == XL_MODEL_PI_WAKEUP) {
		if (m->hooks.pi_wakeup)
			m->hooks.pi_wakeup(m->hooks_ctx);
		/* pi_wakeup_handler(): wake blocked vCPUs with ON set */
		for (vi = 0; vi < m->cfg.nr_vcpus; vi++) {
			struct xl_pi_desc *pi = vcpu_pi(m, vi);

			if (pi && (xl_load64(&pi->control) &
				   XL_BIT(PI_CONTROL_ON)))
				xl_hyp_wake(m, vi);
		}
	} else if (vec != XL_MODEL_KICK_VECTOR && vec != XL_MODEL_PI_NV) {
		bool forwarded = false;

		/* VFIO's handler -> irqfd -> the guest vector (kvm_set_msi). */
		for (i = 0; i < XL_MODEL_MAX_IRTE; i++) {
			const struct xl_model_assignment *a = &m->assigned[i];

			if (a->used && a->host_vec == vec) {
				xl_hyp_deliver_virtual(m, a->vcpu,
						       a->guest_vec);
				forwarded = true;
				break;
			}
		}
		/*
		 * A guest vector sent as a physical IPI (DID) that found the
		 * vCPU out of guest mode: KVM's injection keeps it.
		 */
		if (!forwarded && xl_vec_test(m->guest_vectors, vec) &&
		    pc->vcpu >= 0)
			xl_hyp_inject(m, pc->vcpu, vec, false);
	}
	xl_lapic_eoi(&pc->lapic, NULL);
}

/*
 * EOI broadcast (SDM 11.8.5): the IOAPIC clears remote IRR of the pins
 * with this vector; a level line still asserted is delivered again.
 */
static void ioapic_eoi_broadcast(struct xl_model *m, u8 vec)
{
	u32 pins = xl_ioapic_eoi(&m->ioapic, vec), pin;

	for (pin = 0; pin < XL_IOAPIC_PINS; pin++) {
		struct xl_ioapic_msg msg;

		if ((pins & XL_BIT(pin)) &&
		    xl_ioapic_set_irq(&m->ioapic, pin, 1, &msg) == 1)
			xl_hyp_pic_ioapic_deliver(m, &msg);
	}
}

void xl_hyp_vlapic_eoi(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	bool level;
	int vec = xl_lapic_eoi(&v->vlapic, &level);

	v->st.eoi_virtual++;
	if (vec >= 0 && level)
		ioapic_eoi_broadcast(m, vec);
	/*
	 * The engine wants the vector the guest EOIed even when the vLAPIC
	 * had nothing in service (the interrupt came in directly): the model
	 * knows which handler is running; real hardware would not say.
	 */
	if (vec < 0)
		vec = v->cur_vector;
	if (vec >= XL_FIRST_EXTERNAL_VECTOR)
		HOOK(m, eoi, vi, (u8)vec);
}

void xl_hyp_vm_entry(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	struct xl_pi_desc *pi;
	bool vid, pic = false;
	int vec = -1;
	unsigned int i;
	u64 proc;

	m->cur_pcpu = v->pcpu;
	pi = vcpu_pi(m, vi);
	/* vmx_sync_pir_to_irr() */
	if (pi && xl_test_and_clear_bit64(PI_CONTROL_ON, &pi->control))
		for (i = 0; i < 4; i++)
			v->vlapic.irr[i] |= xl_xchg64(&pi->pir[i], 0);
	proc = xl_vmcs_get(v, VMCS_PROC_BASED_CTLS);
	vid = (proc & PROC_ACTIVATE_SECONDARY) &&
	      (xl_vmcs_get(v, VMCS_PROC_BASED_CTLS2) &
	       PROC2_VIRT_INTR_DELIVERY);
	if (vi == 0 && xl_pic_output(&m->pic) &&
	    !(v->vlapic.lvt_lint0 & APIC_LVT_MASKED) &&
	    ((v->vlapic.lvt_lint0 >> 8) & 7) == 7) {
		pic = true;	/* ExtINT through LINT0: the PIC comes first */
	} else if (!vid) {
		vec = xl_lapic_pending(&v->vlapic);
	}
	if (pic || vec >= 0) {
		if (v->behaviour == XL_GUEST_MASKED) {
			xl_vmcs_set(v, VMCS_PROC_BASED_CTLS,
				    proc | PROC_INTR_WINDOW_EXITING);
			pic = false;
			vec = -1;
		} else if (pic) {
			vec = xl_pic_intack(&m->pic);
			pic = vec >= 0;
		} else {
			xl_lapic_accept(&v->vlapic, vec);
		}
	}
	if (vec >= 0) {
		xl_vmcs_set(v, VMCS_ENTRY_INTR_INFO,
			    INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vec);
		v->st.injections++;
	}
	/*
	 * As in KVM: the event to inject is decided (vmx_inject_irq) before
	 * vmx_vcpu_run, where exitless' pre-entry hook runs and can see it.
	 */
	HOOK(m, before_entry, vi);
	if (vid) {
		int rvi = xl_vec_highest(v->vlapic.irr);
		int svi = xl_vec_highest(v->vlapic.isr);

		xl_vmcs_set(v, VMCS_GUEST_INTR_STATUS,
			    (rvi < 0 ? 0 : rvi) | ((svi < 0 ? 0 : svi) << 8));
	}
	v->in_guest = true;
	v->st.entries++;
	v->preempt_left = (u32)xl_vmcs_get(v, VMCS_PREEMPTION_TIMER_VALUE);
	if (vec >= 0) {
		xl_vmcs_set(v, VMCS_ENTRY_INTR_INFO, 0);
		xl_cpu_deliver_injected(m, vi, vec, pic);
	}
}

static void hyp_handle_hlt(struct xl_model *m, u32 vi)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];

	if (vcpu_has_interrupt(m, vi))
		return;
	v->state = XL_VCPU_BLOCKED;
	HOOK(m, vcpu_sched, vi, XL_MODEL_SCHED_BLOCK);
}

void xl_hyp_vm_exit(struct xl_model *m, u32 vi, u32 reason)
{
	struct xl_model_vcpu *v = &m->vcpu[vi];
	u64 proc;

	v->in_guest = false;
	v->st.exits++;
	if (reason < XL_NR_EXIT_REASONS)
		v->st.exit_reason[reason]++;
	xl_vmcs_set(v, VMCS_EXIT_REASON, reason);
	m->cur_pcpu = v->pcpu;
	if (HOOK(m, handle_exit, vi, reason) == 1)
		return;
	switch (reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT: {
		u64 info = xl_vmcs_get(v, VMCS_EXIT_INTR_INFO);

		if (info & INTR_INFO_VALID)
			xl_hyp_host_handle(m, v->pcpu,
					   info & INTR_INFO_VECTOR_MASK);
		break;
	}
	case EXIT_REASON_EXCEPTION_NMI: {
		/* KVM reflects an exception it does not own into the guest. */
		u64 info = xl_vmcs_get(v, VMCS_EXIT_INTR_INFO);

		v->st.handled[info & INTR_INFO_VECTOR_MASK]++;
		v->st.handled_total++;
		break;
	}
	case EXIT_REASON_INTERRUPT_WINDOW:
		proc = xl_vmcs_get(v, VMCS_PROC_BASED_CTLS);
		xl_vmcs_set(v, VMCS_PROC_BASED_CTLS,
			    proc & ~PROC_INTR_WINDOW_EXITING);
		break;
	case EXIT_REASON_HLT:
		hyp_handle_hlt(m, vi);
		break;
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_APIC_ACCESS:
		xl_hyp_vlapic_eoi(m, vi);
		break;
	case EXIT_REASON_EOI_INDUCED: {
		/* SDM 29.1.2: the vector was already cleared from vISR. */
		u8 vec = (u8)xl_vmcs_get(v, VMCS_EXIT_QUALIFICATION);

		ioapic_eoi_broadcast(m, vec);
		HOOK(m, eoi, vi, vec);
		break;
	}
	case EXIT_REASON_IO_INSTRUCTION:
		/* The guest's OCW2 non-specific EOI to the PIC pair. */
		if (v->cur_vector >= m->pic.chip[1].base &&
		    v->cur_vector < m->pic.chip[1].base + 8)
			xl_pic_out(&m->pic, 0xa0, 0x20);
		xl_pic_out(&m->pic, 0x20, 0x20);
		break;
	case EXIT_REASON_GDTR_IDTR:
		xl_vmcs_set(v, VMCS_GUEST_IDTR_BASE, v->lidt_base);
		xl_vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, v->lidt_limit);
		break;
	default:
		/* preemption timer, ...: nothing to do, re-enter */
		break;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Direct/injection mode switch of one vCPU, after ELI's
 * eli_set_inject_mode (notes/anchors.md 1.2, table):
 *
 *                          direct mode            injection mode
 *   GUEST_IDTR             shadow IDT             guest's own IDT
 *   ext.-interrupt exiting off                    on
 *   preemption timer       on                     off
 *   descriptor-table exit  on                     off
 *   CR3-load exiting       on (cr3_load_exiting)  off
 *   #NP in exc. bitmap     trapped                not trapped
 *   x2APIC EOI MSR 0x80B   passthrough            intercepted
 *
 * "Off/on" in the injection column means "whatever the hypervisor had":
 * every field is saved before the first change and injection mode is the
 * saved values written back, so leaving exitless restores them exactly.
 * All functions here run in vCPU context (xl_hw_ops.h).
 */
#include "xl_sidt.h"
#include "hw/vmx.h"
#include "hw/apic.h"
#include "xl_err.h"

static int rd(const struct xl_hw *hw, u32 vcpu, u32 f, u64 *v)
{
	return hw->ops->vmcs_read(hw->priv, vcpu, f, v);
}

static int wr(const struct xl_hw *hw, u32 vcpu, u32 f, u64 v)
{
	return hw->ops->vmcs_write(hw->priv, vcpu, f, v);
}

static bool hw_ok(const struct xl_hw *hw)
{
	return hw && hw->ops && hw->ops->vmcs_read && hw->ops->vmcs_write;
}

/* The arguments every mode switch of one vCPU takes, checked. */
static int check_vcpu(const struct xl_hw *hw, u32 vcpu,
		      const struct xl_sidt_vcpu *s)
{
	if (!hw_ok(hw))
		return XL_FAIL(-EINVAL, "no hw or no VMCS read/write op");
	if (!s)
		return XL_FAIL(-EINVAL, "no vCPU mode state");
	if (vcpu >= hw->nr_vcpus)
		return XL_FAIL(-EINVAL, "vCPU index out of range");
	return 0;
}

static int save(const struct xl_hw *hw, u32 vcpu, struct xl_sidt_saved *s)
{
	int ret;

	ret = rd(hw, vcpu, VMCS_PIN_BASED_CTLS, &s->pin);
	ret = ret ?: rd(hw, vcpu, VMCS_PROC_BASED_CTLS, &s->proc);
	ret = ret ?: rd(hw, vcpu, VMCS_PROC_BASED_CTLS2, &s->proc2);
	ret = ret ?: rd(hw, vcpu, VMCS_EXCEPTION_BITMAP, &s->exc_bitmap);
	ret = ret ?: rd(hw, vcpu, VMCS_GUEST_IDTR_BASE, &s->idtr_base);
	ret = ret ?: rd(hw, vcpu, VMCS_GUEST_IDTR_LIMIT, &s->idtr_limit);
	ret = ret ?: rd(hw, vcpu, VMCS_PREEMPTION_TIMER_VALUE, &s->timer);
	return ret;
}

/*
 * The bits exitless changes in each control field; the rest is KVM's.
 * In the primary controls, CR3-load exiting too when asked for
 * (struct xl_sidt_vcpu.proc_bits).
 */
#define SIDT_PIN_BITS	(PIN_EXT_INTR_EXITING | PIN_PREEMPTION_TIMER)
#define SIDT_PROC_BITS	PROC_ACTIVATE_SECONDARY
#define SIDT_PROC2_BITS	PROC2_DESC_TABLE_EXITING
#define SIDT_EXC_BITS	XL_BIT(XL_VEC_NP)

/*
 * Put back the saved value of exactly the bits exitless changed. Control
 * fields are read-modify-written: the hypervisor keeps toggling its own
 * bits (interrupt-window exiting, its exception bitmap) while the vCPU is
 * in direct mode, and those changes must survive. Keeps going past
 * errors and reports the first.
 */
static int rmw(const struct xl_hw *hw, u32 vcpu, u32 field, u64 bits,
	       u64 val)
{
	u64 cur;
	int ret = rd(hw, vcpu, field, &cur);

	return ret ?: wr(hw, vcpu, field, (cur & ~bits) | (val & bits));
}

/*
 * The hypervisor's descriptor-table exiting as it wants it now. KVM sets
 * it (through its controls shadow, so the VMCS keeps direct mode's bit
 * and nothing looks rewritten) when the guest turns CR4.UMIP on while the
 * host CPU lacks UMIP, and would lose it if the value saved at the switch
 * were put back: CR4.UMIP in the guest's CR4 read shadow says so.
 */
static u64 proc2_wanted(const struct xl_hw *hw, u32 vcpu, u64 saved)
{
	u64 cr4;

	if (!hw->has_umip && !rd(hw, vcpu, VMCS_CR4_READ_SHADOW, &cr4) &&
	    (cr4 & X86_CR4_UMIP))
		return saved | PROC2_DESC_TABLE_EXITING;
	return saved;
}

static int write_saved(const struct xl_hw *hw, u32 vcpu,
		       const struct xl_sidt_vcpu *s)
{
	const struct xl_sidt_saved *v = &s->saved;
	int r[8], i, ret = 0;

	r[0] = wr(hw, vcpu, VMCS_GUEST_IDTR_BASE, v->idtr_base);
	r[1] = wr(hw, vcpu, VMCS_GUEST_IDTR_LIMIT, v->idtr_limit);
	r[2] = rmw(hw, vcpu, VMCS_EXCEPTION_BITMAP, SIDT_EXC_BITS,
		   v->exc_bitmap);
	r[3] = rmw(hw, vcpu, VMCS_PROC_BASED_CTLS2, SIDT_PROC2_BITS,
		   proc2_wanted(hw, vcpu, v->proc2));
	r[4] = rmw(hw, vcpu, VMCS_PROC_BASED_CTLS, s->proc_bits, v->proc);
	r[5] = wr(hw, vcpu, VMCS_PREEMPTION_TIMER_VALUE, v->timer);
	r[6] = rmw(hw, vcpu, VMCS_PIN_BASED_CTLS, SIDT_PIN_BITS, v->pin);
	r[7] = 0;
	if (s->eoi_passthrough && hw->ops->msr_write_intercept)
		r[7] = hw->ops->msr_write_intercept(hw->priv, vcpu,
						    MSR_X2APIC_EOI, true);
	for (i = 0; i < 8; i++)
		ret = ret ?: r[i];
	return ret;
}

int xl_sidt_enter_direct(const struct xl_hw *hw, u32 vcpu,
			 struct xl_sidt_vcpu *s,
			 const struct xl_sidt_params *p)
{
	const struct xl_sidt_saved *v;
	u64 proc_bits, targets;
	bool eoi;
	int ret;

	ret = check_vcpu(hw, vcpu, s);
	if (ret)
		return ret;
	if (!p)
		return XL_FAIL(-EINVAL, "no direct-mode parameters");
	if (!p->shadow_gva)
		return XL_FAIL(-EINVAL, "shadow IDT address is 0");
	if (!p->timer_value)
		return XL_FAIL(-EINVAL, "preemption timer value is 0");
	if (s->state == XL_SIDT_DIRECT)
		return 0;
	/*
	 * CR3-load exiting lets through the loads of the CR3-target values
	 * (SDM vol.3 25.6.7); KVM has none (CR3_TARGET_COUNT 0). Exitless
	 * must see every load: no direct mode if there are any.
	 */
	proc_bits = SIDT_PROC_BITS;
	if (p->cr3_load_exiting) {
		ret = rd(hw, vcpu, VMCS_CR3_TARGET_COUNT, &targets);
		if (ret)
			return ret;
		if (targets)
			return XL_FAIL(-EOPNOTSUPP, "nonzero CR3-target count: those CR3 loads would not exit (SDM vol.3 25.6.7)");
		proc_bits |= PROC_CR3_LOAD_EXITING;
	}
	/*
	 * In injection mode the VMCS holds the hypervisor's own values again,
	 * possibly changed by it since; save them afresh either way.
	 */
	ret = save(hw, vcpu, &s->saved);
	if (ret)
		return ret;
	s->saved_valid = true;
	s->eoi_passthrough = false;
	s->proc_bits = proc_bits;
	v = &s->saved;
	/*
	 * Exitless EOI: the guest's x2APIC EOI write must reach the physical
	 * LAPIC, which needs x2APIC on the host and MSR bitmaps in use (without
	 * them every WRMSR exits, SDM 25.1.3). The saved value of the MSR's
	 * intercept cannot be read through xl_hw_ops; it is "intercepted"
	 * whenever virtual-interrupt delivery is off (KVM, vmx_update_msr_
	 * bitmap_x2apic), so exitless EOI is used only then and restoring
	 * "intercepted" is exact.
	 */
	eoi = p->exitless_eoi && hw->x2apic && hw->ops->msr_write_intercept &&
	      (v->proc & PROC_USE_MSR_BITMAPS) &&
	      !((v->proc & PROC_ACTIVATE_SECONDARY) &&
		(v->proc2 & PROC2_VIRT_INTR_DELIVERY));

	s->shadow_gva = p->shadow_gva;
	ret = wr(hw, vcpu, VMCS_GUEST_IDTR_BASE, p->shadow_gva);
	ret = ret ?: wr(hw, vcpu, VMCS_GUEST_IDTR_LIMIT, XL_SIDT_LIMIT);
	ret = ret ?: wr(hw, vcpu, VMCS_EXCEPTION_BITMAP,
			v->exc_bitmap | XL_BIT(XL_VEC_NP));
	ret = ret ?: wr(hw, vcpu, VMCS_PROC_BASED_CTLS2,
			v->proc2 | PROC2_DESC_TABLE_EXITING);
	ret = ret ?: wr(hw, vcpu, VMCS_PROC_BASED_CTLS, v->proc | s->proc_bits);
	ret = ret ?: wr(hw, vcpu, VMCS_PREEMPTION_TIMER_VALUE, p->timer_value);
	ret = ret ?: wr(hw, vcpu, VMCS_PIN_BASED_CTLS,
			(v->pin & ~PIN_EXT_INTR_EXITING) |
			PIN_PREEMPTION_TIMER);
	if (!ret && eoi) {
		s->eoi_passthrough = true;
		ret = hw->ops->msr_write_intercept(hw->priv, vcpu,
						   MSR_X2APIC_EOI, false);
	}
	if (ret) {
		/* Never leave a half-switched VMCS behind. */
		write_saved(hw, vcpu, s);
		s->state = XL_SIDT_OFF;
		s->saved_valid = false;
		s->eoi_passthrough = false;
		return ret;
	}
	s->state = XL_SIDT_DIRECT;
	return 0;
}

int xl_sidt_enter_inject(const struct xl_hw *hw, u32 vcpu,
			 struct xl_sidt_vcpu *s)
{
	int ret;

	ret = check_vcpu(hw, vcpu, s);
	if (ret)
		return ret;
	if (s->state == XL_SIDT_INJECT)
		return 0;
	if (s->state != XL_SIDT_DIRECT)
		return XL_FAIL(-EINVAL, "vCPU not in direct mode: nothing saved to inject with");
	ret = write_saved(hw, vcpu, s);
	if (ret) {
		s->state = XL_SIDT_OFF;
		s->saved_valid = false;
		return ret;
	}
	s->state = XL_SIDT_INJECT;
	return 0;
}

/*
 * Fields the hypervisor rewrites on its own while a vCPU is in direct
 * mode: KVM's vCPU reset at INIT (IDTR, the exception bitmap), KVM_SET_SREGS
 * from its user space (IDTR), update_exception_bitmap (guest debug, XFD,
 * CR0 changes), its APICv refresh (the pin-based controls, written whole
 * from its controls shadow, which never had the engine's bits), a guest
 * leaving IA-32e mode (the entry control). Each one either puts host
 * interrupts through an IDT the guest controls with external-interrupt
 * exiting still off, or stops a host vector's #NP from exiting.
 */
static bool idtr_changed(const struct xl_sidt_saved *now, u64 shadow_gva)
{
	return now->idtr_base != shadow_gva || now->idtr_limit != XL_SIDT_LIMIT;
}

/*
 * Take the hypervisor's new value of each field it rewrote as the one to
 * restore, so that leaving direct mode keeps its change and undoes only
 * the engine's bits that are still in place.
 */
static void adopt_rewrites(struct xl_sidt_saved *saved,
			   const struct xl_sidt_saved *now, u64 shadow_gva,
			   u64 proc_bits)
{
	if (idtr_changed(now, shadow_gva)) {
		saved->idtr_base = now->idtr_base;
		saved->idtr_limit = now->idtr_limit;
	}
	if (!(now->exc_bitmap & SIDT_EXC_BITS))
		saved->exc_bitmap = now->exc_bitmap;
	if ((now->pin & SIDT_PIN_BITS) != PIN_PREEMPTION_TIMER)
		saved->pin = now->pin;
	if ((now->proc & proc_bits) != proc_bits)
		saved->proc = now->proc;
	if (!(now->proc2 & SIDT_PROC2_BITS))
		saved->proc2 = now->proc2;
}

/*
 * Leaving direct mode keeps what the hypervisor rewrote meanwhile (KVM's
 * INIT reset of the IDTR, say, when the vCPU leaves at the entry after
 * it): only the engine's bits still in place are undone.
 */
int xl_sidt_restore(const struct xl_hw *hw, u32 vcpu, struct xl_sidt_vcpu *s)
{
	struct xl_sidt_saved now;
	int ret = 0;

	ret = check_vcpu(hw, vcpu, s);
	if (ret)
		return ret;
	/* Injection mode already has the saved values in the VMCS. */
	if (s->state == XL_SIDT_DIRECT) {
		if (!save(hw, vcpu, &now))
			adopt_rewrites(&s->saved, &now, s->shadow_gva,
				       s->proc_bits);
		ret = write_saved(hw, vcpu, s);
	}
	s->state = XL_SIDT_OFF;
	s->saved_valid = false;
	s->eoi_passthrough = false;
	return ret;
}

int xl_sidt_revalidate(const struct xl_hw *hw, u32 vcpu,
		       struct xl_sidt_vcpu *s, u64 shadow_gva)
{
	struct xl_sidt_saved now;
	u64 entry;
	int ret;

	ret = check_vcpu(hw, vcpu, s);
	if (ret)
		return ret;
	if (s->state != XL_SIDT_DIRECT)
		return 0;
	ret = save(hw, vcpu, &now);
	ret = ret ?: rd(hw, vcpu, VMCS_ENTRY_CTLS, &entry);
	if (ret)
		return ret;
	if (!idtr_changed(&now, shadow_gva) &&
	    (now.exc_bitmap & SIDT_EXC_BITS) &&
	    (now.pin & SIDT_PIN_BITS) == PIN_PREEMPTION_TIMER &&
	    (now.proc & s->proc_bits) == s->proc_bits &&
	    (now.proc2 & SIDT_PROC2_BITS) &&
	    (entry & ENTRY_IA32E_MODE_GUEST))
		return 0;
	adopt_rewrites(&s->saved, &now, shadow_gva, s->proc_bits);
	ret = write_saved(hw, vcpu, s);
	s->state = XL_SIDT_OFF;
	s->saved_valid = false;
	s->eoi_passthrough = false;
	return ret ?: 1;
}

int xl_sidt_rearm_timer(const struct xl_hw *hw, u32 vcpu,
			const struct xl_sidt_vcpu *s, u32 timer_value)
{
	int ret = check_vcpu(hw, vcpu, s);

	if (ret)
		return ret;
	if (!timer_value)
		return XL_FAIL(-EINVAL, "preemption timer value is 0");
	if (s->state != XL_SIDT_DIRECT)
		return XL_FAIL(-EINVAL, "vCPU not in direct mode");
	return wr(hw, vcpu, VMCS_PREEMPTION_TIMER_VALUE, timer_value);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * struct xl_hw_ops over Intel VMX and KVM (include/xl_hw_ops.h): the one
 * file of exitless.ko that executes VMREAD/VMWRITE.
 *
 * Every VMCS access is for the VMCS that is current on this CPU (SDM vol.3
 * 24.1, 31.3): exitless only calls these from its hooks around KVM's VM
 * entry and exit (kvm_hooks.c), where KVM has the vCPU loaded. The check
 * below refuses any other caller (-EPERM) instead of touching whatever
 * VMCS happens to be current.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <asm/apic.h>
#include <asm/apicdef.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "compat.h"
#include "xl_hw_ops.h"
#include "hooks_priv.h"
#include "vmx_hw.h"

/*
 * VMREAD/VMWRITE report failure through CF or ZF ("VMfailInvalid",
 * "VMfailValid", SDM vol.3 31.2); setna catches both.
 */
int xl_vmx_read(u32 field, u64 *val)
{
	unsigned long v, f = field;
	bool fail;

	asm volatile("vmread %[f], %[v]; setna %[fail]"
		     : [fail] "=qm" (fail), [v] "=rm" (v)
		     : [f] "r" (f) : "cc");
	if (fail)
		return -EIO;
	*val = v;
	return 0;
}

int xl_vmx_write(u32 field, u64 val)
{
	unsigned long v = val, f = field;
	bool fail;

	asm volatile("vmwrite %[v], %[f]; setna %[fail]"
		     : [fail] "=qm" (fail)
		     : [f] "r" (f), [v] "rm" (v) : "cc", "memory");
	return fail ? -EIO : 0;
}

/*
 * struct x86_exception (arch/x86/kvm/kvm_emulate.h, private, 24 bytes in
 * 6.1) is only ever filled by KVM, so an opaque, larger buffer stands in
 * for it (see vmx_hw.h for the prototypes).
 */
struct xl_x86_exception_buf {
	u64 space[8];
};

static void (*xl_do_interrupt_irqoff)(unsigned long entry);

void xl_vmx_set_reraise(void (*fn)(unsigned long entry))
{
	xl_do_interrupt_irqoff = fn;
}

static struct kvm_vcpu *xl_vcpu(void *hw, u32 idx)
{
	struct kvm *kvm = hw;

	if (!kvm || idx >= (u32)atomic_read(&kvm->online_vcpus))
		return NULL;
	return kvm_get_vcpu(kvm, idx);
}

/* vCPU context: @idx is the vCPU KVM has loaded on this CPU. */
static struct kvm_vcpu *xl_current(void *hw, u32 idx)
{
	struct kvm_vcpu *vcpu = xl_vcpu(hw, idx);

	if (!vcpu || kvm_get_running_vcpu() != vcpu)
		return NULL;
	return vcpu;
}

static int xl_hw_vmcs_read(void *hw, u32 idx, u32 field, u64 *val)
{
	if (!xl_current(hw, idx))
		return -EPERM;
	return xl_vmx_read(field, val);
}

static int xl_hw_vmcs_write(void *hw, u32 idx, u32 field, u64 val)
{
	if (!xl_current(hw, idx))
		return -EPERM;
	return xl_vmx_write(field, val);
}

/*
 * The MSR bitmap is KVM's own page (vmcs01.msr_bitmap). Its write bitmap
 * for MSRs 0-0x1fff is the third 1-KByte quarter (SDM vol.3 25.6.9).
 * Only the x2APIC EOI MSR may be changed, and only while the host itself
 * runs its LAPIC in x2APIC mode: otherwise a guest WRMSR of 0x80b that
 * does not exit would raise #GP on the physical xAPIC.
 */
static int xl_hw_msr_write_intercept(void *hw, u32 idx, u32 msr,
				     bool intercept)
{
	unsigned long *bitmap;
	u64 pa;
	int ret;

	if (msr != APIC_BASE_MSR + (APIC_EOI >> 4))
		return -EINVAL;
	if (!x2apic_mode)
		return -EOPNOTSUPP;
	if (!xl_current(hw, idx))
		return -EPERM;
	ret = xl_vmx_read(MSR_BITMAP, &pa);
	if (ret)
		return ret;
	if (!pa || !pfn_valid(PHYS_PFN(pa)))
		return -EIO;
	bitmap = phys_to_virt(pa) + 0x800;
	if (intercept)
		__set_bit(msr, bitmap);
	else
		__clear_bit(msr, bitmap);
	return 0;
}

/*
 * Guest-virtual copies walk the guest's page tables and read guest RAM
 * through the user mapping of the VM's memory. The hooks run with IRQs
 * off, so no page fault may sleep: pagefault_disable() makes a page that
 * is not resident fail with -EFAULT instead.
 */
static int xl_hw_guest_read(void *hw, u32 vidx, u64 gva, void *buf,
			    size_t len)
{
	struct xl_x86_exception_buf ex;
	struct kvm_vcpu *vcpu = xl_current(hw, vidx);
	int ret, idx;

	if (!vcpu)
		return -EPERM;
	if (len > PAGE_SIZE * 2)
		return -EINVAL;
	/* memslots are SRCU-protected; KVM dropped its read lock for entry */
	idx = srcu_read_lock(&vcpu->kvm->srcu);
	pagefault_disable();
	ret = kvm_read_guest_virt(vcpu, gva, buf, len, &ex);
	pagefault_enable();
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	if (ret)
		pr_warn_ratelimited("guest copy at 0x%llx (%zu bytes) failed: X86EMUL %d\n",
				    gva, len, ret);
	return ret ? -EFAULT : 0;
}

static int xl_hw_guest_write(void *hw, u32 vidx, u64 gva, const void *buf,
			     size_t len)
{
	struct xl_x86_exception_buf ex;
	struct kvm_vcpu *vcpu = xl_current(hw, vidx);
	int ret, idx;

	if (!vcpu)
		return -EPERM;
	if (len > PAGE_SIZE * 2)
		return -EINVAL;
	/* memslots are SRCU-protected; KVM dropped its read lock for entry */
	idx = srcu_read_lock(&vcpu->kvm->srcu);
	pagefault_disable();
	ret = kvm_write_guest_virt_system(vcpu, gva, (void *)buf, len, &ex);
	pagefault_enable();
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	if (ret)
		pr_warn_ratelimited("guest copy at 0x%llx (%zu bytes) failed: X86EMUL %d\n",
				    gva, len, ret);
	return ret ? -EFAULT : 0;
}

/* The hooks run under rcu_read_lock(): the VM's record stays. */
static bool xl_hw_shadow_mapped(void *hw, u32 idx, u64 gva)
{
	struct kvm_vcpu *vcpu = xl_current(hw, idx);
	struct xl_hvm *h = vcpu ? xl_hvm_find(vcpu->kvm) : NULL;

	return h && xl_shadow_mapped(h, vcpu, idx, gva);
}

static int xl_hw_vcpu_locate(void *hw, u32 idx, struct xl_vcpu_loc *loc)
{
	struct kvm_vcpu *vcpu = xl_vcpu(hw, idx);
	int cpu;

	if (!vcpu || !loc)
		return -EINVAL;
	cpu = READ_ONCE(vcpu->cpu);
	memset(loc, 0, sizeof(*loc));
	if (READ_ONCE(vcpu->mode) == IN_GUEST_MODE && cpu >= 0 &&
	    cpu < nr_cpu_ids) {
		loc->state = XL_VCPU_RUNNING;
		loc->pcpu = cpu;
		loc->pcpu_apic_id = per_cpu(x86_cpu_to_apicid, cpu);
	} else if (kvm_vcpu_is_blocking(vcpu)) {
		loc->state = XL_VCPU_BLOCKED;
	} else {
		loc->state = XL_VCPU_PREEMPTED;
	}
	return 0;
}

/* A fixed-mode IPI, physical destination (SDM vol.3 11.6.1). */
static int xl_hw_send_ipi(void *hw, u32 pcpu, u8 vector)
{
	if (pcpu >= nr_cpu_ids || !cpu_online(pcpu) || vector < FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	apic->send_IPI(pcpu, vector);
	return 0;
}

static int xl_hw_wake_vcpu(void *hw, u32 idx)
{
	struct kvm_vcpu *vcpu = xl_vcpu(hw, idx);

	if (!vcpu)
		return -EINVAL;
	kvm_vcpu_kick(vcpu);
	return 0;
}

/*
 * KVM's exiting injection path: a fixed self-IPI of the vCPU's own virtual
 * LAPIC (ICR shorthand "self", SDM vol.3 11.6.1), which KVM's LAPIC
 * emulation accepts into IRR and injects at the next entry.
 */
static int xl_hw_inject(void *hw, u32 idx, u8 vector)
{
	struct kvm_vcpu *vcpu = xl_vcpu(hw, idx);

	if (!vcpu || !vcpu->arch.apic || vector < FIRST_EXTERNAL_VECTOR)
		return -EINVAL;
	kvm_apic_send_ipi(vcpu->arch.apic,
			  APIC_DEST_SELF | APIC_DM_FIXED | vector, 0);
	return 0;
}

/* One bit of a 256-bit LAPIC register (ISR, IRR, TMR; SDM vol.3 11.8.4). */
static bool xl_apic_reg_bit(u32 reg, u8 vector)
{
	return xl_apic_read(reg + (vector / 32) * 0x10) & BIT(vector % 32);
}

/*
 * Health of the re-raise path, for debugfs "hooks": a vector that is not
 * in service on the physical LAPIC was not delivered by the CPU (the
 * handler's EOI would retire someone else's vector). The host LAPIC timer
 * is counted apart: it is most of what a vCPU in direct mode sends back.
 */
static struct {
	atomic64_t total, not_in_service, timer;
} xl_reraise_stats;

void xl_vmx_reraise_show(struct seq_file *m)
{
	seq_printf(m, "reraise total %lld not_in_service %lld local_timer %lld\n",
		   atomic64_read(&xl_reraise_stats.total),
		   atomic64_read(&xl_reraise_stats.not_in_service),
		   atomic64_read(&xl_reraise_stats.timer));
}

/*
 * Re-raise a host vector that hit a not-present gate of the shadow IDT.
 * The physical LAPIC already moved the vector into ISR when the CPU
 * delivered it to the guest, so a self-IPI would wait behind that ISR bit
 * for an EOI nobody sends. Instead the host's own IDT entry runs exactly
 * as KVM runs it for an ordinary external-interrupt exit
 * (XL_KVM_DO_INTERRUPT, with IRQs off, on this CPU); the host's
 * handler then EOIs. This is ELI's software "int $vector"
 * (notes/anchors.md 1.2) without its ordering caveat.
 */
static int xl_hw_host_reraise(void *hw, u8 vector)
{
	struct desc_ptr dt;
	gate_desc *gate;

	if (!xl_do_interrupt_irqoff || !irqs_disabled() ||
	    vector < FIRST_EXTERNAL_VECTOR)
		return -EOPNOTSUPP;
	atomic64_inc(&xl_reraise_stats.total);
	if (!xl_apic_reg_bit(APIC_ISR, vector))
		atomic64_inc(&xl_reraise_stats.not_in_service);
	if (vector == LOCAL_TIMER_VECTOR)
		atomic64_inc(&xl_reraise_stats.timer);
	store_idt(&dt);
	gate = (gate_desc *)dt.address + vector;
	xl_do_interrupt_irqoff(gate_offset(gate));
	return 0;
}

static int xl_hw_virt_to_phys(void *hw, const void *ptr, u64 *pa)
{
	if (!ptr || !pa || is_vmalloc_addr(ptr) || !virt_addr_valid(ptr))
		return -EINVAL;
	*pa = virt_to_phys((void *)ptr);
	return 0;
}

/* ISR: eight 32-bit registers 16 bytes apart (SDM vol.3 11.8.4). */
static int xl_hw_apic_isr_read(void *hw, u32 idx, u64 isr[4])
{
	int i;

	if (!xl_current(hw, idx))
		return -EPERM;
	for (i = 0; i < 8; i++) {
		u64 r = xl_apic_read(APIC_ISR + i * 0x10);

		if (i & 1)
			isr[i / 2] |= r << 32;
		else
			isr[i / 2] = r;
	}
	return 0;
}

static int xl_hw_apic_eoi(void *hw, u32 idx)
{
	if (!xl_current(hw, idx))
		return -EPERM;
	xl_apic_eoi();
	return 0;
}

static bool xl_hw_vcpu_nested(void *hw, u32 idx)
{
	struct kvm_vcpu *vcpu = xl_vcpu(hw, idx);

	return vcpu && (vcpu->arch.hflags & HF_GUEST_MASK);
}

/*
 * General-purpose registers through KVM's register cache, which holds all
 * but RSP and RIP after every exit; those two are read from the VMCS
 * unless cached, and written through the cache (available + dirty), so
 * vmx_vcpu_run writes them to the VMCS before the next entry. The
 * instruction information numbers them as KVM's VCPU_REGS_* do.
 */
static int xl_hw_guest_reg(void *hw, u32 idx, u32 reg, u64 *val)
{
	struct kvm_vcpu *vcpu = xl_current(hw, idx);

	if (!vcpu)
		return -EPERM;
	if (reg > VCPU_REGS_R15)
		return -EINVAL;
	if (reg == VCPU_REGS_RSP &&
	    !test_bit(VCPU_REGS_RSP, (unsigned long *)&vcpu->arch.regs_avail))
		return xl_vmx_read(GUEST_RSP, val);
	*val = vcpu->arch.regs[reg];
	return 0;
}

static void xl_reg_write(struct kvm_vcpu *vcpu, u32 reg, u64 val)
{
	vcpu->arch.regs[reg] = val;
	__set_bit(reg, (unsigned long *)&vcpu->arch.regs_avail);
	__set_bit(reg, (unsigned long *)&vcpu->arch.regs_dirty);
}

static int xl_hw_guest_reg_set(void *hw, u32 idx, u32 reg, u64 val)
{
	struct kvm_vcpu *vcpu = xl_current(hw, idx);

	if (!vcpu)
		return -EPERM;
	if (reg > VCPU_REGS_R15)
		return -EINVAL;
	xl_reg_write(vcpu, reg, val);
	return 0;
}

static int xl_hw_skip_insn(void *hw, u32 idx)
{
	struct kvm_vcpu *vcpu = xl_current(hw, idx);
	u64 rip, len;
	int ret;

	if (!vcpu)
		return -EPERM;
	ret = xl_vmx_read(GUEST_RIP, &rip);
	ret = ret ?: xl_vmx_read(VM_EXIT_INSTRUCTION_LEN, &len);
	if (ret)
		return ret;
	xl_reg_write(vcpu, VCPU_REGS_RIP, rip + len);
	return 0;
}

/*
 * A MOV to CR3 that exited because direct mode made CR3 loads exit (SDM
 * vol.3 25.1.3): its source operand is taken now, at the exit, and KVM
 * loads it in place of vmx_handle_exit (kvm_hooks.c, xl_skip_exit_cr3),
 * where kvm_set_cr3 may take KVM's locks. The hooks run under
 * rcu_read_lock(): the VM's record stays.
 */
static int xl_hw_cr3_load(void *hw, u32 idx, u32 gpr)
{
	struct kvm_vcpu *vcpu = xl_current(hw, idx);
	struct xl_hvm *h = vcpu ? xl_hvm_find(vcpu->kvm) : NULL;
	u64 val;
	int ret;

	if (!h || idx >= XL_HOOK_VCPUS)
		return -EPERM;
	ret = xl_hw_guest_reg(hw, idx, gpr, &val);
	if (ret)
		return ret;
	h->vcpu[idx].cr3_val = val;
	h->vcpu[idx].cr3_load = true;
	return 0;
}

/* Canonical for the guest's paging: 48 bits, 57 with CR4.LA57 (SDM 4.5). */
static bool xl_guest_canonical(struct kvm_vcpu *vcpu, u64 gva)
{
	int bits = vcpu->arch.cr4 & X86_CR4_LA57 ? 57 : 48;

	return (s64)(gva << (64 - bits)) >> (64 - bits) == (s64)gva;
}

/*
 * A store as the guest's instruction makes it: the guest's page walk
 * with the rights of its CPL (kvm_mmu_gva_to_gpa_write: U/S, R/W,
 * CR0.WP, SMAP as KVM implements them), page by page, into guest RAM.
 * A fault of the walk, or a non-canonical address, is queued for the
 * guest (#PF, #GP(0)) and reported as -EFAULT; the host copy itself
 * runs with page faults off (IRQs are off here) and fails with -EIO.
 */
static int xl_hw_guest_store(void *hw, u32 idx, u64 gva, const void *buf,
			     size_t len)
{
	struct xl_x86_exception_buf ex;
	struct kvm_vcpu *vcpu = xl_current(hw, idx);
	size_t done = 0, n;
	int ret = 0, srcu;
	gpa_t gpa;

	if (!vcpu)
		return -EPERM;
	if (!len || len > 16)
		return -EINVAL;
	if (!xl_guest_canonical(vcpu, gva) ||
	    !xl_guest_canonical(vcpu, gva + len - 1)) {
		kvm_queue_exception_e(vcpu, GP_VECTOR, 0);
		return -EFAULT;
	}
	srcu = srcu_read_lock(&vcpu->kvm->srcu);
	pagefault_disable();
	while (!ret && done < len) {
		n = min_t(size_t, len - done,
			  PAGE_SIZE - offset_in_page(gva + done));
		gpa = kvm_mmu_gva_to_gpa_write(vcpu, gva + done, (void *)&ex);
		if (gpa == INVALID_GPA) {
			kvm_inject_emulated_page_fault(vcpu, (void *)&ex);
			ret = -EFAULT;
		} else if (kvm_vcpu_write_guest(vcpu, gpa, buf + done, n)) {
			ret = -EIO;
		}
		done += n;
	}
	pagefault_enable();
	srcu_read_unlock(&vcpu->kvm->srcu, srcu);
	return ret;
}

static const struct xl_hw_ops xl_vmx_ops = {
	.vmcs_read = xl_hw_vmcs_read,
	.vmcs_write = xl_hw_vmcs_write,
	.msr_write_intercept = xl_hw_msr_write_intercept,
	.guest_read = xl_hw_guest_read,
	.guest_write = xl_hw_guest_write,
	.shadow_mapped = xl_hw_shadow_mapped,
	.cr3_load = xl_hw_cr3_load,
	.vcpu_locate = xl_hw_vcpu_locate,
	.send_ipi = xl_hw_send_ipi,
	.wake_vcpu = xl_hw_wake_vcpu,
	.inject = xl_hw_inject,
	.host_reraise = xl_hw_host_reraise,
	/* irq_post/irq_unpost: `pi` mode lives in pi.c */
	.virt_to_phys = xl_hw_virt_to_phys,
	.apic_isr_read = xl_hw_apic_isr_read,
	.apic_eoi = xl_hw_apic_eoi,
	.vcpu_nested = xl_hw_vcpu_nested,
	.guest_reg = xl_hw_guest_reg,
	.guest_reg_set = xl_hw_guest_reg_set,
	.guest_store = xl_hw_guest_store,
	.skip_insn = xl_hw_skip_insn,
};

/* IA32_VMX_PINBASED_CTLS allowed-1 bit 6 (SDM vol.3 A.3.1). */
static bool xl_cpu_has_preemption_timer(void)
{
	u64 msr;

	if (!boot_cpu_has(X86_FEATURE_VMX) ||
	    rdmsrl_safe(MSR_IA32_VMX_PINBASED_CTLS, &msr))
		return false;
	return msr & BIT_ULL(32 + 6);
}

/*
 * VMX-preemption timer ticks in @us microseconds: the timer counts down
 * at the TSC rate shifted right by IA32_VMX_MISC[4:0] (SDM vol.3 26.5.1,
 * A.6). 0 when the rate is unknown (no TSC frequency, no MSR).
 */
u32 xl_vmx_timer_ticks(unsigned int us)
{
	u64 misc, ticks;

	if (!tsc_khz || rdmsrl_safe(MSR_IA32_VMX_MISC, &misc))
		return 0;
	ticks = div_u64((u64)tsc_khz * us, 1000) >> (misc & 0x1f);
	return clamp_t(u64, ticks, 1, U32_MAX);
}

void xl_vmx_fill_hw(struct xl_hw *hw, struct kvm *kvm, u32 nr_vcpus)
{
	memset(hw, 0, sizeof(*hw));
	hw->ops = &xl_vmx_ops;
	hw->priv = kvm;
	hw->nr_vcpus = nr_vcpus;
	hw->x2apic = x2apic_mode;
	hw->has_preemption_timer = xl_cpu_has_preemption_timer();
	hw->has_umip = boot_cpu_has(X86_FEATURE_UMIP);
	/* KVM's posted interrupts are pi.c's business, not the engine's. */
	hw->has_posted_intr = false;
	hw->has_vtd_posting = false;
}

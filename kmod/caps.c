// SPDX-License-Identifier: GPL-2.0
/*
 * What the host and a VM have for posted interrupts, and the words for
 * what they lack. Posting a passthrough MSI needs all of:
 *   - CPU: VMX with the "process posted interrupts" pin-based control
 *     allowed to be 1 (SDM 24.6.1, A.3.1: IA32_VMX_TRUE_PINBASED_CTLS when
 *     IA32_VMX_BASIC bit 55 is set, else IA32_VMX_PINBASED_CTLS; allowed-1
 *     settings in bits 63:32, bit 7 = posted interrupts);
 *   - KVM: kvm_intel with enable_apicv=Y (KVM keeps a vCPU's PI descriptor
 *     only with APICv), and APICv not inhibited for this VM
 *     (kvm->arch.apicv_inhibit_reasons), an in-kernel LAPIC and a device
 *     assigned through KVM's VFIO device: KVM arms the wakeup vector of a
 *     blocking vCPU only then (vmx_needs_pi_wakeup), so without it an
 *     interrupt posted to a halted vCPU would wait for the next kick;
 *   - IOMMU: posted-format IRTEs, VT-d CAP_REG.PI (bit 59, VT-d spec
 *     11.4.2) on every remapping unit, which the intel-iommu driver turns
 *     into irq_remapping_cap(IRQ_POSTING_CAP) (off with intremap=nopost).
 * These are the same conditions as KVM's own vmx_can_use_vtd_pi().
 * A VM without registered IRQs needs only the CPU and KVM parts: its
 * virtual interrupts are posted by software into KVM's descriptors
 * (pi_vcpu.c) and a halted vCPU is woken by KVM's kvm_vcpu_wake_up(),
 * so neither the IOMMU nor KVM's wakeup vector is needed for them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/irq_remapping.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "caps.h"
#include "vmx/kvm_hooks.h"

#define XL_VMX_BASIC_TRUE_CTLS	BIT_ULL(55)	/* SDM A.1 */
#define XL_PIN_PREEMPT_TIMER	BIT_ULL(32 + 6)	/* allowed-1 half */
#define XL_PIN_POSTED_INTR	BIT_ULL(32 + 7)

static struct xl_caps xl_caps;
static DEFINE_MUTEX(xl_caps_lock);

void xl_caps_init(void)
{
	struct xl_caps *c = &xl_caps;
	u64 basic;

	memset(c, 0, sizeof(*c));
	c->apicv = -ENOENT;
	c->x2apic = x2apic_mode;
	c->vtd_posting = irq_remapping_cap(IRQ_POSTING_CAP);
	/* rdmsr_safe: an #GP (no VMX, odd hypervisor) is an answer, not a crash */
	c->vmx = boot_cpu_has(X86_FEATURE_VMX) &&
		 !rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic);
	if (!c->vmx)
		return;
	c->true_ctls = basic & XL_VMX_BASIC_TRUE_CTLS;
	if (rdmsrl_safe(c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			MSR_IA32_VMX_PINBASED_CTLS, &c->pinbased))
		c->pinbased = 0;
	c->posted_intr = c->pinbased & XL_PIN_POSTED_INTR;
	c->preemption_timer = c->pinbased & XL_PIN_PREEMPT_TIMER;
}

/*
 * 1, 0, or -ENOENT when kvm_intel is not loaded. kvm.ko's own variable,
 * which kvm_intel settles at its load (hardware_setup); not its sysfs
 * parameter, whose path resolves in the caller's mount namespace.
 */
static int xl_read_apicv(void)
{
	if (!xl_kvm_intel_loaded())
		return -ENOENT;
	return READ_ONCE(enable_apicv);
}

const struct xl_caps *xl_caps_get(void)
{
	int apicv = xl_read_apicv();

	mutex_lock(&xl_caps_lock);
	xl_caps.apicv = apicv;
	mutex_unlock(&xl_caps_lock);
	return &xl_caps;
}

u32 xl_caps_missing(const struct xl_caps *c, struct kvm *kvm)
{
	u32 miss = 0;

	if (!c->vmx)
		miss |= XL_MISS_VMX;
	else if (!c->posted_intr)
		miss |= XL_MISS_CPU_PI;
	if (c->apicv < 0)
		miss |= XL_MISS_KVM_INTEL;
	else if (!c->apicv)
		miss |= XL_MISS_APICV;
	if (!c->vtd_posting)
		miss |= XL_MISS_VTD_PI;
	if (!kvm)
		return miss;
	if (READ_ONCE(kvm->arch.apicv_inhibit_reasons))
		miss |= XL_MISS_VM_APICV;
	if (READ_ONCE(kvm->arch.irqchip_mode) == KVM_IRQCHIP_NONE)
		miss |= XL_MISS_VM_IRQCHIP;
	if (!kvm_arch_has_assigned_device(kvm))
		miss |= XL_MISS_VM_ASSIGNED;
	return miss;
}

static void xl_cat(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	if (*at)
		*at += scnprintf(buf + *at, len - *at, "; ");
	va_start(ap, fmt);
	n = vscnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	*at += n;
}

void xl_caps_explain(const struct xl_caps *c, struct kvm *kvm, u32 missing,
		     char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (missing & XL_MISS_VMX)
		xl_cat(buf, len, &at, "CPU has no Intel VT-x (VMX), so no posted interrupts");
	if (missing & XL_MISS_CPU_PI)
		xl_cat(buf, len, &at,
		       "CPU lacks posted-interrupt processing (%s allowed-1 bit 7 clear, SDM A.3.1)",
		       c->true_ctls ? "IA32_VMX_TRUE_PINBASED_CTLS" :
		       "IA32_VMX_PINBASED_CTLS");
	if (missing & XL_MISS_KVM_INTEL)
		xl_cat(buf, len, &at, "kvm_intel is not loaded");
	if (missing & XL_MISS_APICV)
		xl_cat(buf, len, &at, "APICv is off in kvm_intel (enable_apicv=N)");
	if (missing & XL_MISS_VTD_PI)
		xl_cat(buf, len, &at,
		       "IOMMU lacks posted interrupts (needs VT-d CAP.PI, bit 59, on every remapping unit and CMPXCHG16B; off with intremap=nopost)");
	if ((missing & XL_MISS_VM_APICV) && kvm)
		xl_cat(buf, len, &at,
		       "APICv is inhibited for this VM (apicv_inhibit_reasons 0x%lx)",
		       READ_ONCE(kvm->arch.apicv_inhibit_reasons));
	if (missing & XL_MISS_VM_IRQCHIP)
		xl_cat(buf, len, &at,
		       "VM has no in-kernel LAPIC (KVM_CREATE_IRQCHIP or split irqchip)");
	if (missing & XL_MISS_VM_ASSIGNED)
		xl_cat(buf, len, &at,
		       "no device is assigned to the VM through KVM's VFIO device");
	if (missing & XL_MISS_DESC)
		xl_cat(buf, len, &at,
		       "exitless.ko runs with hooks=0: no VM-entry hook reads the vCPUs' posted-interrupt descriptors (VMCS POSTED_INTR_DESC_ADDR)");
}

void xl_caps_show(struct seq_file *m)
{
	const struct xl_caps *c = xl_caps_get();
	char why[512];
	u32 miss = xl_caps_missing(c, NULL);

	seq_printf(m, "vmx %d\n", c->vmx);
	seq_printf(m, "pinbased_msr %s\n", !c->vmx ? "none" :
		   c->true_ctls ? "IA32_VMX_TRUE_PINBASED_CTLS" :
		   "IA32_VMX_PINBASED_CTLS");
	seq_printf(m, "pinbased_allowed1 0x%08x\n", (u32)(c->pinbased >> 32));
	seq_printf(m, "cpu_posted_intr %d\n", c->posted_intr);
	seq_printf(m, "preemption_timer %d\n", c->preemption_timer);
	if (c->apicv < 0)
		seq_puts(m, "kvm_intel_apicv none\n");
	else
		seq_printf(m, "kvm_intel_apicv %d\n", c->apicv);
	seq_printf(m, "iommu_posting %d\n", c->vtd_posting);
	seq_printf(m, "x2apic %d\n", c->x2apic);
	if (!xl_pi_vcpu_source(NULL))
		miss |= XL_MISS_DESC;
	xl_caps_explain(c, NULL, miss & XL_MISS_MODE, why, sizeof(why));
	seq_printf(m, "pi %s\n", miss & XL_MISS_MODE ? "no" : "yes");
	seq_printf(m, "pi_missing %s\n", miss & XL_MISS_MODE ? why : "none");
	/* posting an assigned device's IRQs needs all of it, and VT-d's */
	xl_caps_explain(c, NULL, miss, why, sizeof(why));
	seq_printf(m, "pi_irte %s\n", miss ? "no" : "yes");
	seq_printf(m, "pi_irte_missing %s\n", miss ? why : "none");
}

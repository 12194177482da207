/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host capabilities that decide whether a VM may run in `pi` mode (and the
 * posted form of `did`), read once at load; kvm_intel's enable_apicv is
 * re-read on every check (kvm_intel may be loaded after us). Each missing
 * piece has its own bit so that a refusal names exactly what is missing.
 */
#ifndef XL_KMOD_CAPS_H
#define XL_KMOD_CAPS_H

#include <linux/bits.h>
#include <linux/types.h>

struct kvm;
struct seq_file;

struct xl_caps {
	bool vmx;		/* Intel VT-x usable (X86_FEATURE_VMX) */
	bool true_ctls;		/* IA32_VMX_BASIC bit 55 (SDM A.1) */
	u64 pinbased;		/* (TRUE_)PINBASED_CTLS, allowed-1 in 63:32 */
	bool posted_intr;	/* pin-based allowed-1 bit 7 (SDM A.3.1) */
	bool preemption_timer;	/* pin-based allowed-1 bit 6 */
	int apicv;		/* kvm_intel.enable_apicv: 1, 0, <0 unknown */
	bool vtd_posting;	/* irq_remapping_cap(IRQ_POSTING_CAP) */
	bool x2apic;		/* host LAPIC in x2APIC mode */
};

/* Missing pieces, as bits of the value xl_caps_missing() returns. */
#define XL_MISS_VMX		BIT(0)	/* not Intel VT-x (e.g. kvm_amd) */
#define XL_MISS_CPU_PI		BIT(1)	/* CPU without posted interrupts */
#define XL_MISS_KVM_INTEL	BIT(2)	/* kvm_intel not loaded */
#define XL_MISS_APICV		BIT(3)	/* kvm_intel.enable_apicv=N */
#define XL_MISS_VTD_PI		BIT(4)	/* IOMMU cannot post (CAP.PI) */
#define XL_MISS_VM_APICV	BIT(5)	/* APICv inhibited for this VM */
#define XL_MISS_VM_IRQCHIP	BIT(6)	/* VM without in-kernel LAPIC */
#define XL_MISS_VM_ASSIGNED	BIT(7)	/* no device assigned to the VM */
#define XL_MISS_DESC		BIT(8)	/* no source of vCPU PI descriptors */

/*
 * What `pi` needs for a VM's virtual interrupts (posted by the CPU into
 * KVM's descriptors), and what it needs besides to post an assigned
 * device's IRQs (posted IRTEs, VT-d 9.11).
 */
#define XL_MISS_MODE	(XL_MISS_VMX | XL_MISS_CPU_PI | XL_MISS_KVM_INTEL | \
			 XL_MISS_APICV | XL_MISS_VM_APICV | XL_MISS_VM_IRQCHIP | \
			 XL_MISS_DESC)
#define XL_MISS_IRTE	(XL_MISS_VTD_PI | XL_MISS_VM_ASSIGNED)

void xl_caps_init(void);
const struct xl_caps *xl_caps_get(void);
/* Host-wide (@kvm NULL) or host + VM bits of what `pi` lacks. */
u32 xl_caps_missing(const struct xl_caps *c, struct kvm *kvm);
/* Human text for @missing, "; "-separated, into @buf. */
void xl_caps_explain(const struct xl_caps *c, struct kvm *kvm, u32 missing,
		     char *buf, size_t len);
void xl_caps_show(struct seq_file *m);

#endif /* XL_KMOD_CAPS_H */

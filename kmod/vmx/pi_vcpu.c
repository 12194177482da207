// SPDX-License-Identifier: GPL-2.0
/*
 * `pi` mode, the CPU side: each vCPU's posted-interrupt descriptor, and
 * virtual interrupts posted into it.
 *
 * With APICv kvm_intel gives every vCPU a descriptor of its own, a member
 * of struct vcpu_vmx, and writes its physical address and the notification
 * vector into the vCPU's VMCS (init_vmcs: POSTED_INTR_DESC_ADDR,
 * POSTED_INTR_NV). struct vcpu_vmx is private to kvm_intel, so the address
 * is taken where the CPU takes it: VMREAD at our VM-entry hook, where the
 * vCPU's VMCS is current (kvm_hooks.c, xl_on_entry). Nothing there is the
 * guest's: vmcs01 is KVM's own, and the entries of a nested guest (whose
 * vmcs02 carries an address L1 chose) are skipped. The address is kept
 * only if it lies inside the vCPU's own allocation in the direct map.
 *
 * A virtual interrupt is then posted the way KVM posts one to its own
 * vCPUs (vmx_deliver_posted_interrupt, kvm_vcpu_trigger_posted_interrupt
 * in Linux 6.1 and 6.12): PIR bit, then ON; the poster that set ON
 * notifies: the notification vector to the pCPU of a vCPU in guest mode,
 * which the CPU takes as a posted-interrupt notification without a VM exit
 * (SDM vol. 3C 29.6); any other vCPU is woken with kvm_vcpu_wake_up(),
 * because a halted vCPU's descriptor keeps the ordinary notification
 * vector unless KVM needs its wakeup vector for VT-d or IPI
 * virtualization (vmx_needs_pi_wakeup), and that vector's handler on a CPU
 * in the host does nothing. KVM's halt loop finds ON and syncs PIR into the
 * virtual IRR (vmx_sync_pir_to_irr), as at every entry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/apic.h>
#include <asm/vmx.h>

#include "hooks_priv.h"
#include "kvm_hooks.h"
#include "vmx_hw.h"
#include "xl_pi.h"

/*
 * @pa is KVM's descriptor of @vcpu: 64-byte aligned (SDM 24.6.8, bits 5:0
 * zero), in the direct map, and inside the vCPU's own allocation (struct
 * vcpu_vmx begins with struct kvm_vcpu), so never memory of the guest.
 */
static bool xl_pi_desc_is_kvms(struct kvm_vcpu *vcpu, u64 pa)
{
	void *va;

	if (!pa || !IS_ALIGNED(pa, XL_PI_DESC_ALIGN) || !pfn_valid(PHYS_PFN(pa)))
		return false;
	va = __va(pa);
	if (!virt_addr_valid(va))
		return false;
	return va >= (void *)vcpu &&
	       va + sizeof(struct xl_pi_desc) <= (void *)vcpu + ksize(vcpu);
}

/*
 * At each entry of vCPU @i of @h (the entry hook; IRQs off, its vmcs01
 * current): where its descriptor is, or 0 when the CPU does not process
 * posted interrupts for it (APICv off or inhibited for the vCPU).
 */
void xl_pi_vcpu_record(struct xl_hvm *h, struct kvm_vcpu *vcpu, u32 i)
{
	struct xl_hvcpu *v = &h->vcpu[i];
	u64 pin, nv, pa;

	if (!READ_ONCE(enable_apicv))
		return;
	/* SDM vol.3 24.6.1 (pin-based bit 7), 24.6.8 (vector, address) */
	if (xl_vmx_read(PIN_BASED_VM_EXEC_CONTROL, &pin) ||
	    !(pin & PIN_BASED_POSTED_INTR) ||
	    xl_vmx_read(POSTED_INTR_NV, &nv) ||
	    xl_vmx_read(POSTED_INTR_DESC_ADDR, &pa)) {
		WRITE_ONCE(v->pi_pda, 0);
		return;
	}
	if (pa == READ_ONCE(v->pi_pda) && (u8)nv == READ_ONCE(v->pi_nv))
		return;
	if (!xl_pi_desc_is_kvms(vcpu, pa)) {
		atomic64_inc(&h->pi_bad_desc);
		WRITE_ONCE(v->pi_pda, 0);
		return;
	}
	WRITE_ONCE(v->pi_nv, (u8)nv);
	/* the vector before the address: a reader that sees one has both */
	smp_store_release(&v->pi_pda, pa);
}

int xl_pi_vcpu_desc(struct kvm_vcpu *vcpu, u64 *pa)
{
	struct xl_hvm *h;
	int ret = -ENODEV;

	rcu_read_lock();
	h = xl_hvm_find(vcpu->kvm);
	if (h && vcpu->vcpu_idx < XL_HOOK_VCPUS) {
		*pa = READ_ONCE(h->vcpu[vcpu->vcpu_idx].pi_pda);
		ret = *pa ? 0 : -EAGAIN;
	}
	rcu_read_unlock();
	return ret;
}

bool xl_pi_vcpu_source(struct xl_vm *vm)
{
	return vm ? !!vm->hooks : xl_hooks_enabled();
}

/*
 * Post @vector to vCPU @idx of @h (`pi` mode). Until the vCPU's
 * descriptor is known (it has not entered since attach) or while APICv is
 * inhibited for the VM, the interrupt takes KVM's own path instead: a
 * fixed self-IPI of its virtual LAPIC, which KVM delivers (posted, when
 * APICv is active for it).
 */
int xl_pi_vcpu_virq(struct xl_hvm *h, u32 idx, u32 vector)
{
	struct kvm_vcpu *vcpu;
	struct xl_pi_desc *pi;
	u64 pa;
	u8 nv;
	int ret;

	vcpu = idx < XL_HOOK_VCPUS ? kvm_get_vcpu(h->kvm, idx) : NULL;
	if (!vcpu || !vcpu->arch.apic)
		return -ENOENT;
	if (vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS)
		return -EINVAL;
	/* pairs with the release in xl_pi_vcpu_record: @nv is the address' */
	pa = smp_load_acquire(&h->vcpu[idx].pi_pda);
	nv = READ_ONCE(h->vcpu[idx].pi_nv);
	if (!pa || READ_ONCE(h->kvm->arch.apicv_inhibit_reasons)) {
		atomic64_inc(&h->pi_injected);
		kvm_apic_send_ipi(vcpu->arch.apic,
				  APIC_DEST_SELF | APIC_DM_FIXED | vector, 0);
		return 0;
	}
	atomic64_inc(&h->pi_virqs);
	pi = __va(pa);
	ret = xl_pi_test_and_set_pir(pi, vector);
	if (ret) {
		/* 1: still pending from an earlier post, which notified */
		if (ret > 0)
			atomic64_inc(&h->pi_coalesced);
		return ret < 0 ? ret : 0;
	}
	/* ON already set: a notification is on its way, or an entry syncs */
	if (xl_pi_test_and_set_on(pi))
		return 0;
	/*
	 * The locked OR that set ON is a full barrier; it pairs with the one
	 * after vcpu->mode = IN_GUEST_MODE in vcpu_enter_guest: either the
	 * vCPU sees ON before it enters (and syncs PIR), or we see it in
	 * guest mode and notify its pCPU.
	 */
	if (READ_ONCE(vcpu->mode) == IN_GUEST_MODE) {
		if (vcpu != kvm_get_running_vcpu())
			apic->send_IPI(READ_ONCE(vcpu->cpu), nv);
		atomic64_inc(&h->pi_notified);
	} else if (kvm_vcpu_wake_up(vcpu)) {
		atomic64_inc(&h->pi_woken);
	}
	return 0;
}

void xl_pi_vcpu_show(struct seq_file *m, struct xl_hvm *h)
{
	u32 i, n = min_t(u32, atomic_read(&h->kvm->online_vcpus),
			 XL_HOOK_VCPUS);

	seq_printf(m, "  pi_mode %d pi_virqs %lld pi_notified %lld pi_woken %lld pi_coalesced %lld pi_injected %lld pi_bad_desc %lld\n",
		   READ_ONCE(h->pi_mode), atomic64_read(&h->pi_virqs),
		   atomic64_read(&h->pi_notified), atomic64_read(&h->pi_woken),
		   atomic64_read(&h->pi_coalesced),
		   atomic64_read(&h->pi_injected),
		   atomic64_read(&h->pi_bad_desc));
	for (i = 0; i < n; i++)
		if (READ_ONCE(h->vcpu[i].pi_pda))
			seq_printf(m, "  vcpu %u pi_desc 0x%llx pi_nv 0x%02x\n",
				   i, READ_ONCE(h->vcpu[i].pi_pda),
				   READ_ONCE(h->vcpu[i].pi_nv));
}

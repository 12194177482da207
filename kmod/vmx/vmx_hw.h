/* SPDX-License-Identifier: GPL-2.0 */
/* vmx_hw.c: struct xl_hw_ops over VMX + KVM, and raw VMCS access. */
#ifndef XL_KMOD_VMX_HW_H
#define XL_KMOD_VMX_HW_H

#include <linux/types.h>

struct kvm;
struct seq_file;
struct kvm_vcpu;
struct xl_hw;

/*
 * kvm.ko exports these without a public prototype (arch/x86/kvm/x86.h,
 * lapic.h); the declarations match Linux 6.1. @exception points to KVM's
 * private struct x86_exception, @apic to its struct kvm_lapic.
 */
int kvm_read_guest_virt(struct kvm_vcpu *vcpu, unsigned long addr, void *val,
			unsigned int bytes, void *exception);
int kvm_write_guest_virt_system(struct kvm_vcpu *vcpu, unsigned long addr,
				void *val, unsigned int bytes,
				void *exception);
void kvm_apic_send_ipi(void *apic, u32 icr_low, u32 icr_high);

int xl_vmx_read(u32 field, u64 *val);
int xl_vmx_write(u32 field, u64 val);
/* kvm_intel's XL_KVM_DO_INTERRUPT (compat.h), resolved by kvm_hooks.c */
void xl_vmx_set_reraise(void (*fn)(unsigned long entry));
void xl_vmx_reraise_show(struct seq_file *m);
void xl_vmx_fill_hw(struct xl_hw *hw, struct kvm *kvm, u32 nr_vcpus);
u32 xl_vmx_timer_ticks(unsigned int us);

#endif /* XL_KMOD_VMX_HW_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* kvm_hooks.c: hooks around kvm_intel's VM entry/exit, modes eli/did. */
#ifndef XL_KMOD_KVM_HOOKS_H
#define XL_KMOD_KVM_HOOKS_H

#include <linux/types.h>

struct dentry;
struct kvm_vcpu;
struct seq_file;
struct xl_vm;

void xl_hooks_attach(struct xl_vm *vm);
void xl_hooks_detach(struct xl_vm *vm);
/*
 * eli/did: 0, or -EOPNOTSUPP with the reason given to xl_refusal_info()
 * (dmesg and XL_IOC_WHY). The other modes: 0.
 */
int xl_hooks_set_mode(struct xl_vm *vm, u32 mode);
/*
 * The VM's registered host IRQs are now @irqs; in eli/did they are mapped
 * again. When that fails: @refusable (registering), -EOPNOTSUPP and the
 * old ones stay; else (unregistering) 0, and they reach the guest through
 * KVM until the next mode change. The reason goes to dmesg either way;
 * a refusal also goes to XL_IOC_WHY (xl_refusal_info()).
 */
int xl_hooks_set_irqs(struct xl_vm *vm, const u32 *irqs, u32 count,
		      bool refusable);
void xl_hooks_show(struct seq_file *m);
/* The guest's shadow-IDT registration, for XL_IOC_COUNTERS (all 0: none). */
void xl_hooks_guest_state(struct xl_vm *vm, u64 *gva, u64 *vcpus, u32 *nr);
/* The hooks' module parameters are in range (module load). */
bool xl_hooks_params_ok(void);
/* kvm_intel is loaded: its symbols are known (kallsyms). */
bool xl_kvm_intel_loaded(void);
/* BIT(XL_IOC_MODE_ELI) | BIT(XL_IOC_MODE_DID) when they can be entered. */
u32 xl_hooks_modes(void);
/* The hooks may be registered (module parameter hooks=1). */
bool xl_hooks_enabled(void);
/*
 * pi_vcpu.c, for `pi`: KVM's posted-interrupt descriptor of @vcpu as read
 * from its VMCS at its last entry: 0 and *@pa, -ENODEV when its VM is not
 * hooked, -EAGAIN when not known (yet). xl_pi_vcpu_source: @vm (NULL:
 * any VM on this host) can have them.
 */
int xl_pi_vcpu_desc(struct kvm_vcpu *vcpu, u64 *pa);
bool xl_pi_vcpu_source(struct xl_vm *vm);
/* Module unload: waits for the work that lets detached VMs go. */
void xl_hooks_exit(void);
void xl_hooks_debugfs_init(struct dentry *dir);

#endif /* XL_KMOD_KVM_HOOKS_H */

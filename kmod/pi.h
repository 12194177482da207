/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `pi` mode: the registered host IRQs of a VM's assigned device get
 * posted-format IRTEs (VT-d 9.11) pointing at the target vCPU's
 * posted-interrupt descriptor, through irq_set_vcpu_affinity() as KVM's
 * vmx_pi_update_irte() does. Called from vm.c under the session's lock.
 */
#ifndef XL_KMOD_PI_H
#define XL_KMOD_PI_H

#include <linux/types.h>

struct dentry;
struct xl_vm;

/*
 * The vCPUs' descriptors are KVM's own, read from their VMCS by the VMX
 * backend (pi_vcpu.c, xl_pi_vcpu_desc): with APICv KVM keeps them in step
 * on sched-in/out and block (NDST, SN, wakeup NV).
 *
 * The host has everything the mode needs for virtual interrupts (CPU
 * posted interrupts, kvm_intel APICv, the entry hook that reads the
 * descriptors); an IOMMU that posts is needed only for registered IRQs,
 * and per-VM and per-IRQ conditions come at mode set.
 * For XL_IOC_VERSION.modes.
 */
bool xl_pi_host_ok(void);
/* Check everything, then post every registered IRQ; all or nothing. */
int xl_pi_enter(struct xl_vm *vm);
/* Every IRTE this VM has in posted format back to remapped format. */
void xl_pi_leave(struct xl_vm *vm);
/* In `pi` mode: post @irqs too (all or nothing), else refuse them. */
int xl_pi_irqs_add(struct xl_vm *vm, const u32 *irqs, u32 count);
/* Unpost @irq if it is posted (it is being unregistered). */
void xl_pi_irq_remove(struct xl_vm *vm, u32 irq);
/* Detach: leave and forget the VM (its last refusal text too). */
void xl_pi_vm_gone(struct xl_vm *vm);

/* At load: reads the host's capabilities, adds debugfs caps and pi. */
void xl_pi_debugfs_init(struct dentry *dir);

#endif /* XL_KMOD_PI_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* shadow_map.c: does the guest map the shadow IDT where it is? */
#ifndef XL_KMOD_SHADOW_MAP_H
#define XL_KMOD_SHADOW_MAP_H

#include <linux/types.h>

struct kvm_vcpu;
struct xl_hvm;

/*
 * One vCPU's last answer: valid while its CR3 and the path pages'
 * generation (shadow_wp.h) stay what they were. Its own entries only.
 */
struct xl_map_check {
	u64 cr3;
	u32 gen;
	bool ok;
	bool flush_asked;	/* KVM_REQ_TLB_FLUSH_GUEST made, not yet done */
};

/*
 * xl_hw_ops.shadow_mapped for @h's vCPU @vcpu (index @i): the entry hook,
 * IRQs off, the vCPU's VMCS loaded.
 */
bool xl_shadow_mapped(struct xl_hvm *h, struct kvm_vcpu *vcpu, u32 i,
		      u64 gva);

#endif /* XL_KMOD_SHADOW_MAP_H */

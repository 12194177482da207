// SPDX-License-Identifier: GPL-2.0
/*
 * Direct mode only while the guest's own page tables map the shadow IDT's
 * linear address to the page exitless writes and write-protects
 * (shadow_wp.c). The CPU reads the IDT through that linear address (SDM
 * vol.3 6.10); a guest kernel that maps a frame of its own there, with
 * gates present for host vectors, would otherwise take host interrupts
 * in its handlers and EOI them on the physical LAPIC.
 *
 * At every entry that would run with the shadow IDT: GUEST_CR3 and the
 * generation of the tracked paging-structure pages are compared with the
 * last walk; on a change the vCPU walks its tables again
 * (shadow-idt/sidt_walk.c, guest memory read without faulting: IRQs are
 * off), wants the pages the walk used tracked (a write to one then exits
 * and bumps the generation, shadow_wp.c) and has KVM flush its TLB once
 * (KVM_REQ_TLB_FLUSH_GUEST: a translation the guest made earlier may
 * still be cached, SDM vol.3 4.10.2; INVVPID of the whole VPID, global
 * entries too) before direct mode. Until then the vCPU runs in injection
 * mode: interrupts take KVM's path, nothing is lost.
 *
 * A CR3 load cannot slip in between: in direct mode every MOV to CR3
 * exits (the engine's CR3-load exiting, loaded by KVM in
 * xl_skip_exit_cr3), so the next entry sees the new GUEST_CR3 here.
 */
#include <linux/kvm_host.h>
#include <asm/vmx.h>

#include "hooks_priv.h"
#include "shadow_map.h"
#include "vmx_hw.h"
#include "xl_sidt.h"

static int xl_read_phys(void *ctx, u64 gpa, u64 *val)
{
	return kvm_vcpu_read_guest_atomic(ctx, gpa, val, sizeof(*val)) ?
	       -EFAULT : 0;
}

bool xl_shadow_mapped(struct xl_hvm *h, struct kvm_vcpu *vcpu, u32 i,
		      u64 gva)
{
	struct xl_map_check *c = &h->vcpu[i].map;
	struct xl_shadow_wp *wp = &h->wp;
	u32 gen = xl_shadow_wp_path_gen(wp);
	gfn_t gfns[ARRAY_SIZE(((struct xl_walk *)0)->entry_gpa)];
	struct xl_walk w;
	u64 cr3, cr4;
	unsigned int k;
	int ret, idx;

	/* another vCPU's write to a tracked page is landing (kvm_hooks.c) */
	if (atomic_read(&wp->held))
		return false;
	if (xl_vmx_read(GUEST_CR3, &cr3))
		return false;
	if (c->ok && c->cr3 == cr3 && c->gen == gen)
		return true;
	c->ok = false;
	/* 4-level paging only (sidt_walk.c) */
	if (xl_vmx_read(GUEST_CR4, &cr4) || (cr4 & X86_CR4_LA57))
		goto not_yet;
	idx = srcu_read_lock(&vcpu->kvm->srcu);
	ret = xl_sidt_walk(cr3, gva, xl_read_phys, vcpu, &w);
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	if (ret || !READ_ONCE(wp->tracked) || gpa_to_gfn(w.gpa) != wp->gfn)
		goto not_yet;
	for (k = 0; k < w.levels; k++)
		gfns[k] = gpa_to_gfn(w.entry_gpa[k]);
	if (!xl_shadow_wp_path_tracked(wp, gfns, w.levels))
		goto not_yet;
	if (!c->flush_asked) {
		kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
		c->flush_asked = true;
		return false;
	}
	/* made at an earlier entry, done by KVM before this one */
	if (kvm_test_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu))
		return false;
	c->flush_asked = false;
	c->cr3 = cr3;
	c->gen = gen;
	c->ok = true;
	return true;
not_yet:
	/*
	 * A flush asked for before the guest ran with another mapping does
	 * not cover what it cached since: ask again once the walk is good.
	 */
	c->flush_asked = false;
	return false;
}

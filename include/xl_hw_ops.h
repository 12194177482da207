/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct xl_hw_ops: the one seam between the delivery mechanisms
 * (shadow-idt/, posted/, did-ipi/) and the machine they drive.
 *
 * Two implementations exist and no third is planned:
 *   - kmod/ implements it with VMREAD/VMWRITE, KVM and the host kernel;
 *   - model/ implements it in software, so the same mechanism code runs
 *     against the reference model in userspace tests.
 * The mechanisms call nothing else that touches hardware; a grep for
 * vmread/vmwrite must find them only in the one kmod file that implements
 * this interface.
 *
 * Conventions for every hook:
 *   - return 0 or a negative errno; never crash on a bad argument;
 *   - @hw is the implementation's cookie (struct xl_hw.priv);
 *   - @vcpu is the vCPU index within the VM, 0 .. nr_vcpus - 1;
 *   - hooks marked "vCPU context" may only be called for the vCPU whose
 *     VMCS is current on the calling CPU, i.e. from that vCPU's VM-entry or
 *     VM-exit hook, with preemption disabled (on VMX the VMCS is per-CPU
 *     state, SDM 24.1). The model enforces nothing here but kmod does;
 *   - every hook not marked "Optional" is required; xl_engine_init refuses
 *     a table without one, or with half of an optional group (irq_post
 *     and irq_unpost; apic_isr_read and apic_eoi; the four descriptor-
 *     table hooks), and the engine calls the required ones unchecked.
 */
#ifndef XL_HW_OPS_H
#define XL_HW_OPS_H

#include "xl_types.h"

/* Where a vCPU is, as the hypervisor's scheduler sees it right now. */
enum xl_vcpu_run_state {
	XL_VCPU_RUNNING,	/* in guest mode (or about to enter) on @pcpu */
	XL_VCPU_PREEMPTED,	/* runnable, not on a CPU */
	XL_VCPU_BLOCKED,	/* halted, waiting for an interrupt */
};

struct xl_vcpu_loc {
	enum xl_vcpu_run_state state;
	u32 pcpu;		/* valid when RUNNING */
	u32 pcpu_apic_id;	/* physical APIC ID of @pcpu */
};

struct xl_hw_ops {
	/* VMCS field access, field encodings in hw/vmx.h. vCPU context. */
	int (*vmcs_read)(void *hw, u32 vcpu, u32 field, u64 *val);
	int (*vmcs_write)(void *hw, u32 vcpu, u32 field, u64 val);

	/*
	 * Set whether a WRMSR of @msr by the guest exits (MSR bitmap, SDM
	 * 24.6.9). Used only for the x2APIC EOI MSR. vCPU context.
	 */
	int (*msr_write_intercept)(void *hw, u32 vcpu, u32 msr, bool intercept);

	/*
	 * Copy to/from guest-virtual memory of @vcpu's current address space
	 * (the shadow IDT lives there, SDM 6.10: IDTR holds a linear address).
	 * Fails with -EFAULT when a page is not mapped.
	 */
	int (*guest_read)(void *hw, u32 vcpu, u64 gva, void *buf, size_t len);
	int (*guest_write)(void *hw, u32 vcpu, u64 gva, const void *buf,
			   size_t len);

	/*
	 * Optional. Does @vcpu's address space map linear @gva (the shadow
	 * IDT) to the page the engine writes there, with no other
	 * translation of it left in the vCPU's TLB? false keeps the vCPU
	 * out of direct mode for this entry (shadow-idt/sidt_walk.c says
	 * why); the hypervisor answers again at a later entry. vCPU
	 * context, right before entry.
	 */
	bool (*shadow_mapped)(void *hw, u32 vcpu, u64 gva);

	/*
	 * Optional. A MOV to CR3 from general-purpose register @gpr (0 RAX
	 * .. 15 R15) exited because direct mode asked for it: load CR3 as
	 * the instruction would (its fault, if any, queued for the guest)
	 * and move RIP past it, before the vCPU runs again. With this hook
	 * the engine makes every CR3 load in direct mode exit, so that no
	 * page tables it has not walked (shadow_mapped) can run with the
	 * shadow IDT; without it such tables run until the next exit.
	 * vCPU context, at the exit.
	 */
	int (*cr3_load)(void *hw, u32 vcpu, u32 gpr);

	/* Where @vcpu is now. Any context. */
	int (*vcpu_locate)(void *hw, u32 vcpu, struct xl_vcpu_loc *loc);

	/* Fixed-mode physical IPI of @vector to @pcpu (SDM 11.6.1). */
	int (*send_ipi)(void *hw, u32 pcpu, u8 vector);

	/* Make a blocked or preempted @vcpu runnable (it will re-check PIR). */
	int (*wake_vcpu)(void *hw, u32 vcpu);

	/*
	 * Queue @vector for @vcpu through the hypervisor's ordinary, exiting
	 * injection path (KVM's LAPIC emulation; the model's VM-entry
	 * injection). The fallback for every mode.
	 */
	int (*inject)(void *hw, u32 vcpu, u8 vector);

	/*
	 * Re-raise host @vector on the current CPU: a host interrupt that hit
	 * a not-present gate of the shadow IDT (#NP exit) must still reach
	 * the host's own handler exactly once. vCPU context.
	 */
	int (*host_reraise)(void *hw, u8 vector);

	/*
	 * Optional, both or none. Switch host IRQ @host_irq's IRTE to posted
	 * format (VT-d 9.11) into
	 * the descriptor at physical address @pi_desc_pa with @vector, or back
	 * to remapped format (9.10) with irq_unpost.
	 */
	int (*irq_post)(void *hw, u32 host_irq, u64 pi_desc_pa, u8 vector,
			bool urgent);
	int (*irq_unpost)(void *hw, u32 host_irq);

	/* Physical address of a mechanism-owned object (a PI descriptor). */
	int (*virt_to_phys)(void *hw, const void *ptr, u64 *pa);

	/*
	 * Optional (may be NULL). The in-service register of the physical
	 * LAPIC of the CPU running @vcpu (SDM 11.8.4), and a physical EOI on
	 * it. Under ELI direct mode the guest's handler runs with the host
	 * vector in service on the physical LAPIC; the preemption-timer guard
	 * reads ISR to detect a guest that never EOIs, and EOIs the stuck
	 * vectors when it falls back (ELI acks on every exit for the same
	 * reason, notes/anchors.md 1.2). vCPU context.
	 */
	int (*apic_isr_read)(void *hw, u32 vcpu, u64 isr[4]);
	int (*apic_eoi)(void *hw, u32 vcpu);

	/*
	 * Optional. Is @vcpu running its nested guest (L2)? Its VMCS is
	 * then the one the hypervisor built for L2, which the engine never
	 * touches. Any context.
	 */
	bool (*vcpu_nested)(void *hw, u32 vcpu);

	/*
	 * Optional, all four or none: what the engine needs to emulate the
	 * descriptor-table stores its own descriptor-table exiting makes
	 * exit (SGDT, SIDT, SLDT, STR). A general-purpose register by its
	 * number in the VM-exit instruction information (SDM vol.3 27.2.5:
	 * 0 RAX .. 15 R15); a store to guest-virtual memory with the access
	 * rights of the guest's current CPL, as the instruction makes it:
	 * -EFAULT when the guest's translation faults or the address is not
	 * canonical, the fault then being queued for the guest (#PF, #GP),
	 * any other error when the host could not do it; RIP past the
	 * exiting instruction. vCPU context.
	 */
	int (*guest_reg)(void *hw, u32 vcpu, u32 reg, u64 *val);
	int (*guest_reg_set)(void *hw, u32 vcpu, u32 reg, u64 val);
	int (*guest_store)(void *hw, u32 vcpu, u64 gva, const void *buf,
			   size_t len);
	int (*skip_insn)(void *hw, u32 vcpu);
};

/* One machine: its ops, the cookie, and facts fixed at attach time. */
struct xl_hw {
	const struct xl_hw_ops *ops;
	void *priv;
	u32 nr_vcpus;
	bool x2apic;		/* host APIC mode: NDST / ICR encoding */
	bool has_posted_intr;	/* CPU posted-interrupt processing */
	bool has_vtd_posting;	/* IOMMU posted-format IRTEs */
	bool has_preemption_timer;
	/*
	 * The host CPU implements CR4.UMIP. Without it KVM emulates a
	 * guest's UMIP with descriptor-table exiting (vmx_set_cr4), the
	 * control direct mode also sets.
	 */
	bool has_umip;
};

#endif /* XL_HW_OPS_H */

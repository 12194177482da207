/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow-idt/: ELI's shadow IDT (notes/anchors.md 1.2) as plain C.
 *
 * The shadow IDT is a copy of the guest's IDT in which
 *   - exception gates 0-31 are copied as they are;
 *   - every external vector (>= 32) is not-present, so a host interrupt
 *     arriving while the guest runs with external-interrupt exiting off
 *     raises #NP, which exits (exception bitmap bit 11);
 *   - the gate at each directly delivered *host* vector points to the
 *     guest's handler of the matching *guest* vector (ELI's remapping);
 *   - vectors marked "keep" (software INT n gates, 0x80 by default as in
 *     ELI) are copied as they are.
 * It always has 256 gates (limit 4095), so a host vector beyond the guest's
 * own IDT limit still hits a not-present gate (#NP) and not the limit (#GP).
 */
#ifndef XL_SIDT_H
#define XL_SIDT_H

#include "xl_types.h"
#include "xl_vec.h"
#include "xl_hw_ops.h"
#include "hw/idt_gate.h"

#define XL_SIDT_LIMIT		(XL_IDT_BYTES - 1)
#define XL_SIDT_SYSCALL_VECTOR	0x80	/* Linux int $0x80, kept by ELI */

struct xl_sidt_map {
	u64 direct[4];		/* host vectors delivered directly */
	u64 keep[4];		/* vectors copied from the guest as is */
	u8 guest_vec[XL_NR_VECTORS];	/* host vector -> guest vector */
};

int xl_sidt_map_init(struct xl_sidt_map *m);
int xl_sidt_map_add(struct xl_sidt_map *m, unsigned int host_vec,
		    unsigned int guest_vec);
int xl_sidt_map_del(struct xl_sidt_map *m, unsigned int host_vec);
/* Guest vector delivered at @host_vec, or -ENOENT when it is not direct. */
int xl_sidt_map_lookup(const struct xl_sidt_map *m, unsigned int host_vec);
/* A host vector delivered as @guest_vec (identity first), or -ENOENT. */
int xl_sidt_map_rlookup(const struct xl_sidt_map *m, unsigned int guest_vec);

/*
 * Build @shadow (256 gates) from @guest (gates 0 .. (@guest_limit + 1) / 16
 * - 1). -EINVAL for NULL or a limit that is not a whole number of gates or
 * exceeds 256 gates; -ENOENT when a mapped guest vector has no present
 * gate in the guest IDT (there is no handler to deliver to).
 */
int xl_sidt_build(const union xl_idt_gate *guest, u32 guest_limit,
		  const struct xl_sidt_map *m, union xl_idt_gate *shadow);

/* Guest IDT into @buf (256 gates, the rest zeroed) via ops->guest_read. */
int xl_sidt_read_guest(const struct xl_hw *hw, u32 vcpu, u64 base, u32 limit,
		       union xl_idt_gate *buf);
int xl_sidt_write(const struct xl_hw *hw, u32 vcpu, u64 gva,
		  const union xl_idt_gate *shadow);

/*
 * Decode a #NP VM exit (SDM 6.13 error code: EXT bit 0, IDT bit 1, index
 * 15:3). 0 and *@vector when an external interrupt hit a not-present gate;
 * -ENOENT when the exit is something else (another exception, a #NP for a
 * segment selector, or a software INT n with EXT clear); -EINVAL for NULL
 * or self-contradictory exit information.
 */
int xl_sidt_np_decode(u64 exit_intr_info, u64 errcode, u64 idt_vec_info,
		      u8 *vector);

/*
 * Descriptor-table exits (exit reasons 46 and 47, SDM vol.3 26.1.3): the
 * instruction and its operand from the VM-exit instruction information
 * (SDM vol.3 27.2.5, the two tables for LIDT/LGDT/SIDT/SGDT and for
 * LLDT/LTR/SLDT/STR), the exit qualification (the displacement) and the
 * instruction's bytes, for 64-bit mode.
 */
enum xl_desc_insn {
	XL_DESC_SGDT, XL_DESC_SIDT, XL_DESC_LGDT, XL_DESC_LIDT,
	XL_DESC_SLDT, XL_DESC_STR, XL_DESC_LLDT, XL_DESC_LTR,
};

struct xl_desc_op {
	enum xl_desc_insn insn;
	bool reg_operand;	/* SLDT/STR to a register */
	bool reg16;		/* ... of 16 bits (operand-size prefix) */
	u32 reg;		/* that register (0 RAX .. 15 R15) */
	/* memory operand: base + index << scale + disp, 32-bit wrap */
	bool rip_relative;	/* disp is relative to the next RIP */
	bool has_base, has_index, addr32;
	u32 base, index, scale, seg;
	s64 disp;
};

/*
 * Decode a descriptor-table exit. @insn: the instruction's first
 * @len bytes (up to 15). 0, or -EINVAL for what this decoder does not
 * take (16-bit addressing, bytes that do not match the information).
 */
int xl_desc_decode(u32 reason, u64 info, u64 qual, const u8 *insn,
		   unsigned int len, struct xl_desc_op *op);

/* Per-vCPU direct/injection state machine, ELI's eli_set_inject_mode. */
enum xl_sidt_state {
	XL_SIDT_OFF,		/* KVM's own VMCS values, nothing saved */
	XL_SIDT_DIRECT,		/* shadow IDT live, interrupts don't exit */
	XL_SIDT_INJECT,		/* KVM's values back for one injection */
};

/* The VMCS values exitless changes, as the hypervisor had them. */
struct xl_sidt_saved {
	u64 pin, proc, proc2, exc_bitmap;
	u64 idtr_base, idtr_limit, timer;
};

struct xl_sidt_vcpu {
	enum xl_sidt_state state;
	bool saved_valid;
	bool eoi_passthrough;	/* x2APIC EOI MSR not intercepted */
	u64 shadow_gva;		/* the IDTR base direct mode wrote */
	u64 proc_bits;		/* primary controls direct mode set */
	struct xl_sidt_saved saved;
};

struct xl_sidt_params {
	u64 shadow_gva;
	u32 timer_value;	/* VMX-preemption timer, SDM 25.5.1 */
	bool exitless_eoi;	/* pass MSR 0x80B through (x2APIC only) */
	bool cr3_load_exiting;	/* MOV to CR3 exits (ops->cr3_load) */
};

int xl_sidt_enter_direct(const struct xl_hw *hw, u32 vcpu,
			 struct xl_sidt_vcpu *s,
			 const struct xl_sidt_params *p);
int xl_sidt_enter_inject(const struct xl_hw *hw, u32 vcpu,
			 struct xl_sidt_vcpu *s);
int xl_sidt_restore(const struct xl_hw *hw, u32 vcpu, struct xl_sidt_vcpu *s);
/*
 * Is direct mode of @vcpu still what xl_sidt_enter_direct wrote? For every
 * VM entry in direct mode: the hypervisor rewrites some of these fields
 * behind the engine (sidt_mode.c). 0 when intact; 1 when something moved,
 * after which the vCPU is in XL_SIDT_OFF with the hypervisor's new values
 * kept and the engine's other changes undone; or a negative errno.
 */
int xl_sidt_revalidate(const struct xl_hw *hw, u32 vcpu,
		       struct xl_sidt_vcpu *s, u64 shadow_gva);
int xl_sidt_rearm_timer(const struct xl_hw *hw, u32 vcpu,
			const struct xl_sidt_vcpu *s, u32 timer_value);

/*
 * The guest-physical address 4-level paging (SDM vol.3 4.5) translates
 * linear address @la to under @cr3, and the physical addresses of the
 * paging-structure entries that translation used (sidt_walk.c). @read
 * gives the 8 bytes of guest-physical memory at an address. 0, -ENOENT
 * (an entry not present: @w has the entries up to it), -EINVAL (not a
 * canonical address), or @read's error.
 */
typedef int (*xl_read_phys_fn)(void *ctx, u64 gpa, u64 *val);
struct xl_walk {
	u64 entry_gpa[4];	/* PML4E, PDPTE, PDE, PTE, as used */
	unsigned int levels;	/* how many of entry_gpa[] */
	u64 gpa;		/* where @la is */
};
int xl_sidt_walk(u64 cr3, u64 la, xl_read_phys_fn read, void *ctx,
		 struct xl_walk *w);

#endif /* XL_SIDT_H */

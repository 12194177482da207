/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small fake struct xl_hw_ops for the mechanism unit tests: a VMCS per
 * vCPU as a field table, a flat guest memory window, and logs of every
 * IPI, injection, wakeup, re-raise and IRTE change, so a test can assert
 * on exactly what the mechanism asked the machine to do.
 */
#ifndef XL_TEST_FAKE_HW_H
#define XL_TEST_FAKE_HW_H

#include "xl_hw_ops.h"

#define FAKE_VCPUS		4
#define FAKE_FIELDS		48
#define FAKE_LOG		4096
#define FAKE_MEM_BASE		0x100000ULL
#define FAKE_MEM_SIZE		0x10000

struct fake_ev {
	u32 a, b;
	u64 c;
};

struct fake_hw {
	struct xl_hw hw;
	struct {
		u32 field[FAKE_FIELDS];
		u64 val[FAKE_FIELDS];
		int n;
		int writes;
		bool eoi_intercept;
		int msr_calls;
		struct xl_vcpu_loc loc;
		u64 isr[4];
		int apic_eois;
		bool nested;		/* runs its L2 (vcpu_nested) */
		bool unmapped;		/* shadow_mapped says no */
		u64 gpr[16];		/* guest_reg / guest_reg_set */
		int skips;		/* skip_insn calls */
		int faults;		/* guest_store faults "queued" */
		int cr3_loads;		/* cr3_load calls */
		u32 cr3_gpr;		/* ... the last one's register */
	} v[FAKE_VCPUS];
	u8 mem[FAKE_MEM_SIZE];
	struct fake_ev ipi[FAKE_LOG];		/* a = pcpu, b = vector */
	int nr_ipi;
	u64 ipis_total;				/* atomic, never capped */
	struct fake_ev inj[FAKE_LOG];		/* a = vcpu, b = vector */
	int nr_inj;
	int wakes[FAKE_VCPUS];
	struct fake_ev reraise[FAKE_LOG];	/* b = vector */
	int nr_reraise;
	struct fake_ev post[64];		/* a = irq, b = vector, c = pa */
	int nr_post;
	int nr_unpost;
	bool posted[64];
	u32 fail_write_field;	/* nonzero: vmcs_write of it fails -EIO */
	bool fail_irq_post;
	bool fail_guest_read;
	/* guest_store: [user_lo, user_hi) is what CPL 3 may write */
	u64 user_lo, user_hi;
};

void fake_hw_init(struct fake_hw *f, u32 nr_vcpus);
/* Set a VMCS value without counting it as a mechanism write. */
void fake_vmcs_set(struct fake_hw *f, u32 vcpu, u32 field, u64 val);
u64 fake_vmcs_get(struct fake_hw *f, u32 vcpu, u32 field);
/* Typical KVM values with external-interrupt exiting etc. on. */
void fake_vmcs_kvm_defaults(struct fake_hw *f, u32 vcpu, u64 idt_base);
void *fake_mem(struct fake_hw *f, u64 gva);
int fake_ipis_to(struct fake_hw *f, u32 pcpu, u8 vector);
int fake_injections(struct fake_hw *f, u32 vcpu, u8 vector);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Internal state of the reference model; see model.h for the map. */
#ifndef XL_MODEL_PRIV_H
#define XL_MODEL_PRIV_H

#include "model.h"
#include "xl_vec.h"
#include "hw/apic.h"
#include "hw/irte.h"
#include "hw/msi.h"
#include "hw/pi_desc.h"
#include "hw/idt_gate.h"

/* ---- local APIC (lapic.c), SDM chapter 11 ---- */
struct xl_lapic {
	u32 id;
	bool x2apic;
	u64 irr[4], isr[4], tmr[4];
	u32 tpr, svr, ldr, dfr, esr;
	u32 icr_low, icr_high;
	u32 lvt_timer, lvt_lint0, lvt_lint1, lvt_error;
	u32 tmict, tmcct, tdcr;
};

/* What a register write asks the rest of the machine to do. */
struct xl_lapic_effect {
	int eoi_vector;		/* >= 0: this vector was EOIed */
	bool eoi_level;		/* ... and it was level-triggered (TMR) */
	bool icr_sent;		/* an IPI was requested */
	u32 icr_low, icr_dest;
};

void xl_lapic_reset(struct xl_lapic *l, u32 id, bool x2apic);
void xl_lapic_set_irr(struct xl_lapic *l, u8 vec, bool level);
u32 xl_lapic_ppr(const struct xl_lapic *l);
int xl_lapic_pending(const struct xl_lapic *l);
void xl_lapic_accept(struct xl_lapic *l, u8 vec);
int xl_lapic_eoi(struct xl_lapic *l, bool *level);
int xl_lapic_mmio_read(const struct xl_lapic *l, u32 off, u32 *val);
int xl_lapic_mmio_write(struct xl_lapic *l, u32 off, u32 val,
			struct xl_lapic_effect *fx);
int xl_lapic_msr_read(const struct xl_lapic *l, u32 msr, u64 *val);
int xl_lapic_msr_write(struct xl_lapic *l, u32 msr, u64 val,
		       struct xl_lapic_effect *fx);
/* One model tick of the APIC timer: the vector when it fired, else -1. */
int xl_lapic_timer_tick(struct xl_lapic *l);

/* ---- 8259A pair (pic.c) ---- */
struct xl_pic_chip {
	u8 irr, isr, imr, elcr, lines;
	u8 base;		/* ICW2: vector of IR0 */
	u8 init_step;		/* 0 = ready, 2..4 = expecting ICWn */
	bool icw4, auto_eoi, read_isr;
};

struct xl_pic {
	struct xl_pic_chip chip[2];	/* 0 master, 1 slave on IR2 */
};

void xl_pic_reset(struct xl_pic *p);
int xl_pic_out(struct xl_pic *p, u16 port, u8 val);
int xl_pic_in(struct xl_pic *p, u16 port, u8 *val);
void xl_pic_set_irq(struct xl_pic *p, u32 irq, int level);
bool xl_pic_output(const struct xl_pic *p);
int xl_pic_intack(struct xl_pic *p);

/* ---- IOAPIC (ioapic.c) ---- */
#define XL_IOAPIC_PINS	24

struct xl_ioapic {
	u32 regsel, id;
	u64 redir[XL_IOAPIC_PINS];
	u32 lines;		/* asserted input lines */
};

/* A message the IOAPIC sends to the LAPICs. */
struct xl_ioapic_msg {
	u8 vector;
	u8 dlm;
	bool logical, level;
	u32 dest;
};

void xl_ioapic_reset(struct xl_ioapic *io);
int xl_ioapic_write(struct xl_ioapic *io, u32 reg, u32 val);
int xl_ioapic_read(const struct xl_ioapic *io, u32 reg, u32 *val);
/* Returns 1 and fills @msg when the pin change sends an interrupt. */
int xl_ioapic_set_irq(struct xl_ioapic *io, u32 pin, int level,
		      struct xl_ioapic_msg *msg);
/* EOI broadcast for @vector; returns pins (bitmask) to re-deliver. */
u32 xl_ioapic_eoi(struct xl_ioapic *io, u8 vector);
int xl_ioapic_message(const struct xl_ioapic *io, u32 pin,
		      struct xl_ioapic_msg *msg);

/* ---- MSI decode + VT-d (vtd.c) ---- */
struct xl_msi {
	bool remappable;
	u32 handle;		/* remappable: IRTE index */
	u32 dest;
	u8 vector, dlm;
	bool logical, redir_hint, level;
};

int xl_msi_decode(u64 addr, u32 data, bool x2apic, struct xl_msi *out);

#define XL_MODEL_MAX_PI	64

/* ---- the machine ---- */
struct xl_model_vmcs {
	u32 n;
	u32 enc[64];
	u64 val[64];
};

struct xl_model_vcpu {
	struct xl_model_vmcs vmcs;
	struct xl_lapic vlapic;
	enum xl_vcpu_run_state state;
	u32 pcpu;
	bool in_guest;
	enum xl_guest_behaviour behaviour;
	u32 flags;
	bool eoi_intercept;	/* MSR bitmap: WRMSR 0x80b exits */
	u32 preempt_left;
	bool preempt_armed;
	u64 lidt_base;		/* pending guest LIDT (exit 46) */
	u32 lidt_limit;
	int cur_vector;		/* vector of the guest handler running */
	bool cur_from_pic;	/* ... and it came from the 8259 */
	struct xl_pi_desc kvm_pi;	/* KVM's own descriptor (APICv) */
	struct xl_model_vcpu_stats st;
};

struct xl_model_pcpu {
	struct xl_lapic lapic;
	int vcpu;		/* vCPU placed here, or -1 */
	struct xl_model_pcpu_stats st;
};

struct xl_model_assignment {
	bool used;
	u8 host_vec, guest_vec;
	u32 vcpu;
};

struct xl_model {
	struct xl_model_config cfg;
	struct xl_hw hw;
	struct xl_model_hooks hooks;
	void *hooks_ctx;
	struct xl_model_pcpu pcpu[XL_MODEL_MAX_CPUS];
	struct xl_model_vcpu vcpu[XL_MODEL_MAX_CPUS];
	struct xl_pic pic;
	struct xl_ioapic ioapic;
	union xl_irte irt[XL_MODEL_MAX_IRTE];
	struct xl_model_assignment assigned[XL_MODEL_MAX_IRTE];
	const void *pi_registry[XL_MODEL_MAX_PI];
	u64 guest_vectors[4];	/* physical arrivals forwarded to the vCPU */
	u8 mem[XL_MODEL_GUEST_MEM];
	int cur_pcpu;		/* pCPU whose exit is being handled */
	u64 now;
	int depth;		/* re-entrancy guard for hooks */
	struct xl_model_stats st;	/* global part of the stats */
};

#define XL_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* model.c */
int xl_model_vmcs_write_checked(struct xl_model_vcpu *v, u32 enc, u64 val);
int xl_model_pi_register(struct xl_model *m, const void *ptr, u64 *pa);
int xl_model_irq_unpost(struct xl_model *m, u32 host_irq);
u64 xl_vmcs_get(const struct xl_model_vcpu *v, u32 enc);
int xl_vmcs_set(struct xl_model_vcpu *v, u32 enc, u64 val);
struct xl_pi_desc *xl_model_pi_lookup(const struct xl_model *m, u64 pa);

/* vtd.c */
int xl_vtd_msi(struct xl_model *m, u64 addr, u32 data);

/* cpu.c */
void xl_cpu_phys_irq(struct xl_model *m, u32 apic_id, u8 vec, bool level);
void xl_cpu_step(struct xl_model *m);
void xl_cpu_deliver_injected(struct xl_model *m, u32 vi, u8 vec, bool pic);
void xl_cpu_guest_eoi(struct xl_model *m, u32 vi);
int xl_cpu_guest_lidt(struct xl_model *m, u32 vcpu, u64 base, u32 limit);

/* hyp.c */
void xl_hyp_host_handle(struct xl_model *m, u32 pcpu, u8 vec);
int xl_hyp_deliver_virtual(struct xl_model *m, u32 vcpu, u8 vec);
int xl_hyp_inject(struct xl_model *m, u32 vcpu, u8 vec, bool level);
void xl_hyp_vm_exit(struct xl_model *m, u32 vcpu, u32 reason);
void xl_hyp_vm_entry(struct xl_model *m, u32 vcpu);
void xl_hyp_wake(struct xl_model *m, u32 vcpu);
void xl_hyp_kick(struct xl_model *m, u32 vcpu);
void xl_hyp_vlapic_eoi(struct xl_model *m, u32 vcpu);
void xl_hyp_pic_ioapic_deliver(struct xl_model *m, const struct xl_ioapic_msg *msg);

/* hw_ops.c */
extern const struct xl_hw_ops xl_model_hw_ops;

#endif /* XL_MODEL_PRIV_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of the x86 interrupt architecture, playing the hardware
 * (and a KVM-like mini-hypervisor) for the mechanisms in userspace tests.
 *
 * What it models, each part in its own file:
 *   lapic.c   local APIC: IRR/ISR/TMR, TPR/PPR (SDM 11.8.3.1), EOI, ICR,
 *             xAPIC MMIO and x2APIC MSR views, timer
 *   pic.c     8259A master/slave pair (cascade on IRQ2)
 *   ioapic.c  82093AA-style IOAPIC, 24 pins, remote IRR
 *   msi.c     MSI address/data decode (SDM 11.11), remappable format
 *   vtd.c     VT-d interrupt remapping: remapped and posted IRTEs
 *             (VT-d 9.10, 9.11), posting into PI descriptors (VT-d 9.12)
 *   cpu.c     pCPUs, VMX non-root interrupt handling of the vCPU running
 *             on each (SDM 25.2, 26.6, 29.2, 29.6), the scripted guest
 *   hyp.c     the mini-hypervisor: exits handled the way KVM does
 *   hw_ops.c  struct xl_hw_ops over all of the above
 * Everything is deterministic: time advances only in xl_model_run().
 *
 * Every public function returns 0 (or a count) or a negative errno and
 * validates its arguments; none of them crashes on bad input.
 */
#ifndef XL_MODEL_H
#define XL_MODEL_H

#include "xl_types.h"
#include "xl_hw_ops.h"
#include "hw/vmx.h"

#define XL_MODEL_MAX_CPUS	8
#define XL_MODEL_MAX_IRTE	256
#define XL_MODEL_GUEST_MEM	(64 * 1024)

/* Guest memory layout (gva == gpa, identity mapped). */
#define XL_MODEL_GUEST_IDT	0x1000	/* the guest's own IDT */
#define XL_MODEL_GUEST_SHADOW	0x3000	/* page the guest offers (ELI) */
/* "Addresses" of the guest's handlers: handler for vector v. */
#define XL_MODEL_HANDLER_BASE	0x100000ull
#define XL_MODEL_HANDLER(v)	(XL_MODEL_HANDLER_BASE + (u64)(v) * 16)

/* Host vectors the mini-hypervisor uses, as Linux does. */
#define XL_MODEL_KICK_VECTOR	0xfd	/* RESCHEDULE_VECTOR: kvm_vcpu_kick */
#define XL_MODEL_PI_NV		0xf2	/* POSTED_INTR_VECTOR */
#define XL_MODEL_PI_WAKEUP	0xf1	/* POSTED_INTR_WAKEUP_VECTOR */

struct xl_model_config {
	u32 nr_pcpus;		/* 1..XL_MODEL_MAX_CPUS */
	u32 nr_vcpus;		/* 1..XL_MODEL_MAX_CPUS, one VM */
	bool x2apic;		/* APIC mode of host and guest */
	bool apicv;		/* virtual-interrupt delivery, EOI virt. */
	bool posted_intr;	/* CPU posted-interrupt processing */
	bool vtd_posting;	/* IOMMU posted-format IRTEs */
	bool preemption_timer;	/* VMX-preemption timer */
	bool hlt_exiting;	/* default true (KVM) */
};

enum xl_guest_behaviour {
	XL_GUEST_HALT,		/* sti; hlt between interrupts */
	XL_GUEST_COMPUTE,	/* busy with IF=1 */
	XL_GUEST_MASKED,	/* cli; busy forever */
};

#define XL_GUEST_NO_EOI		XL_BIT(0)	/* handlers never EOI */

/* Scheduler events; same values as the engine's enum xl_sched_event. */
#define XL_MODEL_SCHED_IN	0	/* about to run */
#define XL_MODEL_SCHED_PREEMPT	1	/* descheduled while runnable */
#define XL_MODEL_SCHED_BLOCK	2	/* halted */

/*
 * Where the exitless engine (or any test) plugs into the mini-hypervisor.
 * Every hook is optional. They run in "vCPU context" when they name a
 * vCPU: vmcs_read/vmcs_write of the model's xl_hw_ops work on that vCPU.
 */
struct xl_model_hooks {
	/* Right before every VM entry of @vcpu. */
	int (*before_entry)(void *ctx, u32 vcpu);
	/* First look at every VM exit; return 1 when it was handled. */
	int (*handle_exit)(void *ctx, u32 vcpu, u32 reason);
	/* The vLAPIC processed an intercepted EOI of @vector. */
	int (*eoi)(void *ctx, u32 vcpu, u8 vector);
	/* A virtual interrupt for @vcpu: > 0 delivered, 0 inject, < 0 drop. */
	int (*virtual_irq)(void *ctx, u32 vcpu, u8 vector);
	/* The scheduler moved @vcpu: one of XL_MODEL_SCHED_*. */
	int (*vcpu_sched)(void *ctx, u32 vcpu, int event);
	/* The PI wakeup vector arrived at a pCPU in root mode. */
	int (*pi_wakeup)(void *ctx);
};

struct xl_model_vcpu_stats {
	u64 exits;			/* all VM exits */
	u64 exit_reason[XL_NR_EXIT_REASONS];
	u64 handled[XL_NR_VECTORS];	/* guest handler runs, per vector */
	u64 handled_total;
	u64 injections;		/* VM-entry event injections (SDM 26.6) */
	u64 virt_deliveries;	/* APICv virtual-interrupt deliveries */
	u64 pi_processed;	/* posted-interrupt processing runs */
	u64 eoi_physical;	/* guest EOIs that reached the pCPU's LAPIC */
	u64 eoi_virtual;	/* guest EOIs handled by the vLAPIC */
	u64 wakeups;		/* blocked -> runnable */
	u64 entries;
};

struct xl_model_pcpu_stats {
	u64 host_handled[XL_NR_VECTORS];	/* host handler runs */
	u64 host_handled_total;
	u64 ipis_received;
};

struct xl_model_stats {
	struct xl_model_vcpu_stats vcpu[XL_MODEL_MAX_CPUS];
	struct xl_model_pcpu_stats pcpu[XL_MODEL_MAX_CPUS];
	u64 vtd_remapped;	/* MSIs through remapped IRTEs */
	u64 vtd_posted;		/* MSIs posted into a PI descriptor */
	u64 vtd_notifications;	/* notification events the IOMMU sent */
	u64 vtd_faults;		/* malformed / not-present IRTE, bad PDA */
	u64 virtual_irqs;	/* xl_model_virtual_irq() calls accepted */
	u64 dropped;		/* virtual IRQs a hook refused */
};

struct xl_model;

int xl_model_create(const struct xl_model_config *cfg, struct xl_model **out);
void xl_model_destroy(struct xl_model *m);
/* The struct xl_hw the mechanisms are given (ops, priv, capabilities). */
struct xl_hw *xl_model_hw(struct xl_model *m);
int xl_model_set_hooks(struct xl_model *m, const struct xl_model_hooks *h,
		       void *ctx);
int xl_model_stats(const struct xl_model *m, struct xl_model_stats *out);

/* Time: run @steps steps; returns 0. */
int xl_model_run(struct xl_model *m, u32 steps);

/* Guest side. */
int xl_model_guest_set(struct xl_model *m, u32 vcpu,
		       enum xl_guest_behaviour b, u32 flags);
/* The guest executes LIDT with @base/@limit now (exits if trapped). */
int xl_model_guest_lidt(struct xl_model *m, u32 vcpu, u64 base, u32 limit);
int xl_model_guest_read(const struct xl_model *m, u64 gpa, void *buf,
			size_t len);
int xl_model_guest_write(struct xl_model *m, u64 gpa, const void *buf,
			 size_t len);
/* Guest installs gate @vector -> XL_MODEL_HANDLER(@vector) in its IDT. */
int xl_model_guest_set_gate(struct xl_model *m, u8 vector, bool present);

/* Scheduling: where each vCPU runs. */
int xl_model_vcpu_migrate(struct xl_model *m, u32 vcpu, u32 pcpu);
int xl_model_vcpu_preempt(struct xl_model *m, u32 vcpu);
int xl_model_vcpu_resume(struct xl_model *m, u32 vcpu);
/* kvm_vcpu_kick(): a running vCPU exits (reschedule IPI), a blocked one wakes. */
int xl_model_kick(struct xl_model *m, u32 vcpu);
/* 0 running, 1 preempted, 2 blocked (enum xl_vcpu_run_state). */
int xl_model_vcpu_state(const struct xl_model *m, u32 vcpu, u32 *pcpu);

/* Host side: a host interrupt of @vector arrives at @pcpu (timer, NIC). */
int xl_model_host_irq(struct xl_model *m, u32 pcpu, u8 vector);

/*
 * Passthrough device: host IRQ @host_irq, programmed by the host at
 * @host_vec on the pCPU the vCPU runs on, through IRTE index @host_irq
 * (remapped format). The hypervisor forwards it to @vcpu as @guest_vec
 * (VFIO + irqfd + KVM in the real thing).
 */
int xl_model_assign(struct xl_model *m, u32 host_irq, u8 host_vec,
		    u32 vcpu, u8 guest_vec);
/* The device raises host IRQ @host_irq (a remappable-format MSI). */
int xl_model_device_irq(struct xl_model *m, u32 host_irq);
/* Any MSI write on the bus (compatibility or remappable format). */
int xl_model_msi(struct xl_model *m, u64 addr, u32 data);
/* Raw IRTE access (tests of VT-d decode). */
int xl_model_irte_set(struct xl_model *m, u32 index, u64 low, u64 high);
int xl_model_irte_get(const struct xl_model *m, u32 index, u64 *low,
		      u64 *high);

/* A virtual interrupt (virtio, virtual timer, IPI) for @vcpu. */
int xl_model_virtual_irq(struct xl_model *m, u32 vcpu, u8 vector);

/* The VM's virtual PIC + IOAPIC (KVM's in-kernel irqchip). */
int xl_model_irq_line(struct xl_model *m, u32 gsi, int level);
int xl_model_ioapic_write(struct xl_model *m, u32 reg, u32 val);
int xl_model_ioapic_read(struct xl_model *m, u32 reg, u32 *val);
int xl_model_pic_out(struct xl_model *m, u16 port, u8 val);
int xl_model_pic_in(struct xl_model *m, u16 port, u8 *val);
/* Guest writes its TPR (CR8 / APIC TPR) on @vcpu. */
int xl_model_guest_apic_write(struct xl_model *m, u32 vcpu, u32 off, u32 val);
/*
 * @vector, arriving as a physical interrupt at a pCPU whose vCPU is out of
 * guest mode, is the guest's (a DID IPI that raced with an exit): the
 * hypervisor injects it instead of treating it as a host interrupt.
 */
int xl_model_guest_vector(struct xl_model *m, u8 vector, bool on);
/* A VMCS field of @vcpu as the CPU would see it now (tests). */
int xl_model_vmcs_read(const struct xl_model *m, u32 vcpu, u32 field,
		       u64 *val);
int xl_model_guest_set_tpr(struct xl_model *m, u32 vcpu, u8 tpr);

/* Physical LAPIC of a pCPU, read-only view for assertions. */
int xl_model_pcpu_isr(const struct xl_model *m, u32 pcpu, u64 isr[4]);
int xl_model_pcpu_irr(const struct xl_model *m, u32 pcpu, u64 irr[4]);

/*
 * The two hardware steps on a posted-interrupt descriptor, for tests that
 * play the machine around the engine without the whole model:
 * the IOMMU posting @vec through a posted-format IRTE (VT-d 9.12, 5.2.3):
 * PIR[@vec] set; true when it sends the notification (ON was clear, and
 * SN clear or @urgent), *@ctl the control word it saw (NV, NDST);
 * the CPU recognizing the notification vector in VMX non-root operation
 * (SDM 29.6): ON cleared, PIR moved into the virtual IRR @virr.
 */
struct xl_pi_desc;
bool xl_vtd_post_desc(struct xl_pi_desc *pi, u8 vec, bool urgent, u64 *ctl);
void xl_cpu_pi_process_desc(struct xl_pi_desc *pi, u64 virr[4]);

#endif /* XL_MODEL_H */

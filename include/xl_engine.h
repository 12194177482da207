/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-VM engine: ties shadow-idt/, posted/ and did-ipi/ together behind
 * the few entry points a hypervisor calls. kmod/ calls them from its KVM
 * hooks; model/ (the reference model's mini-hypervisor) calls them from its
 * own. The engine touches the machine only through struct xl_hw.
 *
 * Storage: the caller allocates struct xl_engine (it is large: two IDTs and
 * one PI descriptor per vCPU) and passes it to xl_engine_init(); nothing
 * is allocated here.
 *
 * Contexts and locking:
 *   - before_entry, handle_exit, eoi, vcpu_release: vCPU context for
 *     @vcpu (xl_hw_ops.h), one caller per vCPU at a time.
 *   - virtual_irq, vcpu_sched, pi_wakeup, counters: any context, any CPU,
 *     concurrently with each other and with the vCPU-context calls; they
 *     change only atomics and the PI descriptor.
 *   - init, teardown, set_mode, own, assign, set_shadow_gva, set_pi_desc:
 *     process context, serialised by the caller (kmod: xl_hooks_lock,
 *     with the exceptions kmod/vmx/hooks_priv.h lists) and not
 *     concurrent with virtual_irq for the same VM.
 * Every function returns a negative errno on bad input and never crashes.
 */
#ifndef XL_ENGINE_H
#define XL_ENGINE_H

#include "xl_types.h"
#include "xl_hw_ops.h"
#include "xl_sidt.h"
#include "xl_modes.h"
#include "hw/pi_desc.h"

#define XL_ENGINE_MAX_VCPUS	64
#define XL_ENGINE_MAX_IRQS	32

enum xl_mode {
	XL_MODE_BASELINE,
	XL_MODE_ELI,
	XL_MODE_PI,
	XL_MODE_DID,
	XL_NR_MODES,
};

/*
 * The engine's modes are the uapi's, number for number: exitless.ko passes
 * XL_IOC_SET_MODE's value to xl_engine_set_mode() as it is, and both use
 * the one name table in xl_modes.h.
 */
#define XL_SAME_MODE(a, b)	((int)(a) == (int)(b))
_Static_assert(XL_SAME_MODE(XL_MODE_BASELINE, XL_IOC_MODE_BASELINE) &&
	       XL_SAME_MODE(XL_MODE_ELI, XL_IOC_MODE_ELI) &&
	       XL_SAME_MODE(XL_MODE_PI, XL_IOC_MODE_PI) &&
	       XL_SAME_MODE(XL_MODE_DID, XL_IOC_MODE_DID) &&
	       XL_SAME_MODE(XL_NR_MODES, XL_IOC_NR_MODES),
	       "enum xl_mode and enum xl_ioc_mode number the modes alike");
#undef XL_SAME_MODE

/* Why set_mode refused (-EOPNOTSUPP), or XL_WHY_OK. */
enum xl_why {
	XL_WHY_OK,
	XL_WHY_NO_POSTED_INTR,		/* CPU posted-interrupt processing */
	XL_WHY_NO_VTD_POSTING,		/* IOMMU posted-format IRTEs */
	XL_WHY_NO_PREEMPTION_TIMER,	/* VMX-preemption timer (ELI guard) */
	XL_WHY_NO_X2APIC,		/* ELI exitless EOI needs x2APIC */
	XL_WHY_IRTE,			/* an IRTE could not be posted */
	XL_WHY_BAD_MODE,
};

enum xl_sched_event {
	XL_SCHED_IN,		/* about to run on the pCPU vcpu_locate says */
	XL_SCHED_PREEMPT,	/* descheduled while runnable */
	XL_SCHED_BLOCK,		/* halted, waits for an interrupt */
};

/* xl_engine_handle_exit() */
#define XL_EXIT_NOT_HANDLED	0
#define XL_EXIT_HANDLED		1	/* caller skips its own handling */

/* xl_engine_virtual_irq(): > 0 delivered by the engine, how. */
enum xl_dlv {
	XL_DLV_NONE,		/* baseline: the hypervisor injects itself */
	XL_DLV_POSTED,		/* into PIR (+ notification if needed) */
	XL_DLV_POSTED_WAKE,	/* into PIR of a blocked vCPU + wakeup */
	XL_DLV_DIRECT_IPI,	/* physical IPI of the guest vector */
	XL_DLV_INJECTED,	/* ops->inject (ELI injection mode/fallback) */
};

/* Why a vCPU runs without the shadow IDT although the mode wants it. */
enum xl_eli_off {
	XL_ELI_OFF_NONE,
	XL_ELI_OFF_LIDT,	/* guest LIDT/SIDT/LGDT/SGDT (exit 46) */
	XL_ELI_OFF_GUARD,	/* preemption-timer guard fell back */
	XL_ELI_OFF_IDT,		/* guest IDT unusable (differs, unmapped) */
};

struct xl_engine_counters {
	u64 direct_ipis;	/* DID: sent as a physical IPI (direct mode) */
	u64 np_reraised;	/* host vector hit the shadow IDT: re-raised */
	u64 np_injected;	/* owned vector hit a not-present gate */
	u64 inject_switches;	/* direct -> injection mode */
	u64 direct_switches;	/* injection/off -> direct mode */
	u64 injected;		/* ops->inject in ELI mode (its design) */
	u64 posts;
	u64 notifications;
	u64 wakeups;
	u64 fallbacks;		/* ops->inject where a direct path was wanted */
	u64 refused;		/* unowned vector (-EPERM) */
	u64 lidt_disables;
	u64 guard_strikes;
	u64 guard_fallbacks;
	u64 idt_rebuilds;
	u64 irte_posted;
	u64 irte_unposted;
	u64 bind_misses;	/* entries kept out of direct mode by the bind */
	u64 desc_emulated;	/* SGDT/SIDT/SLDT/STR emulated in direct mode */
	u64 desc_faults;	/* ... whose store faulted in the guest */
	u64 nested_leaves;	/* direct mode left for a nested entry */
	u64 nested_entries;	/* entries of a nested guest, left alone */
	u64 vmcs_rewrites;	/* direct mode undone by the hypervisor */
	u64 foreign_idt_entries; /* entries kept out: IDTR not the shadow's */
	u64 shadow_unmapped;	/* ... the shadow's address maps elsewhere */
	u64 cr3_loads;		/* MOV to CR3 in direct mode, seen and loaded */
	u64 host_reclaimed;	/* host vectors a guest gate took, re-raised */
	u64 exit_eois;		/* the VM's vectors EOIed at an exit */
	u64 build_busy;		/* entries another vCPU's rebuild kept out */
	u64 shadow_repairs;	/* shadow IDT found changed, written again */
};

struct xl_engine_cfg {
	u8 notify_vector;	/* PI notification, 0 -> 0xf2 (KVM's) */
	u8 wakeup_vector;	/* PI wakeup, 0 -> 0xf1 (KVM's) */
	u32 timer_value;	/* preemption timer in direct mode, 0 -> default */
	u32 guard_limit;	/* consecutive strikes before fallback, 0 -> 4 */
	/*
	 * ELI without x2APIC on the host: the guest's EOI stays intercepted
	 * (one exit per interrupt, the paper's "ELI delivery only") instead
	 * of refusing the mode with XL_WHY_NO_X2APIC. Default false.
	 */
	bool eoi_exits_ok;
};

struct xl_engine_irq {
	bool used, posted;
	u32 host_irq;
	u8 host_vec, guest_vec;
	u32 vcpu;
};

struct xl_engine_vcpu {
	struct xl_sidt_vcpu sidt;
	enum xl_eli_off eli_off;
	u32 strikes;
	u64 inflight[4];	/* injected vectors not yet EOIed (atomic) */
	u32 inject_req;		/* atomic: switch to injection mode */
	u32 bind_seen;		/* bind_gen its last entry read the bind at */
	u32 retry_seen;		/* retry_gen its eli_off was last reset at */
	struct xl_pi_desc *pi;	/* own descriptor or the hypervisor's */
	bool pi_active;		/* VMCS posted-interrupt fields are ours */
	bool pi_blocked;
	u64 pi_saved_pin, pi_saved_nv, pi_saved_desc;
};

struct xl_engine {
	struct xl_hw *hw;
	struct xl_engine_cfg cfg;
	u32 mode;		/* enum xl_mode, read atomically */
	/*
	 * xl_engine_bind(): vcpu << 32 | pcpu, read atomically at every
	 * entry; XL_BIND_ANY in the vcpu half: no restriction.
	 */
	u64 bind;
	u32 bind_gen;		/* bumped after each bind store */
	bool did_posted;	/* DID flavour: posted (true) or ELI IPI */
	u64 owned[4];		/* physical vectors this VM may receive */
	struct xl_sidt_map map;	/* assigned host -> guest vectors */
	struct xl_sidt_map eff;	/* map + DID identity entries, as built */
	struct xl_engine_irq irq[XL_ENGINE_MAX_IRQS];
	u64 shadow_gva;
	u32 shadow_gen;		/* bumped when the map changes */
	/*
	 * @map is written by the hypervisor under its own lock (kmod:
	 * xl_hooks_lock) and read by vCPUs at entry: @map_seq is odd while
	 * it changes (a seqcount). @build_lock: the vCPU (re)building the
	 * shadow IDT, which owns guest_idt, shadow, scratch, eff and built*
	 * meanwhile; another vCPU does not wait for it but stays out of
	 * direct mode for that entry. @retry_gen: set_mode asks every vCPU
	 * to retry ELI (its eli_off is written by its own entries only).
	 */
	u32 map_seq;
	u32 build_lock;
	u32 retry_gen;
	u32 built_gen;
	bool built;
	u64 built_base;
	u32 built_limit;
	union xl_idt_gate guest_idt[XL_NR_VECTORS];
	union xl_idt_gate shadow[XL_NR_VECTORS];
	union xl_idt_gate scratch[XL_NR_VECTORS];
	struct xl_engine_vcpu vcpu[XL_ENGINE_MAX_VCPUS];
	struct xl_pi_desc pi_store[XL_ENGINE_MAX_VCPUS];
	struct xl_engine_counters ctr;
};

/* xl_mode_str() and xl_mode_from_str() typed for the engine. */
const char *xl_mode_name(enum xl_mode mode);
int xl_mode_parse(const char *name);		/* enum xl_mode or -EINVAL */
const char *xl_why_str(enum xl_why why);

int xl_engine_init(struct xl_engine *e, struct xl_hw *hw,
		   const struct xl_engine_cfg *cfg);
/* -EBUSY while a vCPU still runs with exitless VMCS values (release it). */
int xl_engine_teardown(struct xl_engine *e);

int xl_engine_own(struct xl_engine *e, unsigned int vector, bool own);

/*
 * Where direct mode may run. Host vectors are per CPU (a vector the VM
 * owns on one host CPU may be another device's on the next) and the VM
 * has one shadow IDT, whose gates deliver to whichever vCPU runs on it:
 * a hypervisor whose owned vectors are valid on one host CPU and meant
 * for one vCPU binds the engine to (@vcpu, @pcpu), and any other vCPU, or
 * @vcpu on another CPU, runs without the shadow IDT (its interrupts take
 * the hypervisor's path: nothing is lost, it just exits).
 *   @vcpu == XL_BIND_ANY   no restriction (the default; the model's
 *                          vectors are the same on every CPU)
 *   @vcpu == XL_BIND_HOLD  no vCPU enters direct mode, e.g. while the
 *                          hypervisor revalidates its host vectors; each
 *                          vCPU leaves direct mode at its next entry (the
 *                          hypervisor knows when each is out of guest
 *                          mode: kmod/vmx/hooks_assigned.c).
 * Any context: one atomic store.
 */
#define XL_BIND_ANY	0xffffffffu
#define XL_BIND_HOLD	0xfffffffeu
int xl_engine_bind(struct xl_engine *e, u32 vcpu, u32 pcpu);
/*
 * The bind's generation now (after xl_engine_bind), and whether @vcpu has
 * since passed before_entry, which then read that bind or a newer one: a
 * vCPU that entered after a hold was seen holds no direct mode. Any
 * context.
 */
u32 xl_engine_bind_gen(const struct xl_engine *e);
bool xl_engine_bind_seen(const struct xl_engine *e, u32 vcpu, u32 gen);
int xl_engine_set_shadow_gva(struct xl_engine *e, u64 gva);
/* The guest took its shadow page back: no vCPU enters with it again. */
int xl_engine_release_shadow(struct xl_engine *e);
/*
 * Bytes @off .. @off + @len of the shadow IDT as the engine last wrote it
 * to the guest, to undo a guest's write to the page. -ENOENT before the
 * first build. Any context; a copy that races with a rebuild may mix the
 * two versions (both the engine's), which the guard's check then repairs.
 */
int xl_engine_shadow_copy(const struct xl_engine *e, u32 off, void *buf,
			  u32 len);
int xl_engine_assign(struct xl_engine *e, u32 host_irq,
		     unsigned int host_vec, unsigned int guest_vec, u32 vcpu);
/*
 * Undo xl_engine_assign() (unposting the IRTE if posted). The shadow IDT
 * loses the gate at each vCPU's next entry: hold the bind and wait until
 * no vCPU is in guest mode in direct state before the host vector is
 * given back.
 */
int xl_engine_unassign(struct xl_engine *e, u32 host_irq);
int xl_engine_set_pi_desc(struct xl_engine *e, u32 vcpu,
			  struct xl_pi_desc *pi);
struct xl_pi_desc *xl_engine_pi_desc(struct xl_engine *e, u32 vcpu);

/* -EOPNOTSUPP and *@why when a capability is missing; mode unchanged. */
int xl_engine_set_mode(struct xl_engine *e, enum xl_mode mode,
		       enum xl_why *why);

/*
 * Nested guests (L2). The engine switches only the VMCS of @vcpu's own
 * guest: while ops->vcpu_nested says @vcpu runs L2, before_entry and
 * handle_exit leave the VMCS alone (it is the one built for L2). The
 * hypervisor calls xl_engine_nested_enter, in vCPU context with the L1
 * VMCS still current, right before it switches to L2 (KVM: the exit of
 * L1's VMLAUNCH/VMRESUME): direct mode is left there, so nothing of it
 * (the EOI MSR passed through, external-interrupt exiting off) is merged
 * into what L2 runs with. -EBUSY from before_entry: @vcpu runs L2 with
 * the engine's values still in the L1 VMCS (it entered L2 some other way).
 */
int xl_engine_nested_enter(struct xl_engine *e, u32 vcpu);
int xl_engine_before_entry(struct xl_engine *e, u32 vcpu);
int xl_engine_handle_exit(struct xl_engine *e, u32 vcpu, u32 reason);
/*
 * The hypervisor's virtual LAPIC retired @vector on an intercepted guest
 * EOI: an injection is over (0). The physical LAPIC is never touched here:
 * directly delivered vectors are EOIed at exits, on their CPU.
 */
int xl_engine_eoi(struct xl_engine *e, u32 vcpu, unsigned int vector);
int xl_engine_virtual_irq(struct xl_engine *e, u32 vcpu, unsigned int vector);
int xl_engine_vcpu_sched(struct xl_engine *e, u32 vcpu,
			 enum xl_sched_event ev);
int xl_engine_vcpu_release(struct xl_engine *e, u32 vcpu);
int xl_engine_pi_wakeup(struct xl_engine *e);
int xl_engine_pi_sync(struct xl_engine *e, u32 vcpu, u64 irr[4]);

int xl_engine_counters(const struct xl_engine *e,
		       struct xl_engine_counters *out);
int xl_engine_vcpu_state(const struct xl_engine *e, u32 vcpu,
			 enum xl_sidt_state *state, enum xl_eli_off *off);

#endif /* XL_ENGINE_H */

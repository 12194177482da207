/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenarios: the exitless engine (core/) attached to the reference model
 * through the model's hypervisor hooks -- the model's stand-in for what
 * kmod/ does around KVM -- and a driver that sends N interrupts of one
 * kind and reports the model's counters. Used by tests/scenario/ and by
 * `exitless model`.
 */
#ifndef XL_MODEL_SCENARIO_H
#define XL_MODEL_SCENARIO_H

#include "model.h"
#include "xl_engine.h"

/* The vectors every scenario uses. */
#define XL_SCN_HOST_IRQ		5	/* the assigned device's host IRQ */
#define XL_SCN_DEV_HOST_VEC	0x40	/* ... its vector on the host */
#define XL_SCN_DEV_GUEST_VEC	0x51	/* ... the guest's vector for it */
#define XL_SCN_VIRT_VEC		0x61	/* a virtual device (virtio-like) */
#define XL_SCN_HOST_VEC		0xec	/* the host's own timer */

enum xl_scn_kind {
	XL_SCN_DEVICE,		/* passthrough MSIs of the assigned device */
	XL_SCN_VIRTUAL,		/* virtual interrupts (DID's case) */
	XL_SCN_HOST,		/* host interrupts on the vCPU's pCPU */
	XL_SCN_MIXED,		/* device + host + virtual, interleaved */
};

struct xl_scn_cfg {
	enum xl_mode mode;
	enum xl_scn_kind kind;
	enum xl_guest_behaviour guest;
	u32 guest_flags;
	u32 count;		/* interrupts of each kind to send */
	u32 gap;		/* model steps between two sends */
	u32 timer_value;	/* ELI guard period in steps, 0 = 100000 */
	bool apicv, posted_intr, vtd_posting, preemption_timer, x2apic;
};

struct xl_scn {
	struct xl_model *m;
	struct xl_hw *hw;
	struct xl_engine *e;
	int mode_ret;		/* xl_engine_set_mode() */
	enum xl_why why;
};

struct xl_scn_result {
	u64 sent_device, sent_virtual, sent_host;
	u64 handled_device, handled_virtual;	/* by the guest */
	u64 host_handled;	/* host timer runs on the vCPU's pCPU */
	struct xl_model_vcpu_stats vcpu;
	struct xl_model_stats model;
	struct xl_engine_counters eng;
	int mode_ret;
	enum xl_why why;
};

/* A model + engine in @cfg->mode; the scenario keeps both. */
int xl_scn_create(const struct xl_scn_cfg *cfg, struct xl_scn *s);
void xl_scn_destroy(struct xl_scn *s);
/* Make every running vCPU exit and re-enter (a mode takes effect then). */
void xl_scn_kick(struct xl_scn *s);
/* Send the interrupts of @cfg->kind and run the model until quiet. */
int xl_scn_drive(struct xl_scn *s, const struct xl_scn_cfg *cfg,
		 struct xl_scn_result *r);
/* Both in one: create, drive, destroy. */
int xl_scn_run(const struct xl_scn_cfg *cfg, struct xl_scn_result *r);
/* A default configuration for @mode (capabilities it needs turned on). */
void xl_scn_defaults(struct xl_scn_cfg *cfg, enum xl_mode mode,
		     enum xl_scn_kind kind, u32 count);

#endif /* XL_MODEL_SCENARIO_H */

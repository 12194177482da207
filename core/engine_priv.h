/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by core/engine.c and core/engine_vcpu.c. */
#ifndef XL_ENGINE_PRIV_H
#define XL_ENGINE_PRIV_H

#include "xl_engine.h"
#include "xl_vec.h"

#define XL_DEFAULT_NOTIFY_VECTOR	0xf2	/* KVM POSTED_INTR_VECTOR */
#define XL_DEFAULT_WAKEUP_VECTOR	0xf1	/* POSTED_INTR_WAKEUP_VECTOR */
/*
 * Preemption-timer value in direct mode. The timer counts down at TSC >>
 * IA32_VMX_MISC[4:0] (SDM 25.5.1), so this is about 5-40 ms on real parts;
 * ELI used "5 ms at 2.93 GHz". Only the bound matters, not the period.
 */
#define XL_DEFAULT_TIMER_VALUE		0x100000
#define XL_DEFAULT_GUARD_LIMIT		4

static inline void xl_ctr_inc(u64 *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static inline u32 xl_engine_mode(const struct xl_engine *e)
{
	return __atomic_load_n(&e->mode, __ATOMIC_ACQUIRE);
}

/* Does @mode deliver assigned interrupts through the shadow IDT? */
static inline bool xl_uses_sidt(const struct xl_engine *e, u32 mode)
{
	return mode == XL_MODE_ELI || (mode == XL_MODE_DID && !e->did_posted);
}

/* Does @mode use posted interrupts (PI descriptor, posted IRTEs)? */
static inline bool xl_uses_post(const struct xl_engine *e, u32 mode)
{
	return mode == XL_MODE_PI || (mode == XL_MODE_DID && e->did_posted);
}

static inline bool xl_vcpu_ok(const struct xl_engine *e, u32 vcpu)
{
	return e && e->hw && e->hw->ops && vcpu < e->hw->nr_vcpus &&
	       vcpu < XL_ENGINE_MAX_VCPUS;
}

/* Ask for injection mode before @vector is injected on @vcpu. */
static inline void xl_want_inject(struct xl_engine *e, u32 vcpu,
				  unsigned int vector)
{
	xl_vec_set_atomic(e->vcpu[vcpu].inflight, vector);
	__atomic_store_n(&e->vcpu[vcpu].inject_req, 1, __ATOMIC_RELEASE);
}

/* e->map changes: a seqcount's write side (the hypervisor's lock held). */
static inline void xl_map_write_begin(struct xl_engine *e)
{
	__atomic_store_n(&e->map_seq, e->map_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void xl_map_write_end(struct xl_engine *e)
{
	__atomic_store_n(&e->map_seq, e->map_seq + 1, __ATOMIC_RELEASE);
}

#endif /* XL_ENGINE_PRIV_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * posted/: operations on the posted-interrupt descriptor (SDM 29.6, VT-d
 * 9.12) and posted-format IRTEs (VT-d 9.11). Plain C on xl_types.h only.
 *
 * PIR and @control are written concurrently by the CPU (posted-interrupt
 * processing clears ON and PIR), by the IOMMU (sets PIR and ON) and by
 * other host CPUs posting virtual interrupts, so every access to them here
 * is an atomic read-modify-write; nothing takes a lock and everything may
 * be called from IRQ context.
 */
#ifndef XL_PI_H
#define XL_PI_H

#include "xl_types.h"
#include "hw/pi_desc.h"
#include "hw/irte.h"

/* xl_pi_post() result bits (a non-negative return). */
#define XL_PI_NOTIFY		XL_BIT(0)	/* ON went 0->1: send NV */
#define XL_PI_COALESCED		XL_BIT(1)	/* PIR bit was already set */

int xl_pi_desc_check(const struct xl_pi_desc *pi);
int xl_pi_init(struct xl_pi_desc *pi, u8 nv, u32 apic_id, bool x2apic);
int xl_pi_post(struct xl_pi_desc *pi, unsigned int vector);
/* PIR bit only (a software post sets ON itself): 1 already set, 0, -errno. */
int xl_pi_test_and_set_pir(struct xl_pi_desc *pi, unsigned int vector);
int xl_pi_sync_irr(struct xl_pi_desc *pi, u64 irr[4]);

/*
 * Accessors of a descriptor whose pointer was checked once, where it was
 * set up (xl_pi_init, xl_pi_desc_check): never NULL, 64-byte aligned. As
 * Linux's asm/posted_intr.h they are inline and check nothing more; a
 * bad pointer here is a bug of the caller, not an answer.
 */
static inline bool xl_pi_pir_empty(const struct xl_pi_desc *pi)
{
	return !(xl_load64(&pi->pir[0]) | xl_load64(&pi->pir[1]) |
		 xl_load64(&pi->pir[2]) | xl_load64(&pi->pir[3]));
}

static inline bool xl_pi_test_on(const struct xl_pi_desc *pi)
{
	return xl_load64(&pi->control) & XL_BIT(PI_CONTROL_ON);
}

static inline bool xl_pi_test_sn(const struct xl_pi_desc *pi)
{
	return xl_load64(&pi->control) & XL_BIT(PI_CONTROL_SN);
}

static inline void xl_pi_set_sn(struct xl_pi_desc *pi)
{
	xl_test_and_set_bit64(PI_CONTROL_SN, &pi->control);
}

static inline void xl_pi_clear_sn(struct xl_pi_desc *pi)
{
	xl_test_and_clear_bit64(PI_CONTROL_SN, &pi->control);
}

static inline bool xl_pi_test_and_set_on(struct xl_pi_desc *pi)
{
	return xl_test_and_set_bit64(PI_CONTROL_ON, &pi->control);
}

static inline u8 xl_pi_nv(const struct xl_pi_desc *pi)
{
	return (xl_load64(&pi->control) & PI_CONTROL_NV_MASK) >>
	       PI_CONTROL_NV_SHIFT;
}

static inline u32 xl_pi_ndst(const struct xl_pi_desc *pi)
{
	return (xl_load64(&pi->control) & PI_CONTROL_NDST_MASK) >>
	       PI_CONTROL_NDST_SHIFT;
}

int xl_pi_set_nv(struct xl_pi_desc *pi, unsigned int nv);
int xl_pi_set_ndst(struct xl_pi_desc *pi, u32 apic_id, bool x2apic);
/* NDST, NV, then SN cleared: notifications on, to that CPU. */
int xl_pi_notify_to(struct xl_pi_desc *pi, u32 apic_id, bool x2apic,
		    unsigned int nv);

/* Posted IRTE image, VT-d 9.11. */
struct xl_irte_post_cfg {
	u64 pda;		/* PI descriptor physical address, 64-aligned */
	u8 vector;		/* virtual vector written into PIR */
	bool urgent;
	bool fpd;
	u16 sid;
	u8 sq;			/* 0..3 */
	u8 svt;			/* 0..2, 3 is reserved */
};

int xl_irte_post_encode(const struct xl_irte_post_cfg *c, union xl_irte *e);
int xl_irte_post_decode(const union xl_irte *e, struct xl_irte_post_cfg *c);

/* Remapped IRTE image, VT-d 9.10. */
struct xl_irte_remap_cfg {
	u32 dest;		/* x2APIC: 32-bit ID; xAPIC: 8-bit ID */
	u8 vector;
	u8 dlm;			/* IRTE_DLM_* */
	bool dest_logical;
	bool redir_hint;
	bool level;
	bool fpd;
	bool x2apic;		/* how @dest is encoded in the entry */
	u16 sid;
	u8 sq;
	u8 svt;
};

int xl_irte_remap_encode(const struct xl_irte_remap_cfg *c, union xl_irte *e);
int xl_irte_remap_decode(const union xl_irte *e, bool x2apic,
			 struct xl_irte_remap_cfg *c);

/*
 * Can this compatibility-format MSI be posted to one vCPU? Returns 0 and
 * fills @dest/@vector for a fixed or lowest-priority, physical-destination,
 * single-target MSI; -EOPNOTSUPP for logical, broadcast or non-interrupt
 * delivery modes (VT-d cannot post those, as KVM's pi_update_irte says);
 * -EINVAL for an address that is not an MSI address.
 */
int xl_msi_postable(u64 addr, u32 data, bool x2apic, u32 *dest, u8 *vector);

#endif /* XL_PI_H */

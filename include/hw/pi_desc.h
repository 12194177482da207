/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Posted-interrupt descriptor, Intel SDM vol. 3C 29.6 ("Posted-Interrupt
 * Processing", Table 29-1) and VT-d spec 9.12 (Figure 9-47). 64 bytes,
 * 64-byte aligned. The CPU and the IOMMU write PIR and ON concurrently with
 * software, so those are bit numbers on u64 words used with atomics, never
 * bitfields.
 */
#ifndef XL_HW_PI_DESC_H
#define XL_HW_PI_DESC_H

#include "../xl_types.h"

/* Bit numbers within @control (descriptor bits 319:256). */
#define PI_CONTROL_ON		0	/* bit 256: outstanding notification */
#define PI_CONTROL_SN		1	/* bit 257: suppress notification */
#define PI_CONTROL_NV_SHIFT	16	/* bits 279:272: notification vector */
#define PI_CONTROL_NV_MASK	XL_GENMASK(23, 16)
#define PI_CONTROL_NDST_SHIFT	32	/* bits 319:288: notification dest. */
#define PI_CONTROL_NDST_MASK	XL_GENMASK(63, 32)

/*
 * NDST encoding, SDM 29.6 / VT-d 9.12: in x2APIC mode the full 32-bit
 * APIC ID; in xAPIC mode the 8-bit APIC ID in bits 15:8 of the field.
 */
static inline u32 xl_pi_ndst_encode(u32 apic_id, bool x2apic)
{
	return x2apic ? apic_id : (apic_id & 0xff) << 8;
}

static inline u32 xl_pi_ndst_decode(u32 ndst, bool x2apic)
{
	return x2apic ? ndst : (ndst >> 8) & 0xff;
}

struct xl_pi_desc {
	u64 pir[4];		/* bits 255:0: one request bit per vector */
	u64 control;		/* ON, SN, NV, NDST */
	u64 rsvd[3];		/* bits 511:320 */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct xl_pi_desc) == 64, "SDM 29.6: 64 bytes");
_Static_assert(offsetof(struct xl_pi_desc, control) == 32,
	       "SDM 29.6: ON is bit 256");

#define XL_PI_DESC_ALIGN	64

#endif /* XL_HW_PI_DESC_H */

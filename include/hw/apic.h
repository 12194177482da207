/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC registers, Intel SDM vol. 3A 11.4.1 (Table 11-1, xAPIC MMIO
 * offsets) and 11.12.1.2 (Table 11-6, x2APIC MSR = 0x800 + offset / 16).
 */
#ifndef XL_HW_APIC_H
#define XL_HW_APIC_H

#include "../xl_types.h"

#define APIC_DEFAULT_BASE	0xfee00000u

#define APIC_ID			0x020
#define APIC_LVR		0x030
#define APIC_TPR		0x080
#define APIC_APR		0x090
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define  APIC_SVR_ENABLE	XL_BIT(8)
#define APIC_ISR		0x100	/* 8 x 32 bits, 16-byte stride */
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR_LOW		0x300
#define APIC_ICR_HIGH		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define APIC_TMICT		0x380	/* timer initial count */
#define APIC_TMCCT		0x390	/* timer current count */
#define APIC_TDCR		0x3e0	/* timer divide configuration */
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

#define APIC_LVT_MASKED		XL_BIT(16)
#define APIC_LVT_TIMER_PERIODIC	XL_BIT(17)

/* ICR, SDM 11.6.1 (Figure 11-12). */
#define APIC_ICR_VECTOR_MASK	XL_GENMASK(7, 0)
#define APIC_ICR_DLM_SHIFT	8
#define APIC_ICR_DLM_MASK	XL_GENMASK(10, 8)
#define  APIC_ICR_DLM_FIXED	(0u << APIC_ICR_DLM_SHIFT)
#define  APIC_ICR_DLM_NMI	(4u << APIC_ICR_DLM_SHIFT)
#define APIC_ICR_DEST_LOGICAL	XL_BIT(11)
#define APIC_ICR_LEVEL_ASSERT	XL_BIT(14)
#define APIC_ICR_TRIGGER_LEVEL	XL_BIT(15)
#define APIC_ICR_SHORTHAND_SHIFT 18
#define APIC_ICR_SHORTHAND_MASK	XL_GENMASK(19, 18)
#define  APIC_ICR_DEST_SELF	(1u << APIC_ICR_SHORTHAND_SHIFT)
#define  APIC_ICR_DEST_ALL	(2u << APIC_ICR_SHORTHAND_SHIFT)
#define  APIC_ICR_DEST_OTHERS	(3u << APIC_ICR_SHORTHAND_SHIFT)

#define X2APIC_MSR_BASE		0x800
#define X2APIC_MSR(off)		(X2APIC_MSR_BASE + ((off) >> 4))
#define MSR_X2APIC_EOI		X2APIC_MSR(APIC_EOI)	/* 0x80b */
#define MSR_X2APIC_ICR		X2APIC_MSR(APIC_ICR_LOW)	/* 0x830 */
#define MSR_X2APIC_SELF_IPI	X2APIC_MSR(APIC_SELF_IPI)	/* 0x83f */
#define MSR_IA32_APICBASE	0x1b
#define  APICBASE_ENABLE	XL_BIT(11)
#define  APICBASE_X2APIC	XL_BIT(10)

/* SDM 11.8.3.1: priority class is the vector's upper nibble. */
static inline unsigned int xl_prio_class(unsigned int v)
{
	return (v >> 4) & 0xf;
}

#endif /* XL_HW_APIC_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC, Intel SDM vol. 3A chapter 11: the IRR/ISR/TMR bitmaps
 * (11.8.4), priority (11.8.3.1), EOI (11.8.5), ICR (11.6.1), the register
 * map in xAPIC MMIO and x2APIC MSR form (11.4.1, 11.12.1.2) and a timer that
 * counts model ticks instead of bus clocks (11.5.4).
 */
#include "model_priv.h"

void xl_lapic_reset(struct xl_lapic *l, u32 id, bool x2apic)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->x2apic = x2apic;
	l->svr = 0xff | APIC_SVR_ENABLE;
	l->dfr = 0xffffffff;
	/* SDM 11.12.10.2: the x2APIC logical ID derives from the APIC ID. */
	if (x2apic)
		l->ldr = ((id >> 4) << 16) | (1u << (id & 0xf));
	l->lvt_timer = l->lvt_lint0 = l->lvt_lint1 = l->lvt_error =
		APIC_LVT_MASKED;
}

/*
 * SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4,
 * where ISRV is the highest in-service vector (0 if none).
 */
u32 xl_lapic_ppr(const struct xl_lapic *l)
{
	int isrv = xl_vec_highest(l->isr);
	u32 tpr = l->tpr & 0xff;

	if (isrv < 0)
		isrv = 0;
	if (xl_prio_class(tpr) >= xl_prio_class(isrv))
		return tpr;
	return (u32)isrv & 0xf0;
}

/*
 * The vector the APIC would present to the core now: the highest IRR
 * vector whose priority class is above PPR's (SDM 11.8.3.1), or -1.
 */
int xl_lapic_pending(const struct xl_lapic *l)
{
	int irrv = xl_vec_highest(l->irr);

	if (irrv < 0 || !(l->svr & APIC_SVR_ENABLE))
		return -1;
	if (xl_prio_class(irrv) <= xl_prio_class(xl_lapic_ppr(l)))
		return -1;
	return irrv;
}

void xl_lapic_set_irr(struct xl_lapic *l, u8 vec, bool level)
{
	/* SDM 11.8.4: vectors 0-15 are reserved; the APIC flags an error. */
	if (vec < 16) {
		l->esr |= XL_BIT(6);	/* received illegal vector */
		return;
	}
	xl_vec_set(l->irr, vec);
	if (level)
		xl_vec_set(l->tmr, vec);
	else
		xl_vec_clear(l->tmr, vec);
}

/* INTA: the core takes @vec, IRR -> ISR (SDM 11.8.4). */
void xl_lapic_accept(struct xl_lapic *l, u8 vec)
{
	xl_vec_clear(l->irr, vec);
	xl_vec_set(l->isr, vec);
}

/*
 * EOI (SDM 11.8.5): clears the highest ISR bit. Returns that vector (or -1
 * when nothing was in service) and whether TMR said level-triggered, in
 * which case the caller broadcasts the EOI to the IOAPICs.
 */
int xl_lapic_eoi(struct xl_lapic *l, bool *level)
{
	int v = xl_vec_highest(l->isr);

	if (level)
		*level = false;
	if (v < 0)
		return -1;
	xl_vec_clear(l->isr, v);
	if (level)
		*level = xl_vec_test(l->tmr, v);
	return v;
}

static u32 bits32(const u64 bits[4], u32 idx)
{
	return (u32)(bits[idx / 2] >> ((idx & 1) * 32));
}

int xl_lapic_mmio_read(const struct xl_lapic *l, u32 off, u32 *val)
{
	if (!l || !val || (off & 0xf) || off >= 0x400)
		return -EINVAL;
	switch (off) {
	case APIC_ID:
		*val = l->x2apic ? l->id : l->id << 24;
		return 0;
	case APIC_LVR:
		*val = 0x50014;	/* version 0x14, 6 LVT entries */
		return 0;
	case APIC_TPR:
		*val = l->tpr;
		return 0;
	case APIC_PPR:
		*val = xl_lapic_ppr(l);
		return 0;
	case APIC_LDR:
		*val = l->ldr;
		return 0;
	case APIC_DFR:
		*val = l->dfr;
		return 0;
	case APIC_SVR:
		*val = l->svr;
		return 0;
	case APIC_ESR:
		*val = l->esr;
		return 0;
	case APIC_ICR_LOW:
		*val = l->icr_low;
		return 0;
	case APIC_ICR_HIGH:
		*val = l->icr_high;
		return 0;
	case APIC_LVT_TIMER:
		*val = l->lvt_timer;
		return 0;
	case APIC_LVT_LINT0:
		*val = l->lvt_lint0;
		return 0;
	case APIC_LVT_LINT1:
		*val = l->lvt_lint1;
		return 0;
	case APIC_LVT_ERROR:
		*val = l->lvt_error;
		return 0;
	case APIC_TMICT:
		*val = l->tmict;
		return 0;
	case APIC_TMCCT:
		*val = l->tmcct;
		return 0;
	case APIC_TDCR:
		*val = l->tdcr;
		return 0;
	}
	if (off >= APIC_ISR && off < APIC_ISR + 0x80) {
		*val = bits32(l->isr, (off - APIC_ISR) >> 4);
		return 0;
	}
	if (off >= APIC_TMR && off < APIC_TMR + 0x80) {
		*val = bits32(l->tmr, (off - APIC_TMR) >> 4);
		return 0;
	}
	if (off >= APIC_IRR && off < APIC_IRR + 0x80) {
		*val = bits32(l->irr, (off - APIC_IRR) >> 4);
		return 0;
	}
	*val = 0;
	return 0;
}

int xl_lapic_mmio_write(struct xl_lapic *l, u32 off, u32 val,
			struct xl_lapic_effect *fx)
{
	if (!l || !fx || (off & 0xf) || off >= 0x400)
		return -EINVAL;
	memset(fx, 0, sizeof(*fx));
	fx->eoi_vector = -1;
	switch (off) {
	case APIC_TPR:
		l->tpr = val & 0xff;
		return 0;
	case APIC_EOI:
		fx->eoi_vector = xl_lapic_eoi(l, &fx->eoi_level);
		return 0;
	case APIC_LDR:
		if (!l->x2apic)
			l->ldr = val & 0xff000000;
		return 0;
	case APIC_DFR:
		if (!l->x2apic)
			l->dfr = val | 0x0fffffff;
		return 0;
	case APIC_SVR:
		l->svr = val & 0x3ff;
		return 0;
	case APIC_ESR:
		l->esr = 0;
		return 0;
	case APIC_ICR_HIGH:
		l->icr_high = val;
		return 0;
	case APIC_ICR_LOW:
		l->icr_low = val & ~XL_BIT(12);	/* delivery status reads idle */
		fx->icr_sent = true;
		fx->icr_low = l->icr_low;
		fx->icr_dest = l->x2apic ? l->icr_high : l->icr_high >> 24;
		return 0;
	case APIC_LVT_TIMER:
		l->lvt_timer = val & 0x310ff;
		return 0;
	case APIC_LVT_LINT0:
		l->lvt_lint0 = val & 0x1a7ff;
		return 0;
	case APIC_LVT_LINT1:
		l->lvt_lint1 = val & 0x1a7ff;
		return 0;
	case APIC_LVT_ERROR:
		l->lvt_error = val & 0x100ff;
		return 0;
	case APIC_TMICT:
		l->tmict = val;
		l->tmcct = val;
		return 0;
	case APIC_TDCR:
		l->tdcr = val & 0xb;
		return 0;
	case APIC_SELF_IPI:
		if (!l->x2apic)
			return -EINVAL;
		xl_lapic_set_irr(l, val & 0xff, false);
		return 0;
	}
	/* Read-only or reserved: writes are ignored (SDM 11.4.1). */
	return 0;
}

/*
 * x2APIC MSR view (SDM 11.12.1.2): MSR 0x800 + off/16. ICR is one 64-bit
 * MSR with the destination in bits 63:32; the ID and LDR are read-only; a
 * non-zero EOI write is a #GP in hardware (here: -EINVAL).
 */
int xl_lapic_msr_read(const struct xl_lapic *l, u32 msr, u64 *val)
{
	u32 lo;
	int ret;

	if (!l || !val || !l->x2apic || msr < X2APIC_MSR_BASE ||
	    msr > X2APIC_MSR_BASE + 0x3f)
		return -EINVAL;
	if (msr == MSR_X2APIC_ICR) {
		*val = ((u64)l->icr_high << 32) | l->icr_low;
		return 0;
	}
	ret = xl_lapic_mmio_read(l, (msr - X2APIC_MSR_BASE) << 4, &lo);
	*val = lo;
	return ret;
}

int xl_lapic_msr_write(struct xl_lapic *l, u32 msr, u64 val,
		       struct xl_lapic_effect *fx)
{
	u32 off;

	if (!l || !fx || !l->x2apic || msr < X2APIC_MSR_BASE ||
	    msr > X2APIC_MSR_BASE + 0x3f)
		return -EINVAL;
	off = (msr - X2APIC_MSR_BASE) << 4;
	if (off == APIC_EOI && val)
		return -EINVAL;
	if (off == APIC_ID || off == APIC_LDR || off == APIC_DFR ||
	    off == APIC_ICR_HIGH)
		return -EINVAL;
	if (msr == MSR_X2APIC_ICR)
		l->icr_high = (u32)(val >> 32);
	return xl_lapic_mmio_write(l, off, (u32)val, fx);
}

/*
 * One tick of the timer (SDM 11.5.4): the current count runs down by one
 * per model tick (the divide configuration is kept but time is abstract).
 * Returns the LVT timer vector when it fires unmasked, else -1; the caller
 * decides where the interrupt goes (a physical LAPIC raises it itself, the
 * hypervisor routes a virtual one like any other virtual interrupt).
 * Periodic mode reloads the initial count.
 */
int xl_lapic_timer_tick(struct xl_lapic *l)
{
	if (!l->tmcct)
		return -1;
	if (--l->tmcct)
		return -1;
	if (l->lvt_timer & APIC_LVT_TIMER_PERIODIC)
		l->tmcct = l->tmict;
	if (l->lvt_timer & APIC_LVT_MASKED)
		return -1;
	return l->lvt_timer & 0xff;
}

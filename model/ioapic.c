// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC with 24 pins (Intel 82093AA datasheet, section 3): IOREGSEL /
 * IOWIN indirect access, 64-bit redirection entries at registers 0x10 +
 * 2 * pin, remote IRR for level-triggered pins cleared by the LAPIC's EOI
 * broadcast (SDM 11.8.5), a still-asserted level line re-delivered then.
 */
#include "model_priv.h"

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10

/* Redirection entry bits (82093AA 3.2.4). */
#define RTE_VECTOR_MASK		XL_GENMASK(7, 0)
#define RTE_DLM_SHIFT		8
#define RTE_DEST_LOGICAL	XL_BIT(11)
#define RTE_DELIV_STATUS	XL_BIT(12)
#define RTE_POLARITY_LOW	XL_BIT(13)
#define RTE_REMOTE_IRR		XL_BIT(14)
#define RTE_TRIGGER_LEVEL	XL_BIT(15)
#define RTE_MASKED		XL_BIT(16)
#define RTE_DEST_SHIFT		56
#define RTE_RO_BITS		(RTE_DELIV_STATUS | RTE_REMOTE_IRR)

void xl_ioapic_reset(struct xl_ioapic *io)
{
	unsigned int i;

	memset(io, 0, sizeof(*io));
	for (i = 0; i < XL_IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

int xl_ioapic_message(const struct xl_ioapic *io, u32 pin,
		      struct xl_ioapic_msg *msg)
{
	u64 e;

	if (pin >= XL_IOAPIC_PINS)
		return -EINVAL;
	e = io->redir[pin];
	msg->vector = e & RTE_VECTOR_MASK;
	msg->dlm = (e >> RTE_DLM_SHIFT) & 7;
	msg->logical = e & RTE_DEST_LOGICAL;
	msg->level = e & RTE_TRIGGER_LEVEL;
	msg->dest = (u32)(e >> RTE_DEST_SHIFT);
	return 0;
}

/* Does @pin deliver now? Sets remote IRR for level-triggered pins. */
static int ioapic_service(struct xl_ioapic *io, u32 pin,
			  struct xl_ioapic_msg *msg)
{
	u64 *e = &io->redir[pin];

	if (*e & RTE_MASKED)
		return 0;
	if (*e & RTE_TRIGGER_LEVEL) {
		if (*e & RTE_REMOTE_IRR)
			return 0;	/* previous one not EOIed yet */
		*e |= RTE_REMOTE_IRR;
	}
	xl_ioapic_message(io, pin, msg);
	return 1;
}

int xl_ioapic_set_irq(struct xl_ioapic *io, u32 pin, int level,
		      struct xl_ioapic_msg *msg)
{
	bool was, now, active;
	u64 e;

	if (!io || !msg || pin >= XL_IOAPIC_PINS)
		return -EINVAL;
	e = io->redir[pin];
	/* Polarity: the pin is active when the line matches the polarity. */
	active = (e & RTE_POLARITY_LOW) ? !level : !!level;
	was = io->lines & XL_BIT(pin);
	now = active;
	if (now)
		io->lines |= XL_BIT(pin);
	else
		io->lines &= ~XL_BIT(pin);
	if (!now)
		return 0;
	if (!(e & RTE_TRIGGER_LEVEL) && was)
		return 0;	/* edge: only the transition counts */
	return ioapic_service(io, pin, msg);
}

u32 xl_ioapic_eoi(struct xl_ioapic *io, u8 vector)
{
	u32 pin, again = 0;

	for (pin = 0; pin < XL_IOAPIC_PINS; pin++) {
		u64 *e = &io->redir[pin];

		if ((*e & RTE_VECTOR_MASK) != vector ||
		    !(*e & RTE_TRIGGER_LEVEL) || !(*e & RTE_REMOTE_IRR))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		if (io->lines & XL_BIT(pin))
			again |= XL_BIT(pin);
	}
	return again;
}

int xl_ioapic_write(struct xl_ioapic *io, u32 reg, u32 val)
{
	u32 pin;
	u64 *e;

	if (!io)
		return -EINVAL;
	if (reg == 0) {		/* IOREGSEL at offset 0x00 */
		io->regsel = val & 0xff;
		return 0;
	}
	if (reg != 0x10)	/* IOWIN at offset 0x10 */
		return -EINVAL;
	if (io->regsel == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return 0;
	}
	if (io->regsel < IOAPIC_REG_REDIR ||
	    io->regsel >= IOAPIC_REG_REDIR + 2 * XL_IOAPIC_PINS)
		return 0;	/* read-only or unimplemented: ignored */
	pin = (io->regsel - IOAPIC_REG_REDIR) / 2;
	e = &io->redir[pin];
	if (io->regsel & 1) {
		*e = (*e & 0xffffffffull) | ((u64)val << 32);
	} else {
		/* Delivery status and remote IRR are read-only. */
		*e = (*e & (0xffffffff00000000ull | RTE_RO_BITS)) |
		     (val & ~(u32)RTE_RO_BITS);
	}
	return 0;
}

int xl_ioapic_read(const struct xl_ioapic *io, u32 reg, u32 *val)
{
	u32 pin;

	if (!io || !val)
		return -EINVAL;
	if (reg == 0) {
		*val = io->regsel;
		return 0;
	}
	if (reg != 0x10)
		return -EINVAL;
	switch (io->regsel) {
	case IOAPIC_REG_ID:
		*val = io->id << 24;
		return 0;
	case IOAPIC_REG_VER:
		/* version 0x11, max redirection entry 23 */
		*val = ((XL_IOAPIC_PINS - 1) << 16) | 0x11;
		return 0;
	case IOAPIC_REG_ARB:
		*val = io->id << 24;
		return 0;
	}
	if (io->regsel < IOAPIC_REG_REDIR ||
	    io->regsel >= IOAPIC_REG_REDIR + 2 * XL_IOAPIC_PINS) {
		*val = 0;
		return 0;
	}
	pin = (io->regsel - IOAPIC_REG_REDIR) / 2;
	*val = (io->regsel & 1) ? (u32)(io->redir[pin] >> 32) :
				   (u32)io->redir[pin];
	return 0;
}

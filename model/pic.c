// SPDX-License-Identifier: GPL-2.0
/*
 * Intel 8259A programmable interrupt controller pair as on the PC: master
 * at ports 0x20/0x21, slave at 0xa0/0xa1 cascaded on master IR2, edge/level
 * per pin from the ELCR (ports 0x4d0/0x4d1). Vectors are ICW2 base + pin.
 * Fixed priority, IR0 highest (8259A datasheet, "Fully nested mode").
 * Priority rotation and special mask mode are not modelled.
 */
#include "model_priv.h"

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA	0x21
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define PIC_ELCR_MASTER	0x4d0
#define PIC_ELCR_SLAVE	0x4d1
#define PIC_CASCADE_IR	2

#define ICW1_IC4	XL_BIT(0)
#define ICW1_INIT	XL_BIT(4)
#define ICW4_AEOI	XL_BIT(1)
#define OCW3_SELECT	XL_BIT(3)
#define OCW3_RR		XL_BIT(1)
#define OCW3_RIS	XL_BIT(0)
#define OCW2_EOI	XL_BIT(5)
#define OCW2_SL		XL_BIT(6)

void xl_pic_reset(struct xl_pic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].imr = p->chip[1].imr = 0xff;
}

/* Highest-priority bit set in @bits, IR0 first; -1 if none. */
static int pic_first(u8 bits)
{
	return bits ? __builtin_ctz(bits) : -1;
}

/* The pin a chip would raise INT for, respecting in-service priority. */
static int pic_chip_pending(const struct xl_pic_chip *c)
{
	int req = pic_first(c->irr & ~c->imr);
	int srv = pic_first(c->isr);

	if (req < 0)
		return -1;
	if (srv >= 0 && srv <= req)
		return -1;
	return req;
}

static void pic_update_cascade(struct xl_pic *p)
{
	struct xl_pic_chip *m = &p->chip[0];
	bool out = pic_chip_pending(&p->chip[1]) >= 0;

	/* The slave's INT drives master IR2 as a level. */
	if (out)
		m->irr |= XL_BIT(PIC_CASCADE_IR);
	else
		m->irr &= ~XL_BIT(PIC_CASCADE_IR);
}

void xl_pic_set_irq(struct xl_pic *p, u32 irq, int level)
{
	struct xl_pic_chip *c;
	u8 bit;

	if (irq > 15 || irq == PIC_CASCADE_IR)
		return;
	c = &p->chip[irq / 8];
	bit = XL_BIT(irq % 8);
	if (level) {
		/* Edge mode latches a rising edge; level follows the line. */
		if (!(c->lines & bit) || (c->elcr & bit))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= ~bit;
		if (c->elcr & bit)
			c->irr &= ~bit;
	}
	pic_update_cascade(p);
}

bool xl_pic_output(const struct xl_pic *p)
{
	return pic_chip_pending(&p->chip[0]) >= 0;
}

static void pic_ack(struct xl_pic_chip *c, int pin)
{
	u8 bit = XL_BIT(pin);

	c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	/* A level-triggered line still asserted requests again. */
	if ((c->elcr & bit) && (c->lines & bit))
		c->irr |= bit;
}

/* INTA cycle: the vector the PIC pair puts on the bus, or -1. */
int xl_pic_intack(struct xl_pic *p)
{
	struct xl_pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int pin = pic_chip_pending(m), spin;

	if (pin < 0)
		return -1;
	if (pin != PIC_CASCADE_IR) {
		pic_ack(m, pin);
		return m->base + pin;
	}
	spin = pic_chip_pending(s);
	if (spin < 0) {
		pic_update_cascade(p);
		return -1;
	}
	pic_ack(s, spin);
	m->irr &= ~XL_BIT(PIC_CASCADE_IR);
	if (!m->auto_eoi)
		m->isr |= XL_BIT(PIC_CASCADE_IR);
	pic_update_cascade(p);
	return s->base + spin;
}

static int pic_command(struct xl_pic *p, struct xl_pic_chip *c, u8 val)
{
	if (val & ICW1_INIT) {
		c->init_step = 2;
		c->icw4 = val & ICW1_IC4;
		c->imr = 0;
		c->isr = 0;
		c->irr = 0;
		c->auto_eoi = false;
		c->read_isr = false;
		return 0;
	}
	if (val & OCW3_SELECT) {
		if (val & OCW3_RR)
			c->read_isr = val & OCW3_RIS;
		return 0;
	}
	/* OCW2 */
	if (val & OCW2_EOI) {
		int pin = (val & OCW2_SL) ? (val & 7) : pic_first(c->isr);

		if (pin >= 0)
			c->isr &= ~XL_BIT(pin);
	}
	pic_update_cascade(p);
	return 0;
}

static int pic_data(struct xl_pic *p, struct xl_pic_chip *c, u8 val)
{
	switch (c->init_step) {
	case 2:			/* ICW2: vector base, low 3 bits ignored */
		c->base = val & 0xf8;
		c->init_step = 3;
		return 0;
	case 3:			/* ICW3: cascade wiring, fixed here */
		c->init_step = c->icw4 ? 4 : 0;
		return 0;
	case 4:			/* ICW4 */
		c->auto_eoi = val & ICW4_AEOI;
		c->init_step = 0;
		return 0;
	}
	c->imr = val;		/* OCW1 */
	pic_update_cascade(p);
	return 0;
}

int xl_pic_out(struct xl_pic *p, u16 port, u8 val)
{
	if (!p)
		return -EINVAL;
	switch (port) {
	case PIC_MASTER_CMD:
		return pic_command(p, &p->chip[0], val);
	case PIC_SLAVE_CMD:
		return pic_command(p, &p->chip[1], val);
	case PIC_MASTER_DATA:
		return pic_data(p, &p->chip[0], val);
	case PIC_SLAVE_DATA:
		return pic_data(p, &p->chip[1], val);
	case PIC_ELCR_MASTER:
		/* IRQ 0, 1, 2 are always edge (PIIX ELCR). */
		p->chip[0].elcr = val & 0xf8;
		return 0;
	case PIC_ELCR_SLAVE:
		p->chip[1].elcr = val & 0xde;
		return 0;
	}
	return -EINVAL;
}

int xl_pic_in(struct xl_pic *p, u16 port, u8 *val)
{
	struct xl_pic_chip *c;

	if (!p || !val)
		return -EINVAL;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_SLAVE_CMD:
		c = &p->chip[port == PIC_SLAVE_CMD];
		*val = c->read_isr ? c->isr : c->irr;
		return 0;
	case PIC_MASTER_DATA:
	case PIC_SLAVE_DATA:
		*val = p->chip[port == PIC_SLAVE_DATA].imr;
		return 0;
	case PIC_ELCR_MASTER:
		*val = p->chip[0].elcr;
		return 0;
	case PIC_ELCR_SLAVE:
		*val = p->chip[1].elcr;
		return 0;
	}
	return -EINVAL;
}

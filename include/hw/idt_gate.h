/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit mode IDT gate descriptor, Intel SDM vol. 3A 6.14.1 (Figure 6-8,
 * "64-Bit IDT Gate Descriptors"). 16 bytes. Software builds these images
 * (the shadow IDT) before the CPU reads them, so bitfields are safe here.
 */
#ifndef XL_HW_IDT_GATE_H
#define XL_HW_IDT_GATE_H

#include "../xl_types.h"

/* SDM 3.5, Table 3-2: system descriptor types in IA-32e mode. */
#define IDT_GATE_TYPE_INTERRUPT	0xE
#define IDT_GATE_TYPE_TRAP	0xF

union xl_idt_gate {
	struct {
		u16 offset_low;		/* bits 15:0   offset 15:0 */
		u16 selector;		/* bits 31:16  code segment selector */
		u16 ist : 3,		/* bits 34:32  interrupt stack table */
		    zero0 : 5,		/* bits 39:35  must be 0 */
		    type : 4,		/* bits 43:40  gate type */
		    zero1 : 1,		/* bit  44     must be 0 */
		    dpl : 2,		/* bits 46:45  descriptor privilege level */
		    present : 1;	/* bit  47     P */
		u16 offset_mid;		/* bits 63:48  offset 31:16 */
		u32 offset_high;	/* bits 95:64  offset 63:32 */
		u32 reserved;		/* bits 127:96 */
	} __attribute__((packed)) f;
	u64 raw[2];
};
_Static_assert(sizeof(union xl_idt_gate) == 16, "SDM 6.14.1: gate is 16 bytes");

static inline u64 xl_idt_gate_offset(const union xl_idt_gate *g)
{
	return (u64)g->f.offset_low | ((u64)g->f.offset_mid << 16) |
	       ((u64)g->f.offset_high << 32);
}

static inline void xl_idt_gate_set_offset(union xl_idt_gate *g, u64 off)
{
	g->f.offset_low = off & 0xffff;
	g->f.offset_mid = (off >> 16) & 0xffff;
	g->f.offset_high = off >> 32;
}

/* Bytes a full 256-entry IDT occupies; IDTR.limit is this minus one. */
#define XL_IDT_BYTES	(XL_NR_VECTORS * sizeof(union xl_idt_gate))

/*
 * Error code pushed for a fault that references an IDT entry, SDM 6.13
 * (Figure 6-6): EXT (bit 0) set when an external event caused it, IDT
 * (bit 1) set when the index names an IDT gate, index in bits 15:3.
 */
#define XL_ERRCODE_EXT		XL_BIT(0)
#define XL_ERRCODE_IDT		XL_BIT(1)
#define XL_ERRCODE_TI		XL_BIT(2)
#define XL_ERRCODE_INDEX_SHIFT	3
#define XL_ERRCODE_INDEX_MASK	XL_GENMASK(15, 3)

#endif /* XL_HW_IDT_GATE_H */

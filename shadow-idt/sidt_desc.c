// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the descriptor-table exits that the shadow IDT's
 * descriptor-table exiting causes (SDM vol.3 26.1.3: SGDT, SIDT, LGDT,
 * LIDT exit with reason 46, SLDT, STR, LLDT, LTR with 47), so the engine
 * can emulate the stores itself: KVM's handle_desc is meant for its own
 * UMIP emulation and warns when CR4.UMIP is clear.
 *
 * The VM-exit instruction information gives the operand (SDM vol.3
 * 27.2.5), the exit qualification its displacement (SDM vol.3 27.2.1).
 * The instruction's bytes are read as well: for the operand size of a
 * register destination (the 0x66 prefix), which the information does not
 * give for SLDT/STR, and for RIP-relative addressing, which it does not
 * flag. They must agree with the information (opcode, ModRM.reg); a
 * guest rewriting them under another vCPU gains nothing, as the store is
 * then made with its own privileges (xl_hw_ops.guest_store).
 */
#include "xl_sidt.h"
#include "hw/vmx.h"
#include "xl_err.h"

#define DESC_INFO_SCALE(i)	((u32)(i) & 3)
#define DESC_INFO_REG1(i)	(((u32)(i) >> 3) & 0xf)
#define DESC_INFO_ASIZE(i)	(((u32)(i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 */
#define DESC_INFO_REG_OPERAND	XL_BIT(10)		/* LDTR/TR table only */
#define DESC_INFO_SEG(i)	(((u32)(i) >> 15) & 7)
#define DESC_INFO_INDEX(i)	(((u32)(i) >> 18) & 0xf)
#define DESC_INFO_NO_INDEX	XL_BIT(22)
#define DESC_INFO_BASE(i)	(((u32)(i) >> 23) & 0xf)
#define DESC_INFO_NO_BASE	XL_BIT(27)
#define DESC_INFO_IDENT(i)	(((u32)(i) >> 28) & 3)

/* Legacy prefixes, SDM vol.2 2.1.1. */
static bool legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

int xl_desc_decode(u32 reason, u64 info, u64 qual, const u8 *insn,
		   unsigned int len, struct xl_desc_op *op)
{
	unsigned int i = 0;
	bool p66 = false;
	u8 modrm;

	if (!op)
		return XL_FAIL(-EINVAL, "no operand to decode into");
	if (!insn)
		return XL_FAIL(-EINVAL, "no instruction bytes");
	if (len > 15)
		return XL_FAIL(-EINVAL, "instruction longer than 15 bytes");
	memset(op, 0, sizeof(*op));
	if (reason == EXIT_REASON_GDTR_IDTR)
		op->insn = (enum xl_desc_insn)DESC_INFO_IDENT(info);
	else if (reason == EXIT_REASON_LDTR_TR)
		op->insn = (enum xl_desc_insn)(XL_DESC_SLDT +
					       DESC_INFO_IDENT(info));
	else
		return XL_FAIL(-EINVAL, "exit reason is not 46 or 47 (SDM vol.3 26.1.3)");
	/* prefixes, then REX (SDM vol.2 2.2.1), then 0F 01 or 0F 00 /n */
	for (; i < len && legacy_prefix(insn[i]); i++)
		p66 |= insn[i] == 0x66;
	if (i < len && (insn[i] & 0xf0) == 0x40)
		i++;
	if (i + 3 > len)
		return XL_FAIL(-EINVAL, "instruction bytes end before ModRM");
	if (insn[i] != 0x0f)
		return XL_FAIL(-EINVAL, "opcode does not start with 0F");
	if (insn[i + 1] != (reason == EXIT_REASON_GDTR_IDTR ? 0x01 : 0x00))
		return XL_FAIL(-EINVAL, "second opcode byte does not match the exit reason (0F 01 for 46, 0F 00 for 47)");
	modrm = insn[i + 2];
	if (((modrm >> 3) & 7) != ((u32)op->insn & 3))
		return XL_FAIL(-EINVAL, "reg field of ModRM disagrees with the instruction information (SDM vol.3 27.2.5)");
	if (reason == EXIT_REASON_LDTR_TR && (info & DESC_INFO_REG_OPERAND)) {
		if (modrm >> 6 != 3)
			return XL_FAIL(-EINVAL, "register operand but ModRM.mod is not 3 (SDM vol.3 27.2.5)");
		op->reg_operand = true;
		op->reg16 = p66;
		op->reg = DESC_INFO_REG1(info);
		return 0;
	}
	/* 0F 01 with mod 3 is another instruction (VMCALL, ...) */
	if (modrm >> 6 == 3)
		return XL_FAIL(-EINVAL, "memory operand but ModRM.mod is 3 (another instruction, e.g. VMCALL)");
	if (DESC_INFO_ASIZE(info) != 1 && DESC_INFO_ASIZE(info) != 2)
		return XL_FAIL(-EINVAL, "address size is not 32 or 64 bits (SDM vol.3 27.2.5)");
	op->addr32 = DESC_INFO_ASIZE(info) == 1;
	op->seg = DESC_INFO_SEG(info);
	if (modrm >> 6 == 0 && (modrm & 7) == 5) {
		/* RIP-relative (SDM vol.2 2.2.1.6): disp32 after ModRM */
		if (i + 7 > len)
			return XL_FAIL(-EINVAL, "instruction bytes end before the RIP-relative disp32");
		op->rip_relative = true;
		op->disp = (s32)(insn[i + 3] | insn[i + 4] << 8 |
				 insn[i + 5] << 16 | (u32)insn[i + 6] << 24);
		return 0;
	}
	/* the displacement, sign-extended by the CPU (SDM vol.3 27.2.1) */
	op->disp = op->addr32 ? (s64)(s32)qual : (s64)qual;
	op->has_base = !(info & DESC_INFO_NO_BASE);
	op->base = DESC_INFO_BASE(info);
	op->has_index = !(info & DESC_INFO_NO_INDEX);
	op->index = DESC_INFO_INDEX(info);
	op->scale = DESC_INFO_SCALE(info);
	return 0;
}

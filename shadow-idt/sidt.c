// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow IDT construction and #NP decoding, after ELI's eli_enable and
 * eli_copy_idt_entry (notes/anchors.md 1.2). Gate layout: SDM vol. 3A
 * 6.14.1; #NP error code: SDM 6.13 and 6.15 ("Interrupt 11").
 */
#include "xl_sidt.h"
#include "hw/vmx.h"
#include "xl_err.h"

int xl_sidt_map_init(struct xl_sidt_map *m)
{
	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	memset(m, 0, sizeof(*m));
	xl_vec_set(m->keep, XL_SIDT_SYSCALL_VECTOR);
	return 0;
}

int xl_sidt_map_add(struct xl_sidt_map *m, unsigned int host_vec,
		    unsigned int guest_vec)
{
	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	if (host_vec < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "host vector below 32");
	if (host_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "host vector above 255");
	if (guest_vec < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL, "guest vector below 32");
	if (guest_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "guest vector above 255");
	/* A kept software-interrupt gate cannot also carry a device. */
	if (xl_vec_test(m->keep, host_vec))
		return -EBUSY;
	if (xl_vec_test(m->direct, host_vec) &&
	    m->guest_vec[host_vec] != guest_vec)
		return -EBUSY;
	m->guest_vec[host_vec] = guest_vec;
	xl_vec_set(m->direct, host_vec);
	return 0;
}

int xl_sidt_map_del(struct xl_sidt_map *m, unsigned int host_vec)
{
	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	if (host_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "host vector above 255");
	if (!xl_vec_test(m->direct, host_vec))
		return -ENOENT;
	xl_vec_clear(m->direct, host_vec);
	m->guest_vec[host_vec] = 0;
	return 0;
}

int xl_sidt_map_lookup(const struct xl_sidt_map *m, unsigned int host_vec)
{
	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	if (host_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "host vector above 255");
	if (!xl_vec_test(m->direct, host_vec))
		return -ENOENT;
	return m->guest_vec[host_vec];
}

int xl_sidt_map_rlookup(const struct xl_sidt_map *m, unsigned int guest_vec)
{
	unsigned int w, v;
	u64 bits;

	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	if (guest_vec >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL, "guest vector above 255");
	/* the identity gate first: it needs no vector of the host's */
	if (xl_vec_test(m->direct, guest_vec) &&
	    m->guest_vec[guest_vec] == guest_vec)
		return guest_vec;
	/* only the mapped host vectors: a DID IPI asks for every interrupt */
	for (w = 0; w < 4; w++) {
		for (bits = m->direct[w]; bits; bits &= bits - 1) {
			v = w * 64 + __builtin_ctzll(bits);
			if (m->guest_vec[v] == guest_vec)
				return v;
		}
	}
	return -ENOENT;
}

static int idt_limit_gates(u32 limit)
{
	/* IDTR.limit is bytes - 1 (SDM 6.10); whole 16-byte gates only. */
	if ((limit + 1) % sizeof(union xl_idt_gate))
		return XL_FAIL(-EINVAL,
			       "guest IDT limit is not 16n-1 (SDM 6.10)");
	if (limit + 1 > XL_IDT_BYTES)
		return XL_FAIL(-EINVAL,
			       "guest IDT limit beyond 256 gates (SDM 6.10)");
	if (limit == 0xffffffffu)
		return XL_FAIL(-EINVAL,
			       "guest IDT limit wraps to 0 gates (SDM 6.10)");
	return (limit + 1) / sizeof(union xl_idt_gate);
}

int xl_sidt_build(const union xl_idt_gate *guest, u32 guest_limit,
		  const struct xl_sidt_map *m, union xl_idt_gate *shadow)
{
	int n = idt_limit_gates(guest_limit);
	unsigned int v, gv;

	if (!guest)
		return XL_FAIL(-EINVAL, "no guest IDT");
	if (!m)
		return XL_FAIL(-EINVAL, "no vector map");
	if (!shadow)
		return XL_FAIL(-EINVAL, "no shadow IDT");
	if (n < 0)
		return n;
	/* Every mapped guest vector must have a handler to jump to. */
	for (v = XL_FIRST_EXTERNAL_VECTOR; v < XL_NR_VECTORS; v++) {
		if (!xl_vec_test(m->direct, v))
			continue;
		gv = m->guest_vec[v];
		if (gv >= (unsigned int)n)
			return XL_FAIL(-ENOENT, "mapped guest vector beyond guest IDT limit");
		if (!guest[gv].f.present)
			return XL_FAIL(-ENOENT, "guest IDT gate of a mapped vector is not present");
	}

	/*
	 * Not-present gates keep a valid gate type: the CPU checks the type
	 * before P (SDM vol.3 6.12.1.1, INT n pseudocode), so an all-zero
	 * gate would raise #GP in the guest instead of the #NP that exits.
	 */
	memset(shadow, 0, XL_IDT_BYTES);
	for (v = 0; v < XL_NR_VECTORS; v++)
		shadow[v].f.type = IDT_GATE_TYPE_INTERRUPT;
	for (v = 0; v < (unsigned int)n; v++) {
		if (v < XL_FIRST_EXTERNAL_VECTOR || xl_vec_test(m->keep, v))
			shadow[v] = guest[v];
	}
	/*
	 * Remapped gates: the whole guest gate (offset, selector, IST, type,
	 * DPL) so the guest handler runs exactly as if its own vector came.
	 */
	for (v = XL_FIRST_EXTERNAL_VECTOR; v < XL_NR_VECTORS; v++)
		if (xl_vec_test(m->direct, v))
			shadow[v] = guest[m->guest_vec[v]];
	return 0;
}

int xl_sidt_read_guest(const struct xl_hw *hw, u32 vcpu, u64 base, u32 limit,
		       union xl_idt_gate *buf)
{
	int n = idt_limit_gates(limit);

	if (!hw || !hw->ops)
		return XL_FAIL(-EINVAL, "no hw ops");
	if (!hw->ops->guest_read)
		return XL_FAIL(-EINVAL, "no guest read op");
	if (!buf)
		return XL_FAIL(-EINVAL, "no buffer for the guest IDT");
	if (n < 0)
		return n;
	memset(buf, 0, XL_IDT_BYTES);
	return hw->ops->guest_read(hw->priv, vcpu, base, buf,
				   n * sizeof(union xl_idt_gate));
}

int xl_sidt_write(const struct xl_hw *hw, u32 vcpu, u64 gva,
		  const union xl_idt_gate *shadow)
{
	if (!hw || !hw->ops)
		return XL_FAIL(-EINVAL, "no hw ops");
	if (!hw->ops->guest_write)
		return XL_FAIL(-EINVAL, "no guest write op");
	if (!shadow)
		return XL_FAIL(-EINVAL, "no shadow IDT");
	if (!gva)
		return XL_FAIL(-EINVAL, "shadow IDT address is 0");
	return hw->ops->guest_write(hw->priv, vcpu, gva, shadow, XL_IDT_BYTES);
}

int xl_sidt_np_decode(u64 exit_intr_info, u64 errcode, u64 idt_vec_info,
		      u8 *vector)
{
	u64 index;

	if (!vector)
		return XL_FAIL(-EINVAL, "no vector to return");
	if (!(exit_intr_info & INTR_INFO_VALID) ||
	    (exit_intr_info & INTR_INFO_TYPE_MASK) != INTR_TYPE_HW_EXCEPTION ||
	    (exit_intr_info & INTR_INFO_VECTOR_MASK) != XL_VEC_NP)
		return -ENOENT;
	/* SDM 6.15: #NP always pushes an error code. */
	if (!(exit_intr_info & INTR_INFO_ERRCODE_VALID))
		return XL_FAIL(-EINVAL,
			       "#NP exit without error code (SDM 6.15)");
	if (errcode >> 16)
		return XL_FAIL(-EINVAL,
			       "#NP error code above bit 15 (SDM 6.13)");
	/* IDT clear: the index names a GDT/LDT selector, not a gate. */
	if (!(errcode & XL_ERRCODE_IDT))
		return -ENOENT;
	/* EXT clear: the guest's own INT n, not an external interrupt. */
	if (!(errcode & XL_ERRCODE_EXT))
		return -ENOENT;
	index = (errcode & XL_ERRCODE_INDEX_MASK) >> XL_ERRCODE_INDEX_SHIFT;
	if (index >= XL_NR_VECTORS)
		return XL_FAIL(-EINVAL,
			       "#NP error code index above 255 (SDM 6.13)");
	if (index < XL_FIRST_EXTERNAL_VECTOR)
		return XL_FAIL(-EINVAL,
			       "#NP error code index is an exception vector");
	/*
	 * SDM 27.2.4: the interrupt being delivered when the #NP occurred is
	 * in the IDT-vectoring information; if present it must agree.
	 */
	if (idt_vec_info & INTR_INFO_VALID) {
		if ((idt_vec_info & INTR_INFO_TYPE_MASK) != INTR_TYPE_EXT_INTR)
			return XL_FAIL(-EINVAL, "event in IDT-vectoring info is not an external interrupt (SDM 27.2.4)");
		if ((idt_vec_info & INTR_INFO_VECTOR_MASK) != index)
			return XL_FAIL(-EINVAL, "vector in IDT-vectoring info is not the #NP index (SDM 27.2.4)");
	}
	*vector = index;
	return 0;
}

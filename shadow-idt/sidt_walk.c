// SPDX-License-Identifier: GPL-2.0
/*
 * Where the guest's own paging puts the shadow IDT. The CPU reads the IDT
 * through IDTR, a linear address (SDM vol.3 6.10), so the page the engine
 * writes is the shadow IDT only while the guest's page tables map that
 * address to it: a guest kernel that maps a frame of its own there would
 * have host interrupts delivered through gates it wrote. The hypervisor
 * walks the guest's tables at entry and keeps direct mode off while the
 * address maps anything else, and tracks writes to the entries the walk
 * used (kmod/vmx/shadow_map.c).
 *
 * 4-level paging only (SDM vol.3 4.5, IA-32e mode with CR4.LA57 clear):
 * PML4E, PDPTE (bit 7: a 1-GByte page), PDE (bit 7: a 2-MByte page),
 * PTE; bit 0 present; physical address bits 51:12 of each entry.
 */
#include "xl_sidt.h"
#include "xl_err.h"

#define XL_PTE_PRESENT		XL_BIT(0)
#define XL_PTE_PS		XL_BIT(7)
#define XL_PTE_ADDR		XL_GENMASK(51, 12)

/* A linear address is canonical when bits 63:47 are all equal (4.5). */
static bool xl_canonical48(u64 la)
{
	u64 top = la >> 47;

	return top == 0 || top == 0x1ffff;
}

int xl_sidt_walk(u64 cr3, u64 la, xl_read_phys_fn read, void *ctx,
		 struct xl_walk *w)
{
	/* page-size mask of the level's large page: PDPTE 1 GiB, PDE 2 MiB */
	static const u64 large[4] = { 0, XL_BIT(30) - 1, XL_BIT(21) - 1, 0 };
	u64 table = cr3 & XL_PTE_ADDR, entry;
	unsigned int level;
	int ret;

	if (!read)
		return XL_FAIL(-EINVAL, "no guest-physical read function");
	if (!w)
		return XL_FAIL(-EINVAL, "no walk result");
	if (!xl_canonical48(la))
		return XL_FAIL(-EINVAL, "linear address is not canonical (SDM vol.3 4.5)");
	w->levels = 0;
	for (level = 0; level < 4; level++) {
		unsigned int shift = 39 - 9 * level;
		u64 at = table + ((la >> shift) & 0x1ff) * 8;

		ret = read(ctx, at, &entry);
		if (ret)
			return ret;
		w->entry_gpa[w->levels++] = at;
		if (!(entry & XL_PTE_PRESENT))
			return -ENOENT;
		if (large[level] && (entry & XL_PTE_PS)) {
			w->gpa = (entry & XL_PTE_ADDR & ~large[level]) |
				 (la & large[level]);
			return 0;
		}
		table = entry & XL_PTE_ADDR;
	}
	w->gpa = table | (la & 0xfff);
	return 0;
}

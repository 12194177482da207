/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d interrupt remapping table entry, 128 bits: remapped format (VT-d
 * spec 9.10, Figure 9-36) and posted format (9.11, Figure 9-37). Software
 * builds the image and publishes it with 64-bit stores (high word first when
 * making an entry present), so bitfield views are safe on the image.
 */
#ifndef XL_HW_IRTE_H
#define XL_HW_IRTE_H

#include "../xl_types.h"

/* Delivery modes, VT-d 9.10 (DLM), the same encoding as MSI data 10:8. */
#define IRTE_DLM_FIXED		0
#define IRTE_DLM_LOWPRI		1
#define IRTE_DLM_SMI		2
#define IRTE_DLM_NMI		4
#define IRTE_DLM_INIT		5
#define IRTE_DLM_EXTINT		7

union xl_irte {
	struct {			/* 9.10, IM = 0 */
		u64 present : 1,	/*  0      P */
		    fpd : 1,		/*  1      fault processing disable */
		    dest_mode : 1,	/*  2      DM: 0 physical, 1 logical */
		    redir_hint : 1,	/*  3      RH */
		    trigger_mode : 1,	/*  4      TM: 0 edge, 1 level */
		    dlm : 3,		/*  7:5    delivery mode */
		    avail : 4,		/* 11:8 */
		    rsvd0 : 3,		/* 14:12 */
		    im : 1,		/* 15      IRTE mode, 0 here */
		    vector : 8,		/* 23:16 */
		    rsvd1 : 8,		/* 31:24 */
		    dest : 32;		/* 63:32   xAPIC: 47:40, x2APIC: 63:32 */
		u64 sid : 16,		/* 79:64   source id (requester id) */
		    sq : 2,		/* 81:80   source-id qualifier */
		    svt : 2,		/* 83:82   source validation type */
		    rsvd2 : 44;		/* 127:84 */
	} remap;
	struct {			/* 9.11, IM = 1 */
		u64 present : 1,	/*  0 */
		    fpd : 1,		/*  1 */
		    rsvd0 : 6,		/*  7:2 */
		    avail : 4,		/* 11:8 */
		    rsvd1 : 2,		/* 13:12 */
		    urgent : 1,		/* 14      URG */
		    im : 1,		/* 15      1 here */
		    vector : 8,		/* 23:16   virtual vector posted */
		    rsvd2 : 14,		/* 37:24 */
		    pda_low : 26;	/* 63:38   descriptor address 31:6 */
		u64 sid : 16,		/* 79:64 */
		    sq : 2,		/* 81:80 */
		    svt : 2,		/* 83:82 */
		    rsvd3 : 12,		/* 95:84 */
		    pda_high : 32;	/* 127:96  descriptor address 63:32 */
	} post;
	struct {
		u64 low;
		u64 high;
	};
};
_Static_assert(sizeof(union xl_irte) == 16, "VT-d 9.10: IRTE is 128 bits");

/* Reserved bits that must be zero; a set one is a malformed entry. */
#define IRTE_REMAP_RSVD_LOW	(XL_GENMASK(14, 12) | XL_GENMASK(31, 24))
#define IRTE_REMAP_RSVD_HIGH	XL_GENMASK(63, 20)
#define IRTE_POST_RSVD_LOW	(XL_GENMASK(7, 2) | XL_GENMASK(13, 12) | \
				 XL_GENMASK(37, 24))
#define IRTE_POST_RSVD_HIGH	XL_GENMASK(31, 20)
#define IRTE_IM			XL_BIT(15)

#endif /* XL_HW_IRTE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message-signalled interrupts: compatibility format, Intel SDM vol. 3A
 * 11.11.1 (address, Figure 11-24) and 11.11.2 (data, Figure 11-25), and the
 * remappable format that VT-d defines (VT-d spec 5.1.2.2, Figure 5-3).
 */
#ifndef XL_HW_MSI_H
#define XL_HW_MSI_H

#include "../xl_types.h"

#define MSI_ADDR_BASE			0xfee00000u
#define MSI_ADDR_BASE_MASK		0xfff00000u	/* bits 31:20 = 0xFEE */
#define MSI_ADDR_DEST_SHIFT		12		/* bits 19:12 */
#define MSI_ADDR_DEST_MASK		XL_GENMASK(19, 12)
#define MSI_ADDR_RH			XL_BIT(3)	/* redirection hint */
#define MSI_ADDR_DM			XL_BIT(2)	/* 1 = logical */
/* VT-d 5.1.2.2: remappable format. */
#define MSI_ADDR_IF_REMAP		XL_BIT(4)	/* interrupt format */
#define MSI_ADDR_HANDLE_LOW_SHIFT	5		/* handle 14:0 */
#define MSI_ADDR_HANDLE_LOW_MASK	XL_GENMASK(19, 5)
#define MSI_ADDR_SHV			XL_BIT(3)	/* subhandle valid */
#define MSI_ADDR_HANDLE15		XL_BIT(2)	/* handle bit 15 */

#define MSI_DATA_VECTOR_MASK		XL_GENMASK(7, 0)
#define MSI_DATA_DLM_SHIFT		8		/* bits 10:8 */
#define MSI_DATA_DLM_MASK		XL_GENMASK(10, 8)
#define MSI_DATA_LEVEL_ASSERT		XL_BIT(14)
#define MSI_DATA_TRIGGER_LEVEL		XL_BIT(15)

#endif /* XL_HW_MSI_H */

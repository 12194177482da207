/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The delivery modes' names, one table for all who print or parse them:
 * the engine (core/), exitless.ko and the `exitless` tool. It is indexed by
 * the uapi's enum xl_ioc_mode; the engine's enum xl_mode numbers the modes
 * the same way (asserted in xl_engine.h), so the table serves both, and
 * exitless.ko hands a mode from XL_IOC_SET_MODE to the engine unchanged.
 */
#ifndef XL_MODES_H
#define XL_MODES_H

#include "xl_types.h"
#include "uapi/exitless.h"

/* The mode's name, or "invalid" for a number that is no mode. */
static inline const char *xl_mode_str(unsigned int mode)
{
	static const char *const names[XL_IOC_NR_MODES] = {
		[XL_IOC_MODE_BASELINE] = "baseline",
		[XL_IOC_MODE_ELI] = "eli",
		[XL_IOC_MODE_PI] = "pi",
		[XL_IOC_MODE_DID] = "did",
	};

	return mode < XL_IOC_NR_MODES ? names[mode] : "invalid";
}

/* The mode named @name (exactly, lower case), or -EINVAL. */
static inline int xl_mode_from_str(const char *name)
{
	unsigned int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < XL_IOC_NR_MODES; i++)
		if (!strcmp(name, xl_mode_str(i)))
			return i;
	return -EINVAL;
}

#endif /* XL_MODES_H */

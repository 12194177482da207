// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace home's xl_err_note/xl_err_take (include/xl_err.h): one
 * note per thread. exitless.ko has its own (kmod/err.c).
 */
#include <stddef.h>

#include "xl_err.h"

static __thread const struct xl_err_site *xl_err_last;

void xl_err_note(const struct xl_err_site *site)
{
	xl_err_last = site;
}

const struct xl_err_site *xl_err_take(void)
{
	const struct xl_err_site *site = xl_err_last;

	xl_err_last = NULL;
	return site;
}

void xl_err_forget(void)
{
	xl_err_last = NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failed checks, named. A mechanism that refuses its input returns
 *
 *	return XL_FAIL(-EINVAL, "IDT limit is not 8n-1 (SDM 6.10)");
 *
 * which returns the error code as before and notes, for the caller that
 * reports it, which check failed and where (the manner of Jailhouse's
 * trace_error). Each site is a static record, so noting is one store and
 * the reason a pointer to read-only data.
 *
 * The note belongs to the thread that failed: xl_err_take() gives the last
 * site noted by the calling thread since its previous take, or NULL. Each
 * home of the mechanisms implements the pair: the userspace tests and
 * tools with a thread-local (core/err.c), exitless.ko per CPU, tagged with
 * the task (kmod/err.c), where a take that cannot be sure the note is its
 * own returns NULL rather than another thread's reason.
 */
#ifndef XL_ERR_H
#define XL_ERR_H

struct xl_err_site {
	const char *func;	/* the function that refused */
	const char *why;	/* the check that failed */
	int line;
};

void xl_err_note(const struct xl_err_site *site);
const struct xl_err_site *xl_err_take(void);
/*
 * Drop the calling thread's note: before a call whose failure will be
 * reported, as a caller may have absorbed an earlier failure (a decode
 * that says "not mine") without taking its note.
 */
void xl_err_forget(void);

/* @code (a negative errno), noted with @why: a string literal */
#define XL_FAIL(code, why) ({						\
	static const struct xl_err_site xl_site_ = {			\
		__func__, why, __LINE__					\
	};								\
	xl_err_note(&xl_site_);						\
	(code);								\
})

#endif /* XL_ERR_H */

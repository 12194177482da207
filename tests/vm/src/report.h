/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one reporter of the in-guest test programs (xl-kmodtest, xl-pitest,
 * xl-elitest), after kvm-unit-tests' lib/report.c: each check prints one
 * line the rigs grade,
 *
 *	XLTEST PASS|FAIL|SKIP <prefix><name>[: detail]
 *
 * and report_summary() closes the program's run with
 * "<program>: P passed, F failed, S skipped" and its exit status.
 */
#ifndef XL_VM_REPORT_H
#define XL_VM_REPORT_H

#include <stdbool.h>

/* Put before every name reported from now on ("" for none). */
void report_prefix(const char *prefix);

/* One check: @fmt is its name, then ": " and the detail if any. */
void report(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One check with its name apart: the detail (@fmt, may be NULL) after ": ". */
void report_named(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A check that could not run here, and why. */
void report_skip(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prints the closing line for @program; returns the exit status: 1 when a
 * check failed, 77 when every check was skipped, else 0.
 */
int report_summary(const char *program);

#endif

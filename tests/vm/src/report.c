// SPDX-License-Identifier: GPL-2.0
/* The in-guest test programs' reporter (report.h). */
#include <stdarg.h>
#include <stdio.h>

#include "report.h"

static const char *report_pfx = "";
static int passed, failed, skipped;

void report_prefix(const char *prefix)
{
	report_pfx = prefix ? prefix : "";
}

/* Flushed line by line: a program that dies keeps what it reported. */
static void report_line(const char *kind, const char *name, const char *fmt,
			va_list ap)
{
	printf("XLTEST %s %s", kind, report_pfx);
	if (name) {
		fputs(name, stdout);
		if (fmt)
			fputs(": ", stdout);
	}
	if (fmt)
		vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

static void report_count(bool ok)
{
	if (ok)
		passed++;
	else
		failed++;
}

void report(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line(ok ? "PASS" : "FAIL", NULL, fmt, ap);
	va_end(ap);
	report_count(ok);
}

void report_named(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line(ok ? "PASS" : "FAIL", name, fmt, ap);
	va_end(ap);
	report_count(ok);
}

void report_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line("SKIP", name, fmt, ap);
	va_end(ap);
	skipped++;
}

int report_summary(const char *program)
{
	printf("%s: %d passed, %d failed, %d skipped\n", program, passed,
	       failed, skipped);
	fflush(stdout);
	if (failed)
		return 1;
	return passed ? 0 : (skipped ? 77 : 0);
}
